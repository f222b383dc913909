"""Run the app under gunicorn (production) or Werkzeug's reloader (`--dev`).

gunicorn's gthread worker serves each connection on one of a fixed number of threads, and a blocked
read or write holds its thread as long as the client likes. `BoundedThreadWorker` bounds every client
by `client_timeout` so that slow or stalled clients cannot starve the others:

- a new connection takes a thread only once it has sent something (gthread would hold one for 5 s
  waiting); until then it waits on the worker's poller among gthread's pending connections, which the
  poller closes after `keepalive` seconds;
- once a thread has taken a connection, the client has client_timeout seconds to send the request's
  headers and body (bodies.py reads the body whole); after that it is answered 408 and the connection
  is shut, by a watchdog, since a blocking read can be bounded only per call, not per request;
- each write of the answer may wait client_timeout seconds for the client to take it.
"""
from __future__ import annotations

import logging
import os
import selectors
import socket
import sys
import threading
import time
from collections.abc import Callable
from functools import partial

from flask import Flask
from gunicorn.app.base import BaseApplication
from gunicorn.workers.gthread import TConn, ThreadWorker

from .app import create_app
from .bodies import REQUEST_READ
from .settings import Settings


class _Gunicorn(BaseApplication):
    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        super().__init__()

    def load_config(self) -> None:
        s = self.settings
        self.cfg.set("bind", f"{s.host}:{s.port}")
        # One worker per core by default: the GIL holds one worker to one core, and most of a cached
        # answer's cost is Flask and gunicorn (benchmarks/results/compare-reform.md).
        self.cfg.set("workers", s.workers or os.cpu_count() or 1)
        self.cfg.set("threads", s.threads)
        self.cfg.set("worker_class", f"{__name__}.BoundedThreadWorker")
        # gthread workers heartbeat from their main loop, so this bounds a stuck worker, not a query.
        self.cfg.set("timeout", int(s.query_timeout) + 30)
        self.cfg.set("accesslog", None)  # the app writes its own structured access log
        self.cfg.set("errorlog", "-")
        self.cfg.set("loglevel", s.log_level.lower())

    def load(self) -> Flask:
        # Called in each worker after the fork: each has its own query engines.
        return create_app(self.settings)


class _Deadlines:
    """Connections whose request must have arrived by a deadline; a watchdog thread answers the late
    ones 408 and shuts them, which ends the read their thread is blocked in."""

    FIRED = -1.0
    TICK = 0.1

    def __init__(self, timeout: float) -> None:
        self.timeout = timeout
        message = (f"408 request timeout: the request did not arrive within {timeout:g} s, the limit set by "
                   "client_timeout\n").encode()
        self.farewell = (b"HTTP/1.1 408 Request Timeout\r\nConnection: close\r\n"
                         b"Content-Type: text/plain; charset=utf-8\r\nContent-Length: %d\r\n\r\n%s"
                         % (len(message), message))
        self._due: dict[socket.socket, float] = {}
        self._lock = threading.Lock()
        threading.Thread(target=self._watch, daemon=True, name="client-deadlines").start()

    def arm(self, sock: socket.socket) -> None:
        with self._lock:
            self._due[sock] = time.monotonic() + self.timeout

    def disarm(self, sock: socket.socket) -> bool:
        """Stop watching; False if the deadline had passed and the client has been answered 408."""
        with self._lock:
            return self._due.pop(sock, None) != self.FIRED

    def _watch(self) -> None:
        while True:
            time.sleep(self.TICK)
            now = time.monotonic()
            with self._lock:
                # Under the lock, so that no thread closes a socket while it is being shut.
                for sock, due in self._due.items():
                    if due != self.FIRED and due <= now:
                        self._due[sock] = self.FIRED
                        try:
                            sock.send(self.farewell, socket.MSG_DONTWAIT)
                            sock.shutdown(socket.SHUT_RDWR)
                        except OSError:  # the client has gone already
                            pass


class BoundedThreadWorker(ThreadWorker):
    """gthread with every client's time bounded (see the module docstring)."""

    def init_process(self) -> None:
        self.client_timeout = self.app.settings.client_timeout
        self.deadlines = _Deadlines(self.client_timeout)
        super().init_process()

    def load_wsgi(self) -> None:
        super().load_wsgi()
        app = self.wsgi

        def bounded(environ: dict, start_response: Callable):
            environ[REQUEST_READ] = partial(self._request_read, environ["gunicorn.socket"])
            return app(environ, start_response)

        self.wsgi = bounded

    def enqueue_req(self, conn: TConn) -> None:
        """A new connection that has sent nothing yet waits on the poller, as gthread's pending
        connections do; it reaches a thread when it is readable (or gthread's own path already knows)."""
        if conn.initialized or conn.data_ready or conn.wait_for_data(0):
            super().enqueue_req(conn)
            return
        conn.timeout = time.monotonic() + self.cfg.keepalive
        self.pending_conns.append(conn)
        self.poller.register(conn.sock, selectors.EVENT_READ, partial(self.on_pending_socket_readable, conn))

    def handle(self, conn: TConn):
        sock = conn.sock
        self.deadlines.arm(sock)
        try:
            return super().handle(conn)
        finally:
            self.deadlines.disarm(sock)

    def _request_read(self, sock: socket.socket) -> bool:
        """The body is in: stop the request's deadline, and bound each write of the answer instead."""
        if not self.deadlines.disarm(sock):
            return False
        sock.settimeout(self.client_timeout)
        return True


def configure_logging(settings: Settings) -> None:
    """Access log lines as they are (JSON), everything else with time and level, all to stderr."""
    access = logging.getLogger("reformkg.access")
    if not access.handlers:
        handler = logging.StreamHandler(sys.stderr)
        handler.setFormatter(logging.Formatter("%(message)s"))
        access.addHandler(handler)
        access.propagate = False
    main = logging.getLogger("reformkg")
    if not main.handlers:
        handler = logging.StreamHandler(sys.stderr)
        handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s %(message)s"))
        main.addHandler(handler)
    main.setLevel(settings.log_level.upper())


class _Lazy:
    """Creates the app on the first request, so that the reloader's watcher process starts no engines."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.app: Flask | None = None

    def __call__(self, environ, start_response):
        if self.app is None:
            self.app = create_app(self.settings)
        return self.app(environ, start_response)


def run(settings: Settings, dev: bool = False) -> None:
    configure_logging(settings)
    if dev:
        from werkzeug.serving import run_simple

        # No interactive debugger: it would show stack traces to clients.
        run_simple(settings.host, settings.port, _Lazy(settings), use_reloader=True, use_debugger=False,
                   threaded=True)
    else:
        _Gunicorn(settings).run()
