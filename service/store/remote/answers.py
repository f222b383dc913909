"""Reading a remote server's answers: checked as they arrive (rows and bytes counted, syntax checked by
pyoxigraph), read whole or spooled before the status is chosen, streamed past the buffer; and what its
failures say."""
from __future__ import annotations

import io
import logging
from collections.abc import Iterable, Iterator, Sequence
from typing import IO, Any

import requests
from pyoxigraph import QueryResultsFormat, RdfFormat, parse, parse_query_results, serialize

from ... import formats
from ...errors import BadRequest, ResultTooLarge, ServiceError, UpstreamError
from ..base import Limit, Payload, QueryResponse, too_many_bytes, too_many_rows
from .endpoints import Deadline

log = logging.getLogger("reformkg.remote")

CHUNK_BYTES = 64 * 1024


class Tee(io.RawIOBase):
    """What pyoxigraph's parser reads: the upstream chunks, kept for the client as they are read."""

    def __init__(self, chunks: Iterator[bytes]) -> None:
        super().__init__()
        self.chunks = chunks
        self.pending = b""
        self.seen: list[bytes] = []
        self.size = 0

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: Any) -> int:
        if not self.pending:
            self.pending = next(self.chunks, b"")
            if not self.pending:
                return 0
            self.seen.append(self.pending)
            self.size += len(self.pending)
        n = min(len(buffer), len(self.pending))
        buffer[:n] = self.pending[:n]
        self.pending = self.pending[n:]
        return n

    def take(self) -> list[bytes]:
        seen, self.seen = self.seen, []
        return seen


def checked(chunks: Iterator[bytes], form: str, media: str, max_rows: Limit, max_bytes: int,
            where: str) -> Iterator[bytes]:
    """The chunks, passed on as pyoxigraph parses them: rows counted, bytes counted, syntax checked.

    Past max_bytes nothing more is passed on, but the rows are still counted to the end: as in the
    embedded store, whose engines count every row first, a result with too many rows says so, whatever
    its size.
    """
    tee = Tee(chunks)
    fmt = formats.BY_MEDIA[media]

    def passed(rows: int) -> list[bytes]:
        """What has been read since the last call, or nothing once the answer is too large to keep."""
        if rows > max_rows.value:
            raise ResultTooLarge(too_many_rows(max_rows))
        seen = tee.take()
        return [] if tee.size > max_bytes else seen

    try:
        if fmt.syntax == QueryResultsFormat.CSV:
            # CSV results cannot be parsed back (pyoxigraph refuses: they are lossy), so rows are counted
            # by the format's own counter (line breaks outside quotes, RFC 4180).
            counter = fmt.rows()  # type: ignore[misc]
            for chunk in chunks:
                tee.seen.append(chunk)
                tee.size += len(chunk)
                yield from passed(counter.feed(chunk))
        else:
            if isinstance(fmt.syntax, RdfFormat):
                items: Iterable[Any] = parse(tee, format=fmt.syntax)
            else:
                items = parse_query_results(tee, format=fmt.syntax)
            rows = 0
            if form in ("SELECT", "CONSTRUCT", "DESCRIBE"):
                for _ in items:  # type: ignore[union-attr]
                    rows += 1
                    yield from passed(rows)
            while tee.readinto(bytearray(CHUNK_BYTES)):
                pass
            yield from passed(rows)
        if tee.size > max_bytes:
            raise ResultTooLarge(too_many_bytes(max_bytes))
    except SyntaxError as exc:
        raise UpstreamError(f"the SPARQL server at {where} sent a malformed {media} answer: {exc}") from None
    finally:
        getattr(chunks, "close", lambda: None)()


class Streamed:
    """The rest of an answer larger than the buffer; the WSGI server's close() ends the upstream request."""

    def __init__(self, head: list[bytes], rest: Iterator[bytes]) -> None:
        self.head, self.rest = head, rest

    def __iter__(self) -> Iterator[bytes]:
        head, self.head = self.head, []
        yield from head
        try:
            yield from self.rest
        except ServiceError as exc:
            log.warning("an answer was cut off after its status was sent: %s", exc.message)
            raise

    def close(self) -> None:
        close = getattr(self.rest, "close", None)
        if close is not None:
            close()


class Spooled:
    """An answer read whole and spooled; the WSGI server's close() drops the spool if it is not sent whole."""

    def __init__(self, spool: IO[bytes]) -> None:
        self.spool = spool

    def __iter__(self) -> Iterator[bytes]:
        with self.spool:
            while chunk := self.spool.read(CHUNK_BYTES):
                yield chunk

    def close(self) -> None:
        self.spool.close()


def buffered(form: str, media: str, chunks: Iterator[bytes], buffer_bytes: int) -> QueryResponse:
    """Read up to buffer_bytes, so that an error in a small answer is raised before the status is sent."""
    head: list[bytes] = []
    size = 0
    try:
        while size <= buffer_bytes:
            chunk = next(chunks, None)
            if chunk is None:
                return QueryResponse(form, media, head, size)  # type: ignore[arg-type]
            head.append(chunk)
            size += len(chunk)
    except BaseException:
        getattr(chunks, "close", lambda: None)()
        raise
    return QueryResponse(form, media, Streamed(head, chunks), None)  # type: ignore[arg-type]


def ntriples(payloads: Sequence[Payload], graph: str | None) -> bytes:
    """The payloads parsed (so a bad body is the client's 400, not the server's) and written as N-Triples.

    Relative IRIs resolve against the graph's IRI, as in the embedded store.
    """
    parts = []
    for payload in payloads:
        fmt = formats.stored(payload.media_type)
        try:
            with payload.open() as data:
                triples = [q.triple for q in parse(data, format=fmt.syntax, base_iri=graph, rename_blank_nodes=True)]
        except (SyntaxError, ValueError) as exc:
            raise BadRequest(f"the {payload.media_type} body does not parse: {exc}") from exc
        parts.append(serialize(triples, format=RdfFormat.N_TRIPLES))
    return b"".join(parts)


def media_type_of(response: requests.Response) -> str:
    return (response.headers.get("Content-Type") or "").split(";")[0].strip().lower()


def error_message(response: requests.Response, deadline: Deadline, limit: int = 2000) -> str:
    """The first lines of an error body, as plain text (an HTML error page is left out)."""
    try:
        sock = getattr(getattr(response.raw, "connection", None), "sock", None)
        if sock is not None:
            sock.settimeout(max(min(deadline.left(), 2.0), 0.001))
        body = response.raw.read(limit, decode_content=True) or b""
    except Exception:  # a broken error body still leaves the status to report
        body = b""
    finally:
        response.close()
    if "html" in media_type_of(response):
        return ""
    text = body.decode("utf-8", "replace").strip()
    # Virtuoso echoes the whole query after its message; the message is what says what to change.
    return text.split("\n\nSPARQL query:")[0].strip()


def dropped(exc: BaseException) -> bool:
    """Whether a request failed on a connection the server had closed or reset (no answer came), rather
    than finding no server (refused, unknown name) or timing out."""
    seen: BaseException | None = exc
    visited: set[int] = set()
    while seen is not None and id(seen) not in visited:
        visited.add(id(seen))
        if isinstance(seen, (ConnectionRefusedError, TimeoutError)):
            return False
        if isinstance(seen, (ConnectionResetError, BrokenPipeError, ConnectionAbortedError)):
            return True  # http.client's RemoteDisconnected (closed without an answer) is a reset too
        seen = seen.__cause__ or seen.__context__ or next(
            (a for a in reversed(seen.args) if isinstance(a, BaseException)), None)
    return False


def reason(exc: BaseException) -> str:
    """'connection refused', 'connection reset' … from the exception chain requests and urllib3 build."""
    seen = exc
    while seen is not None:
        if isinstance(seen, ConnectionRefusedError):
            return "connection refused"
        if isinstance(seen, ConnectionResetError):
            return "connection reset"
        seen = seen.__cause__ or seen.__context__ or (seen.args[-1] if seen.args and isinstance(seen.args[-1], BaseException) else None)
    text = str(exc)
    for known in ("Connection refused", "Connection reset", "Name or service not known", "IncompleteRead",
                  "Connection broken", "Remote end closed connection"):
        if known in text:
            return known.lower()
    return text
