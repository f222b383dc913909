"""Kept-alive connections are spread evenly over the web workers (service/spread.py).

Without it, which worker accepted a connection was chance: eight connections opened at once split
7/1 or 8/0 about as often as 4/4, and a split of 8/0 served 2,800 requests/s where 4/4 served 8,000.
The table the workers share is tested on its own; a real server with two workers is then given
sixteen connections at once, and /proc tells which worker holds each.

Embedded only: the web server is the same on either backend.
"""
from __future__ import annotations

import http.client
import os
import time
from collections import Counter
from pathlib import Path

import pytest

from reformkg.service import spread

from ..service.test_server import process_tree
from .conftest import make_data_dir, sample_nquads

pytestmark = pytest.mark.embedded_only


def _joined(shared: spread.Spread) -> spread.Leaving:
    leaving = spread.Leaving(shared)
    leaving.join()
    return leaving


def test_a_worker_that_has_not_started_accepting_is_not_counted():
    shared = spread.Spread(4)
    ready, starting = _joined(shared), spread.Leaving(shared)
    assert starting.slot is None
    assert not ready.leave(50), "it left a connection to a worker that does not accept yet"


def test_a_worker_holding_more_connections_than_another_leaves_the_next_one_to_it():
    shared = spread.Spread(4)
    busy, idle = _joined(shared), _joined(shared)
    assert busy.slot is not None and idle.slot is not None and busy.slot != idle.slot
    idle.publish(2)
    assert busy.leave(3) and busy.paused() > 0
    assert not busy.leave(2), "as many as the other: it takes the connection"
    assert not idle.leave(2)


def test_a_worker_takes_the_connection_itself_once_the_others_have_not_for_a_while():
    shared = spread.Spread(4)
    busy, stuck = _joined(shared), _joined(shared)
    stuck.publish(0)
    assert busy.leave(5)
    deadline = time.monotonic() + 5 * spread.LEAVE_AT_MOST_SECONDS
    while busy.leave(5):
        assert time.monotonic() < deadline, "it kept leaving the connection to a worker that never took it"
        time.sleep(spread.PAUSE_SECONDS)
    assert time.monotonic() - (deadline - 5 * spread.LEAVE_AT_MOST_SECONDS) >= spread.LEAVE_AT_MOST_SECONDS


def test_a_lone_worker_or_one_without_a_slot_always_takes_the_connection():
    shared = spread.Spread(1)
    alone = _joined(shared)
    assert not alone.leave(100)
    extra = _joined(shared)
    assert extra.slot is None and not extra.leave(100)
    assert not spread.Leaving(None).leave(100)


def test_an_exited_worker_s_slot_is_freed_and_no_longer_counted():
    shared = spread.Spread(2)
    busy = _joined(shared)
    gone_slot = shared.claim(pid=999_999)
    shared.publish(gone_slot, 0)
    assert shared.fewest_elsewhere(busy.slot) == 0
    shared.release(999_999)
    assert shared.fewest_elsewhere(busy.slot) is None
    assert shared.claim(pid=1_000_000) == gone_slot


def _holders(worker_pids: list[int], server_port: int) -> dict[int, list[int]]:
    """Client port → the pids holding the server's end of that connection (from /proc)."""
    inodes: dict[str, int] = {}
    for line in Path("/proc/net/tcp").read_text().splitlines()[1:]:
        fields = line.split()
        local, remote, inode = fields[1], fields[2], fields[9]
        if int(local.split(":")[1], 16) == server_port and inode != "0":
            inodes[inode] = int(remote.split(":")[1], 16)
    held: dict[int, list[int]] = {}
    for pid in worker_pids:
        try:
            fds = os.listdir(f"/proc/{pid}/fd")
        except OSError:
            continue
        for fd in fds:
            try:
                target = os.readlink(f"/proc/{pid}/fd/{fd}")
            except OSError:
                continue
            if target.startswith("socket:[") and target[8:-1] in inodes:
                held.setdefault(inodes[target[8:-1]], []).append(pid)
    return held


def _until_both_accept(server, pids: list[int]) -> None:
    """/healthz answers once one worker does; wait until a new connection is taken by each of two."""
    seen: set[int] = set()
    deadline = time.monotonic() + 30
    while len(seen) < 2:
        assert time.monotonic() < deadline, f"only {seen} took connections within 30 s"
        conn = http.client.HTTPConnection("127.0.0.1", server.port, timeout=10)
        try:
            conn.request("GET", "/healthz")
            conn.getresponse().read()
            seen.update(_holders(pids, server.port).get(conn.sock.getsockname()[1], []))
        finally:
            conn.close()


def test_connections_opened_at_once_are_spread_evenly_over_two_workers(server_factory, tmp_path):
    server = server_factory(make_data_dir(tmp_path / "two", sample_nquads()), env={"REFORMKG_WORKERS": "2"})
    root = server.process.pid
    workers = [pid for pid in process_tree(root) if pid != root]  # and the workers' engines, which hold none
    _until_both_accept(server, workers)
    connections = [http.client.HTTPConnection("127.0.0.1", server.port, timeout=10) for _ in range(16)]
    try:
        for conn in connections:
            conn.connect()
        for conn in connections:
            conn.request("GET", "/healthz")
            response = conn.getresponse()
            response.read()
            assert response.status == 200 and not response.will_close
        held = _holders(workers, server.port)
        ports = [conn.sock.getsockname()[1] for conn in connections]
        owners = [held.get(port, []) for port in ports]
        assert all(len(o) == 1 for o in owners), owners
        split = Counter(o[0] for o in owners)
    finally:
        for conn in connections:
            conn.close()
    assert len(split) == 2 and max(split.values()) - min(split.values()) <= 1, split
