"""What a request needs from the app, typed: its settings, its backend, the named queries, the label
index, and what follows from the settings (where IRIs are served, the ontology's graph).

`create_app` puts them on the app once (`install`); views and the modules they call read them here,
never by a string key of their own.
"""
from __future__ import annotations

from flask import Flask, current_app

from reformkg.ontology.vocab import Iris

from . import describe
from .links import Site
from .search.index import LabelIndex
from .settings import Settings
from .sparql.catalog import Catalog
from .store.base import Backend

SETTINGS = "REFORMKG"
"""The key of app.config that holds the Settings."""
BACKEND = "reformkg.backend"
CATALOG = "reformkg.catalog"
LABEL_INDEX = "reformkg.textindex"
TERM_LABELS = "reformkg.term-labels"
"""Keys of app.extensions; the label index is there only on the embedded store."""


def install(app: Flask, settings: Settings, backend: Backend, catalog: Catalog, labels: LabelIndex | None) -> None:
    app.config[SETTINGS] = settings
    app.extensions[BACKEND] = backend
    app.extensions[CATALOG] = catalog.rebased(settings.base_iri)
    if labels is not None:
        app.extensions[LABEL_INDEX] = labels


def settings() -> Settings:
    return current_app.config[SETTINGS]


def backend() -> Backend:
    return current_app.extensions[BACKEND]


def catalog() -> Catalog:
    return current_app.extensions[CATALOG]


def label_index() -> LabelIndex | None:
    """The embedded store's label index; None over a remote store."""
    return current_app.extensions.get(LABEL_INDEX)


def site() -> Site:
    return Site(settings().base_iri)


def ontology_graph() -> str:
    return Iris(settings().base_iri).graph("ontology").value


def term_labels() -> dict[str, dict[str, str]]:
    """The ontology's labels of its terms (describe.term_labels), read once per snapshot of the store.

    Every HTML page names classes and properties by them, and they change only with the store: read
    afresh for each page, they were the costliest of its dozen queries. Not a cached answer (the
    result cache, which result_cache_bytes=0 turns off, holds those) but a table the pages are built
    on, as the label index is. A store that tells no generation (a remote one) is asked each time.
    """
    store = backend()
    generation = store.generation()
    kept = current_app.extensions.get(TERM_LABELS)
    if generation is not None and kept is not None and kept[0] == generation:
        return kept[1]
    labels = describe.term_labels(store, ontology_graph())
    if generation is not None:
        current_app.extensions[TERM_LABELS] = (generation, labels)
    return labels
