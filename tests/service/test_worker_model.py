"""The web server runs one worker process per CPU core unless told otherwise, each with its own engines."""
from __future__ import annotations

import os
import time
from pathlib import Path

from .conftest import make_data_dir, sample_nquads
from .test_server import process_tree, query_engines


def _web_workers(server) -> set[int]:
    """gunicorn's workers: the server's direct children that are not engines."""
    def parent(pid: int) -> int:
        return int(Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[1])

    engines = query_engines(server)
    return {pid for pid in process_tree(server.process.pid)
            if pid not in engines and pid != server.process.pid and parent(pid) == server.process.pid}


def _settled(count, expected: int) -> int:
    """`count()` once it equals `expected`, or its last value after 20 s (workers boot one by one)."""
    deadline = time.monotonic() + 20
    while (value := count()) != expected and time.monotonic() < deadline:
        time.sleep(0.1)
    return value


def test_by_default_there_is_one_web_worker_per_core_each_with_its_query_engines(server_factory, tmp_path_factory):
    server = server_factory(make_data_dir(tmp_path_factory.mktemp("cores"), sample_nquads()),
                            env={"REFORMKG_WORKERS": "0", "REFORMKG_QUERY_WORKERS": "1"})
    cores = os.cpu_count() or 1
    assert _settled(lambda: len(_web_workers(server)), cores) == cores
    assert _settled(lambda: len(query_engines(server)), cores) == cores


def test_the_workers_setting_overrides_the_core_count(server_factory, tmp_path_factory):
    server = server_factory(make_data_dir(tmp_path_factory.mktemp("one"), sample_nquads()),
                            env={"REFORMKG_WORKERS": "1", "REFORMKG_QUERY_WORKERS": "1"})
    assert _settled(lambda: len(_web_workers(server)), 1) == 1
    assert _settled(lambda: len(query_engines(server)), 1) == 1
