"""Request bodies, read whole before any view runs: a view sees the complete body or an error.

- A body shorter than its Content-Length (the client stopped sending) is a 400, never a shorter query.
- A chunked body longer than max_body_bytes is a 413; Werkzeug's own limit would cut it at the limit.
  A Graph Store write (PUT or POST under /store) may be up to max_upload_bytes instead: it is RDF to
  store, bulk-loaded from disk, where a query or an update is text held in memory.
- A body past SPOOL_BYTES is kept in a temporary file, not in memory.
- A body in a content coding (`Content-Encoding: gzip`, …) is a 415 naming the one this service reads
  (RFC 9110 §12.5.3, §15.5.16); it is not read as if it were plain.
- A transfer coding other than chunked is a 501 (RFC 9112 §6.1); a server that passes one through
  (gunicorn does) would otherwise hand over its raw bytes.
- A chunked body the server cannot decode, or a connection that fails, is a 400.

How long a client may take is the WSGI server's to bound (server.py): it may put a callable in
`environ["reformkg.request_read"]`, called once the body is in, which answers whether the request
arrived in time.
"""
from __future__ import annotations

import io
import logging
import tempfile
from collections.abc import Callable, Iterable
from typing import IO, Any

from werkzeug.wsgi import ClosingIterator

from .errors import (
    BadRequest, PayloadTooLarge, RequestTimeout, ServiceError, TransferCodingNotImplemented, UnsupportedMediaType,
)

log = logging.getLogger("reformkg")

ERROR = "reformkg.body_error"
"""Where the error is left for the app to raise, so that it is answered like every other error."""
REQUEST_READ = "reformkg.request_read"
SPOOL_BYTES = 1024 * 1024
"""Bodies up to this size are kept in memory; larger ones in a temporary file."""
_CHUNK = 64 * 1024


class BufferedBody:
    """WSGI middleware: replaces wsgi.input by the whole body, or leaves environ[ERROR] set."""

    def __init__(self, app: Callable, max_bytes: int, client_timeout: float, upload_bytes: int | None = None) -> None:
        self.app, self.max_bytes, self.client_timeout = app, max_bytes, client_timeout
        self.upload_bytes = max_bytes if upload_bytes is None else upload_bytes

    def __call__(self, environ: dict[str, Any], start_response: Callable) -> Iterable[bytes]:
        body = None
        try:
            body = self._buffer(environ)
        except ServiceError as exc:
            environ[ERROR] = exc.with_traceback(None)  # its frames would hold environ: a cycle
        if body is None:
            return self.app(environ, start_response)
        try:
            return ClosingIterator(self.app(environ, start_response), body.close)  # a spooled file goes
        except BaseException:
            body.close()
            raise

    def _buffer(self, environ: dict[str, Any]) -> IO[bytes] | None:
        arrived: Callable[[], bool] = environ.get(REQUEST_READ) or (lambda: True)
        try:
            data = _read(environ, *self._limit(environ))
        except ServiceError:
            self._in_time(arrived)
            raise
        try:
            self._in_time(arrived)
        except ServiceError:
            if data is not None:
                data.close()
            raise
        if data is not None:
            environ["wsgi.input"], environ["CONTENT_LENGTH"] = data, str(data.tell())
            data.seek(0)
            environ.pop("HTTP_TRANSFER_ENCODING", None)
        return data

    def _limit(self, environ: dict[str, Any]) -> tuple[int, str]:
        """The largest body this request may have, and the setting that says so."""
        path = environ.get("PATH_INFO", "")
        if environ.get("REQUEST_METHOD") in ("PUT", "POST") and (path == "/store" or path.startswith("/store/")):
            return self.upload_bytes, "max_upload_bytes"
        return self.max_bytes, "max_body_bytes"

    def _in_time(self, arrived: Callable[[], bool]) -> None:
        """Raises RequestTimeout when the server has answered 408 already: the body read was cut short."""
        if not arrived():
            raise RequestTimeout(f"the request did not arrive within {self.client_timeout:g} s, the limit set by "
                                 "client_timeout")


def _read(environ: dict[str, Any], max_bytes: int, setting: str) -> IO[bytes] | None:
    """The body in a file positioned at its end, or None when the request has none."""
    codings = [c.strip().lower() for c in environ.get("HTTP_TRANSFER_ENCODING", "").split(",") if c.strip()]
    try:
        length = int(environ.get("CONTENT_LENGTH") or 0) if not codings else None
    except ValueError:
        raise BadRequest(f"Content-Length is not a number: {environ['CONTENT_LENGTH']!r}") from None
    if not codings and not length:
        return None
    if codings and codings != ["chunked"]:
        raise TransferCodingNotImplemented(f"Transfer-Encoding {', '.join(codings)} is not supported; "
                                           "send the body as it is, or chunked")
    coding = environ.get("HTTP_CONTENT_ENCODING", "").strip().lower()
    if coding not in ("", "identity"):
        raise UnsupportedMediaType(f"the body is {coding}-encoded; this service reads bodies only as they are: "
                                   "send it without Content-Encoding", headers={"Accept-Encoding": "identity"})
    if length is not None and length > max_bytes:
        raise PayloadTooLarge(f"the request body is {length} bytes; the limit is {max_bytes}, set by {setting}")
    stream, body, size = environ["wsgi.input"], io.BytesIO(), 0
    try:
        while length is None or size < length:
            try:
                part = stream.read(_CHUNK if length is None else min(_CHUNK, length - size))
            except Exception as exc:  # whatever the server's reader raises (gunicorn: InvalidChunkSize, …)
                log.info("a request body could not be read: %r", exc)
                raise BadRequest("the request body could not be read: its chunked encoding is malformed or the "
                                 "connection failed") from None
            if not part:
                break
            if size <= SPOOL_BYTES < size + len(part):
                body = _to_disk(body)
            body.write(part)
            size += len(part)
            if size > max_bytes:
                raise PayloadTooLarge(f"the request body is longer than {max_bytes} bytes, the limit set by {setting}")
        if length is not None and size < length:
            raise BadRequest(f"the body ended after {size} of the {length} bytes its Content-Length announced")
    except BaseException:
        body.close()
        raise
    return body


def _to_disk(body: io.BytesIO) -> IO[bytes]:
    """A temporary file (deleted when closed) holding what `body` held. tempfile's SpooledTemporaryFile
    would do this too, but warns when it is left to the garbage collector even while in memory."""
    file = tempfile.TemporaryFile()
    file.write(body.getbuffer())
    return file
