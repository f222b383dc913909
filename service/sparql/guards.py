"""Checks on query and update text before an engine sees it: length, nesting, SERVICE and LOAD.

SERVICE and LOAD make pyoxigraph's HTTP client fetch any URL, which would let anyone make the server
reach hosts on its network; they are refused unless the target starts with a `federation_allow` prefix.
"""
from __future__ import annotations

from ..errors import BadRequest, Forbidden, PayloadTooLarge
from ..settings import Settings
from .text import SparqlText, read


def check(text: str, settings: Settings, *, update: bool) -> SparqlText:
    """The text read (lexed) once, checked: every later step (form, prefixes, dataset, bindings) uses the
    SparqlText this returns. Raises PayloadTooLarge (length), BadRequest (nesting), Forbidden (SERVICE/LOAD)."""
    what = "update" if update else "query"
    if len(text) > settings.max_query_length:
        raise PayloadTooLarge(f"the {what} is {len(text)} characters long; the limit is "
                              f"{settings.max_query_length}, set by max_query_length")
    scanned = read(text)
    if scanned.depth > settings.max_nesting:
        raise BadRequest(f"the {what} nests brackets and operators {scanned.depth} deep; the limit is "
                         f"{settings.max_nesting}, set by max_nesting")
    allowed = settings.federation_allow.split()
    for remote in scanned.remote_targets(("SERVICE", "LOAD") if update else ("SERVICE",)):
        if remote.iri is None:
            raise Forbidden(f"{remote.keyword} with a variable or a relative IRI is refused: its target "
                            "cannot be checked against federation_allow; write the absolute IRI")
        if not any(remote.iri.startswith(prefix) for prefix in allowed):
            reason = ("SERVICE and LOAD are off because federation_allow is empty" if not allowed
                      else "it starts with none of the federation_allow prefixes")
            raise Forbidden(f"{remote.keyword} <{remote.iri}> is refused: {reason}")
    return scanned
