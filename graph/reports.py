"""The reports to build from: each page as published (`<name>.txt`) beside its metadata (`<name>.toml`).

The packaged report lives in graph/sources/; `reformkg build --sources DIR` reads a user's folder the
same way. Each metadata file is read on its own, so one broken report can be named and left out
while the others build (graph/build.py).
"""
from __future__ import annotations

import datetime as dt
import hashlib
import re
import tomllib
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

from pyoxigraph import NamedNode

REQUIRED = ("id", "file", "title", "publisher", "published", "period", "place")
"""Metadata fields every report needs; `section`, `language` (default "zh") and `url` are optional."""

_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]*")
"""A report id becomes a path segment of every IRI minted for the report ({base}report/{id}/…)."""


class SourceError(ValueError):
    """One report's files cannot be read as a report; the message names the file and what is wrong."""

    def __init__(self, file: Path, reason: str, report_id: str | None = None) -> None:
        super().__init__(f"{file}: {reason}")
        self.file = file
        self.reason = reason
        self.report_id = report_id
        """The report's id, when its metadata was read that far."""


@dataclass(frozen=True)
class ReportSource:
    id: str
    path: Path
    title: str
    publisher: str
    published: dt.date
    section: str
    period: int
    """The year the report covers (2022 for 2022年重庆民政十大改革)."""
    place: str
    language: str
    sha256: str = ""
    """Hex SHA-256 of the text file's bytes as published (the build's provenance records it)."""
    url: str | None = None
    """Where the page was published, when the metadata says."""
    metadata: Path | None = None
    """The metadata file the report was read from."""

    def raw(self) -> str:
        return self.path.read_text(encoding="utf-8")


def metadata_files(directories: Iterable[Path]) -> list[Path]:
    """Every `*.toml` in the folders, each folder's sorted by name, the folders in the order given.

    Raises NotADirectoryError for a folder that does not exist: that is the whole build's input, not one report's.
    """
    found = []
    for directory in directories:
        if not directory.is_dir():
            raise NotADirectoryError(f"{directory} is not a folder of reports")
        found += sorted(directory.glob("*.toml"))
    return found


def read(meta_path: Path) -> ReportSource:
    """The report a metadata file describes, its text checked readable; raises SourceError naming the
    file (the metadata or the text) and what is wrong with it."""
    try:
        meta = tomllib.loads(_read(meta_path, "metadata")[1])
    except tomllib.TOMLDecodeError as exc:
        raise SourceError(meta_path, f"the metadata is not valid TOML: {exc}") from exc
    missing = [name for name in REQUIRED if name not in meta]
    if missing:
        raise SourceError(meta_path, "metadata is missing " + ", ".join(repr(m) for m in missing))
    for name in ("id", "file", "title", "publisher", "place", "section", "language", "url"):
        if name in meta and not (isinstance(meta[name], str) and (meta[name].strip() or name == "section")):
            raise SourceError(meta_path, f"{name} must be a non-empty string, got {meta[name]!r}")
    if not _ID.fullmatch(meta["id"]):
        raise SourceError(meta_path, f"id {meta['id']!r} must be letters, digits, '.', '_' and '-' "
                                     "(it is part of every IRI)")
    published = meta["published"]
    if not isinstance(published, dt.date) or isinstance(published, dt.datetime):
        raise SourceError(meta_path, f"published must be a TOML date such as 2023-02-06, got {published!r}")
    if isinstance(meta["period"], bool) or not isinstance(meta["period"], int):
        raise SourceError(meta_path, f"period must be the year the report covers, e.g. 2022, got {meta['period']!r}")
    url = meta.get("url")
    if url is not None and not _web_address(url):
        raise SourceError(meta_path, f"url must be the http(s) address the page was published at, got {url!r}")
    path = meta_path.parent / meta["file"]
    try:
        digest = hashlib.sha256(_read(path, "text")[0]).hexdigest()
    except SourceError as exc:
        raise SourceError(exc.file, exc.reason, meta["id"]) from exc
    return ReportSource(
        id=meta["id"],
        path=path,
        title=meta["title"],
        publisher=meta["publisher"],
        published=published,
        section=meta.get("section", ""),
        period=meta["period"],
        place=meta["place"],
        language=meta.get("language", "zh"),
        sha256=digest,
        url=url,
        metadata=meta_path,
    )


def _web_address(url: str) -> bool:
    """An absolute http(s) URL that is also an IRI (the graph links to it with schema:url)."""
    try:
        NamedNode(url)
    except ValueError:
        return False
    parts = urlsplit(url)
    return parts.scheme in ("http", "https") and bool(parts.netloc)


def _read(path: Path, what: str) -> tuple[bytes, str]:
    """The file's bytes and its text; raises SourceError when it is unreadable, not UTF-8 or empty."""
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise SourceError(path, f"cannot read the {what} file: {exc.strerror or exc}") from exc
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise SourceError(path, f"the {what} is not UTF-8 (byte {data[exc.start]:#04x} at offset {exc.start}); "
                                "save it as UTF-8") from exc
    if not text.strip():
        raise SourceError(path, f"the {what} file is empty")
    return data, text


def discover(directory: Path) -> list[ReportSource]:
    """Every report in the folder, sorted by id so builds are deterministic; raises SourceError at the
    first that cannot be read."""
    return sorted((read(path) for path in metadata_files([directory])), key=lambda r: r.id)
