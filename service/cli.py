"""The `reformkg` command. Library code raises typed errors; only this module turns them into exits."""
from __future__ import annotations

import sys
from pathlib import Path

import click

from .cli_query import NAMES
from .settings import Settings, SettingsError, load_settings

_data_dir = click.option(
    "--data-dir", type=click.Path(file_okay=False, path_type=Path), default=None,
    help="Where the built dataset and the on-disk store live (also REFORMKG_DATA_DIR).",
)
_config = click.option(
    "--config", "config_file", type=click.Path(dir_okay=False, exists=True, path_type=Path), default=None,
    help="A TOML file of settings (also REFORMKG_CONFIG).",
)


def _settings(config_file: Path | None, **overrides) -> Settings:
    try:
        return load_settings(overrides, config_file=config_file)
    except SettingsError as exc:
        raise click.UsageError(str(exc)) from exc


@click.group()
@click.version_option(package_name="reformkg")
def main() -> None:
    """reformkg: a knowledge graph and SPARQL service for government reform reports."""


_sources = click.option(
    "--sources", multiple=True, type=click.Path(file_okay=False, exists=True, path_type=Path),
    help="A folder of your reports, <name>.txt (the page as published) beside <name>.toml (its metadata), "
         "built instead of the packaged report; repeatable (also REFORMKG_SOURCES).",
)
_with_packaged = click.option("--with-packaged", is_flag=True,
                              help="Build the packaged report too, beside those of --sources.")


@main.command()
@_data_dir
@_config
@click.option("--base-iri", default=None, help="Base of every minted IRI.")
@_sources
@_with_packaged
@click.option("--strict", is_flag=True, help="Fail, leaving the store as it was, if any report cannot be built.")
def build(data_dir: Path | None, config_file: Path | None, base_iri: str | None, sources: tuple[Path, ...],
          with_packaged: bool, strict: bool) -> None:
    """Extract every report, validate against the SHACL shapes, load the on-disk store.

    A report that cannot be built is named with the reason and left out; the others are built.
    The build time recorded is SOURCE_DATE_EPOCH's when it is set, else now.
    """
    from .cli_build import run_build

    settings = _settings(config_file, data_dir=data_dir, base_iri=base_iri, sources=sources or None)
    run_build(settings, with_packaged=with_packaged, strict=strict)


@main.command()
@_config
@click.option("--base-iri", default=None, help="Base of every minted IRI.")
@_sources
@_with_packaged
def validate(config_file: Path | None, base_iri: str | None, sources: tuple[Path, ...], with_packaged: bool) -> None:
    """Build the dataset in memory and report SHACL violations and warnings, without installing it;
    fails if any report cannot be built."""
    from .cli_build import run_validate

    run_validate(_settings(config_file, base_iri=base_iri, sources=sources or None), with_packaged=with_packaged)


@main.command()
@_data_dir
@_config
@click.argument("query", required=False)
@click.option("--file", "query_file", type=click.File("r", encoding="utf-8"),
              help="Read the query from a file (- for standard input).")
@click.option("--format", "fmt", default=None, type=click.Choice(NAMES),
              help="table (the default for SELECT and ASK) or a format of the query's answer (Turtle is the "
                   "default for CONSTRUCT and DESCRIBE); one that does not fit the answer is refused.")
def query(data_dir: Path | None, config_file: Path | None, query: str | None, query_file, fmt: str | None) -> None:
    """Run a SPARQL query against the store (the default graph is the union of all graphs). QUERY is the
    text, or - to read it from standard input."""
    from .cli_query import run_query

    text = query_file.read() if query_file else sys.stdin.read() if query == "-" else query
    if not text:
        raise click.UsageError("give a query as an argument, - to read it from standard input, or --file")
    settings = _settings(config_file, data_dir=data_dir)
    try:
        sys.stdout.write(run_query(settings, text, fmt))
    except (SyntaxError, ValueError, OSError) as exc:
        raise click.ClickException(str(exc)) from exc


def _setting_pairs(ctx, param, values: tuple[str, ...]) -> dict[str, str]:
    pairs = {}
    for value in values:
        name, sep, setting = value.partition("=")
        if not sep:
            raise click.BadParameter(f"expected NAME=VALUE, got {value!r}")
        pairs[name.strip().replace("-", "_")] = setting
    return pairs


@main.command()
@_data_dir
@_config
@click.option("--host", default=None, help="Address to bind (default 127.0.0.1).")
@click.option("--port", type=int, default=None, help="Port to bind (default 8000).")
@click.option("--workers", type=int, default=None, help="Web server worker processes.")
@click.option("--threads", type=int, default=None, help="Threads per worker.")
@click.option("--query-workers", type=int, default=None, help="Query engine processes per web worker.")
@click.option("--query-timeout", type=float, default=None, help="Seconds a query or update may run.")
@click.option("--store", default=None, help="URL of a remote SPARQL server to serve instead of the embedded store.")
@click.option("--set", "extra", multiple=True, callback=_setting_pairs, metavar="NAME=VALUE",
              help="Any other setting, e.g. --set max_result_rows=1000 (repeatable).")
@click.option("--no-report", is_flag=True,
              help="On a data directory with no store, start an empty one instead of building the packaged "
                   "report: it will hold only what you load.")
@click.option("--dev", is_flag=True, help="Werkzeug's development server with the reloader.")
def serve(data_dir, config_file, host, port, workers, threads, query_workers, query_timeout, store, extra,
          no_report, dev) -> None:
    """Serve the SPARQL endpoint and the web pages; builds the dataset first if there is no store, unless
    --no-report."""
    from .server import run

    flags = dict(data_dir=data_dir, host=host, port=port, workers=workers, threads=threads,
                 query_workers=query_workers, query_timeout=query_timeout, store=store)
    settings = _settings(config_file, **{**extra, **{k: v for k, v in flags.items() if v is not None}})
    from .store.install import current_store

    if settings.store is None and current_store(settings.data_dir) is None and no_report:
        from .store.embedded.load import load as bulk_load

        click.echo(f"no store in {settings.data_dir} yet: starting an empty one (load data with `reformkg load`)")
        bulk_load(settings.data_dir, [])
    elif settings.store is None and current_store(settings.data_dir) is None:
        from .cli_build import run_build

        click.echo(f"no store in {settings.data_dir} yet: building it first")
        run_build(settings)
    run(settings, dev=dev)


@main.command()
@_data_dir
@_config
@click.argument("files", nargs=-1, type=click.Path(dir_okay=False, exists=True, path_type=Path))
@click.option("--format", "fmt", default=None, metavar="FORMAT",
              help="The files' RDF format (nt, nq, ttl, trig, rdf, jsonld, n3, or a media type), when their "
                   "extensions do not say; .gz after the extension means gzip.")
@click.option("--graph", default=None, metavar="IRI",
              help="Load files of triples into this graph (`default`: the default graph) instead of each into "
                   "the graph named by its file: URL.")
@click.option("--replace", is_flag=True, help="Leave only these files in the store: whatever it held goes.")
@click.option("--into", "into", default=None, metavar="URL",
              help="Publish to a remote SPARQL server (its root or query URL) instead: every graph of an N-Quads "
                   "file (the built dataset by default) PUT whole; credentials from store_user/store_password.")
@click.option("--file", "nquads", type=click.Path(dir_okay=False, exists=True, path_type=Path), default=None,
              help="With --into: an N-Quads file to publish instead of the built dataset.")
@click.option("--gsp", default=None, help="With --into: the server's Graph Store Protocol URL, when it cannot be derived.")
@click.option("--quiet", is_flag=True, help="With --into: print only the summary.")
def load(data_dir, config_file, files, fmt, graph, replace, into, nquads, gsp, quiet) -> None:
    """Bulk-load RDF FILES into the store and publish them at once, or publish to a remote server (--into).

    A file of triples replaces its graph; the quads of an N-Quads or TriG file are added to theirs.
    """
    from .cli_load import run_load, run_publish

    if into is not None:
        if len(files) > 1 or files and nquads:
            raise click.UsageError("--into publishes one N-Quads file: give it as FILE or --file")
        settings = _settings(config_file, data_dir=data_dir, store=into, store_gsp=gsp)
        run_publish(settings, nquads or (files[0] if files else None), quiet)
        return
    if not files:
        raise click.UsageError("give the RDF files to load, or --into URL to publish the built dataset")
    run_load(_settings(config_file, data_dir=data_dir), files, fmt, graph, replace)


if __name__ == "__main__":
    main()
