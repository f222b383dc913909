"""The search page (`/search?q=…`), reached from the box on every page: what the graph names, what its
abstracts say and what the reports' texts say, each hit shown in context with the fact it belongs to.

Names come from the label index (search/), as /api/search gives them; abstracts and texts from
fulltext.py. A text hit links to its place in the annotated text (`?mark=`) and to the facts read from
those words.
"""
from __future__ import annotations

from flask import Blueprint, render_template, request

from .. import context, fulltext, i18n, page_cache, search
from ..labeller import Labeller

bp = Blueprint("search_page", __name__)


@bp.get("/search")
@page_cache.cached
def page() -> str:
    looked_for = request.args.get("q", "").strip()
    lang = i18n.language(request)
    if not looked_for:
        return render_template("search.html", q="", names=[], abstracts=[], texts=[], labeller=None)
    backend = context.backend()
    names = search.search(backend, looked_for, site=context.site(), limit=search.DEFAULT_LIMIT,
                          timeout=context.settings().query_timeout, index=context.label_index())
    texts = fulltext.in_texts(backend, looked_for)
    abstracts = fulltext.in_abstracts(backend, looked_for)
    labels = [t for hits in texts for t in hits.labels] + [t for a in abstracts for t in a.labels]
    labeller = Labeller(labels, context.term_labels(), lang, context.site())
    return render_template("search.html", q=looked_for, names=names, abstracts=abstracts, texts=texts,
                           labeller=labeller)
