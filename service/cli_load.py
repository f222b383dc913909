"""`reformkg load`: RDF files into the embedded store, or a built dataset onto a remote server.

Into the embedded store the files go through pyoxigraph's bulk loader and are published as one
snapshot (store/embedded/load.py); a progress bar on stderr tells how much of the files has been read,
only when stderr is a terminal, so that logs and pipes get the summary line alone. With `--into URL`
each graph of an N-Quads file is PUT to the server (store/remote/publish.py). Errors become click
exceptions here, never exits in library code.
"""
from __future__ import annotations

import sys
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path

import click

from .settings import Settings


def run_load(settings: Settings, files: Sequence[Path], fmt: str | None, graph: str | None, replace: bool) -> None:
    """Bulk-load `files` into the data directory's store and say what it holds now."""
    from .store.embedded.load import LoadError, load, source

    try:
        sources = [source(path, fmt, graph) for path in files]
    except LoadError as exc:
        raise click.UsageError(str(exc)) from exc
    total = sum(s.size for s in sources)
    with _progress(total) as advance:
        try:
            done = load(settings.data_dir, sources, replace=replace, progress=advance)
        except LoadError as exc:
            raise click.ClickException(f"{exc}; the store is as it was") from exc
    for src in sources:
        where = "its own graphs" if src.graph is None else getattr(src.graph, "value", "the default graph")
        click.echo(f"  {src.path} → {where}")
    click.echo(f"loaded {done.files} file(s), {done.bytes / 1e6:,.1f} MB, in {done.seconds:.1f} s "
               f"({done.bytes / 1e6 / max(done.seconds, 1e-9):,.1f} MB/s), published as snapshot {done.generation}")


@contextmanager
def _progress(total: int) -> Iterator[Callable[[int], None]]:
    """A function to call with each number of bytes read: a progress bar when stderr is a terminal."""
    if not sys.stderr.isatty():
        yield lambda n: None
        return
    with click.progressbar(length=total, label="loading", file=sys.stderr, show_eta=True) as bar:
        yield bar.update


def run_publish(settings: Settings, nquads: Path | None, quiet: bool) -> None:
    """PUT every graph of an N-Quads file (the built dataset by default) to the remote server `settings.store`."""
    from .errors import ServiceError
    from .store.remote import RemoteStore
    from .store.remote.publish import publish

    source = nquads or settings.dataset_file
    if not source.exists():
        raise click.ClickException(f"no dataset at {source}; run `reformkg build` first or give --file")
    backend = RemoteStore.open(settings.with_(query_timeout=max(settings.query_timeout, 300.0)))
    started = time.monotonic()
    graphs = triples = created = 0

    def report(done) -> None:
        if not quiet:
            what = "created " if done.created else "replaced"
            click.echo(f"  {what} {done.triples:8d} triples  {done.graph or '(default graph)'}")

    try:
        before = set(backend.named_graphs())
        for done in publish(source, backend, report):
            graphs, triples, created = graphs + 1, triples + done.triples, created + done.created
            before.discard(done.graph)
    except ServiceError as exc:
        raise click.ClickException(f"after {graphs} graph(s): {exc.message}") from exc
    except (OSError, SyntaxError) as exc:
        raise click.ClickException(f"cannot read {source}: {exc}") from exc
    finally:
        backend.close()
    seconds = time.monotonic() - started
    click.echo(f"published {triples} triples in {graphs} graphs ({created} new, {graphs - created} replaced) "
               f"to {backend.where} in {seconds:.1f} s ({triples / max(seconds, 1e-9):,.0f} triples/s)")
    if before:
        click.echo(f"{len(before)} other graph(s) on the server were left as they were")
