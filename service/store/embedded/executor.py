"""A pool of engine processes, so that a query can be stopped at its deadline.

pyoxigraph's `Store.query` has no timeout and nothing can interrupt it from another thread, so each
query runs in an engine process (engine.py) that the web process can SIGKILL: at the deadline the
engine is killed, which frees its CPU at once, a fresh one takes its place, and the client gets 503.
Writes go to one writer process the same way; it is killed only before it commits, so a write is
applied whole or not at all.

An answer arrives in chunks; up to `buffer_bytes` of it are read before the HTTP status is chosen,
so an error in a small answer is a real status code and only a larger answer is streamed. A streamed
answer holds its engine until the last chunk is read, so the deadline covers delivering it too: an
answer the client has not taken by then is cut off, and the connection closes without the chunked
body's end, which every HTTP client reports as an incomplete answer rather than a short one.
"""
from __future__ import annotations

import logging
import queue
import socket
import subprocess
import sys
import threading
import time
import weakref
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from multiprocessing.connection import Connection
from pathlib import Path
from typing import Any

from ... import errors
from ...errors import ENGINE_FAILED, EngineFailure, Overloaded, QueryTimeout, ServiceError

log = logging.getLogger("reformkg.executor")

STARTUP_SECONDS = 60.0
PUBLISH_SECONDS = 120.0


class Engine:
    """One engine process and the socket to it."""

    def __init__(self, role: str, data_dir: Path, offline: bool, max_bytes: int, replica_bytes: int = 0) -> None:
        parent, child = socket.socketpair()
        network = "offline" if offline else "online"
        with child:
            self.process = subprocess.Popen(
                [sys.executable, "-m", __package__ + ".engine", role, str(data_dir), str(child.fileno()), network,
                 str(max_bytes), str(replica_bytes)],
                pass_fds=(child.fileno(),), stdin=subprocess.DEVNULL,
            )
        self.conn = Connection(parent.detach())
        self.ready = False
        self.offline = False
        """Whether the engine has left the network (it says so when it has started)."""

    @property
    def pid(self) -> int:
        return self.process.pid

    def start(self) -> None:
        """Wait until the engine has opened its store. Raises EOFError if it died instead."""
        if not self.ready:
            message = self.receive(time.monotonic() + STARTUP_SECONDS)
            if message is None or message[0] != "ready":
                raise EOFError(f"engine {self.pid} did not start")
            self.ready, self.offline = True, message[2]

    def receive(self, deadline: float) -> tuple | None:
        """The next message, or None once the deadline has passed, even if a message is waiting (a
        slow reader of a streamed answer must not hold the engine past it). Raises EOFError or OSError
        if the engine died."""
        left = deadline - time.monotonic()
        if left <= 0 or not self.conn.poll(left):
            return None
        return self.conn.recv()

    def kill(self) -> None:
        if self.process.poll() is None:
            self.process.kill()
        self.process.wait()
        self.conn.close()


@dataclass
class Answer:
    form: str
    media_type: str
    body: Any
    """The chunks, a list when the answer is complete (then `length` is its size), else a _Stream."""
    length: int | None


class _Run:
    """One job on one engine, read message by message against a deadline."""

    def __init__(self, engine: Engine, deadline: float, timeout_message: str,
                 release: Callable[[Engine], None], discard: Callable[[Engine], None]) -> None:
        self.engine, self.deadline, self.timeout_message = engine, deadline, timeout_message
        self._release, self._discard = release, discard
        self.done = False

    def next(self) -> tuple:
        """The next message; raises the job's error, QueryTimeout at the deadline, EngineFailure."""
        try:
            message = self.engine.receive(self.deadline)
        except (EOFError, OSError):
            log.error("engine %s died during a job", self.engine.pid)
            self.abandon()
            raise EngineFailure(ENGINE_FAILED) from None
        if message is None:
            log.warning("engine %s killed: %s", self.engine.pid, self.timeout_message)
            self.abandon()
            raise QueryTimeout(self.timeout_message)
        if message[0] == "error":
            self.finish()
            raise _error(message[1], message[2])
        return message

    def value(self) -> Any:
        """The job's one value, read to the end; for a write, after "committed" the deadline becomes
        PUBLISH_SECONDS, since the write is applied and must not be killed half-published."""
        try:
            message = self.next()
            if message[0] == "committed":
                self.deadline = time.monotonic() + PUBLISH_SECONDS
                self.timeout_message = "the write was applied but publishing it took too long; see the server log"
                message = self.next()
        except BaseException:
            self.abandon()
            raise
        self.finish()
        return message[1]

    def finish(self) -> None:
        """The job is over and the engine is idle again."""
        if not self.done:
            self.done = True
            self._release(self.engine)

    def abandon(self) -> None:
        """Kill the engine if the job is still running: the only way to stop pyoxigraph."""
        if not self.done:
            self.done = True
            self._discard(self.engine)


def _error(name: str, message: str) -> ServiceError:
    cls = getattr(errors, name, None)
    if not (isinstance(cls, type) and issubclass(cls, ServiceError)):
        cls = EngineFailure
    return cls(message)


class _Stream:
    """The rest of an answer larger than the buffer. The WSGI server calls close(), which kills the
    engine if the client went away before the end."""

    def __init__(self, run: _Run, chunks: list[bytes]) -> None:
        self.run, self.chunks = run, chunks

    def __iter__(self) -> Iterator[bytes]:
        chunks, self.chunks = self.chunks, []
        yield from chunks
        while True:
            try:
                message = self.run.next()
            except ServiceError as exc:
                log.warning("an answer was cut off after its status was sent: %s", exc.message)
                raise
            if message[0] == "end":
                self.run.finish()
                return
            yield message[1]

    def close(self) -> None:
        self.run.abandon()

    def __del__(self) -> None:
        # A caller that neither read to the end nor closed would hold the engine for good.
        self.run.abandon()


class Executor:
    """`size` query engines and one writer (started now if `writable`, else on the first write),
    all off the network if `offline`, each allowed `max_bytes` of memory (0: no limit; see engine.py),
    query engines reading snapshots of up to `replica_bytes` on disk from a copy in memory."""

    def __init__(self, data_dir: Path, size: int, writable: bool = False, offline: bool = True,
                 max_bytes: int = 0, replica_bytes: int = 0) -> None:
        self.data_dir, self.size, self.offline, self.max_bytes = data_dir, size, offline, max_bytes
        self.replica_bytes = replica_bytes
        self._idle: queue.Queue[Engine] = queue.Queue()
        self._engines: set[Engine] = set()
        self._lock = threading.Lock()
        self._writer: Engine | None = None
        self._write_lock = threading.Lock()
        self._closed = False
        for _ in range(size):
            self._idle.put(self._spawn("query"))
        if writable:
            self._writer = self._spawn("write")
        self._finalizer = weakref.finalize(self, _kill_all, self._engines)

    def stream(self, job: dict, timeout: float, timeout_message: str, buffer_bytes: int) -> Answer:
        """Run a job that answers with head, chunks, end; complete if it fits in buffer_bytes."""
        run = self._run(job, timeout, timeout_message)
        try:
            _, form, media_type = run.next()
            chunks: list[bytes] = []
            size = 0
            while size <= buffer_bytes:
                message = run.next()
                if message[0] == "end":
                    run.finish()
                    return Answer(form, media_type, chunks, size)
                chunks.append(message[1])
                size += len(message[1])
        except BaseException:
            run.abandon()
            raise
        return Answer(form, media_type, _Stream(run, chunks), None)

    def value(self, job: dict, timeout: float, timeout_message: str) -> Any:
        """Run a job that answers with one value."""
        return self._run(job, timeout, timeout_message).value()

    def write(self, job: dict, timeout: float, timeout_message: str) -> Any:
        """Run a write; the deadline holds until the writer has committed, not while it publishes."""
        if not self._write_lock.acquire(timeout=timeout):
            raise Overloaded("another write is still being applied; try again shortly")
        try:
            if self._writer is None:
                self._writer = self._spawn("write")
            writer = self._writer
            try:
                writer.start()
                writer.conn.send(job)
            except (EOFError, OSError):
                self._drop_writer(writer)
                raise EngineFailure("the writer process failed; see the server log") from None
            return _Run(writer, time.monotonic() + timeout, timeout_message, lambda e: None, self._drop_writer).value()
        finally:
            self._write_lock.release()

    def isolated(self) -> bool:
        """Whether every started engine is off the network."""
        with self._lock:
            started = [e for e in self._engines if e.ready]
        return bool(started) and all(e.offline for e in started)

    def pids(self) -> list[int]:
        with self._lock:
            return sorted(e.pid for e in self._engines)

    def close(self) -> None:
        self._closed = True
        self._finalizer()

    def _run(self, job: dict, timeout: float, timeout_message: str) -> _Run:
        """Hand the job to an idle engine; an engine found dead is replaced and the job tried once more."""
        for attempt in range(2):
            try:
                engine = self._idle.get(timeout=timeout)
            except queue.Empty:
                raise Overloaded(f"all {self.size} query engines are busy; try again shortly") from None
            try:
                engine.start()
                engine.conn.send(job)
            except (EOFError, OSError):
                log.error("engine %s is gone; starting another", engine.pid)
                self._replace(engine)
                continue
            return _Run(engine, time.monotonic() + timeout, timeout_message, self._idle.put, self._replace)
        raise EngineFailure("the query engines cannot start; see the server log")

    def _spawn(self, role: str) -> Engine:
        engine = Engine(role, self.data_dir, self.offline, self.max_bytes, self.replica_bytes)
        with self._lock:
            self._engines.add(engine)
        return engine

    def _discard(self, engine: Engine) -> None:
        engine.kill()
        with self._lock:
            self._engines.discard(engine)

    def _replace(self, engine: Engine) -> None:
        self._discard(engine)
        if not self._closed:
            self._idle.put(self._spawn("query"))

    def _drop_writer(self, writer: Engine) -> None:
        self._discard(writer)
        self._writer = None


def _kill_all(engines: set[Engine]) -> None:
    for engine in list(engines):
        engine.kill()
    engines.clear()
