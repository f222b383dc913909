"""A remote SPARQL 1.1 server as a `Backend`: Oxigraph server, Virtuoso, or any server of the protocols.

Queries go to the server's query URL and their answers are read through pyoxigraph's parsers: that
counts rows against max_rows and turns a malformed answer into a 502 instead of passing it on. An
answer is read whole before the response is returned (spooled to a temporary file past
`buffer_bytes`), as the embedded store's engines count every row before the status, so each limit and
each failure is its own status code, never a 200 cut short. Graphs of the Graph Store Protocol, which
no row limit applies to, stream: their first `buffer_bytes` are read before the response is returned.

Every upstream failure is a ServiceError with a precise status: 502 when the server is down, breaks
off or answers nonsense, 503 when it says it is overloaded, 504 when it does not answer before the
request's deadline. The deadline covers the whole exchange, every socket read included, so one slow
server holds a request thread for `timeout` seconds at most.

Servers differ; what this module knows of each (a *flavour*, read from the `Server` header once):

oxigraph   /query, /update, /store; the union default graph by its `union-default-graph` option.
virtuoso   /sparql (update: /sparql-auth with Digest credentials), GSP /sparql-graph-crud(-auth);
           its default graph holds its own system graphs, so the union of the user's graphs is named
           explicitly; its TSV and its CSV/TSV for ASK are not the W3C formats, so those are converted
           from JSON; its Graph Store Protocol has no N-Quads/TriG (N-Triples and Turtle are valid ones);
           HEAD on the GSP is not implemented (501), so graph existence is asked with ASK; its
           `timeout` parameter (milliseconds) answers partial results flagged by X-SQL-State: S1TAT,
           which become 504 here.
generic    the URLs as given; the union default graph is named explicitly like Virtuoso's, unless the
           server's service description lists sd:UnionDefaultGraph: then its default graph is that
           union already, and a dataset of hundreds of graphs is not named in every request.
"""
from __future__ import annotations

import io
import logging
import re
import tempfile
import threading
import time
from collections.abc import Iterable, Iterator, Mapping, Sequence
from contextlib import closing
from dataclasses import dataclass, replace
from typing import IO, Any
from urllib.parse import urlsplit, urlunsplit

import requests
from pyoxigraph import (
    NamedNode, Quad, QueryResultsFormat, RdfFormat, parse, parse_query_results, serialize,
)
from requests.adapters import HTTPAdapter
from requests.auth import AuthBase, HTTPBasicAuth, HTTPDigestAuth

from ..errors import (
    BadRequest, NotFound, PayloadTooLarge, QuerySyntaxError, ResultTooLarge, ServiceError,
    UnsupportedMediaType, UpstreamError,
)
from .. import guards
from ..settings import Settings
from ..sparql_text import SparqlText
from .base import Payload, QueryRequest, QueryResponse
from .formats import OFFERS, RDF_FORMATS, RESULT_FORMATS, negotiate, require_acceptable
from .values import bind

log = logging.getLogger("reformkg.remote")

CHUNK_BYTES = 64 * 1024
CONNECT_SECONDS = 5.0
GRAPHS_TTL = 10.0
"""How long the list of a Virtuoso or generic server's graphs (its union default graph) is reused."""

SD = "http://www.w3.org/ns/sparql-service-description#"
DESCRIPTION_BYTES = 1024 * 1024
"""The most of a server's service description read to find its features."""

# Graphs a fresh Virtuoso holds for itself; they are not part of the dataset it serves for reformkg.
VIRTUOSO_SYSTEM_GRAPHS = ("http://www.openlinksw.com/", "http://www.w3.org/ns/ldp#", "http://localuriqaserver/",
                          "http://localhost:8890/")


@dataclass(frozen=True)
class Endpoints:
    """Where one server answers each protocol, and which flavour of server it is."""

    query: str
    update: str
    gsp: str | None
    flavour: str
    union_default: bool = False
    """Whether the server's default graph is the union of its named graphs without being asked."""

    @classmethod
    def resolve(cls, store: str, flavour: str, *, update: str | None = None, gsp: str | None = None,
                authenticated: bool = False) -> "Endpoints":
        """The URLs for `store` (a server's root or its query URL); explicit update/GSP URLs win."""
        root = store.rstrip("/")
        if flavour == "oxigraph":
            base = root.removesuffix("/query")
            query = f"{base}/query"
            return cls(query, update or f"{base}/update", gsp or f"{base}/store", flavour)
        if flavour == "virtuoso":
            base = re.sub(r"/sparql(-auth)?$", "", root)
            auth = "-auth" if authenticated else ""
            return cls(f"{base}/sparql", update or f"{base}/sparql{auth}",
                       gsp or f"{base}/sparql-graph-crud{auth}", flavour)
        return cls(store, update or store, gsp, flavour)


def detect_flavour(server_header: str | None) -> str:
    server = (server_header or "").lower()
    if server.startswith("oxigraph"):
        return "oxigraph"
    if server.startswith("virtuoso"):
        return "virtuoso"
    return "generic"


class _Deadline:
    """The time left for one exchange with the server, and what set it (for the error message)."""

    def __init__(self, seconds: float, source: str = "query_timeout") -> None:
        self.seconds, self.source = seconds, source
        self.end = time.monotonic() + seconds

    def left(self) -> float:
        return self.end - time.monotonic()

    def timeouts(self) -> tuple[float, float]:
        """(connect, read) for requests; never zero, which requests would read as 'no timeout'."""
        left = max(self.left(), 0.001)
        return min(CONNECT_SECONDS, left), left


class RemoteStore:
    """A SPARQL server reached over HTTP through one pooled, thread-safe session.

    Reads go over pooled keep-alive connections. A server may close one while it lies idle in the pool
    (its keep-alive timeout, a restart, a proxy in between), and the next request sent on it fails
    before any answer comes: a read that fails so is sent once more, on a fresh connection. Writes are
    never sent twice (the server may have applied one whose answer was lost), so each of them goes on
    a connection of its own instead, which no server can have closed yet.
    """

    def __init__(self, settings: Settings, *, flavour: str | None = None) -> None:
        """`settings.store` names the server; `flavour` skips asking it which server it is."""
        if not settings.store:
            raise ValueError("the store setting names no remote SPARQL server")
        self.settings = settings
        self.store = settings.store
        self._credentials = (settings.store_user, settings.store_password or "") if settings.store_user else None
        self.timeout = settings.query_timeout
        self.session = requests.Session()
        # One pool per server, as large as the web worker's threads: no request waits for a connection.
        adapter = HTTPAdapter(pool_connections=4, pool_maxsize=settings.threads, max_retries=0)
        self.session.mount("http://", adapter)
        self.session.mount("https://", adapter)
        self._endpoints: Endpoints | None = None
        self._flavour = flavour
        self._lock = threading.Lock()
        self._graphs: tuple[float, list[str]] | None = None

    @classmethod
    def open(cls, settings: Settings) -> "RemoteStore":
        return cls(settings)

    # -- where the server answers ------------------------------------------------------------------

    @property
    def where(self) -> str:
        """The server's address for messages, without credentials or path."""
        parts = urlsplit(self.store)
        return urlunsplit((parts.scheme, parts.hostname + (f":{parts.port}" if parts.port else ""), "", "", ""))

    def endpoints(self) -> Endpoints:
        """The server's URLs, asking it once which server it is (the answer is kept only when it came)."""
        if self._endpoints is None:
            with self._lock:
                if self._endpoints is None:
                    flavour = self._flavour
                    if flavour is None:
                        response = self._send("GET", self.store, _Deadline(min(self.timeout, 10.0)), "answer",
                                              auth=False, check=False)
                        flavour = detect_flavour(response.headers.get("Server"))
                        response.close()
                    endpoints = Endpoints.resolve(self.store, flavour, update=self.settings.store_update,
                                                  gsp=self.settings.store_gsp,
                                                  authenticated=self._credentials is not None)
                    if flavour == "generic" and self._describes_union(endpoints.query):
                        endpoints = replace(endpoints, union_default=True)
                    self._endpoints = endpoints
        return self._endpoints

    def _describes_union(self, url: str) -> bool:
        """Whether the server's SPARQL service description (a GET without a query) lists the feature
        sd:UnionDefaultGraph; any failure to read it counts as no."""
        deadline = _Deadline(min(self.timeout, 10.0))
        accept = "text/turtle, application/rdf+xml;q=0.9, application/n-triples;q=0.8"
        try:
            response = self._send("GET", url, deadline, "describe itself", auth=False, check=False,
                                  headers={"Accept": accept})
            media = _media(response)
            if response.status_code != 200 or media not in RDF_FORMATS:
                response.close()
                return False
            body = b""
            chunks = self._chunks(response, deadline, "service description")
            with closing(chunks):
                for chunk in chunks:
                    body += chunk
                    if len(body) > DESCRIPTION_BYTES:
                        return False
            features = {t.object for t in parse(body, format=RDF_FORMATS[media], base_iri=url)
                        if t.predicate == NamedNode(SD + "feature")}
        except (UpstreamError, SyntaxError):
            return False
        return NamedNode(SD + "UnionDefaultGraph") in features

    @property
    def flavour(self) -> str:
        return self.endpoints().flavour

    def _auth(self) -> AuthBase | None:
        if self._credentials is None:
            return None
        # Virtuoso's -auth endpoints accept Digest only; everything else here is Basic over TLS.
        if self.flavour == "virtuoso":
            return HTTPDigestAuth(*self._credentials)
        return HTTPBasicAuth(*self._credentials)

    # -- one exchange ------------------------------------------------------------------------------

    def _deadline(self, requested: float | None = None) -> _Deadline:
        """query_timeout, or the request's own deadline when it asks for less."""
        if requested is not None and requested < self.timeout:
            return _Deadline(requested, "the request")
        return _Deadline(self.timeout)

    def _request(self, method: str, url: str, deadline: _Deadline, write: bool, **kwargs: Any) -> requests.Response:
        """Send on a pooled connection (a read, retried once on a fresh one if the server had closed it),
        or on a connection of its own (a write)."""
        if write:
            with requests.Session() as once:  # closing it leaves the response's connection to the response
                return once.request(method, url, timeout=deadline.timeouts(), stream=True, **kwargs)
        try:
            return self.session.request(method, url, timeout=deadline.timeouts(), stream=True, **kwargs)
        except requests.exceptions.ConnectionError as exc:
            if not _dropped(exc):
                raise
            log.info("the SPARQL server at %s had closed a pooled connection (%s); asking again on a fresh one",
                     self.where, _reason(exc))
            # The other idle connections of the pool are as old as this one: none is kept.
            self.session.get_adapter(url).poolmanager.clear()
            return self.session.request(method, url, timeout=deadline.timeouts(), stream=True, **kwargs)

    def _send(self, method: str, url: str, deadline: _Deadline, what: str, *, auth: bool = True,
              check: bool = True, write: bool = False, **kwargs: Any) -> requests.Response:
        """One request, its status checked; raises UpstreamError (502/503/504) when the server fails."""
        try:
            response = self._request(method, url, deadline, write, auth=self._auth() if auth else None, **kwargs)
        except requests.exceptions.ConnectTimeout:
            raise UpstreamError(f"the SPARQL server at {self.where} did not accept a connection within "
                                f"{min(CONNECT_SECONDS, deadline.seconds):g} s", 504) from None
        except requests.exceptions.Timeout:
            raise self._timed_out(deadline, what) from None
        except requests.exceptions.ConnectionError as exc:
            raise UpstreamError(f"the SPARQL server at {self.where} did not {what}: {_reason(exc)}") from None
        except requests.exceptions.RequestException as exc:
            raise UpstreamError(f"the SPARQL server at {self.where} did not {what}: {exc}") from None
        if check and response.status_code >= 500:
            raise self._server_error(response, deadline)
        return response

    def _timed_out(self, deadline: _Deadline, what: str) -> UpstreamError:
        return UpstreamError(f"the SPARQL server at {self.where} did not {what} within {deadline.seconds:g} s, "
                             f"the limit set by {deadline.source}", 504)

    def _server_error(self, response: requests.Response, deadline: _Deadline) -> UpstreamError:
        """A 5xx from the server: 503 and 504 keep their meaning, every other one is a bad gateway."""
        message = _message(response, deadline)
        status = response.status_code
        text = f"the SPARQL server at {self.where} failed with HTTP {status}" + (f": {message}" if message else "")
        error = UpstreamError(text, 503 if status == 503 else 504 if status == 504 else 502)
        if status == 503 and "Retry-After" in response.headers:
            error.headers["Retry-After"] = response.headers["Retry-After"]
        return error

    def _client_error(self, response: requests.Response, deadline: _Deadline, query: str | None,
                      update: bool = False) -> ServiceError:
        """A 4xx: the request's fault (400, 413) or a misconfigured server (401, 403, 404, 406 …)."""
        status = response.status_code
        message = _message(response, deadline)
        if status == 400:
            if query is not None:
                local = _local_syntax_error(query, update)
                if local is not None:
                    return QuerySyntaxError(local)
            return BadRequest(message or f"the SPARQL server at {self.where} refused the request")
        if status in (413, 414):
            return PayloadTooLarge(f"the SPARQL server at {self.where} refused a request this large: {message}")
        if status in (401, 403):
            return UpstreamError(f"the SPARQL server at {self.where} refused reformkg's credentials (HTTP {status}); "
                                 "check store_user and store_password")
        if status == 429:
            return UpstreamError(f"the SPARQL server at {self.where} is overloaded (HTTP 429)", 503)
        return UpstreamError(f"the SPARQL server at {self.where} answered HTTP {status}"
                             + (f": {message}" if message else ""))

    def _chunks(self, response: requests.Response, deadline: _Deadline, what: str = "answer") -> Iterator[bytes]:
        """The body, each socket read bounded by what is left of the deadline; closes the response."""
        try:
            raw = response.raw
            while True:
                left = deadline.left()
                if left <= 0:
                    raise self._timed_out(deadline, f"finish its {what}")
                sock = getattr(getattr(raw, "connection", None), "sock", None)
                if sock is not None:
                    sock.settimeout(left)
                try:
                    chunk = raw.read1(CHUNK_BYTES, decode_content=True)  # what has come, not 64 KiB of it
                except (TimeoutError, requests.exceptions.Timeout) as exc:
                    raise self._timed_out(deadline, f"finish its {what}") from exc
                except Exception as exc:  # urllib3's ProtocolError, ReadTimeoutError, IncompleteRead …
                    if "timed out" in str(exc).lower():
                        raise self._timed_out(deadline, f"finish its {what}") from exc
                    raise UpstreamError(f"the SPARQL server at {self.where} broke off its {what}: "
                                        f"{_reason(exc)}") from exc
                if not chunk:
                    return
                yield chunk
        finally:
            response.close()

    # -- queries -----------------------------------------------------------------------------------

    def query(self, request: QueryRequest) -> QueryResponse:
        scanned = guards.check(request.query, self.settings, update=False)
        require_acceptable(request.accept)
        form = scanned.form() or "SELECT"
        kind = "graph" if form in ("CONSTRUCT", "DESCRIBE") else "results"
        media = negotiate(request.accept, kind)
        text = bind(request.query, request.substitutions, scanned) if request.substitutions else request.query
        if request.base_iri:
            text = f"BASE {NamedNode(request.base_iri)}\n{text}"
        deadline = self._deadline(request.timeout)
        max_rows = min(request.max_rows, self.settings.max_result_rows)
        rows_limit = "the request" if max_rows < self.settings.max_result_rows else "max_result_rows"
        asked = self._upstream_media(form, media)
        data: list[tuple[str, str]] = [("query", text)]
        data += self._dataset(request.default_graphs, request.named_graphs, scanned.declares_dataset(update=False),
                              deadline)
        if self.flavour == "virtuoso":
            data.append(("timeout", str(max(int(deadline.left() * 1000), 1))))
        response = self._send("POST", self.endpoints().query, deadline, "answer", data=data,
                              headers={"Accept": asked})
        if response.status_code >= 400:
            raise self._client_error(response, deadline, request.query)
        if response.headers.get("X-SQL-State") == "S1TAT":
            # Virtuoso's "anytime query": a partial result after its timeout, which is no answer at all.
            response.close()
            raise self._timed_out(deadline, "answer")
        received = _media(response)
        if received != asked:
            response.close()
            raise UpstreamError(f"the SPARQL server at {self.where} answered {received or 'without a Content-Type'} "
                                f"where {asked} was asked")
        chunks = self._chunks(response, deadline)
        checked = _checked(chunks, form, asked, max_rows, rows_limit, self.settings.max_result_bytes, self.where)
        return self._answer(form, asked, media, checked, scanned.prefixes() if kind == "graph" else {})

    def _upstream_media(self, form: str, media: str) -> str:
        """What to ask the server for; an answer of another type than `media` is converted to it.

        ASK is always fetched as JSON: the CSV/TSV of a boolean is not defined by the W3C and servers
        differ (Virtuoso writes "bool" then 1), so pyoxigraph writes it the way the embedded store does.
        CONSTRUCT and DESCRIBE are fetched as N-Triples, which every server writes alike, and pyoxigraph
        writes the other types as the embedded store does: Turtle with the query's prefixes (servers
        drop them), JSON-LD with datatypes and language tags (Virtuoso drops those).
        """
        if form == "ASK":
            return "application/sparql-results+json"
        if form in ("CONSTRUCT", "DESCRIBE"):
            return "application/n-triples"
        if self.flavour == "virtuoso" and media == "text/tab-separated-values":
            return "application/sparql-results+json"  # its TSV is not the W3C's
        return media

    def _answer(self, form: str, asked: str, media: str, checked: Iterator[bytes],
                prefixes: Mapping[str, str]) -> QueryResponse:
        """The answer read whole before its status is decided, as the embedded store's engines do, so that
        a result past max_result_rows or max_result_bytes, a deadline and a broken answer are each an
        error status, never a cut 200. Up to buffer_bytes it is kept in memory and sent with its
        length; beyond that it is spooled to a temporary file and streamed from there."""
        spool = tempfile.SpooledTemporaryFile(max_size=self.settings.buffer_bytes)
        try:
            for chunk in checked:
                spool.write(chunk)
            if asked != media:
                spool = self._converted(form, asked, media, spool, prefixes)
        except BaseException:
            spool.close()
            raise
        size = spool.tell()
        if size > self.settings.max_result_bytes:  # written by pyoxigraph: larger than what came
            spool.close()
            raise ResultTooLarge(_too_many_bytes(self.settings.max_result_bytes))
        spool.seek(0)
        if size > self.settings.buffer_bytes:
            return QueryResponse(form, media, _Spooled(spool), None)  # type: ignore[arg-type]
        with spool:
            return QueryResponse(form, media, [spool.read()], size)  # type: ignore[arg-type]

    def _converted(self, form: str, asked: str, media: str, spool: IO[bytes],
                   prefixes: Mapping[str, str]) -> IO[bytes]:
        """The spooled answer written in `media` by pyoxigraph (into a spool of its own)."""
        out = tempfile.SpooledTemporaryFile(max_size=self.settings.buffer_bytes)
        spool.seek(0)
        try:
            if form in ("CONSTRUCT", "DESCRIBE"):
                serialize(parse(spool, format=RDF_FORMATS[asked]), out, format=RDF_FORMATS[media], prefixes=prefixes)
            else:
                parse_query_results(spool, format=RESULT_FORMATS[asked]).serialize(out, format=RESULT_FORMATS[media])
        except SyntaxError as exc:
            out.close()
            raise UpstreamError(f"the SPARQL server at {self.where} sent a malformed {asked} answer: {exc}") from exc
        finally:
            spool.close()
        return out

    def _graph_media(self, media: str) -> tuple[str, bool]:
        """What to ask the Graph Store Protocol for, and whether the answer must be converted to `media`."""
        if self.flavour == "virtuoso":
            if media == "application/ld+json":
                return "application/n-triples", True  # its JSON-LD drops datatypes and language tags
            if media == "application/n-quads":
                return "application/n-triples", False  # a graph's N-Triples are its N-Quads
            if media == "application/trig":
                return "text/turtle", False  # a graph's Turtle is TriG of its default graph
        return media, False

    def _dataset(self, default_graphs: Sequence[str], named_graphs: Sequence[str], declared: bool,
                 deadline: _Deadline) -> list[tuple[str, str]]:
        """The protocol's dataset parameters; with none, the union of the named graphs as the default."""
        if default_graphs or named_graphs:
            return [("default-graph-uri", g) for g in default_graphs] + [("named-graph-uri", g) for g in named_graphs]
        if declared:
            return []  # FROM / FROM NAMED in the query: the query's dataset, as the protocol says
        if self.flavour == "oxigraph":
            return [("union-default-graph", "")]
        if self.endpoints().union_default:
            return []
        graphs = self._user_graphs(deadline)
        return [("default-graph-uri", g) for g in graphs] + [("named-graph-uri", g) for g in graphs]

    def _user_graphs(self, deadline: _Deadline) -> list[str]:
        """The server's named graphs, less Virtuoso's own; reused for GRAPHS_TTL seconds."""
        cached = self._graphs
        if cached is not None and time.monotonic() - cached[0] < GRAPHS_TTL:
            return cached[1]
        graphs = self._graph_list(deadline)
        self._graphs = (time.monotonic(), graphs)
        return graphs

    def _graph_list(self, deadline: _Deadline) -> list[str]:
        if self.flavour == "oxigraph":
            text = "SELECT ?g WHERE { GRAPH ?g {} }"  # empty graphs exist in Oxigraph
        else:
            text = "SELECT DISTINCT ?g WHERE { GRAPH ?g { ?s ?p ?o } }"
        rows = self._select(text, deadline)
        graphs = sorted(r["g"].value for r in rows if isinstance(r.get("g"), NamedNode))
        return [g for g in graphs if not g.startswith(VIRTUOSO_SYSTEM_GRAPHS)] if self.flavour == "virtuoso" else graphs

    def _select(self, text: str, deadline: _Deadline, data: Sequence[tuple[str, str]] = ()) -> list[dict]:
        """A small SELECT of the backend's own, read whole."""
        response = self._send("POST", self.endpoints().query, deadline, "answer",
                              data=[("query", text), *data], headers={"Accept": "application/sparql-results+json"})
        if response.status_code >= 400:
            raise self._client_error(response, deadline, None)
        body = b"".join(self._chunks(response, deadline))
        try:
            results = parse_query_results(body, format=QueryResultsFormat.JSON)
            names = [v.value for v in results.variables]
            return [{n: s[n] for n in names if s[n] is not None} for s in results]
        except SyntaxError as exc:
            raise UpstreamError(f"the SPARQL server at {self.where} sent a malformed answer: {exc}") from exc

    # -- updates -----------------------------------------------------------------------------------

    def update(self, text: str, timeout: float, *, base_iri: str | None = None,
               using_graphs: Sequence[str] = (), using_named_graphs: Sequence[str] = ()) -> None:
        scanned = guards.check(text, self.settings, update=True)
        if using_graphs or using_named_graphs:
            # As USING clauses in the text, as the embedded store does: servers differ on the parameters.
            text = scanned.with_using(using_graphs, using_named_graphs)
        if base_iri:
            text = f"BASE {NamedNode(base_iri)}\n{text}"
        deadline = self._deadline(timeout)
        data = [("update", text)]
        try:
            response = self._send("POST", self.endpoints().update, deadline, "apply the update", write=True, data=data)
        except UpstreamError as exc:
            if exc.status == 504:
                exc.message += "; it may or may not have applied the update"
            raise
        self._graphs = None
        if response.status_code >= 400:
            raise self._client_error(response, deadline, text, update=True)
        for _ in self._chunks(response, deadline, "acknowledgement"):
            pass

    # -- Graph Store Protocol ----------------------------------------------------------------------

    def _gsp(self) -> str:
        url = self.endpoints().gsp
        if url is None:
            raise UpstreamError(f"no Graph Store Protocol URL is known for the SPARQL server at {self.where}; "
                                "set store_gsp")
        return url

    @staticmethod
    def _target(graph: str | None) -> dict[str, str]:
        return {"default": ""} if graph is None else {"graph": NamedNode(graph).value}

    def graph_exists(self, graph: str | None) -> bool:
        if graph is None:
            return True
        deadline = self._deadline()
        if self.flavour == "oxigraph":
            response = self._send("HEAD", self._gsp(), deadline, "answer", params=self._target(graph))
            response.close()
            if response.status_code not in (200, 204, 404):
                raise self._client_error(response, deadline, None)
            return response.status_code != 404
        rows = self._select(f"SELECT ?x WHERE {{ GRAPH {NamedNode(graph)} {{ ?x ?p ?o }} }} LIMIT 1", deadline,
                            [("named-graph-uri", graph)])
        return bool(rows)

    def graph_get(self, graph: str | None, media_type: str) -> QueryResponse:
        """The graph's serialisation, streamed; raises NotFound (before the first byte) when it is absent."""
        return _buffered("CONSTRUCT", media_type, self._graph_chunks(graph, media_type), self.settings.buffer_bytes)

    def _graph_chunks(self, graph: str | None, media_type: str) -> Iterator[bytes]:
        deadline = self._deadline()
        asked, convert = self._graph_media(media_type)
        response = self._send("GET", self._gsp(), deadline, "answer", params=self._target(graph),
                              headers={"Accept": asked})
        if response.status_code == 404:
            response.close()
            raise NotFound(f"there is no graph <{graph}> in this store")
        if response.status_code >= 400:
            raise self._client_error(response, deadline, None)
        if convert:
            body = b"".join(self._chunks(response, deadline))
            yield serialize(parse(body, format=RDF_FORMATS[asked]), format=RDF_FORMATS[media_type])
            return
        yield from self._chunks(response, deadline)

    def dataset_get(self, media_type: str) -> QueryResponse:
        """Every graph: Oxigraph's GSP serves the dataset in one request, other servers graph by graph."""
        return _buffered("CONSTRUCT", media_type, self._dataset_chunks(media_type), self.settings.buffer_bytes)

    def _dataset_chunks(self, media_type: str) -> Iterator[bytes]:
        if self.flavour != "oxigraph":
            yield from self._dataset_by_graph(media_type)
            return
        deadline = self._deadline()
        response = self._send("GET", self._gsp(), deadline, "answer", headers={"Accept": media_type})
        if response.status_code >= 400:
            raise self._client_error(response, deadline, None)
        yield from self._chunks(response, deadline)

    def _dataset_by_graph(self, media_type: str) -> Iterator[bytes]:
        fmt = RDF_FORMATS[media_type]
        for graph in self.named_graphs():
            data = b"".join(self._graph_chunks(graph, "application/n-triples"))
            name = NamedNode(graph)
            quads = (Quad(q.subject, q.predicate, q.object, name) for q in parse(data, format=RdfFormat.N_TRIPLES))
            yield serialize(quads, format=fmt)

    def _write(self, method: str, graph: str | None, payloads: Sequence[Payload]) -> bool:
        """PUT or POST the payloads as one N-Triples body (one request, so one transaction upstream)."""
        body = _ntriples(payloads, graph)
        deadline = self._deadline()
        response = self._send(method, self._gsp(), deadline, "store the graph", write=True,
                              params=self._target(graph), data=body, headers={"Content-Type": "application/n-triples"})
        self._graphs = None
        response.close()
        if response.status_code >= 400:
            raise self._client_error(response, deadline, None)
        return response.status_code == 201 and graph is not None

    def graph_replace(self, graph: str | None, payloads: Sequence[Payload]) -> bool:
        return self._write("PUT", graph, payloads)

    def graph_add(self, graph: str | None, payloads: Sequence[Payload]) -> bool:
        return self._write("POST", graph, payloads)

    def graph_delete(self, graph: str | None) -> None:
        deadline = self._deadline()
        response = self._send("DELETE", self._gsp(), deadline, "delete the graph", write=True,
                              params=self._target(graph))
        self._graphs = None
        response.close()
        if response.status_code == 404:
            raise NotFound(f"there is no graph <{graph}> in this store")
        if response.status_code >= 400:
            raise self._client_error(response, deadline, None)

    def named_graphs(self) -> list[str]:
        return self._graph_list(self._deadline())

    def triple_count(self) -> int:
        deadline = self._deadline()
        if self.flavour == "oxigraph":
            # Without union-default-graph the default graph is the real one: default + named = every quad.
            rows = self._select("SELECT (COUNT(*) AS ?n) WHERE { { ?s ?p ?o } UNION { GRAPH ?g { ?s ?p ?o } } }",
                                deadline)
        else:
            graphs = self._graph_list(deadline)
            if not graphs:
                return 0
            rows = self._select("SELECT (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } }", deadline,
                                [("named-graph-uri", g) for g in graphs])
        return int(rows[0]["n"].value) if rows else 0

    def close(self) -> None:
        self.session.close()


# -- reading answers -------------------------------------------------------------------------------


class _Tee(io.RawIOBase):
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


def _checked(chunks: Iterator[bytes], form: str, media: str, max_rows: int, rows_source: str, max_bytes: int,
             where: str) -> Iterator[bytes]:
    """The chunks, passed on as pyoxigraph parses them: rows counted, bytes counted, syntax checked.

    Past max_bytes nothing more is passed on, but the rows are still counted to the end: as in the
    embedded store, whose engines count every row first, a result with too many rows says so, whatever
    its size.
    """
    tee = _Tee(chunks)
    rows_limit = f"the result has more than {max_rows} rows, the limit set by {rows_source}; add a LIMIT"

    def passed(rows: int) -> list[bytes]:
        """What has been read since the last call, or nothing once the answer is too large to keep."""
        if rows > max_rows:
            raise ResultTooLarge(rows_limit)
        seen = tee.take()
        return [] if tee.size > max_bytes else seen

    try:
        if media == "text/csv":
            # CSV results cannot be parsed back (pyoxigraph refuses: they are lossy), so rows are counted
            # as line breaks outside quotes (RFC 4180), less the header.
            counter = _CsvRows()
            for chunk in chunks:
                tee.seen.append(chunk)
                tee.size += len(chunk)
                yield from passed(counter.feed(chunk))
        else:
            if form in ("CONSTRUCT", "DESCRIBE"):
                items: Iterable[Any] = parse(tee, format=RDF_FORMATS[media])
            else:
                items = parse_query_results(tee, format=RESULT_FORMATS[media])
            rows = 0
            if form in ("SELECT", "CONSTRUCT", "DESCRIBE"):
                for _ in items:  # type: ignore[union-attr]
                    rows += 1
                    yield from passed(rows)
            while tee.readinto(bytearray(CHUNK_BYTES)):
                pass
            yield from passed(rows)
        if tee.size > max_bytes:
            raise ResultTooLarge(_too_many_bytes(max_bytes))
    except SyntaxError as exc:
        raise UpstreamError(f"the SPARQL server at {where} sent a malformed {media} answer: {exc}") from None
    finally:
        getattr(chunks, "close", lambda: None)()


def _too_many_bytes(max_bytes: int) -> str:
    return (f"the result is larger than {max_bytes} bytes, the limit set by max_result_bytes; "
            "add a LIMIT or select fewer variables")


class _CsvRows:
    def __init__(self) -> None:
        self.quoted = False
        self.lines = -1

    def feed(self, chunk: bytes) -> int:
        if b'"' not in chunk and not self.quoted:
            self.lines += chunk.count(b"\n")
            return self.lines
        for match in re.finditer(rb'["\n]', chunk):
            if match.group() == b'"':
                self.quoted = not self.quoted
            elif not self.quoted:
                self.lines += 1
        return self.lines


class _Stream:
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


class _Spooled:
    """An answer read whole and spooled; the WSGI server's close() drops the spool if it is not sent whole."""

    def __init__(self, spool: IO[bytes]) -> None:
        self.spool = spool

    def __iter__(self) -> Iterator[bytes]:
        with self.spool:
            while chunk := self.spool.read(CHUNK_BYTES):
                yield chunk

    def close(self) -> None:
        self.spool.close()


def _buffered(form: str, media: str, chunks: Iterator[bytes], buffer_bytes: int) -> QueryResponse:
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
    return QueryResponse(form, media, _Stream(head, chunks), None)  # type: ignore[arg-type]


def _ntriples(payloads: Sequence[Payload], graph: str | None) -> bytes:
    """The payloads parsed (so a bad body is the client's 400, not the server's) and written as N-Triples.

    Relative IRIs resolve against the graph's IRI, as in the embedded store.
    """
    parts = []
    for payload in payloads:
        if payload.media_type not in OFFERS["triples"]:
            raise UnsupportedMediaType(f"cannot store {payload.media_type or 'a body without a Content-Type'} "
                                       "in a graph; send one of " + ", ".join(OFFERS["triples"]))
        try:
            triples = [q.triple for q in parse(payload.data, format=RDF_FORMATS[payload.media_type],
                                               base_iri=graph, rename_blank_nodes=True)]
        except (SyntaxError, ValueError) as exc:
            raise BadRequest(f"the {payload.media_type} body does not parse: {exc}") from exc
        parts.append(serialize(triples, format=RdfFormat.N_TRIPLES))
    return b"".join(parts)


def _media(response: requests.Response) -> str:
    return (response.headers.get("Content-Type") or "").split(";")[0].strip().lower()


def _message(response: requests.Response, deadline: _Deadline, limit: int = 2000) -> str:
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
    if "html" in _media(response):
        return ""
    text = body.decode("utf-8", "replace").strip()
    # Virtuoso echoes the whole query after its message; the message is what says what to change.
    return text.split("\n\nSPARQL query:")[0].strip()


def _dropped(exc: BaseException) -> bool:
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


def _reason(exc: BaseException) -> str:
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


def _local_syntax_error(text: str, update: bool = False) -> str | None:
    """pyoxigraph's message for a request the server refused, so a syntax error reads as the embedded store's.

    The text is run on an empty in-memory store: parsing is all that can fail there. A SELECT is
    evaluated lazily and never iterated; text with SERVICE or LOAD is not tried, since it would fetch.
    """
    from pyoxigraph import Store

    if SparqlText(text).remote_targets(("SERVICE", "LOAD")):
        return None
    try:
        if update:
            Store().update(text)
        else:
            Store().query(text)
    except SyntaxError as exc:
        return str(exc)
    except Exception:  # an evaluation error on the empty store: the syntax was fine
        return None
    return None
