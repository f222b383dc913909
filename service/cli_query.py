"""`reformkg query`: run one query against the on-disk store and format it for a terminal."""
from __future__ import annotations

import io

from pyoxigraph import QueryBoolean, QueryTriples, Store

from . import formats
from .settings import Settings
from .sparql.syntax import explain

TABLE = "table"
NAMES = [TABLE, *dict.fromkeys(n for answer in (formats.RESULTS, formats.GRAPH) for n in formats.names(answer))]
"""What `--format` takes: a table for a terminal, or a format's name (formats.py)."""


class FormatDoesNotApply(ValueError):
    """`--format` names no format of the query's answer (Turtle for a SELECT, CSV for a CONSTRUCT)."""


def run_query(settings: Settings, text: str, fmt: str | None) -> str:
    """Reads the current snapshot (never the primary store, which the server may be writing).

    Raises SyntaxError (in words: sparql/syntax.py) for a query that does not parse, and
    FormatDoesNotApply when `fmt` is no format of its answer.
    """
    from .store.embedded import snapshots  # here: `reformkg build` reads NAMES, and needs no store yet

    if snapshots.primary(settings.data_dir) is None:
        raise ValueError(f"no store in {settings.data_dir}; run `reformkg build` first")
    snapshots.ensure(settings.data_dir)
    pin = snapshots.pin(settings.data_dir)
    try:
        return _run(Store.read_only(str(pin.path)), text, fmt)
    finally:
        pin.release()


def _run(store: Store, text: str, name: str | None) -> str:
    """Results as a table (a boolean as true or false) or in the format named; a graph in Turtle or the
    format named. A name that is no format of the answer is refused, not replaced by another format."""
    try:
        result = store.query(text, use_default_graph_as_union=True)
    except SyntaxError as exc:
        raise SyntaxError(explain(text, str(exc))) from None
    if isinstance(result, QueryTriples):
        return _written(result, _chosen(formats.GRAPH, name, "CONSTRUCT or DESCRIBE") if name else
                        formats.offered(formats.GRAPH)[0])
    if name in (None, TABLE):
        return f"{bool(result)}\n".lower() if isinstance(result, QueryBoolean) else _table(result)
    return _written(result, _chosen(formats.RESULTS, name, "ASK" if isinstance(result, QueryBoolean) else "SELECT"))


def _chosen(answer: str, name: str, form: str) -> formats.Format:
    fmt = formats.named(answer, name)
    if fmt is None:
        kind = "a graph" if answer == formats.GRAPH else "results"
        offers = formats.names(answer) + ([] if answer == formats.GRAPH else [TABLE])
        raise FormatDoesNotApply(f"--format {name} does not apply to a {form} query, whose answer is {kind}; "
                                 f"use one of {', '.join(offers)}")
    return fmt


def _written(result, fmt: formats.Format) -> str:
    """The answer as the format writes it, ending in a line break as a terminal and `> file` expect
    (pyoxigraph ends JSON and XML without one)."""
    out = io.BytesIO()
    fmt.write(result, out)
    text = out.getvalue().decode("utf-8")
    return text if text.endswith("\n") or not text else text + "\n"


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
