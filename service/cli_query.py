"""`reformkg query`: run one query against the on-disk store and format it for a terminal."""
from __future__ import annotations

import io

from pyoxigraph import QueryBoolean, QueryTriples, Store

from . import formats
from .settings import Settings
from .store.embedded import snapshots

TABLE = "table"
NAMES = [TABLE, *dict.fromkeys(n for answer in (formats.RESULTS, formats.GRAPH) for n in formats.names(answer))]
"""What `--format` takes: a table for a terminal, or a format's name (formats.py)."""


def run_query(settings: Settings, text: str, fmt: str) -> str:
    """Reads the current snapshot (never the primary store, which the server may be writing)."""
    if snapshots.primary(settings.data_dir) is None:
        raise ValueError(f"no store in {settings.data_dir}; run `reformkg build` first")
    snapshots.ensure(settings.data_dir)
    pin = snapshots.pin(settings.data_dir)
    try:
        return _run(Store.read_only(str(pin.path)), text, fmt)
    finally:
        pin.release()


def _run(store: Store, text: str, name: str) -> str:
    """A graph in the format named (Turtle when the name is no graph format's), results in the format
    named, or as a table."""
    result = store.query(text, use_default_graph_as_union=True)
    if isinstance(result, QueryTriples):
        return _written(result, formats.named(formats.GRAPH, name) or formats.offered(formats.GRAPH)[0])
    if isinstance(result, QueryBoolean) and name == TABLE:
        return f"{bool(result)}\n".lower()
    fmt = formats.named(formats.RESULTS, name)
    return _written(result, fmt) if fmt is not None else _table(result)


def _written(result, fmt: formats.Format) -> str:
    out = io.BytesIO()
    fmt.write(result, out)
    return out.getvalue().decode("utf-8")


def _table(solutions) -> str:
    names = [v.value for v in solutions.variables]
    rows = [[_cell(s[name]) for name in names] for s in solutions]
    widths = [max([len(n)] + [_width(r[i]) for r in rows]) for i, n in enumerate(names)]
    lines = [" | ".join(_pad(n, w) for n, w in zip(names, widths, strict=True))]
    lines.append("-+-".join("-" * w for w in widths))
    lines += [" | ".join(_pad(c, w) for c, w in zip(row, widths, strict=True)) for row in rows]
    return "\n".join(lines) + f"\n({len(rows)} rows)\n"


def _cell(term) -> str:
    return "" if term is None else term.value


def _width(s: str) -> int:
    """Terminal columns: CJK characters take two."""
    return sum(2 if "\u2e80" <= ch <= "\u9fff" or "\uff00" <= ch <= "\uffef" else 1 for ch in s)


def _pad(s: str, width: int) -> str:
    return s + " " * (width - _width(s))
