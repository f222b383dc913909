"""Connections spread evenly over the server's workers.

Every worker accepts from one listening socket, and whichever worker's poller wakes first takes the
connection. Clients that keep their connections open (a dashboard, a notebook, a benchmark's eight
connections) then often sit mostly on one worker, which the GIL holds to one core while the other
core idles. Measured with `wrk -c8` on a cached resource page with 2 workers: 8,000–9,300 req/s when
the connections split 5/3 or 4/4, 5,200 when they split 7/1, and 2,800 (p50 2.9 ms) when all 8 were on
one worker. Which of these a run got was chance (benchmarks/results/issue-15-spread-session11).

So the workers share a small table in memory of how many connections each holds. A worker
that holds more than the least-loaded other one leaves a new connection to that worker. It stops
listening for `PAUSE_SECONDS` and then looks again. It takes the connection anyway once it has left
it for `LEAVE_AT_MOST_SECONDS`, in case the other worker is stuck or too busy to accept. A connection
counts from `accept` until it is closed, whether it waits in the waiting room, is being answered or is
kept alive idle: each costs its worker the same poller and threads.
"""
from __future__ import annotations

import ctypes
import multiprocessing
import os
import time

PAUSE_SECONDS = 0.001
"""How long a worker that left a connection to another stops listening before it looks again."""
LEAVE_AT_MOST_SECONDS = 0.02
"""How long a worker leaves new connections to others before it takes them itself."""


class Spread:
    """Open connections per worker, in memory the server's master process shares with the workers it
    forks. Each worker writes only its own slot; a stale read costs at most one uneven accept."""

    def __init__(self, slots: int) -> None:
        self._pids = multiprocessing.RawArray(ctypes.c_long, slots)
        self._connections = multiprocessing.RawArray(ctypes.c_long, slots)
        self._lock = multiprocessing.Lock()

    def claim(self, pid: int) -> int | None:
        """A slot for the worker `pid`, or None when every slot is taken (it then accepts freely)."""
        with self._lock:
            for slot, owner in enumerate(self._pids):
                if owner == 0:
                    self._pids[slot], self._connections[slot] = pid, 0
                    return slot
        return None

    def release(self, pid: int) -> None:
        """Free the slot of a worker that has exited (called by the master process)."""
        with self._lock:
            for slot, owner in enumerate(self._pids):
                if owner == pid:
                    self._pids[slot], self._connections[slot] = 0, 0

    def publish(self, slot: int, connections: int) -> None:
        self._connections[slot] = connections

    def fewest_elsewhere(self, slot: int) -> int | None:
        """The fewest connections any other worker holds; None when there is no other worker."""
        counts = [self._connections[i] for i, owner in enumerate(self._pids) if owner and i != slot]
        return min(counts) if counts else None


class Leaving:
    """One worker's side: whether to take a connection that is waiting to be accepted now."""

    def __init__(self, spread: Spread | None) -> None:
        self.spread = spread
        self.slot: int | None = None
        self._since: float | None = None
        """When this worker began leaving connections to others, in the current run of them."""
        self._last = 0.0
        self.paused_until = 0.0

    def join(self) -> None:
        """Be counted, once this worker accepts: a worker still starting up would be the least
        loaded, and the others would leave it connections it does not take."""
        if self.spread is not None and self.slot is None:
            self.slot = self.spread.claim(os.getpid())

    def publish(self, connections: int) -> None:
        if self.slot is not None:
            self.spread.publish(self.slot, connections)  # type: ignore[union-attr]

    def leave(self, connections: int) -> bool:
        """True to leave the waiting connection to a worker holding fewer; then stop listening for
        PAUSE_SECONDS (`paused_until`)."""
        if self.slot is None:
            return False
        self.spread.publish(self.slot, connections)  # type: ignore[union-attr]
        fewest = self.spread.fewest_elsewhere(self.slot)  # type: ignore[union-attr]
        now = time.monotonic()
        if fewest is None or connections <= fewest:
            self._since = None
            return False
        if self._since is None or now - self._last > 4 * PAUSE_SECONDS + LEAVE_AT_MOST_SECONDS:
            self._since = now  # a new run: the last connection left was taken by another worker long ago
        if now - self._since >= LEAVE_AT_MOST_SECONDS:
            self._since = None
            return False
        self._last = now
        self.paused_until = now + PAUSE_SECONDS
        return True

    def paused(self) -> float:
        """Seconds left before this worker listens again (0 when it listens)."""
        return max(0.0, self.paused_until - time.monotonic())
