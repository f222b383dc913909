"""The status is decided before the first byte: an answer up to buffer_bytes is complete before 200 is
sent, so a timeout or a failure is a real 503, 500 or 400, never a truncated 200. A larger answer is
streamed; a failure then closes the connection without the chunked body's end, so that no client can
take what it got for the whole answer.

Embedded only: the failures are the embedded engines' (deadlines, deaths, memory caps).
"""
from __future__ import annotations

import json
import os
import signal
import socket
import threading
import time
from pathlib import Path
from urllib.parse import quote

import pytest
import requests

from ..service.conftest import RUNAWAY, make_data_dir, sample_nquads
from ..service.test_server import cpu_seconds, query_engines
from .conftest import ITEM_1, REACHES_ENGINE, assert_clear, post_query, settle

pytestmark = pytest.mark.embedded_only


def pairs(below: int) -> str:
    """Every item paired with the items whose value is below `below`: 296 × below rows, 87 kB of JSON each."""
    return ("SELECT * { ?a <http://example.org/value> ?b . ?c <http://example.org/value> ?d "
            f"FILTER(?d < {below}) }}")


SMALL, LARGE, HUGE = pairs(3), pairs(6), pairs(100)  # 260 kB, 520 kB, 8.7 MB as JSON


@pytest.fixture(scope="module")
def buffered_server(server_factory, tmp_path_factory):
    """Answers of up to 1 MB are buffered, and none may be larger than 400 kB."""
    env = {**REACHES_ENGINE, "REFORMKG_BUFFER_BYTES": "1048576", "REFORMKG_MAX_RESULT_BYTES": "400000"}
    return server_factory(make_data_dir(tmp_path_factory.mktemp("buffered"), sample_nquads()), env=env)


def test_an_answer_within_the_buffer_is_complete_before_the_status(buffered_server):
    response = requests.get(buffered_server.url + "/sparql", params={"query": SMALL}, timeout=30)
    assert response.status_code == 200
    assert int(response.headers["Content-Length"]) == len(response.content) > 200_000
    assert len(response.json()["results"]["bindings"]) == 296 * 3


def test_a_failure_after_the_engine_has_sent_part_of_the_answer_is_still_a_real_status(buffered_server):
    # The engine sends its answer in 64 kB chunks and fails at 400 kB, six chunks in: still before the status.
    response = requests.get(buffered_server.url + "/sparql", params={"query": LARGE}, timeout=30)
    assert response.status_code == 400
    assert "the result is larger than 400000 bytes, the limit set by max_result_bytes" in response.text
    assert_clear(response)


@pytest.mark.parametrize("accept", ["application/json", "text/csv", "application/sparql-results+xml"])
def test_a_runaway_is_a_complete_503_in_any_format_never_a_truncated_200(robust_server, accept):
    response = post_query(robust_server, RUNAWAY, Accept=accept)
    assert response.status_code == 503
    assert int(response.headers["Content-Length"]) == len(response.content)
    if accept == "application/json":
        assert response.json()["status"] == 503 and "query_timeout" in response.json()["message"]
    else:
        assert response.text.startswith("503 query timeout: ") and response.text.endswith("\n")


def test_an_engine_killed_before_the_answer_is_a_complete_500(robust_server):
    settle(robust_server)
    engines = query_engines(robust_server)
    used = {pid: cpu_seconds([pid]) for pid in engines}

    def kill_the_busy_engine() -> None:
        time.sleep(0.8)
        [busy] = [pid for pid in engines if cpu_seconds([pid]) - used[pid] > 0.3]
        os.kill(busy, signal.SIGKILL)

    killer = threading.Thread(target=kill_the_busy_engine)
    killer.start()
    response = post_query(robust_server, RUNAWAY)
    killer.join()
    assert response.status_code == 500
    assert response.text == "500 query engine failure: the query engine failed on this query\n"
    assert int(response.headers["Content-Length"]) == len(response.content)


def test_an_answer_larger_than_the_buffer_is_streamed_and_ends_properly(robust_server):
    response = requests.get(robust_server.url + "/sparql", params={"query": HUGE}, timeout=60)
    assert response.status_code == 200 and response.headers["Transfer-Encoding"] == "chunked"
    assert len(response.json()["results"]["bindings"]) == 296 * 100


def _start_reading(server, query: str) -> tuple[socket.socket, bytes]:
    """A client with a tiny receive window that sends the query and reads only the status and headers."""
    client = socket.socket()
    client.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
    client.connect(("127.0.0.1", server.port))
    client.settimeout(30)
    client.sendall(f"GET /sparql?query={quote(query)} HTTP/1.1\r\nHost: x\r\n\r\n".encode())
    head = b""
    while b"\r\n\r\n" not in head:
        head += client.recv(1024)
    return client, head


def _read_to_the_end(client: socket.socket) -> bytes:
    data = b""
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            part = client.recv(65536)
        except ConnectionResetError:
            break
        if not part:
            break
        data += part
    client.close()
    return data


def _dechunk(data: bytes) -> tuple[bytes, bool]:
    """The chunked body's content, and whether it ended with the last chunk (RFC 9112 §7.1)."""
    content = b""
    while True:
        size_line, sep, rest = data.partition(b"\r\n")
        if not sep or not size_line:
            return content, False
        size = int(size_line, 16)
        if size == 0:
            return content, True
        if len(rest) < size + 2:
            return content + rest[:size], False
        content, data = content + rest[:size], rest[size + 2:]


def _busy(engines: set[int], written: dict[int, int]) -> int:
    """The engine that has written since `written` was taken (/proc/<pid>/io)."""
    [busy] = [pid for pid in engines if _wchar(pid) > written[pid] + 100_000]
    return busy


def _wchar(pid: int) -> int:
    for line in Path(f"/proc/{pid}/io").read_text().splitlines():
        if line.startswith("wchar:"):
            return int(line.split()[1])
    raise AssertionError(f"no wchar for {pid}")


def test_a_failure_mid_stream_closes_the_connection_without_the_end(robust_server):
    settle(robust_server)
    engines = query_engines(robust_server)
    written = {pid: _wchar(pid) for pid in engines}
    client, head = _start_reading(robust_server, HUGE)
    assert head.startswith(b"HTTP/1.1 200 ") and b"Transfer-Encoding: chunked" in head
    time.sleep(0.5)  # the engine fills the pipe to the web process and waits
    os.kill(_busy(engines, written), signal.SIGKILL)
    content, ended = _dechunk(head.split(b"\r\n\r\n", 1)[1] + _read_to_the_end(client))
    assert not ended
    assert 0 < len(content) < 8_000_000
    with pytest.raises(json.JSONDecodeError):
        json.loads(content)
    assert "an answer was cut off after its status was sent: the query engine failed" in robust_server.log()
    settle(robust_server)
    assert post_query(robust_server, ITEM_1).json()["results"]["bindings"][0]["o"]["value"] == "1"


def test_a_client_too_slow_to_take_a_streamed_answer_is_cut_off_and_its_engine_freed(robust_server):
    settle(robust_server)
    engines = query_engines(robust_server)
    written = {pid: _wchar(pid) for pid in engines}
    client, head = _start_reading(robust_server, HUGE)
    time.sleep(0.5)
    busy = _busy(engines, written)
    time.sleep(3.0)  # more than client_timeout (1.5 s) for one write, and query_timeout (2 s) in all
    assert not Path(f"/proc/{busy}").exists()
    _, ended = _dechunk(head.split(b"\r\n\r\n", 1)[1] + _read_to_the_end(client))
    assert not ended
    settle(robust_server)
