"""Whether a request has arrived whole, read from its bytes before any parser: the web server's waiting
room (server.py) keeps a connection off the request threads until then, so that a client that sends
half a request and waits costs a buffer, not a thread.

These are judgements on raw bytes, not a parser: gunicorn's parser reads the request afterwards and
refuses what is malformed. A wrong guess costs little either way: a request taken for whole too soon
is read on by a thread bounded by client_timeout (as every request used to be), and one that never
looks whole is answered 408 at client_timeout.
"""
from __future__ import annotations

import re

READ_AHEAD = 64 * 1024
"""The most a connection may send before it is handed to a thread whether or not its request is whole:
every query and form this service reads fits, and a larger body is read by its thread (bodies.py)."""

_UNSAFE = re.compile(rb"[\x80-\xff]")


def whole(data: bytes | bytearray, limit: int = READ_AHEAD) -> bool:
    """Whether `data` holds a request's head and all of the body it announces (Content-Length, or a
    chunked body's last chunk), or is past `limit`, or is something the parser will refuse anyway."""
    if len(data) > limit:
        return True
    end = data.find(b"\r\n\r\n")
    if end < 0:
        return b"\n\n" in data  # bare LFs, which the parser refuses
    fields: dict[bytes, bytes] = {}
    for line in bytes(data[:end]).split(b"\r\n")[1:]:
        name, _, value = line.partition(b":")
        fields[name.strip().lower()] = value.strip().lower()
    body = data[end + 4:]
    if b"100-continue" in fields.get(b"expect", b""):
        return True  # the client waits for "100 Continue" before it sends the body
    if b"transfer-encoding" in fields:
        return _chunks_whole(bytes(body))
    length = fields.get(b"content-length")
    if length is None or not length.isdigit():
        return True
    return len(body) >= int(length)


def _chunks_whole(body: bytes) -> bool:
    """Whether a chunked body has its last chunk and the trailer's end, or is malformed."""
    at = 0
    while True:
        eol = body.find(b"\r\n", at)
        if eol < 0:
            return False
        try:
            size = int(body[at:eol].split(b";")[0], 16)
        except ValueError:
            return True
        if size == 0:
            return body[eol + 2:eol + 4] == b"\r\n" or body.find(b"\r\n\r\n", eol) >= 0
        end = eol + 2 + size
        if len(body) < end + 2:
            return False
        if body[end:end + 2] != b"\r\n":
            return True
        at = end + 2


def encode_target(data: bytes) -> bytes:
    """The request with every byte above 0x7F in its request line's target percent-encoded.

    Browsers and curl send a URL typed with non-ASCII characters (`/api/search?q=养老`) as raw UTF-8.
    RFC 9112 §3.2 asks for percent-encoding and gunicorn refuses the raw bytes (400 "Invalid HTTP
    request line"), with no setting to allow them; encoded, the app reads exactly the same path and
    arguments, since it decodes percent-escapes as UTF-8 either way.
    """
    line, newline, rest = data.partition(b"\r\n")
    parts = line.split(b" ")
    if not newline or len(parts) != 3 or not _UNSAFE.search(parts[1]):
        return data
    target = _UNSAFE.sub(lambda m: b"%%%02X" % m[0][0], parts[1])
    return b" ".join((parts[0], target, parts[2])) + newline + rest
