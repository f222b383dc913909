"""When a request has arrived whole, judged from its bytes (service/arrival.py): the waiting room hands
a connection to a thread only then, so a wrong "not yet" would leave a client waiting for 408."""
from __future__ import annotations

from urllib.parse import unquote

import pytest

from reformkg.service import arrival

HEAD = b"POST /sparql HTTP/1.1\r\nHost: x\r\nContent-Type: application/sparql-query\r\n"

WHOLE = {
    "a GET": b"GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n",
    "a body of its Content-Length": HEAD + b"Content-Length: 6\r\n\r\nASK {}",
    "a body and the next request behind it": HEAD + b"Content-Length: 6\r\n\r\nASK {}GET / HTTP/1.1\r\n",
    "a chunked body with its last chunk": HEAD + b"Transfer-Encoding: chunked\r\n\r\n6\r\nASK {}\r\n0\r\n\r\n",
    "a chunked body with a trailer": HEAD + b"Transfer-Encoding: chunked\r\n\r\n0\r\nX-T: 1\r\n\r\n",
    "a chunk size that is not hex": HEAD + b"Transfer-Encoding: chunked\r\n\r\nzz\r\nASK {}\r\n",
    "a chunk without its CRLF": HEAD + b"Transfer-Encoding: chunked\r\n\r\n6\r\nASK {}XX0\r\n\r\n",
    "a Content-Length that is not a number": HEAD + b"Content-Length: 1e3\r\n\r\nASK {}",
    "Expect: 100-continue before the body": HEAD + b"Expect: 100-continue\r\nContent-Length: 6\r\n\r\n",
    "bare LFs": b"GET / HTTP/1.1\nHost: x\n\n",
    "a head past the read-ahead": b"GET / HTTP/1.1\r\nX: " + b"a" * arrival.READ_AHEAD,
    "a body past the read-ahead": HEAD + b"Content-Length: 10000000\r\n\r\n" + b" " * arrival.READ_AHEAD,
}

NOT_YET = {
    "nothing": b"",
    "half a request line": b"GET /spa",
    "a head without its blank line": b"GET /healthz HTTP/1.1\r\nHost: x\r\n",
    "a body shorter than its Content-Length": HEAD + b"Content-Length: 100\r\n\r\nASK {}",
    "a chunked body without its last chunk": HEAD + b"Transfer-Encoding: chunked\r\n\r\n6\r\nASK {}\r\n",
    "half a chunk": HEAD + b"Transfer-Encoding: chunked\r\n\r\n10\r\nASK",
    "the last chunk without the trailer's end": HEAD + b"Transfer-Encoding: chunked\r\n\r\n0\r\nX-T: 1\r\n",
}


@pytest.mark.parametrize("case", WHOLE)
def test_a_whole_request_or_one_the_parser_refuses_is_handed_over(case):
    assert arrival.whole(WHOLE[case])


@pytest.mark.parametrize("case", NOT_YET)
def test_a_request_still_arriving_keeps_waiting(case):
    assert not arrival.whole(NOT_YET[case])


def test_raw_utf8_in_the_target_is_percent_encoded_and_nothing_else_changes():
    request = "GET /api/search?q=养老&lang=zh HTTP/1.1\r\nX-Name: 养老\r\n\r\n".encode("utf-8")
    encoded = arrival.encode_target(request)
    line, _, rest = encoded.partition(b"\r\n")
    assert line == b"GET /api/search?q=%E5%85%BB%E8%80%81&lang=zh HTTP/1.1"
    assert unquote(line.split()[1].decode("ascii")) == "/api/search?q=养老&lang=zh"
    assert rest == "X-Name: 养老\r\n\r\n".encode("utf-8")  # headers are the parser's to judge


@pytest.mark.parametrize("request_bytes", [
    b"GET /api/search?q=%E5%85%BB HTTP/1.1\r\n\r\n",  # already encoded
    b"GET /a\x01b HTTP/1.1\r\n\r\n",  # a control byte: the parser refuses it
    "GET /养老 HTTP/1.1 extra\r\n\r\n".encode("utf-8"),  # not a request line of three parts
    "GET /养老 HTTP/1.1".encode("utf-8"),  # no line end yet
])
def test_other_request_lines_are_left_as_they_are(request_bytes):
    assert arrival.encode_target(request_bytes) == request_bytes
