"""One resource, several representations: an HTML page and four RDF syntaxes, at one URL and at suffix URLs.

The bare URL negotiates (`Vary: Accept`, `Content-Location` naming the suffix URL it chose); the suffix
URLs (`.ttl`, `.jsonld`, `.nt`, `.rdf`) are fixed, for browsers and links. Every answer lists the others
in `Link: <…>; rel="alternate"; type=…` headers (https://www.w3.org/TR/cooluris/#conneg).
"""
from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass

from flask import Response, url_for
from pyoxigraph import BlankNode, Literal, NamedNode, Triple, serialize

from reformkg.ontology.vocab import PREFIXES

from . import context, formats, jsonld
from .errors import NotFound

HTML = "text/html"
SUFFIXES: dict[str, str] = {"." + f.extension: f.media_type for f in formats.offered(formats.RESOURCE) if f.extension}
"""The suffix URLs (`/x.ttl`) of a resource's RDF descriptions, in the order of the formats."""


@dataclass(frozen=True)
class Alternate:
    href: str
    media_type: str

    @property
    def name(self) -> str:
        return formats.BY_MEDIA[self.media_type].title


@dataclass(frozen=True)
class Requested:
    path: str
    """The document's path, without a suffix."""
    media_type: str
    negotiated: bool
    """True for the bare URL (the answer varies with Accept), False for a suffix URL."""


def split_suffix(path: str) -> tuple[str, str | None]:
    """(`/x`, `text/turtle`) for `/x.ttl`; (`/x`, None) for `/x`."""
    for suffix, media_type in SUFFIXES.items():
        if path.endswith(suffix) and len(path) > len(suffix) + 1:
            return path[: -len(suffix)], media_type
    return path, None


def known_suffix(ext: str | None, document: str) -> None:
    """For routes `/x` and `/x.<ext>`: raises NotFound, naming the offered URLs, when `ext` is no suffix of ours."""
    if ext is not None and "." + ext not in SUFFIXES:
        raise NotFound(f"no {document}.{ext}; {document} is offered as " + ", ".join(document + s for s in SUFFIXES))


def requested(path: str, accept: str | None, default: str = HTML) -> Requested:
    """What a request for `path` asks for: the suffix's type, or the best for Accept, or `default` without one.

    Raises NotAcceptable when no representation fits Accept.
    """
    document, media_type = split_suffix(path)
    if media_type is not None:
        return Requested(document, media_type, False)
    if not (accept or "").strip():
        return Requested(document, default, True)
    return Requested(document, formats.negotiate(accept, formats.RESOURCE).media_type, True)


def alternates(path: str) -> list[Alternate]:
    """Every representation of the document at `path`, the HTML page first."""
    return [Alternate(path, HTML), *(Alternate(path + suffix, t) for suffix, t in SUFFIXES.items())]


def _headers(request: Requested) -> dict[str, str]:
    links = ", ".join(f'<{a.href}>; rel="alternate"; type="{a.media_type}"' for a in alternates(request.path))
    headers = {"Link": links}
    if request.negotiated:
        headers["Vary"] = "Accept"
        if request.media_type != HTML:
            suffix = next(s for s, t in SUFFIXES.items() if t == request.media_type)
            headers["Content-Location"] = request.path + suffix
    return headers


def _used_prefixes(triples: list[Triple]) -> dict[str, str]:
    iris = {t.value for triple in triples for t in (triple.subject, triple.predicate, triple.object)
            if isinstance(t, NamedNode)}
    iris |= {t.datatype.value for triple in triples for t in (triple.object,) if isinstance(t, Literal)}
    return {p: ns for p, ns in PREFIXES.items() if any(iri.startswith(ns) for iri in iris)}


def rdf_body(triples: Iterable[Triple], media_type: str) -> bytes:
    """Serialise triples; Turtle and RDF/XML with the dataset's prefixes, JSON-LD compacted with its context.

    The JSON-LD refers to its context on the host that answered, not under the base IRI: the base may
    be a w3id.org address nobody has registered yet, and a client offline or behind a firewall reaches
    this host (it just did) when it may reach nothing else (issue 17).
    """
    triples = sorted(set(triples), key=order)
    if media_type == "application/ld+json":
        ctx = jsonld.context(context.backend(), context.ontology_graph())
        return jsonld.compact(triples, ctx, url_for("dataset.jsonld_context", _external=True))
    return serialize(triples, format=formats.BY_MEDIA[media_type].syntax, prefixes=_used_prefixes(triples))


def order(triple: Triple) -> tuple:
    """Subjects together (Turtle groups consecutive triples), named before blank, then predicate, object."""
    s = triple.subject
    return (isinstance(s, BlankNode), str(s), str(triple.predicate), str(triple.object))


def respond(request: Requested, html: Callable[[], str], triples: Callable[[], Iterable[Triple]],
            status: int = 200) -> Response:
    """The representation `request` asks for: `html()` renders the page, `triples()` gives the description."""
    if request.media_type == HTML:
        response = Response(html(), status=status, content_type="text/html; charset=utf-8")
    else:
        response = Response(rdf_body(triples(), request.media_type), status=status,
                            content_type=content_type(request.media_type))
    response.headers.update(_headers(request))
    return response


def content_type(media_type: str) -> str:
    # Turtle and N-Triples are UTF-8 by definition, but browsers showing a .ttl file guess otherwise.
    return f"{media_type}; charset=utf-8" if media_type.startswith("text/") else media_type
