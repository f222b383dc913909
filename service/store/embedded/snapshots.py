"""Immutable snapshots of the primary store, so that no reader ever opens a store that someone writes.

pyoxigraph documents that opening a store read-only while another process writes it is undefined
behaviour (`Store.read_only`). So readers never open the primary store; they open a checkpoint of it
that nobody writes again. A data directory holds:

    store -> stores/<digest>       the primary store; only a writer holding write.lock opens it
    snapshot -> snapshots/<gen>    the current checkpoint (`Store.backup`: hard links, fast)
    snapshots/<gen>.inuse          readers hold a shared flock on it while they have <gen> open
    write.lock                     writers and `reformkg build` hold an exclusive flock on it
    write.pending                  exists while a write may be applied to the primary but not yet published

A write is acknowledged only after its snapshot is published, so a query that starts after the
acknowledgement sees it. Snapshots no reader pins are deleted after each publication, and by a query
engine that lets go of one (engine.py), so that a data directory holds about one snapshot's files.
"""
from __future__ import annotations

import fcntl
import os
import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from pyoxigraph import Store

_LINK = "snapshot"
_DIR = "snapshots"
_PENDING = "write.pending"


class SnapshotError(OSError):
    """The data directory has no primary store or no snapshot to read."""


def primary(data_dir: Path) -> Path | None:
    """The directory the `store` symlink points at, or None before the first build."""
    link = data_dir / "store"
    if not link.is_symlink() and not link.exists():
        return None
    return link.resolve()


def swap_link(link: Path, target: Path) -> None:
    """Point `link` at `target` (relative to the link's directory) with one atomic rename."""
    tmp = link.with_name(f".{link.name}.{os.getpid()}")
    if tmp.is_symlink() or tmp.exists():
        tmp.unlink()
    tmp.symlink_to(target)
    os.replace(tmp, link)


class WriteLock:
    """The data directory's exclusive write lock (an flock, which the kernel releases if the holder dies)."""

    def __init__(self, data_dir: Path) -> None:
        self.path = data_dir / "write.lock"
        self._fd = -1

    @property
    def held(self) -> bool:
        return self._fd >= 0

    def acquire(self) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o644)
        fcntl.flock(fd, fcntl.LOCK_EX)
        self._fd = fd

    def release(self) -> None:
        if self._fd >= 0:
            os.close(self._fd)
            self._fd = -1


@contextmanager
def write_lock(data_dir: Path) -> Iterator[None]:
    """Hold the write lock for the block."""
    lock = WriteLock(data_dir)
    lock.acquire()
    try:
        yield
    finally:
        lock.release()


def generation(data_dir: Path) -> str | None:
    """The current snapshot's name (one readlink), or None when there is none yet."""
    try:
        # Strings, not Paths: this is read for every query, and pathlib took four times the readlink.
        return os.readlink(os.path.join(data_dir, _LINK)).rpartition("/")[2]
    except FileNotFoundError:
        return None


def publish(store: Store, data_dir: Path) -> str:
    """Checkpoint an open primary store as the new current snapshot; the caller holds write_lock."""
    snapshots = data_dir / _DIR
    snapshots.mkdir(exist_ok=True)
    numbers = [int(p.name) for p in snapshots.iterdir() if p.name.isdigit()]
    name = f"{max(numbers, default=0) + 1:012d}"
    store.flush()
    store.backup(str(snapshots / name))
    swap_link(data_dir / _LINK, Path(_DIR) / name)
    (data_dir / _PENDING).unlink(missing_ok=True)
    prune(data_dir)
    return name


def publish_primary(data_dir: Path) -> str:
    """Open the primary store and publish it; the caller holds write_lock."""
    path = primary(data_dir)
    if path is None:
        raise SnapshotError(f"no store in {data_dir}; run `reformkg build` first")
    store = Store(str(path))
    try:
        return publish(store, data_dir)
    finally:
        del store


def mark_pending(data_dir: Path) -> None:
    (data_dir / _PENDING).touch()


def clear_pending(data_dir: Path) -> None:
    (data_dir / _PENDING).unlink(missing_ok=True)


def recover(data_dir: Path) -> None:
    """Publish a write a crashed writer applied but did not publish; the caller holds write_lock.

    Harmless when the write was not applied: the snapshot then equals the current one.
    """
    if (data_dir / _PENDING).exists() or generation(data_dir) is None:
        publish_primary(data_dir)


def ensure(data_dir: Path) -> None:
    """Make sure a snapshot exists (a data directory built before snapshots existed has none)."""
    if generation(data_dir) is None or (data_dir / _PENDING).exists():
        with write_lock(data_dir):
            recover(data_dir)


@dataclass
class Pin:
    """A snapshot a reader has open: the shared flock keeps `prune` from deleting it."""

    generation: str
    path: Path
    _fd: int

    def release(self) -> None:
        if self._fd >= 0:
            os.close(self._fd)
            self._fd = -1


def pin(data_dir: Path, attempts: int = 20) -> Pin:
    """Pin the current snapshot. Retries when a writer publishes and prunes in between."""
    for _ in range(attempts):
        name = generation(data_dir)
        if name is None:
            raise SnapshotError(f"no snapshot in {data_dir}; run `reformkg build` first")
        path = data_dir / _DIR / name
        fd = os.open(path.with_name(name + ".inuse"), os.O_RDWR | os.O_CREAT, 0o644)
        fcntl.flock(fd, fcntl.LOCK_SH)
        if (path / "CURRENT").exists():
            return Pin(name, path, fd)
        os.close(fd)
    raise SnapshotError(f"the snapshot in {data_dir} kept changing; try again")


def prune(data_dir: Path) -> None:
    """Delete every snapshot older than the current one that no reader pins. Needs no lock: a newer
    snapshot, which a writer may be making, is never touched, and a reader pins under a shared flock."""
    snapshots = data_dir / _DIR
    current = generation(data_dir)
    if current is None or not snapshots.is_dir():
        return
    for path in sorted(snapshots.iterdir()):
        name = path.name.removesuffix(".inuse")
        newer = not name.isdigit() or int(name) >= int(current)
        if newer or path.name.endswith(".inuse") and (snapshots / name).exists():
            continue
        lock = snapshots / (name + ".inuse")
        fd = os.open(lock, os.O_RDWR | os.O_CREAT, 0o644)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            os.close(fd)
            continue
        try:
            shutil.rmtree(snapshots / name, ignore_errors=True)
            lock.unlink(missing_ok=True)
        finally:
            os.close(fd)
