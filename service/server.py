"""Run the app under gunicorn (production) or Werkzeug's reloader (`--dev`).

gunicorn's gthread worker serves each connection on one of a fixed number of threads, and a blocked
read or write holds its thread as long as the client likes. `BoundedThreadWorker` keeps slow or
stalled clients from starving the others (issue 15; benchmarks/results/slow_clients.md):

- a connection waits in a waiting room on the worker's poller until its request has arrived whole
  (head and body, up to arrival.READ_AHEAD bytes): sending half a request and waiting costs a buffer
  and a file descriptor, not a thread; one whose request has not arrived within client_timeout is
  answered 408 (or, if it sent nothing, closed);
- raw UTF-8 in a request target, as browsers and curl send it, is percent-encoded there before
  gunicorn's parser, which refuses it (arrival.encode_target);
- the waiting room reads plain HTTP: TLS, which the service does not configure, would have to end in a
  proxy in front of it;
- once a thread has taken a connection, the rest of the request (a body past READ_AHEAD) must arrive
  by the same deadline; after it the client is answered 408 and the connection shut, by a watchdog,
  since a blocking read can be bounded only per call, not per request;
- each write of the answer may wait client_timeout seconds for the client to take it;
- a thread that has answered a kept-alive connection waits LINGER_SECONDS for its next request and
  answers it too if it comes whole: a client sending one request after another (a script, a query
  editor, a benchmark) pays no hand-over between the poller and a thread; part of a request goes to the
  waiting room, as it would from the poller.
- a worker holding more connections than another leaves new ones to it for a moment (spread.py), so
  that a few kept-alive clients do not all end up on one worker, and so on one core.

Each instance is on its own: gunicorn's control socket, one path in the home directory shared by every
instance (stopping one removed another's), is off. A stopping worker drops the connections still in
the waiting room, so an idle server exits at once on SIGTERM; requests being answered get
GRACEFUL_SECONDS.
"""
from __future__ import annotations

import logging
import os
import select
import selectors
import socket
import sys
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from functools import partial

from flask import Flask
from gunicorn.app.base import BaseApplication
from gunicorn.workers.gthread import TConn, ThreadWorker

from . import arrival, clients, spread
from .app import create_app
from .bodies import REQUEST_READ
from .settings import Settings


CONNECTIONS = 10_000
"""Connections one worker holds open; a waiting one costs a socket and its buffer, not a thread."""
GRACEFUL_SECONDS = 5
"""How long a stopping worker lets the requests it has taken finish (gunicorn's default is 30 s)."""
LINGER_SECONDS = 0.002
"""How long a thread that has answered a kept-alive connection waits for its next request before it
gives the connection back to the poller: a client that sends requests one after another gets them
answered on the same thread, with no hand-over; an idle one holds a thread this long. No thread
lingers while another connection waits for one."""
LINGER_REQUESTS = 100
"""The most requests of one connection a thread answers in a row before it gives the connection back."""


class _Gunicorn(BaseApplication):
    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        # Made before the workers are forked, so that they share it; room for a reload's new workers
        # beside the old ones.
        self.spread = spread.Spread(2 * self._workers())
        super().__init__()

    def _workers(self) -> int:
        return self.settings.workers or os.cpu_count() or 1

    def load_config(self) -> None:
        s = self.settings
        self.cfg.set("bind", f"{s.host}:{s.port}")
        # One worker per core by default: the GIL holds one worker to one core, and most of a cached
        # answer's cost is Flask and gunicorn (benchmarks/results/compare-reform.md).
        self.cfg.set("workers", self._workers())
        self.cfg.set("threads", s.threads)
        self.cfg.set("worker_class", f"{__name__}.BoundedThreadWorker")
        # gthread workers heartbeat from their main loop, so this bounds a stuck worker, not a query.
        self.cfg.set("timeout", int(s.query_timeout) + 30)
        self.cfg.set("worker_connections", CONNECTIONS)
        self.cfg.set("graceful_timeout", GRACEFUL_SECONDS)
        self.cfg.set("control_socket_disable", True)
        self.cfg.set("accesslog", None)  # the app writes its own structured access log
        self.cfg.set("errorlog", "-")
        self.cfg.set("loglevel", s.log_level.lower())
        self.cfg.set("child_exit", self._child_exit)

    def _child_exit(self, arbiter, worker) -> None:
        self.spread.release(worker.pid)

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

    def arm(self, sock: socket.socket, due: float) -> None:
        with self._lock:
            self._due[sock] = due

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


@dataclass
class _Arrival:
    """What a connection in the waiting room has sent so far, and by when its request must be whole."""

    data: bytearray
    due: float


class BoundedThreadWorker(ThreadWorker):
    """gthread with a waiting room and every client's time bounded (see the module docstring)."""

    def init_process(self) -> None:
        self.client_timeout = self.app.settings.client_timeout
        self.deadlines = _Deadlines(self.client_timeout)
        self.arriving: dict[TConn, _Arrival] = {}
        """The waiting room, in the order of the deadlines (all are client_timeout from arriving)."""
        self.arrived: dict[TConn, tuple[bytes, float | None, float]] = {}
        """Connections handed to a thread with what they sent, the deadline for the rest of it (None
        when all of it came), and when it was handed over."""
        self.taken: dict[socket.socket, float] = {}
        """The sockets whose request a thread is handling, and when that request was whole."""
        self.queued = 0
        """Connections handed to the thread pool that no thread has taken yet."""
        self._queue_lock = threading.Lock()
        self.lingered: dict[TConn, bytes] = {}
        """Part of a next request that a thread read while it lingered (`handle`), for the waiting room."""
        self.leaving = spread.Leaving(getattr(self.app, "spread", None))
        super().init_process()

    def load_wsgi(self) -> None:
        super().load_wsgi()
        app = self.wsgi

        def bounded(environ: dict, start_response: Callable):
            sock = environ["gunicorn.socket"]
            environ[REQUEST_READ] = partial(self._request_read, sock)
            with clients.connected(sock, self.taken.get(sock, time.monotonic())):
                return app(environ, start_response)

        self.wsgi = bounded

    def enqueue_req(self, conn: TConn) -> None:
        """A connection waits in the waiting room for its request, unless it has arrived already,
        or the parser holds its bytes (a pipelined request that a read of the previous one took)."""
        if conn in self.arrived or conn.initialized and conn.parser.unreader.buf.getvalue():
            self._hand_over(conn)
            return
        conn.sock.setblocking(False)
        self.arriving[conn] = _Arrival(bytearray(), time.monotonic() + self.client_timeout)
        # A kept-alive connection comes here readable, and its request is usually whole already:
        # read it now rather than after another round of the poller.
        if not self._read(conn):
            self.poller.register(conn.sock, selectors.EVENT_READ, partial(self._on_readable, conn))

    def _hand_over(self, conn: TConn) -> None:
        """Give the connection to a thread; counted until one takes it, so that none lingers meanwhile."""
        with self._queue_lock:
            self.queued += 1
        super().enqueue_req(conn)

    def _on_readable(self, conn: TConn, sock: socket.socket) -> None:
        self._read(conn, registered=True)

    def _read(self, conn: TConn, registered: bool = False) -> bool:
        """Read what the client has sent; True once the connection has left the waiting room (its
        request is whole, or it has closed)."""
        waiting = self.arriving[conn]
        try:
            data = conn.sock.recv(arrival.READ_AHEAD)
        except BlockingIOError:
            return False
        except OSError:
            data = b""
        if not data and not waiting.data:
            self._drop(conn)
            return True
        waiting.data += data
        # At the end of what the client sends (it may still read), the parser says what is missing.
        if data and not arrival.whole(waiting.data):
            return False
        if registered:
            self.poller.unregister(conn.sock)
        del self.arriving[conn]
        rest = waiting.due if len(waiting.data) > arrival.READ_AHEAD else None
        self.arrived[conn] = (arrival.encode_target(bytes(waiting.data)), rest, time.monotonic())
        conn.data_ready = True
        self._hand_over(conn)
        return True

    def _drop(self, conn: TConn, farewell: bytes = b"") -> None:
        """Close a connection in the waiting room, after `farewell` if the socket takes it at once."""
        del self.arriving[conn]
        try:
            if conn.sock in self.poller.get_map():
                self.poller.unregister(conn.sock)
            if farewell:
                conn.sock.send(farewell)
        except (OSError, KeyError, ValueError):
            pass
        self.nr_conns -= 1
        conn.close()

    def murder_pending(self) -> None:
        """Answer 408 to the waiting connections past their deadline (close those that sent nothing),
        and, once the worker is stopping, close them all: their requests were never taken."""
        super().murder_pending()
        now = time.monotonic()
        for conn, waiting in list(self.arriving.items()):
            if self.alive and waiting.due > now:
                break
            self._drop(conn, self.deadlines.farewell if waiting.data and self.alive else b"")
        # The loop's last step: what the kept-alive and waiting connections closed just now counts at once.
        self.leaving.publish(self.nr_conns)

    def wait_for_and_dispatch_events(self, timeout: float) -> None:
        # Wake for the first deadline in the waiting room (gthread waits up to a second), at once
        # when stopping, and when a pause in accepting ends.
        if self.arriving:
            first = next(iter(self.arriving.values())).due if self.alive else 0.0
            timeout = max(0.0, min(timeout, first - time.monotonic()))
        if not self._accepting and self.leaving.paused():
            timeout = min(timeout, self.leaving.paused())
        super().wait_for_and_dispatch_events(timeout)
        self.leaving.publish(self.nr_conns)

    def run(self) -> None:
        self.leaving.join()
        super().run()

    def accept(self, listener: socket.socket) -> None:
        """Take the waiting connection, unless another worker holds fewer (spread.py)."""
        if self.leaving.leave(self.nr_conns):
            self.set_accept_enabled(False)
            return
        super().accept(listener)
        self.leaving.publish(self.nr_conns)

    def set_accept_enabled(self, enabled: bool) -> None:
        # gthread's loop turns accepting back on at each round; not before a pause has ended.
        if enabled and self.leaving.paused():
            return
        super().set_accept_enabled(enabled)

    def handle(self, conn: TConn):
        with self._queue_lock:
            self.queued -= 1
        early, due, whole = self.arrived.pop(conn, (b"", None, time.monotonic()))
        for _ in range(LINGER_REQUESTS):
            keepalive = self._answer(conn, early, due, whole)
            # Not while another connection waits for a thread: a client that keeps sending would
            # keep its thread, and the others would wait behind it.
            if not keepalive or not self.alive or conn.parser.unreader.buf.getvalue() or self.queued > 0:
                return keepalive
            # The client is likely to send its next request at once (a script, a query editor, a
            # benchmark): wait a little for it here rather than give the connection back to the
            # poller, which costs a hand-over between threads each way (benchmarks/results/http-front.md).
            early = self._linger(conn.sock)
            if early is None:  # nothing yet: the poller waits for it, holding no thread
                return keepalive
            if not early:  # the client closed the connection
                return False
            if not arrival.whole(early):  # part of a request: the rest arrives in the waiting room
                self.lingered[conn] = early
                return keepalive
            early, due, whole = arrival.encode_target(early), None, time.monotonic()
        return self._answer(conn, early, due, whole)

    def _answer(self, conn: TConn, early: bytes, due: float | None, whole: float):
        """One request of the connection, `early` its bytes read already (by the waiting room)."""
        sock = conn.sock
        if early:
            sock.setblocking(True)
            conn.init()
            conn.parser.unreader.unread(early)
        # A request that came whole met its deadline, however long it then waited for this thread:
        # what is left to read (nothing, or a body after 100-continue) gets client_timeout from now.
        self.deadlines.arm(sock, time.monotonic() + self.client_timeout if due is None else due)
        self.taken[sock] = whole
        try:
            return super().handle(conn)
        finally:
            self.deadlines.disarm(sock)
            del self.taken[sock]

    @staticmethod
    def _linger(sock: socket.socket) -> bytes | None:
        """What the client sends within LINGER_SECONDS (b"": it closed), or None if it sent nothing."""
        waiting = select.poll()
        waiting.register(sock, select.POLLIN)
        if not waiting.poll(LINGER_SECONDS * 1000):
            return None
        try:
            return sock.recv(arrival.READ_AHEAD, socket.MSG_DONTWAIT)
        except BlockingIOError:
            return None
        except OSError:
            return b""

    def finish_request(self, conn: TConn, fs) -> None:
        """A request that began to arrive while its thread lingered waits for the rest in the waiting room."""
        early = self.lingered.pop(conn, None)
        if early is None or not self.alive or fs.cancelled() or fs.result() is not True:
            super().finish_request(conn, fs)
            return
        conn.sock.setblocking(False)
        self.arriving[conn] = _Arrival(bytearray(early), time.monotonic() + self.client_timeout)
        if not self._read(conn):
            self.poller.register(conn.sock, selectors.EVENT_READ, partial(self._on_readable, conn))

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
