"""The reports to build from: each text in graph/sources/ beside a TOML metadata file."""
from __future__ import annotations

import datetime as dt
import tomllib
from dataclasses import dataclass
from pathlib import Path


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

    def raw(self) -> str:
        return self.path.read_text(encoding="utf-8")


def discover(directory: Path) -> list[ReportSource]:
    """Every `*.toml` metadata file in the directory, sorted by id so builds are deterministic."""
    reports = []
    for meta_path in sorted(directory.glob("*.toml")):
        meta = tomllib.loads(meta_path.read_text(encoding="utf-8"))
        try:
            reports.append(
                ReportSource(
                    id=meta["id"],
                    path=meta_path.parent / meta["file"],
                    title=meta["title"],
                    publisher=meta["publisher"],
                    published=meta["published"],
                    section=meta.get("section", ""),
                    period=int(meta["period"]),
                    place=meta["place"],
                    language=meta.get("language", "zh"),
                )
            )
        except KeyError as exc:
            raise ValueError(f"{meta_path}: metadata is missing {exc}") from exc
    return sorted(reports, key=lambda r: r.id)
