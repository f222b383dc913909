"""Minted IRIs ↔ the paths this service answers them at.

Every IRI under the base is served at the same path on the service's own host: `{base}agency/x` at
`/agency/x`. A hash IRI (`…/span/10-20#quote`, `…/ontology#Reform`) is answered by its document, the
IRI without the fragment (https://www.w3.org/TR/cooluris/#hashuri).
"""
from __future__ import annotations

from dataclasses import dataclass

from reformkg.ontology.vocab import PREFIXES


@dataclass(frozen=True)
class Site:
    base: str
    """The base every minted IRI starts with (settings.base_iri), ending in `/` or `#`."""

    def path(self, iri: str) -> str | None:
        """The local path and fragment an IRI under the base is answered at (`/ontology#Reform`); None if
        the IRI is not under the base."""
        if not iri.startswith(self.base):
            return None
        return "/" + iri[len(self.base):]

    def document(self, iri: str) -> str:
        """The IRI without its fragment: what a client dereferencing it asks the server for."""
        return iri.split("#", 1)[0]

    def iri(self, path: str) -> str:
        """The IRI a request path stands for: `/agency/x` → `{base}agency/x`."""
        return self.base + path.lstrip("/")

    def href(self, iri: str) -> str:
        """Where a page links an IRI to: its local path if it is minted here, else the IRI itself."""
        return self.path(iri) or iri


def prefixed(iri: str) -> str:
    """`rkg:Reform` for an IRI in one of the dataset's namespaces (ontology/vocab.py PREFIXES), else the IRI."""
    for prefix, namespace in PREFIXES.items():
        if iri.startswith(namespace) and len(iri) > len(namespace):
            return f"{prefix}:{iri[len(namespace):]}"
    return iri
