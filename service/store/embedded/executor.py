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

Admission (issue 15): a request's deadline counts from when the web server had it whole
(clients.arrived), so waiting for a web thread, waiting for an engine and running on it together never
take longer than its timeout; a request that finds every engine busy waits at most `queue_seconds`
(queue_timeout), then gets 503 with Retry-After. With two engines or more, one is the short lane: a
job takes it only when every other engine is busy, and must have its answer within SHORT_SECONDS
there. Past that, the engine and its job move to the general lane and a fresh engine takes the short
lane (one engine more until the general lane frees one, which is then stopped); while there is one
more already, the engine is killed instead and the job waits for another, its deadline unchanged. So
a few runaways fill the other engines, not the queue of cheap queries. A text that overran the short lane
is remembered (LONG_TEXTS of them) and does not try it again, so a runaway sent over and over costs
the short lane once; and at most `max_waiting` such long jobs wait for an engine, the others get 503
at once, since each holds a web thread that a cheap query would need (`EmbeddedStore.open` leaves it
one). A client that closes its connection (clients.watch) stops its job within GONE_POLL_SECONDS: it
stops waiting for an engine, and the engine running its job is killed.
"""
from __future__ import annotations

import hashlib
import logging
import math
import socket
import subprocess
import sys
import threading
import time
import weakref
from collections import OrderedDict
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from multiprocessing.connection import Connection
from pathlib import Path
from typing import Any

from ... import clients, errors
from ...errors import ENGINE_FAILED, ClientGone, EngineFailure, Overloaded, QueryTimeout, ServiceError

log = logging.getLogger("reformkg.executor")

STARTUP_SECONDS = 60.0
PUBLISH_SECONDS = 120.0
SHORT_SECONDS = 0.5
"""How long a job may run on the short lane before its engine is killed and it waits for another."""
LONG_TEXTS = 1024
"""How many query texts that overran the short lane are remembered, the most recent."""
GONE_POLL_SECONDS = 0.25
"""How often a job's client is checked while it waits for an engine or for its answer."""
RETRY_AFTER_SECONDS = 1
"""What a 503 for busy engines tells a client to wait (Retry-After): most queries take milliseconds."""


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

    def receive(self, deadline: float, gone: Callable[[], bool] = lambda: False) -> tuple | None:
        """The next message, or None once the deadline has passed, even if a message is waiting (a
        slow reader of a streamed answer must not hold the engine past it). Raises EOFError or OSError
        if the engine died, ClientGone as soon as `gone()` says so."""
        while True:
            left = deadline - time.monotonic()
            if left <= 0:
                return None
            if self.conn.poll(min(left, GONE_POLL_SECONDS)):
                return self.conn.recv()
            if gone():
                raise ClientGone("the client closed the connection before its answer was ready")

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
                 release: Callable[[Engine], None], discard: Callable[[Engine], None],
                 gone: Callable[[], bool] = lambda: False) -> None:
        self.engine, self.deadline, self.timeout_message = engine, deadline, timeout_message
        self._release, self._discard, self._gone = release, discard, gone
        self.first: tuple | None = None
        """The first message, when the short lane has read it already."""
        self.done = False

    def next(self) -> tuple:
        """The next message; raises the job's error, QueryTimeout at the deadline, EngineFailure,
        ClientGone when the client has left."""
        try:
            message, self.first = self.first or self.engine.receive(self.deadline, self._gone), None
        except (EOFError, OSError):
            log.error("engine %s died during a job", self.engine.pid)
            self.abandon()
            raise EngineFailure(ENGINE_FAILED) from None
        except ClientGone:
            log.info("engine %s killed: its client left", self.engine.pid)
            self.abandon()
            raise
        if message is None:
            log.warning("engine %s killed: %s", self.engine.pid, self.timeout_message)
            self.abandon()
            raise QueryTimeout(self.timeout_message)
        if message[0] == "error":
            self.finish()
            raise _error(message[1], message[2])
        if message[0] == "unstarted":  # a write (Executor._run gives a query to another engine)
            self.abandon()
            raise EngineFailure("the writer could not start the write, and nothing was changed; try again")
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
    """`size` query engines (one of them the short lane when there are two or more) and one writer
    (started now if `writable`, else on the first write), all off the network if `offline`, each
    allowed `max_bytes` of memory (0: no limit; see engine.py), query engines reading snapshots of up
    to `replica_bytes` on disk from a copy in memory; a request waits at most `queue_seconds` for an
    engine, a long one only while fewer than `max_waiting` others do (see the module docstring)."""

    def __init__(self, data_dir: Path, size: int, writable: bool = False, offline: bool = True,
                 max_bytes: int = 0, replica_bytes: int = 0, queue_seconds: float = math.inf,
                 max_waiting: float = math.inf) -> None:
        self.data_dir, self.size, self.offline, self.max_bytes = data_dir, size, offline, max_bytes
        self.replica_bytes, self.queue_seconds, self.max_waiting = replica_bytes, queue_seconds, max_waiting
        self._extra = 0
        """Engines above `size`: 1 after the short lane's engine has moved to the general lane with a
        long job, until the general lane frees one."""
        self._waiting = 0
        """Jobs known to be long (they overran the short lane) waiting for an engine now."""
        self._idle: list[Engine] = []
        """Idle engines of the general lane."""
        self._short: Engine | None = None
        """The short lane's engine while it is idle."""
        self._short_lane: Engine | None = None
        """The short lane's engine, idle or not."""
        self._free = threading.Condition()
        self._long: OrderedDict[bytes, None] = OrderedDict()
        """Digests of query texts that overran the short lane, the most recent last."""
        self._engines: set[Engine] = set()
        self._lock = threading.Lock()
        self._writer: Engine | None = None
        self._write_lock = threading.Lock()
        self._closed = False
        for _ in range(size - 1 if size > 1 else size):
            self._idle.append(self._spawn("query"))
        if size > 1:
            self._short = self._short_lane = self._spawn("query")
        if writable:
            self._writer = self._spawn("write")
        self._finalizer = weakref.finalize(self, _kill_all, self._engines)

    def stream(self, job: dict, timeout: float, timeout_message: str, buffer_bytes: int) -> Answer:
        """Run a job that answers whole, or with head, chunks, end; complete if it fits in buffer_bytes."""
        run = self._run(job, timeout, timeout_message)
        try:
            first = run.next()
            if first[0] == "whole":  # an answer of one chunk, sent in one message
                run.finish()
                data = first[3]
                if len(data) > buffer_bytes:  # sent as a larger answer would be: no length, in parts
                    return Answer(first[1], first[2], iter([data]), None)
                return Answer(first[1], first[2], [data], len(data))
            _, form, media_type = first
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
        """Hand the job to an engine (see the module docstring); one found dead is replaced and the
        job tried once more. Raises Overloaded when no engine was free in time, ClientGone."""
        deadline = clients.arrived() + timeout
        gone = clients.watch()
        failed = False
        # A digest, not the text: a thousand texts of max_query_length would hold 100 MB.
        text = None if job.get("query") is None else hashlib.blake2b(job["query"].encode(), digest_size=16).digest()
        with self._free:
            short = text not in self._long
        while True:
            engine = self._take(min(deadline, time.monotonic() + self.queue_seconds), short, gone)
            try:
                engine.start()
                engine.conn.send(job)
            except (EOFError, OSError):
                log.error("engine %s is gone; starting another", engine.pid)
                self._replace(engine)
                if failed:
                    raise EngineFailure("the query engines cannot start; see the server log") from None
                failed = True
                continue
            budget = min(deadline, time.monotonic() + SHORT_SECONDS) if engine is self._short_lane else deadline
            run = _Run(engine, budget, timeout_message, self._release, self._replace, gone)
            try:
                first = engine.receive(budget, gone)
            except (EOFError, OSError):
                run.deadline = deadline  # the job killed its engine: _Run.next finds it dead and says so
                return run
            except ClientGone:
                run.abandon()
                raise
            if first == ("unstarted",):
                log.error("engine %s could not start the job; starting another", engine.pid)
                self._replace(engine)
                if failed:
                    raise EngineFailure("the query engines cannot start; see the server log")
                failed = True
                continue
            if first is not None or time.monotonic() >= deadline:
                run.deadline, run.first = deadline, first
                return run
            if text is not None:
                with self._free:
                    self._long[text] = None
                    self._long.move_to_end(text)
                    if len(self._long) > LONG_TEXTS:
                        self._long.popitem(last=False)
            if self._promote(engine):
                log.info("a job ran past %g s on the short lane: engine %s keeps it, another takes the lane",
                         SHORT_SECONDS, engine.pid)
                run.deadline = deadline
                return run
            log.info("engine %s killed: a job ran past %g s on the short lane; it waits for another engine",
                     engine.pid, SHORT_SECONDS)
            run.abandon()
            short = False

    def _promote(self, engine: Engine) -> bool:
        """Move the short lane's engine, busy with a long job, to the general lane, and start another
        for the short lane: one engine more than `size` until the general lane next frees one, which
        is then stopped (`_release`). False while there is one more already."""
        with self._free:
            if self._extra or self._closed or engine is not self._short_lane:
                return False
            self._extra = 1
        fresh = self._spawn("query")
        with self._free:
            self._short_lane = fresh
        self._release(fresh)
        return True

    def _take(self, until: float, short: bool, gone: Callable[[], bool]) -> Engine:
        """An idle engine of the general lane, else (with `short`) the short lane's, waiting until
        `until` at most; a job known to be long (not `short`) waits only if fewer than `max_waiting`
        such jobs do already. Raises Overloaded when none was free in time or that line is full,
        ClientGone when the client has left."""
        with self._free:
            waiting = False
            try:
                while True:
                    if self._idle:
                        return self._idle.pop()
                    if short and self._short is not None:
                        engine, self._short = self._short, None
                        return engine
                    left = until - time.monotonic()
                    if left <= 0 or not (short or waiting) and self._waiting >= self.max_waiting:
                        raise Overloaded(f"all {self.size} query engines are busy; try again shortly",
                                         headers={"Retry-After": str(RETRY_AFTER_SECONDS)})
                    if not (short or waiting):
                        waiting = True
                        self._waiting += 1
                    self._free.wait(min(left, GONE_POLL_SECONDS))
                    if gone():
                        raise ClientGone("the client closed the connection while its request waited for an engine")
            finally:
                if waiting:
                    self._waiting -= 1

    def _release(self, engine: Engine) -> None:
        """An engine is idle: back to its lane, or stopped when the general lane has one too many."""
        with self._free:
            surplus = engine is not self._short_lane and self._extra > 0
            if surplus:
                self._extra -= 1
            elif engine is self._short_lane:
                self._short = engine
            else:
                self._idle.append(engine)
            self._free.notify_all()
        if surplus:
            self._discard(engine)

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
        with self._free:
            if self._closed:
                return
            if engine is not self._short_lane and self._extra > 0:
                self._extra -= 1  # the general lane had one too many
                return
        fresh = self._spawn("query")
        with self._free:
            if engine is self._short_lane:
                self._short_lane = fresh
        self._release(fresh)

    def _drop_writer(self, writer: Engine) -> None:
        self._discard(writer)
        self._writer = None


def _kill_all(engines: set[Engine]) -> None:
    for engine in list(engines):
        engine.kill()
    engines.clear()
