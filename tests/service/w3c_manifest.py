"""The W3C protocol test manifests (w3c/rdf-tests, copied unchanged into w3c/) as runnable cases.

Each mf:ProtocolTest / mf:GraphStoreProtocolTest holds a list of ht:Requests, run in order on one
connection, each with what its ht:Response must be: status codes, a boolean, a format, headers, an
RDF body isomorphic to the expected one, a Location to substitute into later requests.
"""
from __future__ import annotations

import http.client
from dataclasses import dataclass, field
from pathlib import Path

from pyoxigraph import QueryBoolean, parse, parse_query_results
from rdflib import Graph, Namespace
from rdflib.collection import Collection
from rdflib.compare import isomorphic
from rdflib.namespace import RDF, RDFS

from reformkg.service.formats import BY_MEDIA, GRAPH, RESULTS, media_types

MF = Namespace("http://www.w3.org/2001/sw/DataAccess/tests/test-manifest#")
HT = Namespace("http://www.w3.org/2011/http#")
CNT = Namespace("http://www.w3.org/2011/content#")
UT = Namespace("http://www.w3.org/2009/sparql/tests/test-update#")
HTS = "http://www.w3.org/2011/http-statusCodes#"
STATUS = {"OK": {200}, "Created": {201}, "NoContent": {204}, "NotFound": {404},
          **{f"StatusCode{n}xx": set(range(n * 100, n * 100 + 100)) for n in (2, 3, 4, 5)}}


@dataclass
class Expected:
    statuses: set[int]
    boolean: bool | None = None
    format: str | None = None
    content_type: str | None = None
    body: str | None = None
    location: str | None = None


@dataclass
class Step:
    method: str
    path: str
    headers: dict[str, str]
    body: bytes | None
    expected: Expected


@dataclass
class Case:
    id: str
    name: str
    steps: list[Step]
    graph_data: list[tuple[str, Path]] = field(default_factory=list)

    def __str__(self) -> str:
        return self.id


def _text(graph: Graph, node, predicate) -> str | None:
    value = graph.value(node, predicate)
    return None if value is None else str(value)


def _headers(graph: Graph, node) -> dict[str, str]:
    headers = graph.value(node, HT.headers)
    if headers is None:
        return {}
    return {str(graph.value(h, HT.fieldName)).lower(): str(graph.value(h, HT.fieldValue))
            for h in Collection(graph, headers)}


def _body(graph: Graph, node) -> tuple[str | None, str]:
    body = graph.value(node, HT.body)
    if body is None:
        return None, "utf-8"
    return _text(graph, body, CNT.chars), (_text(graph, body, CNT.characterEncoding) or "UTF-8").lower()


def _step(graph: Graph, node) -> Step:
    response = graph.value(node, HT.resp)
    statuses: set[int] = set()
    for status in graph.objects(response, MF.expectedStatus):
        statuses |= STATUS[str(status).removeprefix(HTS)]
    boolean = graph.value(response, MF.expectedBoolean)
    expected_body, _ = _body(graph, response)
    chars, encoding = _body(graph, node)
    return Step(
        method=str(graph.value(node, HT.methodName)),
        path=str(graph.value(node, HT.absolutePath)),
        headers=_headers(graph, node),
        body=None if chars is None else chars.encode(encoding),
        expected=Expected(statuses, None if boolean is None else boolean.toPython(),
                          _text(graph, response, MF.expectedFormat),
                          _headers(graph, response).get("content-type"), expected_body,
                          _text(graph, response, MF.expectedLocation)),
    )


def load(path: Path, kind: str) -> list[Case]:
    """Every test of the given type in a manifest file: its entries first, then any it defines but
    does not list (manifest-direct.ttl defines head_non_existing_direct outside its entries)."""
    graph = Graph().parse(path, format="turtle")
    manifest = next(graph.subjects(RDF.type, MF.Manifest))
    listed = list(Collection(graph, graph.value(manifest, MF.entries)))
    unlisted = sorted(set(graph.subjects(RDF.type, MF[kind])) - set(listed))
    cases = []
    for test in listed + unlisted:
        action = graph.value(test, MF.action)
        requests = graph.value(action, HT.requests) if action is not None else None
        steps = [_step(graph, r) for r in Collection(graph, requests)] if requests is not None else []
        data = [(str(graph.value(d, RDFS.label)), path.parent / str(graph.value(d, UT.graph)).rsplit("/", 1)[-1])
                for d in graph.objects(test, UT.graphData)]
        cases.append(Case(str(test).rsplit("#", 1)[-1], str(graph.value(test, MF.name)), steps, data))
    return cases


def entries(path: Path) -> list[str]:
    graph = Graph().parse(path, format="turtle")
    manifest = next(graph.subjects(RDF.type, MF.Manifest))
    return [str(t).rsplit("#", 1)[-1] for t in Collection(graph, graph.value(manifest, MF.entries))]


def run(case: Case, host: str, port: int, *, prefixes: dict[str, str], headers: dict[str, str]) -> None:
    """Send the case's requests in order on one connection and check each response."""
    location = {}
    connection = http.client.HTTPConnection(host, port, timeout=30)
    try:
        for number, step in enumerate(case.steps, 1):
            path, body = step.path, step.body
            for name, value in location.items():
                path = path.replace(name, value)
                body = body.replace(name.encode(), value.encode()) if body is not None else None
            for old, new in prefixes.items():
                if path.startswith(old):
                    path = new + path[len(old):]
            connection.request(step.method, path, body=body, headers={**step.headers, **headers})
            response = connection.getresponse()
            content = response.read()
            where = f"{case.id} request {number} ({step.method} {path})"
            assert response.status in step.expected.statuses, (where, response.status, content[:500])
            _check(step.expected, response, content, where)
            if step.expected.location is not None:
                location[step.expected.location] = response.headers["Location"]
    finally:
        connection.close()


def _media(value: str | None) -> tuple[str, dict[str, str]]:
    main, *params = (value or "").split(";")
    pairs = dict(p.strip().lower().split("=", 1) for p in params if "=" in p)
    return main.strip().lower(), pairs


def _check(expected: Expected, response: http.client.HTTPResponse, content: bytes, where: str) -> None:
    media, _ = _media(response.headers.get("Content-Type"))
    if expected.format == "tabular" and media == "text/csv":
        assert content.splitlines(), where  # CSV is lossy: pyoxigraph does not parse it
    elif expected.format in ("boolean", "tabular"):
        assert media in media_types(RESULTS), (where, media)
        result = parse_query_results(content, format=BY_MEDIA[media].syntax)
        assert isinstance(result, QueryBoolean) == (expected.format == "boolean"), where
        if expected.boolean is not None:
            assert bool(result) is expected.boolean, where
    elif expected.format == "RDF":
        assert media in media_types(GRAPH), (where, media)
        list(parse(content, format=BY_MEDIA[media].syntax))
    if expected.content_type is not None:
        assert _media(response.headers.get("Content-Type")) == _media(expected.content_type), where
    if expected.body is not None:
        got = Graph().parse(data=content.decode("utf-8"), format="turtle")
        want = Graph().parse(data=expected.body, format="turtle")
        assert isomorphic(got, want), (where, content.decode("utf-8"))
