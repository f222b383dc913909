"""The hand-kept layer: what the text cannot give (English labels, IRI slugs, external IDs, types).

Curation lives in TOML under graph/curation/: `entities.toml` for entities shared by all reports
(agencies, target groups, places, programmes, documents) and one `<report id>.toml` per report
(English titles and summaries of its reforms, measures and indicators).
"""
from __future__ import annotations

import tomllib
from dataclasses import dataclass, field
from pathlib import Path

KINDS = ("agency", "target-group", "place", "programme", "document")


@dataclass(frozen=True)
class Entity:
    kind: str
    slug: str
    zh: str
    en: str | None = None
    aliases: tuple[str, ...] = ()
    broader: tuple[str, ...] = ()
    """Slugs of broader entities of the same kind (target-group hierarchy, places within places)."""
    related: tuple[str, ...] = ()
    """Slugs of associated target groups that are not broader: a household group and its persons."""
    wikidata: str | None = None
    type: str | None = None
    """A finer type: the programme kind, or the place type (municipality, province, district …)."""
    ignore: bool = False
    """A quoted phrase or pattern match that the text shows but that names no entity."""
    place: str | None = None
    """For a local body: the place its short forms (市政府, 市民政局) stand for it in; elsewhere they don't."""

    @property
    def names(self) -> tuple[str, ...]:
        return (self.zh, *self.aliases)


@dataclass
class Curation:
    entities: dict[str, dict[str, Entity]] = field(default_factory=lambda: {k: {} for k in KINDS})
    reports: dict[str, dict] = field(default_factory=dict)

    def by_name(self, kind: str) -> dict[str, Entity]:
        """Every zh name and alias of a kind, mapped to its entity."""
        return {name: e for e in self.entities.get(kind, {}).values() for name in e.names}

    def report(self, report_id: str) -> dict:
        return self.reports.get(report_id, {})


def load(directory: Path) -> Curation:
    """Read every curation file; a malformed entry raises ValueError naming its file and key."""
    curation = Curation()
    entities_file = directory / "entities.toml"
    if entities_file.exists():
        data = tomllib.loads(entities_file.read_text(encoding="utf-8"))
        for kind in KINDS:
            for slug, entry in data.get(kind, {}).items():
                try:
                    curation.entities[kind][slug] = Entity(
                        kind=kind,
                        slug=slug,
                        zh=entry["zh"],
                        en=entry.get("en"),
                        aliases=tuple(entry.get("aliases", ())),
                        broader=tuple(entry.get("broader", ())),
                        related=tuple(entry.get("related", ())),
                        wikidata=entry.get("wikidata"),
                        type=entry.get("type"),
                        ignore=entry.get("ignore", False),
                        place=entry.get("place"),
                    )
                except (KeyError, TypeError) as exc:
                    raise ValueError(f"{entities_file}: [{kind}.{slug}] is missing {exc}") from exc
    for path in sorted(directory.glob("*.toml")):
        if path.name != "entities.toml":
            curation.reports[path.stem] = tomllib.loads(path.read_text(encoding="utf-8"))
    return curation
