"""`reformkg query`: run one query against the on-disk store and format it for a terminal."""
from __future__ import annotations

from pyoxigraph import QueryBoolean, QueryResultsFormat, QueryTriples, RdfFormat, Store

from .settings import Settings
from .store import snapshots

_RESULT_FORMATS = {"json": QueryResultsFormat.JSON, "csv": QueryResultsFormat.CSV,
                   "tsv": QueryResultsFormat.TSV, "xml": QueryResultsFormat.XML}
_GRAPH_FORMATS = {"turtle": RdfFormat.TURTLE, "ntriples": RdfFormat.N_TRIPLES}


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


def _run(store: Store, text: str, fmt: str) -> str:
    result = store.query(text, use_default_graph_as_union=True)
    if isinstance(result, QueryTriples):
        return result.serialize(format=_GRAPH_FORMATS.get(fmt, RdfFormat.TURTLE)).decode("utf-8")
    if isinstance(result, QueryBoolean) and fmt == "table":
        return f"{bool(result)}\n".lower()
    if fmt in _RESULT_FORMATS:
        return result.serialize(format=_RESULT_FORMATS[fmt]).decode("utf-8")
    return _table(result)


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
