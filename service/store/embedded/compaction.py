"""Space after writes: the primary store, and so each snapshot of it, kept about the size of its data.

A transaction writes its changes twice, to RocksDB's write-ahead log and to table files; a deletion
writes tombstones beside the data it deletes. RocksDB drops neither soon on a store this size: after a
PUT and a DELETE of an 88,000-triple graph the data directory had grown from 4 MB to 196 MB for the
same triples, 108 MB of it logs that `Store.flush` leaves and `Store.backup` copies into every
snapshot, and the snapshot, past `memory_replica_bytes`, was read from disk, ~9× slower (issue 15).
So after a write the writer compacts the tables when they have grown by much since they were last
compacted (`Store.optimize`: the tombstones and what they delete go), and reopens the store when its
logs are large (RocksDB writes what they hold into tables and deletes them when it opens a store).
Strings a deletion leaves unused stay: Oxigraph never deletes them (a `reformkg load --replace`
rebuilds the store without them).
"""
from __future__ import annotations

import os
from pathlib import Path

from pyoxigraph import Store

LOG_BYTES = 4 * 1024 * 1024
"""Logs larger than this are dropped by reopening the store."""
GROWTH_BYTES = 8 * 1024 * 1024
"""Tables are compacted when they, or the logs, have grown by more than this, or by a quarter of the
tables' size, since the last compaction: a write that large may have deleted much."""


def _bytes(path: Path, suffix: str) -> int:
    total = 0
    with os.scandir(path) as entries:
        for entry in entries:
            if entry.name.endswith(suffix):
                try:
                    total += entry.stat().st_size
                except FileNotFoundError:
                    pass  # RocksDB's background compaction deleted it between the listing and the stat
    return total


def log_bytes(path: Path) -> int:
    """The size of the store's write-ahead logs."""
    return _bytes(path, ".log")


def table_bytes(path: Path) -> int:
    """The size of the store's table files."""
    return _bytes(path, ".sst")


class Compactor:
    """Decides, after each write to one open primary store, whether to compact it or reopen it."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.compacted = table_bytes(path)
        """The tables' size after the last compaction (or when the store was opened)."""

    def after_write(self, store: Store) -> bool:
        """Compact the tables when they, or the logs (what the writes since the store was opened
        changed), have grown by much; True when the logs are worth dropping by reopening the store,
        which the caller does, having closed it."""
        store.flush()
        logs = log_bytes(self.path)
        margin = max(GROWTH_BYTES, self.compacted // 4)
        if table_bytes(self.path) > self.compacted + margin or logs > margin:
            store.optimize()
            self.compacted = table_bytes(self.path)
        return logs > LOG_BYTES
