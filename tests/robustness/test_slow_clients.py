"""Slow and broken clients cost a bounded time and never starve the others.

Raw sockets against a real server with 4 threads and client_timeout 1.5 s: idle connections, hundreds
of half-sent requests, raw UTF-8 targets, headers and bodies sent a byte at a time, bodies shorter than their Content-Length, content and transfer
codings the service does not read, and clients that never read their answer. Each gets a clear
status (400, 408, 413, 415, 501) or is closed, within about client_timeout, while a bystander asking a
known question is answered as usual.

Embedded only: slow clients are the web server's concern, whatever the store behind it; the bystander
counts on the embedded engines' answer times.
"""
from __future__ import annotations

import gzip
import http.client
import socket
import threading
import time
from dataclasses import dataclass
from urllib.parse import quote

import pytest

from ..service.test_server import process_tree
from .conftest import CLIENT_TIMEOUT, ITEM_1, THREADS, TRACES, Bystander, open_fds, settle

pytestmark = pytest.mark.embedded_only

ASK = b"ASK { ?s ?p ?o }"
QUERY_HEAD = b"POST /sparql HTTP/1.1\r\nHost: x\r\nContent-Type: application/sparql-query\r\n"


@dataclass
class Answer:
    status: int | None
    """None when the server closed the connection without answering."""
    head: str
    body: bytes
    seconds: float


def connect(server) -> socket.socket:
    client = socket.create_connection(("127.0.0.1", server.port), timeout=30)
    return client


def read_answer(client: socket.socket, started: float | None = None, limit: float = 15.0) -> Answer:
    """One response (by its Content-Length), or what came before the server closed the connection."""
    started = time.monotonic() if started is None else started
    data = b""
    client.settimeout(limit)
    while True:
        head, sep, body = data.partition(b"\r\n\r\n")
        if sep:
            length = next((int(line.split(b":")[1]) for line in head.split(b"\r\n")
                           if line.lower().startswith(b"content-length:")), None)
            if length is not None and len(body) >= length:
                break
        try:
            part = client.recv(65536)
        except (ConnectionResetError, TimeoutError):
            part = b""
        if not part:
            break
        data += part
    client.close()
    head, _, body = data.partition(b"\r\n\r\n")
    status = int(head.split()[1]) if head.startswith(b"HTTP/1.1 ") else None
    text = head.decode("latin-1") + body.decode("utf-8", "replace")
    for trace in TRACES:
        assert trace not in text, text
    return Answer(status, head.decode("latin-1"), body, time.monotonic() - started)


def exchange(server, request: bytes, half_close: bool = False) -> Answer:
    client = connect(server)
    started = time.monotonic()
    client.sendall(request)
    if half_close:
        client.shutdown(socket.SHUT_WR)
    return read_answer(client, started)


def trickle(server, head: bytes, drip: bytes, every: float = 0.2, most: int = 100) -> Answer:
    """Send `head` at once, then `drip` a byte at a time, until the server answers or closes."""
    client = connect(server)
    started = time.monotonic()
    client.sendall(head)
    for byte in drip[:most]:
        time.sleep(every)
        try:
            client.sendall(bytes([byte]))
        except (BrokenPipeError, ConnectionResetError):
            break
    return read_answer(client, started)


def together(*jobs) -> list:
    """Run the callables at once; their results in order."""
    results: list = [None] * len(jobs)

    def run(i: int) -> None:
        results[i] = jobs[i]()

    threads = [threading.Thread(target=run, args=(i,)) for i in range(len(jobs))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    return results


def test_idle_connections_take_no_thread_and_are_closed(robust_server):
    idle = [connect(robust_server) for _ in range(2 * THREADS)]
    with Bystander(robust_server) as bystander:
        time.sleep(1.0)
    bystander.assert_never_noticed(slowest=1.0)  # well under client_timeout
    closed = [read_answer(client, limit=10) for client in idle]
    assert {answer.status for answer in closed} == {None}  # nothing was asked, so nothing is answered
    assert max(answer.seconds for answer in closed) < CLIENT_TIMEOUT + 1.5  # they had client_timeout to ask


HALF_SENT = b"GET /sparql?query=ASK%7B%7D HTTP/1.1\r\nHost: x\r\n"
"""A request line and a header, without the blank line that ends the head."""


def test_hundreds_of_half_sent_requests_take_no_thread_and_get_408(robust_server):
    held = []
    for _ in range(200):
        client = connect(robust_server)
        client.sendall(HALF_SENT)
        held.append(client)
    with Bystander(robust_server) as bystander:
        time.sleep(0.5)  # the held requests wait in the waiting room, and the threads are free
    bystander.assert_never_noticed(slowest=1.0)  # well under client_timeout: no thread was waiting
    answers = [read_answer(client, limit=10) for client in held]
    assert {answer.status for answer in answers} == {408}
    settle(robust_server)


def ask_on(client: http.client.HTTPConnection) -> bytes:
    client.request("POST", "/sparql", body=ASK, headers={"Content-Type": "application/sparql-query"})
    response = client.getresponse()
    assert response.status == 200
    return response.read()


def test_requests_one_after_another_on_one_connection_are_each_answered(robust_server):
    # At once (a thread that has answered waits a moment for the next request: server.py, linger)
    # or after a pause (the connection has gone back to the poller by then).
    client = http.client.HTTPConnection("127.0.0.1", robust_server.port, timeout=10)
    for i in range(60):
        assert b'"boolean":true' in ask_on(client)
        if i % 3 == 2:
            time.sleep(0.02)
    client.close()


def test_clients_that_keep_sending_share_the_threads(robust_server):
    # More clients than threads, each sending its next request as soon as it has an answer: a thread
    # that lingers for its client's next request must not keep that client while others wait.
    def client() -> list[float]:
        waits = []
        connection = http.client.HTTPConnection("127.0.0.1", robust_server.port, timeout=10)
        stop = time.monotonic() + 2.0
        while time.monotonic() < stop and len(waits) < 5_000:
            started = time.monotonic()
            ask_on(connection)
            waits.append(time.monotonic() - started)
        connection.close()
        return waits

    waits = together(*[client] * (3 * THREADS))
    assert all(len(w) >= 20 for w in waits), [len(w) for w in waits]
    assert max(max(w) for w in waits) < 0.15, sorted(max(w) for w in waits)  # a lingering thread kept a client: 0.25 s


def test_kept_alive_clients_that_send_half_of_their_next_request_take_no_thread_and_get_408(robust_server):
    held = []
    for _ in range(3 * THREADS):
        client = http.client.HTTPConnection("127.0.0.1", robust_server.port, timeout=10)
        ask_on(client)
        client.sock.sendall(HALF_SENT)  # at once, while the thread that answered may still be waiting for it
        held.append(client.sock)
    with Bystander(robust_server) as bystander:
        time.sleep(0.5)
    bystander.assert_never_noticed(slowest=1.0)  # well under client_timeout: no thread was waiting
    answers = [read_answer(sock, limit=10) for sock in held]
    assert {answer.status for answer in answers} == {408}
    assert max(answer.seconds for answer in answers) < CLIENT_TIMEOUT + 1.5
    settle(robust_server)


def test_a_request_that_arrives_in_pieces_within_client_timeout_is_answered(robust_server):
    client = connect(robust_server)
    started = time.monotonic()
    request = b"POST /sparql HTTP/1.1\r\nHost: x\r\nContent-Type: application/sparql-query\r\nContent-Length: 16\r\n\r\n" + ASK
    for piece in (request[:10], request[10:60], request[60:-3], request[-3:]):
        client.sendall(piece)
        time.sleep(0.2)
    answer = read_answer(client, started)
    assert answer.status == 200 and b'"boolean":true' in answer.body


def test_raw_utf8_in_the_target_is_read_as_its_percent_encoding(robust_server):
    """Browsers and curl send `/api/search?q=改革` with the target's UTF-8 bytes as they are."""
    raw = exchange(robust_server, "GET /api/search?q=改革 HTTP/1.1\r\nHost: x\r\n\r\n".encode("utf-8"))
    encoded = exchange(robust_server, b"GET /api/search?q=" + quote("改革").encode() + b" HTTP/1.1\r\nHost: x\r\n\r\n")
    assert raw.status == 200, raw.head + raw.body.decode("utf-8", "replace")
    assert raw.body == encoded.body and b"http://example.org/item/0" in raw.body
    path = exchange(robust_server, "GET /report/改革 HTTP/1.1\r\nHost: x\r\n\r\n".encode("utf-8"))
    assert path.status == 404  # read as the path, and not in the dataset


def test_control_bytes_in_the_target_are_still_refused(robust_server):
    answer = exchange(robust_server, b"GET /api/search?q=a\x01b HTTP/1.1\r\nHost: x\r\n\r\n")
    assert answer.status == 400


def test_headers_sent_a_byte_at_a_time_get_408_after_client_timeout(robust_server):
    answer = trickle(robust_server, b"GET /sparql?query=ASK%7B%7D HTTP/1.1\r\n", b"X-Slow: " + b"a" * 100)
    assert answer.status == 408
    assert b"the request did not arrive within 1.5 s, the limit set by client_timeout" in answer.body
    assert CLIENT_TIMEOUT <= answer.seconds < CLIENT_TIMEOUT + 1.5


def test_a_body_sent_a_byte_at_a_time_gets_408_and_others_are_served_meanwhile(robust_server):
    head = QUERY_HEAD + b"Content-Length: 100\r\n\r\n"
    with Bystander(robust_server) as bystander:
        answers = together(*[lambda: trickle(robust_server, head, b" " * 100)] * (THREADS - 1))
    assert [a.status for a in answers] == [408] * (THREADS - 1)
    assert max(a.seconds for a in answers) < CLIENT_TIMEOUT + 1.5
    bystander.assert_never_noticed(slowest=1.0)  # well under client_timeout


def test_as_many_slow_clients_as_threads_delay_another_by_at_most_client_timeout(robust_server):
    head = QUERY_HEAD + b"Content-Length: 100\r\n\r\n"

    def late_question() -> Answer:
        time.sleep(0.3)  # the slow clients have every thread by now
        return exchange(robust_server, b"GET /sparql?query=" + quote(ITEM_1).encode() + b" HTTP/1.1\r\nHost: x\r\n\r\n")

    *slow, asked = together(*[lambda: trickle(robust_server, head, b" " * 100)] * THREADS, late_question)
    assert [a.status for a in slow] == [408] * THREADS
    assert asked.status == 200 and b'"value":"1"' in asked.body
    assert asked.seconds < CLIENT_TIMEOUT + 1.5


def test_a_body_shorter_than_its_content_length_is_400_when_the_client_stops_sending(robust_server):
    answer = exchange(robust_server, QUERY_HEAD + b"Content-Length: 100\r\n\r\n" + ASK, half_close=True)
    assert answer.status == 400
    assert b"the body ended after 16 of the 100 bytes its Content-Length announced" in answer.body


def test_a_body_shorter_than_its_content_length_is_408_when_the_client_waits(robust_server):
    answer = exchange(robust_server, QUERY_HEAD + b"Content-Length: 100\r\n\r\n" + ASK)
    assert answer.status == 408
    assert CLIENT_TIMEOUT <= answer.seconds < CLIENT_TIMEOUT + 1.5


CODINGS = {
    "gzip on a plain body": (b"gzip", ASK),
    "a real gzip body": (b"gzip", gzip.compress(ASK)),
    "deflate": (b"deflate", ASK),
    "two codings": (b"gzip, br", ASK),
}


@pytest.mark.parametrize("coding", CODINGS)
def test_a_content_coding_is_415_naming_the_one_accepted(robust_server, coding):
    name, body = CODINGS[coding]
    answer = exchange(robust_server, QUERY_HEAD + b"Content-Encoding: %s\r\nContent-Length: %d\r\n\r\n%s"
                      % (name, len(body), body))
    assert answer.status == 415
    assert "Accept-Encoding: identity" in answer.head
    assert b"send it without Content-Encoding" in answer.body


def test_the_identity_coding_is_read_as_it_is(robust_server):
    answer = exchange(robust_server, QUERY_HEAD + b"Content-Encoding: identity\r\nContent-Length: 16\r\n\r\n" + ASK)
    assert answer.status == 200 and b'"boolean":true' in answer.body


def _chunked(*parts: bytes) -> bytes:
    return b"".join(b"%x\r\n%s\r\n" % (len(p), p) for p in parts) + b"0\r\n\r\n"


TRANSFERS = {
    "chunked": (b"Transfer-Encoding: chunked\r\n\r\n" + _chunked(b"ASK { ?s ", b"?p ?o }"), 200, b'"boolean":true'),
    "a chunk size that is not hex": (b"Transfer-Encoding: chunked\r\n\r\nzz\r\nASK {}\r\n0\r\n\r\n", 400,
                                     b"its chunked encoding is malformed"),
    "a chunk without its CRLF": (b"Transfer-Encoding: chunked\r\n\r\n6\r\nASK {}XX0\r\n\r\n", 400,
                                 b"its chunked encoding is malformed"),
    "gzip then chunked": (b"Transfer-Encoding: gzip, chunked\r\n\r\n" + _chunked(ASK), 501,
                          b"Transfer-Encoding gzip, chunked is not supported"),
    "chunked and a Content-Length": (b"Transfer-Encoding: chunked\r\nContent-Length: 16\r\n\r\n" + _chunked(ASK),
                                     400, b"Invalid HTTP Header"),
    "chunked past max_body_bytes": (b"Transfer-Encoding: chunked\r\n\r\n" + _chunked(*[b" " * 60_000] * 40, ASK),
                                    413, b"longer than 2000000 bytes, the limit set by max_body_bytes"),
    "a Content-Length that is not a number": (b"Content-Length: 1e3\r\n\r\n" + ASK, 400, b"Invalid"),
}


@pytest.mark.parametrize("case", TRANSFERS)
def test_transfer_oddities_get_a_clear_status(robust_server, case):
    request, status, text = TRANSFERS[case]
    answer = exchange(robust_server, QUERY_HEAD + request)
    assert answer.status == status, answer.head
    assert text in answer.body


def test_a_chunked_body_that_never_ends_is_408(robust_server):
    answer = exchange(robust_server, QUERY_HEAD + b"Transfer-Encoding: chunked\r\n\r\n10\r\n" + ASK + b"\r\n")
    assert answer.status == 408
    assert CLIENT_TIMEOUT <= answer.seconds < CLIENT_TIMEOUT + 1.5


def test_clients_that_never_read_their_answer_hold_a_thread_and_an_engine_for_client_timeout_at_most(robust_server):
    big = quote("SELECT * { ?a <http://example.org/value> ?b . ?c <http://example.org/value> ?d FILTER(?d < 50) }")

    def never_read() -> float:
        client = socket.socket()
        client.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
        client.connect(("127.0.0.1", robust_server.port))
        client.sendall(b"GET /sparql?query=%s HTTP/1.1\r\nHost: x\r\n\r\n" % big.encode())
        time.sleep(CLIENT_TIMEOUT + 3.0)
        client.close()
        return 0.0

    def late_question() -> Answer:
        time.sleep(0.5)  # both engines and two threads are taken by now
        return exchange(robust_server, b"GET /sparql?query=" + quote(ITEM_1).encode() + b" HTTP/1.1\r\nHost: x\r\n\r\n")

    *_, asked = together(never_read, never_read, late_question)
    assert asked.status == 200 and b'"value":"1"' in asked.body
    assert asked.seconds < CLIENT_TIMEOUT + 2.0  # the writes time out, the engines are killed and replaced
    settle(robust_server)


def test_broken_clients_leave_no_connection_behind(robust_server):
    settle(robust_server)
    fds = open_fds(process_tree(robust_server.process.pid))
    together(*[lambda: exchange(robust_server, QUERY_HEAD + b"Content-Length: 100\r\n\r\nASK", half_close=True)] * 8,
             *[lambda: trickle(robust_server, QUERY_HEAD + b"Content-Length: 50\r\n\r\n", b" " * 50)] * 3,
             *[lambda: read_answer(connect(robust_server), limit=5)] * 8)
    deadline = time.monotonic() + 10
    while open_fds(process_tree(robust_server.process.pid)) > fds and time.monotonic() < deadline:
        time.sleep(0.2)
    assert open_fds(process_tree(robust_server.process.pid)) <= fds
