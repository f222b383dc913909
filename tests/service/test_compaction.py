"""Sizing a store's files (service/store/embedded/compaction.py) while RocksDB deletes some: a table
file compacted away between the listing and its stat is not counted, and does not fail the write
(CI saw `reformkg load` and a Graph Store write fail with FileNotFoundError)."""
from __future__ import annotations

import os

from reformkg.service.store.embedded import compaction


def test_a_table_file_deleted_while_the_store_is_sized_is_skipped(tmp_path, monkeypatch):
    for name, size in (("000001.sst", 100), ("000002.sst", 40), ("000003.log", 7)):
        (tmp_path / name).write_bytes(b"x" * size)
    real_scandir = os.scandir

    class Deleting:
        """The real listing, with 000001.sst deleted just after it is listed, as a compaction would."""

        def __init__(self, path):
            self.entries = real_scandir(path)

        def __enter__(self):
            return self

        def __exit__(self, *exc):
            self.entries.close()

        def __iter__(self):
            for entry in self.entries:
                if entry.name == "000001.sst":
                    os.unlink(entry.path)
                yield entry

    monkeypatch.setattr(compaction.os, "scandir", Deleting)
    assert compaction.table_bytes(tmp_path) == 40
    assert compaction.log_bytes(tmp_path) == 7
