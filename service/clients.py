"""Whether the client of the request being answered is still there, for work that may stop without it.

A query waiting for an engine or running on one (store/embedded/executor.py) holds a process that a
client who has closed its connection no longer needs (issue 15: a runaway burned ~18 s of CPU after
its client left). The web server (server.py) says which socket each request came on, and the executor
asks `watch()` for a check of it, and `arrived()` for when the request had arrived whole, since a
request's deadline counts from then.

A client that has sent its whole request (bodies.py reads the body before any view runs) has nothing
more to send, so a readable socket that reads as empty means the client closed it. A client that
only shut its sending side (rare: HTTP clients close both) looks the same and loses its query too.
"""
from __future__ import annotations

import select
import socket
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from functools import partial

_SOCKET: ContextVar[socket.socket | None] = ContextVar("client_socket", default=None)
_ARRIVED: ContextVar[float | None] = ContextVar("request_arrived", default=None)


@contextmanager
def connected(sock: socket.socket, arrived: float) -> Iterator[None]:
    """The request being handled in this thread came on `sock` and was whole at `arrived`
    (time.monotonic()), until the block ends."""
    tokens = _SOCKET.set(sock), _ARRIVED.set(arrived)
    try:
        yield
    finally:
        _SOCKET.reset(tokens[0])
        _ARRIVED.reset(tokens[1])


def arrived() -> float:
    """When the current request was whole (time.monotonic()): a deadline counts from there, the time
    it waited for a thread included; now where no web server says (the test client, `--dev`)."""
    when = _ARRIVED.get()
    return time.monotonic() if when is None else when


def watch() -> Callable[[], bool]:
    """A check that says True once the current request's client has closed its connection; always
    False where no web server said which socket it came on (the test client, `--dev`, the CLI)."""
    sock = _SOCKET.get()
    return _never if sock is None else partial(_closed, sock)


def _never() -> bool:
    return False


def _closed(sock: socket.socket) -> bool:
    # poll, not select: a worker holds thousands of connections, and select stops at descriptor 1024.
    # Only a readable socket is read, since a socket with a timeout waits for one before it reads.
    if sock.fileno() < 0:
        return True
    readable = select.poll()
    readable.register(sock.fileno(), select.POLLIN)
    if not readable.poll(0):
        return False
    try:
        # A peek: the bytes of a next, pipelined request stay for the parser.
        return sock.recv(1, socket.MSG_PEEK) == b""
    except OSError:  # reset by the peer
        return True
