"""Where the graph lives: the embedded on-disk Oxigraph store, or a remote SPARQL server."""
from __future__ import annotations

from ..settings import Settings
from .base import Backend


def open_backend(settings: Settings) -> Backend:
    """The remote server the `store` setting names, else the embedded store in `data_dir`.

    Raises StoreMissing (embedded, nothing built yet) or ValueError (a `store` that is not an http(s) URL).
    """
    if settings.store:
        if not settings.store.startswith(("http://", "https://")):
            raise ValueError(f"store must be an http:// or https:// URL of a SPARQL server, not {settings.store!r}")
        from .remote import RemoteStore

        return RemoteStore.open(settings)
    from .embedded import EmbeddedStore

    store = EmbeddedStore.open(settings)
    if settings.result_cache_bytes <= 0:
        return store
    from . import snapshots
    from .cache import CachingBackend, ResultCache

    return CachingBackend(store, ResultCache(settings.result_cache_bytes),
                          lambda: snapshots.generation(settings.data_dir))
