"""Put a built dataset into the on-disk store so that readers never see a half-loaded one: the last
step of the build (text → graph → store), where `reformkg build` hands over to the embedded store.

Each build loads into a fresh directory under `stores/`, then, holding the write lock, the `store`
symlink is swapped to it with one rename (atomic on POSIX) and its first snapshot is published for
the query engines (see embedded/snapshots.py). The label index of that snapshot is built before the
store is served (search/index.py). A failed load leaves the symlinks, and so the served store, as
they were.
"""
from __future__ import annotations

import hashlib
import os
import shutil
from dataclasses import dataclass
from pathlib import Path

from pyoxigraph import RdfFormat, Store

from ..search import index
from .embedded import load, snapshots


class InstallError(Exception):
    """The dataset could not be loaded into a new store; the current store is untouched."""


def current_store(data_dir: Path) -> Path | None:
    """The primary store's directory, or None before the first build.

    Only writers open it (holding the write lock); readers open `snapshots.pin(data_dir)`.
    """
    return snapshots.primary(data_dir)


def install(nquads: Path, data_dir: Path) -> Path:
    """Bulk-load an N-Quads file into a new store and make it current; returns its directory."""
    return publish(stage(nquads, data_dir))


@dataclass(frozen=True)
class Staged:
    """A dataset loaded into a store of its own that is not served yet: `publish` or `discard` it."""

    data_dir: Path
    path: Path
    digest: str


def stage(nquads: Path, data_dir: Path) -> Staged:
    """Bulk-load an N-Quads file into a new store beside the current one, which it does not touch."""
    digest = hashlib.sha256(nquads.read_bytes()).hexdigest()[:16]
    stores = data_dir / "stores"
    stores.mkdir(parents=True, exist_ok=True)
    staging = stores / f".{digest}.{os.getpid()}.loading"
    shutil.rmtree(staging, ignore_errors=True)
    try:
        store = Store(str(staging))
        store.bulk_load(path=str(nquads), format=RdfFormat.N_QUADS)
        store.flush()
        store.optimize()
        del store
    except (OSError, SyntaxError, ValueError) as exc:
        shutil.rmtree(staging, ignore_errors=True)
        raise InstallError(f"loading {nquads} failed: {exc}") from exc
    return Staged(data_dir, staging, digest)


def publish(staged: Staged) -> Path:
    """Make a staged store the current one, with its first snapshot and label index; returns its directory."""
    with snapshots.write_lock(staged.data_dir):
        # The store it replaces is deleted: the snapshots still read hold hard links of their own.
        target = load.commit(staged.data_dir, staged.path, staged.digest)
    index.refresh(staged.data_dir)  # so that the first searches need not scan
    return target


def discard(staged: Staged) -> None:
    shutil.rmtree(staged.path, ignore_errors=True)
