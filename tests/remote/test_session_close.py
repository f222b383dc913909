"""A remote store dropped without close() closes its pooled connections itself."""
from __future__ import annotations

import gc
import warnings
from pathlib import Path

from reformkg.service.store.remote import RemoteStore

from .conftest import remote_settings


def test_a_dropped_remote_store_closes_its_pooled_connections_without_a_resource_warning(oxigraph, tmp_path: Path):
    store = RemoteStore(remote_settings(oxigraph.url, tmp_path / "data"), flavour="oxigraph")
    store.session.get(oxigraph.url, params={"query": "ASK {}"}, timeout=10).close()
    pools = store.session.get_adapter(oxigraph.url).poolmanager.pools
    (pool,) = [pools[key] for key in pools.keys()]
    (connection,) = [c for c in pool.pool.queue if c is not None]
    sock = connection.sock
    assert sock is not None and sock.fileno() >= 0
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        del store, pool, connection
        gc.collect()
    assert sock.fileno() == -1  # closed by the store, not left to the collector
    assert not [w for w in caught if issubclass(w.category, ResourceWarning)]
