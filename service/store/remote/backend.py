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
           its default graph and its named graphs are all its graphs, its own system graphs among
           them, so every query starts with its pragmas `input:default-graph-exclude` and
           `input:named-graph-exclude` for those few (naming the user's graphs instead put hundreds
           in every request, and missed the graphs added since they were listed); its TSV and its
           CSV/TSV for ASK are not the W3C formats, so those are converted from JSON; its Graph
           Store Protocol has no N-Quads/TriG (N-Triples and Turtle are valid ones); HEAD on the GSP
           is not implemented (501), so graph existence is asked with ASK; its `timeout` parameter
           (milliseconds) answers partial results flagged by X-SQL-State: S1TAT, which become 504 here.
generic    the URLs as given; the union default graph is named explicitly (default-graph-uri), unless the
           server's service description lists sd:UnionDefaultGraph: then its default graph is that
           union already, and a dataset of hundreds of graphs is not named in every request.
"""
from __future__ import annotations

import logging
import tempfile
import threading
import time
import weakref
from collections.abc import Iterator, Mapping, Sequence
from contextlib import closing
from dataclasses import replace
from typing import IO, Any
from urllib.parse import urlsplit, urlunsplit

import requests
from pyoxigraph import (
    NamedNode, Quad, QueryResultsFormat, RdfFormat, parse, parse_query_results, serialize,
)
from requests.adapters import HTTPAdapter
from requests.auth import AuthBase, HTTPBasicAuth, HTTPDigestAuth

from ... import formats
from ...errors import (
    BadRequest, NotFound, PayloadTooLarge, QuerySyntaxError, ResultTooLarge, ServiceError, UpstreamError,
)
from ...settings import Settings
from ...sparql.text import SparqlText
from ..base import Backend, Limit, Payload, Prepared, QueryResponse, Terms, read_terms, too_many_bytes
from .answers import (
    CHUNK_BYTES, Spooled, buffered, checked, dropped, error_message, media_type_of, ntriples, reason,
)
from .endpoints import CONNECT_SECONDS, Deadline, Endpoints, detect_flavour

log = logging.getLogger("reformkg.remote")

GRAPHS_TTL = 10.0
"""How long the list of a Virtuoso or generic server's graphs is reused (a generic server's union
default graph; Virtuoso's system graphs, which its queries leave out)."""

SD = "http://www.w3.org/ns/sparql-service-description#"
DESCRIPTION_BYTES = 1024 * 1024
"""The most of a server's service description read to find its features."""

# Graphs a fresh Virtuoso holds for itself; they are not part of the dataset it serves for reformkg.
VIRTUOSO_SYSTEM_GRAPHS = ("http://www.openlinksw.com/", "http://www.w3.org/ns/ldp#", "http://localuriqaserver/",
                          "http://localhost:8890/")


class RemoteStore(Backend):
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
        super().__init__(settings)
        self.store = settings.store
        self._credentials = (settings.store_user, settings.store_password or "") if settings.store_user else None
        self.timeout = settings.query_timeout
        self.session = requests.Session()
        # One pool per server, as large as the web worker's threads: no request waits for a connection.
        adapter = HTTPAdapter(pool_connections=4, pool_maxsize=settings.threads, max_retries=0)
        self.session.mount("http://", adapter)
        self.session.mount("https://", adapter)
        # The environment's proxies (HTTP_PROXY, NO_PROXY …) and CA bundle (REQUESTS_CA_BUNDLE), read
        # once for this server: left to requests, every query reads the environment and ~/.netrc again,
        # half a millisecond of each one (0.99 ms against 1.53 for a bare POST on this machine).
        environment = self.session.merge_environment_settings(self.store, {}, None, None, None)
        self.session.proxies.update(environment["proxies"])
        self.session.verify = environment["verify"]
        self.session.trust_env = False
        # A backend dropped without close() (an app discarded, a test's) still closes its pooled sockets,
        # rather than leave them to the garbage collector, which warns about each (ResourceWarning).
        weakref.finalize(self, self.session.close)
        self._endpoints: Endpoints | None = None
        self._flavour = flavour
        self._lock = threading.Lock()
        self._graphs: tuple[float, list[str]] | None = None
        """When the server's named graphs were read, and they (Virtuoso's own among them); forgotten
        at each write."""
        self._listing = threading.Lock()
        """Held by the one thread that lists the graphs: on Virtuoso a listing takes seconds, and
        every thread listing at once when the list expired stalled the service (1 request/s at 8
        connections)."""
        self._graph_state = threading.Lock()
        """Guards the three attributes that follow, and _graphs."""
        self._refreshing = False
        self._writes = 0
        """Writes through this service so far: a listing begun before one is not kept after it."""

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
                        response = self._send("GET", self.store, Deadline(min(self.timeout, 10.0)), "answer",
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
        deadline = Deadline(min(self.timeout, 10.0))
        accept = "text/turtle, application/rdf+xml;q=0.9, application/n-triples;q=0.8"
        try:
            response = self._send("GET", url, deadline, "describe itself", auth=False, check=False,
                                  headers={"Accept": accept})
            media = media_type_of(response)
            fmt = formats.BY_MEDIA.get(media)
            if response.status_code != 200 or fmt is None or not isinstance(fmt.syntax, RdfFormat):
                response.close()
                return False
            body = b""
            chunks = self._chunks(response, deadline, "service description")
            with closing(chunks):
                for chunk in chunks:
                    body += chunk
                    if len(body) > DESCRIPTION_BYTES:
                        return False
            features = {t.object for t in parse(body, format=fmt.syntax, base_iri=url)
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

    def _deadline(self, limit: Limit | None = None) -> Deadline:
        """The request's deadline (query_timeout, or less when the request asks for less)."""
        limit = limit or Limit(self.timeout, "query_timeout")
        return Deadline(limit.value, limit.source)

    def _request(self, method: str, url: str, deadline: Deadline, write: bool, **kwargs: Any) -> requests.Response:
        """Send on a pooled connection (a read, retried once on a fresh one if the server had closed it),
        or on a connection of its own (a write)."""
        if write:
            with requests.Session() as once:  # closing it leaves the response's connection to the response
                return once.request(method, url, timeout=deadline.timeouts(), stream=True, **kwargs)
        try:
            return self.session.request(method, url, timeout=deadline.timeouts(), stream=True, **kwargs)
        except requests.exceptions.ConnectionError as exc:
            if not dropped(exc):
                raise
            log.info("the SPARQL server at %s had closed a pooled connection (%s); asking again on a fresh one",
                     self.where, reason(exc))
            # The other idle connections of the pool are as old as this one: none is kept.
            self.session.get_adapter(url).poolmanager.clear()
            return self.session.request(method, url, timeout=deadline.timeouts(), stream=True, **kwargs)

    def _send(self, method: str, url: str, deadline: Deadline, what: str, *, auth: bool = True,
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
            raise UpstreamError(f"the SPARQL server at {self.where} did not {what}: {reason(exc)}") from None
        except requests.exceptions.RequestException as exc:
            raise UpstreamError(f"the SPARQL server at {self.where} did not {what}: {exc}") from None
        if check and response.status_code >= 500:
            raise self._server_error(response, deadline)
        return response

    def _timed_out(self, deadline: Deadline, what: str) -> UpstreamError:
        return UpstreamError(f"the SPARQL server at {self.where} did not {what} within {deadline.seconds:g} s, "
                             f"the limit set by {deadline.source}", 504)

    def _server_error(self, response: requests.Response, deadline: Deadline) -> UpstreamError:
        """A 5xx from the server: 503 and 504 keep their meaning, every other one is a bad gateway."""
        message = error_message(response, deadline)
        status = response.status_code
        text = f"the SPARQL server at {self.where} failed with HTTP {status}" + (f": {message}" if message else "")
        error = UpstreamError(text, 503 if status == 503 else 504 if status == 504 else 502)
        if status == 503 and "Retry-After" in response.headers:
            error.headers["Retry-After"] = response.headers["Retry-After"]
        return error

    def _client_error(self, response: requests.Response, deadline: Deadline, query: str | None,
                      update: bool = False) -> ServiceError:
        """A 4xx: the request's fault (400, 413) or a misconfigured server (401, 403, 404, 406 …)."""
        status = response.status_code
        message = error_message(response, deadline)
        if status == 400:
            if query is not None:
                # pyoxigraph's message for it, so that a syntax error reads as the embedded store's.
                local = SparqlText(query).syntax_error(update)
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

    def _chunks(self, response: requests.Response, deadline: Deadline, what: str = "answer") -> Iterator[bytes]:
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
                                        f"{reason(exc)}") from exc
                if not chunk:
                    return
                yield chunk
        finally:
            response.close()

    # -- queries -----------------------------------------------------------------------------------

    def _run(self, query: Prepared) -> QueryResponse:
        assert query.format is not None
        media = query.format.media_type
        asked = self._upstream_media(query.form, media)
        return self._answer(query.form, asked, media, self._fetch(query, asked), query.prefixes)

    def _evaluate(self, query: Prepared) -> Terms:
        """The answer asked for in SPARQL JSON or N-Triples, which every server writes alike, and read."""
        graph = formats.answer_of(query.form) == formats.GRAPH
        asked = "application/n-triples" if graph else "application/sparql-results+json"
        body = b"".join(self._fetch(query, asked))
        try:
            return read_terms(query.form, body, QueryResultsFormat.JSON)
        except SyntaxError as exc:
            raise UpstreamError(f"the SPARQL server at {self.where} sent a malformed {asked} answer: {exc}") from exc

    def _fetch(self, query: Prepared, asked: str) -> Iterator[bytes]:
        """Send the query, asking for `asked`; the answer's chunks, checked as they are read."""
        text = f"BASE {NamedNode(query.base_iri)}\n{query.text}" if query.base_iri else query.text
        deadline = self._deadline(query.timeout)
        pragmas, dataset = self._dataset(query.default_graphs, query.named_graphs, query.declares_dataset, deadline)
        data: list[tuple[str, str]] = [("query", pragmas + text), *dataset]
        if self.flavour == "virtuoso":
            data.append(("timeout", str(max(int(deadline.left() * 1000), 1))))
        response = self._send("POST", self.endpoints().query, deadline, "answer", data=data,
                              headers={"Accept": asked})
        if response.status_code >= 400:
            raise self._client_error(response, deadline, query.original)
        if response.headers.get("X-SQL-State") == "S1TAT":
            # Virtuoso's "anytime query": a partial result after its timeout, which is no answer at all.
            response.close()
            raise self._timed_out(deadline, "answer")
        received = media_type_of(response)
        if received != asked:
            response.close()
            raise UpstreamError(f"the SPARQL server at {self.where} answered {received or 'without a Content-Type'} "
                                f"where {asked} was asked")
        return checked(self._chunks(response, deadline), query.form, asked, query.max_rows, query.max_bytes,
                       self.where)

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
            # A graph is rewritten even in the type it came in: a server's DESCRIBE over the union
            # gives a triple once per graph that holds it, and Format.write writes each triple once.
            if asked != media or formats.answer_of(form) == formats.GRAPH:
                spool = self._converted(form, asked, media, spool, prefixes)
        except BaseException:
            spool.close()
            raise
        size = spool.tell()
        if size > self.settings.max_result_bytes:  # written by pyoxigraph: larger than what came
            spool.close()
            raise ResultTooLarge(too_many_bytes(self.settings.max_result_bytes))
        spool.seek(0)
        if size > self.settings.buffer_bytes:
            return QueryResponse(form, media, Spooled(spool), None)  # type: ignore[arg-type]
        with spool:
            return QueryResponse(form, media, [spool.read()], size)  # type: ignore[arg-type]

    def _converted(self, form: str, asked: str, media: str, spool: IO[bytes],
                   prefixes: Mapping[str, str]) -> IO[bytes]:
        """The spooled answer written in `media` by pyoxigraph (into a spool of its own)."""
        out = tempfile.SpooledTemporaryFile(max_size=self.settings.buffer_bytes)
        spool.seek(0)
        try:
            result = (parse(spool, format=formats.BY_MEDIA[asked].syntax) if formats.answer_of(form) == formats.GRAPH
                      else parse_query_results(spool, format=formats.BY_MEDIA[asked].syntax))
            formats.BY_MEDIA[media].write(result, out, prefixes)
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
                 deadline: Deadline) -> tuple[str, list[tuple[str, str]]]:
        """Pragmas to put before the query, and the protocol's dataset parameters; with no dataset
        given, the union of the named graphs as the default graph."""
        if default_graphs or named_graphs:
            return "", ([("default-graph-uri", g) for g in default_graphs]
                        + [("named-graph-uri", g) for g in named_graphs])
        if declared:
            return "", []  # FROM / FROM NAMED in the query: the query's dataset, as the protocol says
        if self.flavour == "oxigraph":
            return "", [("union-default-graph", "")]
        if self.endpoints().union_default:
            return "", []
        if self.flavour == "virtuoso":
            return self._without_system_graphs(deadline), []
        graphs = self._known_graphs(deadline)
        return "", [("default-graph-uri", g) for g in graphs] + [("named-graph-uri", g) for g in graphs]

    def _without_system_graphs(self, deadline: Deadline) -> str:
        """Virtuoso's pragmas that take its own graphs out of a query's default and named graphs.

        The pragmas are as short with 554 report graphs as with one, and a graph added by anyone
        is in the next query, where naming the user's graphs (default-graph-uri) made a 60 KB request
        of every query at 2 M triples and missed the graphs added since the last listing."""
        own = [NamedNode(g) for g in self._known_graphs(deadline) if g.startswith(VIRTUOSO_SYSTEM_GRAPHS)]
        return "".join(f"DEFINE input:default-graph-exclude {g}\nDEFINE input:named-graph-exclude {g}\n"
                       for g in own)

    def _known_graphs(self, deadline: Deadline) -> list[str]:
        """The server's graphs, Virtuoso's own among them. Listed by one thread at a time: the first
        request (or the first after a write through this service) waits for the list; later ones use
        it and, once it is GRAPHS_TTL old, one background thread lists them again, so that graphs
        others add (to a generic server; Virtuoso's system graphs) count within about GRAPHS_TTL
        and no request waits for a listing."""
        cached = self._graphs
        if cached is not None:
            if time.monotonic() - cached[0] >= GRAPHS_TTL:
                self._refresh_graphs()
            return cached[1]
        with self._listing:
            if (cached := self._graphs) is not None:
                return cached[1]  # listed by the thread this one waited for
            writes = self._writes
            graphs = self._listed(deadline)
            self._keep_graphs(writes, graphs)
            return graphs

    def _keep_graphs(self, writes: int, graphs: list[str]) -> None:
        """Keep a listing, unless this service wrote since it began (the listing may predate the write)."""
        with self._graph_state:
            if writes == self._writes:
                self._graphs = (time.monotonic(), graphs)

    def _forget_graphs(self) -> None:
        with self._graph_state:
            self._writes += 1
            self._graphs = None

    def _refresh_graphs(self) -> None:
        """List the graphs again on a thread of its own, unless one is at it already."""
        with self._graph_state:
            if self._refreshing:
                return
            self._refreshing = True

        def refresh() -> None:
            try:
                with self._listing:
                    writes = self._writes
                    self._keep_graphs(writes, self._listed(self._deadline()))
            except Exception as exc:  # the old list stays; the next request past the TTL tries again
                log.warning("listing the graphs of the SPARQL server at %s failed: %s", self.where, exc)
            finally:
                self._refreshing = False

        threading.Thread(target=refresh, name="graph-list", daemon=True).start()

    def _graph_list(self, deadline: Deadline) -> list[str]:
        """The server's named graphs, less Virtuoso's own."""
        graphs = self._listed(deadline)
        return [g for g in graphs if not g.startswith(VIRTUOSO_SYSTEM_GRAPHS)] if self.flavour == "virtuoso" else graphs

    def _listed(self, deadline: Deadline) -> list[str]:
        """Every graph the server names, in order."""
        if self.flavour == "oxigraph":
            text = "SELECT ?g WHERE { GRAPH ?g {} }"  # empty graphs exist in Oxigraph
        else:
            # GROUP BY, not DISTINCT: Virtuoso 7.2 takes 2.2 s to list 8 graphs of 10,742 quads with
            # DISTINCT, 2 ms with GROUP BY; the answer is the same.
            text = "SELECT ?g WHERE { GRAPH ?g { ?s ?p ?o } } GROUP BY ?g"
        rows = self._select(text, deadline)
        return sorted(r["g"].value for r in rows if isinstance(r.get("g"), NamedNode))

    def _select(self, text: str, deadline: Deadline, data: Sequence[tuple[str, str]] = ()) -> list[dict]:
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

    def _apply(self, text: str, base_iri: str | None, timeout: Limit) -> None:
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
        self._forget_graphs()
        if response.status_code >= 400:
            raise self._client_error(response, deadline, text, update=True)
        for _ in self._chunks(response, deadline, "acknowledgement"):
            pass
        self._acknowledged()

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
        return buffered("CONSTRUCT", media_type, self._graph_chunks(graph, media_type), self.settings.buffer_bytes)

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
            yield serialize(parse(body, format=formats.BY_MEDIA[asked].syntax), format=formats.BY_MEDIA[media_type].syntax)
            return
        yield from self._chunks(response, deadline)

    def dataset_get(self, media_type: str) -> QueryResponse:
        """Every graph: Oxigraph's GSP serves the dataset in one request, other servers graph by graph."""
        return buffered("CONSTRUCT", media_type, self._dataset_chunks(media_type), self.settings.buffer_bytes)

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
        fmt = formats.BY_MEDIA[media_type].syntax
        for graph in self.named_graphs():
            data = b"".join(self._graph_chunks(graph, "application/n-triples"))
            name = NamedNode(graph)
            quads = (Quad(q.subject, q.predicate, q.object, name) for q in parse(data, format=RdfFormat.N_TRIPLES))
            yield serialize(quads, format=fmt)

    def _write(self, method: str, graph: str | None, payloads: Sequence[Payload]) -> bool:
        """PUT or POST the payloads as one N-Triples body (one request, so one transaction upstream)."""
        body = ntriples(payloads, graph)
        deadline = self._deadline()
        response = self._send(method, self._gsp(), deadline, "store the graph", write=True,
                              params=self._target(graph), data=body, headers={"Content-Type": "application/n-triples"})
        self._forget_graphs()
        response.close()
        if response.status_code >= 400:
            raise self._client_error(response, deadline, None)
        self._acknowledged()
        return response.status_code == 201 and graph is not None

    def graph_replace(self, graph: str | None, payloads: Sequence[Payload]) -> bool:
        return self._write("PUT", graph, payloads)

    def graph_add(self, graph: str | None, payloads: Sequence[Payload]) -> bool:
        return self._write("POST", graph, payloads)

    def graph_delete(self, graph: str | None) -> None:
        deadline = self._deadline()
        response = self._send("DELETE", self._gsp(), deadline, "delete the graph", write=True,
                              params=self._target(graph))
        self._forget_graphs()
        response.close()
        if response.status_code == 404:
            raise NotFound(f"there is no graph <{graph}> in this store")
        if response.status_code >= 400:
            raise self._client_error(response, deadline, None)
        self._acknowledged()

    def named_graphs(self) -> list[str]:
        return self._graph_list(self._deadline())

    def triple_count(self) -> int:
        deadline = self._deadline()
        if self.flavour == "oxigraph":
            # Without union-default-graph the default graph is the real one: default + named = every quad.
            rows = self._select("SELECT (COUNT(*) AS ?n) WHERE { { ?s ?p ?o } UNION { GRAPH ?g { ?s ?p ?o } } }",
                                deadline)
        elif self.flavour == "virtuoso":
            rows = self._select(self._without_system_graphs(deadline)
                                + "SELECT (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } }", deadline)
        else:
            graphs = self._graph_list(deadline)
            if not graphs:
                return 0
            rows = self._select("SELECT (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } }", deadline,
                                [("named-graph-uri", g) for g in graphs])
        return int(rows[0]["n"].value) if rows else 0

    def close(self) -> None:
        self.session.close()
