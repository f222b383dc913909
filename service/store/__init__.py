"""Where the graph lives: the embedded on-disk Oxigraph store, or a remote SPARQL server."""
from __future__ import annotations

from ..settings import Settings
from .base import Backend


def open_backend(settings: Settings) -> Backend:
    """The remote server the `store` setting names, else the embedded store in `data_dir`, with the
    result cache in front of a store that knows its generation (result_cache_bytes, 0: none).

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
    from .cache import CachingBackend, ResultCache

    cache = ResultCache(settings.result_cache_bytes)
    return CachingBackend(store, cache, store.generation)  # type: ignore[return-value]
