"""Browse by kind: `/agency/`, `/reform/`, `/indicator/` … list their instances, paged and sortable,
and the indicator list narrows by facets (browse.py). The landing page's class links lead here.

A list's URL holds its whole state (`?sort=indicators&order=desc&page=2`, `?unit=…&kind=…`), so a
list can be shared and the page cache keeps it; a value outside what the list offers is a 400 that
says what it accepts.
"""
from __future__ import annotations

import re
from urllib.parse import urlencode

from flask import Blueprint, render_template, request
from pyoxigraph import Literal, NamedNode, Triple
from werkzeug.routing import BaseConverter

from reformkg.ontology.vocab import RDFS

from .. import browse, context, describe, i18n, page_cache, readable
from ..errors import BadRequest
from ..labeller import Labeller

bp = Blueprint("browse", __name__)


class KindConverter(BaseConverter):
    """The first path segment of a list: one of browse.KINDS, nothing else (the rest are resources)."""

    regex = "|".join(re.escape(k.path) for k in browse.KINDS)


@bp.record_once
def _converter(state) -> None:
    state.app.url_map.converters["kind"] = KindConverter


def _page_number() -> int:
    given = request.args.get("page", "1")
    if not re.fullmatch(r"[1-9][0-9]{0,5}", given):
        raise BadRequest(f"page must be a whole number from 1, not {given!r}")
    return int(given) - 1


def _choice(name: str, offered: tuple[str, ...], default: str) -> str:
    given = request.args.get(name, default)
    if given not in offered:
        raise BadRequest(f"{name} must be one of {', '.join(offered)}, not {given!r}")
    return given


def _href(**changes: object) -> str:
    """This list's URL with some arguments changed (None removes one)."""
    args = {**request.args.to_dict(), **{k: str(v) for k, v in changes.items() if v is not None}}
    for k, v in changes.items():
        if v is None:
            args.pop(k, None)
    return request.path + ("?" + urlencode(args) if args else "")


@bp.get("/<kind:path>/")
@page_cache.cached
def listing(path: str) -> str:
    kind = browse.BY_PATH[path]
    if kind.path == "indicator":
        return _indicators(kind)
    lang = i18n.language(request)
    sort = _choice("sort", browse.SORTS, "name")
    descending = _choice("order", ("asc", "desc"), "desc" if sort == "indicators" else "asc") == "desc"
    page = _page_number()
    backend, base = context.backend(), context.settings().base_iri
    total = browse.count(backend, kind, base)
    items = browse.items(backend, kind, base, lang, sort, descending, page)
    if page and not items:
        raise BadRequest(f"page {page + 1} is past the end of this list ({total} items, {browse.PAGE_SIZE} a page)")
    labeller = _labeller({i.iri: i.label for i in items} | {i.report: i.report_label for i in items if i.report},
                         lang)
    return render_template("browse.html", kind=kind, items=items, total=total, labeller=labeller,
                           pages=_pages(total, page), sort=sort, descending=descending, href=_href,
                           kinds=browse.KINDS)


def _labeller(labels: dict[str, dict[str, str]], lang: str) -> Labeller:
    triples = [Triple(NamedNode(iri), RDFS.label, Literal(text, language=tag))
               for iri, by_lang in labels.items() for tag, text in by_lang.items()]
    return Labeller(triples, context.term_labels(), lang, context.site())


def _pages(total: int, page: int) -> dict:
    last = max(0, (total - 1) // browse.PAGE_SIZE)
    return {"number": page + 1, "last": last + 1, "first_item": page * browse.PAGE_SIZE + 1 if total else 0,
            "last_item": min(total, (page + 1) * browse.PAGE_SIZE),
            "previous": _href(page=page) if page > 0 else None,
            "next": _href(page=page + 2) if page < last else None}


def _indicators(kind: browse.Kind) -> str:
    """The indicator list: the chosen facet values narrow it; each facet counts what its values would give."""
    lang = i18n.language(request)
    site = context.site()
    chosen = {}
    for facet in browse.FACETS:
        given = request.args.get(facet.name)
        if given:
            if site.path(given) is None and not given.startswith(("http://", "https://")):
                raise BadRequest(f"{facet.name} must be an IRI, not {given!r}")
            chosen[facet.name] = given
    sort = _choice("sort", ("text", "value"), "text")
    page = _page_number()
    backend = context.backend()
    where, substitutions = browse.chosen_pattern(chosen)
    order = "?report ?start ?i" if sort == "text" else "DESC(?value) ?i"
    found = describe.matching_indicators(backend, where, substitutions, order=order, limit=browse.PAGE_SIZE,
                                         offset=page * browse.PAGE_SIZE)
    total = browse.indicator_count(backend, chosen)
    if page and not found:
        raise BadRequest(f"page {page + 1} is past the end of this list ({total} indicators, "
                         f"{browse.PAGE_SIZE} a page)")
    facets = [(facet, browse.facet_values(backend, facet, chosen)) for facet in browse.FACETS]
    labels = {v.iri: v.label for _, values in facets for v in values}
    labeller = _labeller(labels, lang)
    return render_template("browse_indicators.html", kind=kind, indicators=found, total=total, facets=facets,
                           chosen=chosen, labeller=labeller, pages=_pages(total, page), sort=sort, href=_href,
                           quantity=readable.quantity, site=site, kinds=browse.KINDS,
                           mixed=len(next(values for facet, values in facets if facet.name == "report")) > 1)
