"""The named query label-search.rq answered from the label index, row for row.

The query reads every label in the store: 8 s at 10 M triples (benchmarks/results/scale.md), where
issue 15 asks for 1 s. The label index of the current snapshot (index.py) holds every label, its
lower-cased text and the text's trigrams, so `LabelIndex.page` gives the query's rows, in its order,
in milliseconds. A query file opts in with `#+ index: labels` (sparql/catalog.py checks that it has
label-search's columns and parameters); when the snapshot has no index yet, or the store is remote,
or the text holds a NUL (SQLite ends an FTS5 string there), the query runs as written.

What may differ from the engine's answer is only what SPARQL leaves open: GROUP_CONCAT joins the
matching labels in no set order, and here they come shortest first, as /api/search shows them.
"""
from __future__ import annotations

import io
import json
from collections.abc import Mapping

from pyoxigraph import Literal, NamedNode, QueryResultsFormat, parse_query_results

from .. import formats
from ..sparql.catalog import NamedQuery
from ..store.base import Terms
from .index import LANGUAGES, MATCHES, LabelIndex, Ranked
from . import SEPARATOR

JSON_RESULTS = "application/sparql-results+json"
INDEX = "labels"
"""The value of `#+ index:` this module answers."""
_XSD_INTEGER = NamedNode("http://www.w3.org/2001/XMLSchema#integer")


def terms(index: LabelIndex | None, query: NamedQuery, args: Mapping[str, list[str]], limit: int,
          offset: int) -> Terms | None:
    """The page of `query`'s answer for `args` (bound and checked by `query.bind` already), or None
    when the index cannot give it and the query must run."""
    if index is None or query.index != INDEX:
        return None
    text = _given(args, "q")
    lang = _given(args, "lang")
    if text is None or "\x00" in text or lang not in (None, *LANGUAGES):
        return None
    found = index.page(text, lang, limit, offset)
    return None if found is None else answer(query, found, text, lang)


def answer(query: NamedQuery, found: list[Ranked], text: str, lang: str | None) -> Terms:
    """The rows `found` for the text and language as `query` gives them: its columns, its terms."""
    return Terms(form="SELECT", variables=query.variables, solutions=tuple(_solution(r, text, lang) for r in found))


def body(answer: Terms, media_type: str) -> bytes:
    """`answer` in a SPARQL results format. The rows are written in the standard JSON form (SPARQL 1.1
    Query Results JSON Format); for any other format pyoxigraph reads that back into solutions and
    writes them, as it writes an engine's answer."""
    document = {"head": {"vars": list(answer.variables)},
                "results": {"bindings": [{name: _json_term(term) for name, term in row.items()}
                                         for row in answer.solutions]}}
    written = json.dumps(document, ensure_ascii=False).encode("utf-8")
    if media_type == JSON_RESULTS:
        return written
    solutions = parse_query_results(written, format=QueryResultsFormat.JSON)
    output = io.BytesIO()
    formats.BY_MEDIA[media_type].write(solutions, output)
    return output.getvalue()


def _given(args: Mapping[str, list[str]], name: str) -> str | None:
    values = [v for v in args.get(name, []) if v != ""]
    return values[0] if values else None


def _solution(found: Ranked, text: str, lang: str | None) -> dict:
    row = {"resource": NamedNode(found.iri), "q": Literal(text), "score": Literal(str(found.score), datatype=_XSD_INTEGER),
           "match": Literal(MATCHES[found.score]), "length": Literal(str(found.length), datatype=_XSD_INTEGER),
           "labels": Literal(SEPARATOR.join(found.labels))}
    if lang is not None:
        row["lang"] = Literal(lang)
    return row


def _json_term(term) -> dict:
    if isinstance(term, NamedNode):
        return {"type": "uri", "value": term.value}
    written = {"type": "literal", "value": term.value}
    if term.language:
        written["xml:lang"] = term.language
    elif term.datatype.value != "http://www.w3.org/2001/XMLSchema#string":
        written["datatype"] = term.datatype.value
    return written
