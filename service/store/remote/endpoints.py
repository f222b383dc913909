"""Where a remote SPARQL server answers each protocol, which kind of server it is, and how long one
exchange with it may take."""
from __future__ import annotations

import re
import time
from dataclasses import dataclass

CONNECT_SECONDS = 5.0


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


class Deadline:
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
