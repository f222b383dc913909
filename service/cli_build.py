"""`reformkg build` and `reformkg validate`: which reports, when, and what the terminal is told.

The build itself is graph/build.py's; this module picks the source folders from the settings, reads
the build time the reproducible-builds way (SOURCE_DATE_EPOCH), prints one line per report as it is
done, and installs the dataset. Errors become click exceptions here, never exits in library code.
"""
from __future__ import annotations

import datetime as dt
import os
from collections.abc import Callable, Mapping
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING

import click

from .settings import Settings

if TYPE_CHECKING:
    from reformkg.graph.build import BuildResult


def build_time(environ: Mapping[str, str] | None = None) -> dt.datetime:
    """The time the build records: SOURCE_DATE_EPOCH when it is set
    (https://reproducible-builds.org/specs/source-date-epoch/), else now, to the second, in UTC."""
    environ = os.environ if environ is None else environ
    value = environ.get("SOURCE_DATE_EPOCH", "").strip()
    if not value:
        return dt.datetime.now(dt.UTC).replace(microsecond=0)
    try:
        seconds = int(value)
        if seconds < 0:
            raise ValueError(value)
        return dt.datetime.fromtimestamp(seconds, dt.UTC)
    except (ValueError, OverflowError, OSError) as exc:
        raise click.UsageError(
            f"SOURCE_DATE_EPOCH must be a whole number of seconds since 1970-01-01 UTC, got {value!r}"
        ) from exc


def source_paths(settings: Settings, with_packaged: bool = False):
    """The packaged report, or the `sources` folders instead of it (with it, given `with_packaged`)."""
    from reformkg.graph.build import Paths

    packaged = Paths.default()
    if not settings.sources:
        return packaged
    return replace(packaged, sources=(*(packaged.sources if with_packaged else ()), *settings.sources))


def progress_line(outcome) -> str:
    """One line per report: its id and counts, or FAILED and why (the file at fault, what is wrong)."""
    if outcome.built:
        return f"  {outcome.name}: {outcome.reforms} reform(s), {outcome.indicators} indicator(s)"
    return f"  {outcome.name}: FAILED: {outcome.error}"


def run_build(settings: Settings, echo: Callable[[str], None] = click.echo, with_packaged: bool = False,
              strict: bool = False) -> None:
    """Build the dataset and install it into the on-disk store; with `strict`, a report that fails
    fails the build and leaves the store as it was.

    The shapes are checked in two processes started first (graph/validate.py `Background`), and the
    build goes on while they check, as if the data conformed (`Optimistic`): the dataset is written
    and loaded into a store that is not served yet. That store is served only if the check finds
    nothing; otherwise it is deleted and the build runs again on the check's findings, so what is
    installed and printed is always what a build that checked first would give. The lines of each
    report are therefore printed once the check is done.
    """
    from reformkg.graph.validate import Background, Optimistic

    with Background() as background:  # first: pyshacl is imported while the reports are read
        from reformkg.graph.build import BuildError, build

        paths, built_at = source_paths(settings, with_packaged), build_time()
        background.expect(paths.ontology / "shapes.ttl")
        echo(f"building from {', '.join(str(s) for s in paths.sources)}")
        optimistic = Optimistic(background)
        lines: list[str] = []

        def built(validator) -> BuildResult:
            lines.clear()
            try:
                return build(paths, base=settings.base_iri, built_at=built_at,
                             progress=lambda outcome: lines.append(progress_line(outcome)), validator=validator)
            except BuildError as exc:
                for line in lines:
                    echo(line)
                raise click.ClickException(f"build failed, the store is unchanged:\n{exc}") from exc

        result = built(optimistic)
        from .store import install  # while the shapes are checked: the build itself needs no store

        staged = None if strict and result.failures else _stage(result.nquads, settings, install)
        if not optimistic.held():
            if staged is not None:
                install.discard(staged)
                staged = None
            result = built(optimistic.checked)
    for line in lines:
        echo(line)
    if strict and result.failures:
        if staged is not None:
            install.discard(staged)
        raise click.ClickException(
            f"build failed (--strict), the store is unchanged: {len(result.failures)} report(s) could not be built:\n"
            + "\n".join(o.explain() for o in result.failures)
        )
    target = settings.dataset_file
    try:
        if staged is None:
            _dataset_file(result.nquads, settings).replace(target)
            store_path = install.install(target, settings.data_dir)
        else:
            target.with_suffix(".nq.tmp").replace(target)
            store_path = install.publish(staged)
    except install.InstallError as exc:
        raise click.ClickException(str(exc)) from exc
    total = sum(result.graphs.values())
    echo(f"built {len(result.reports)} report(s): {total} quads in {len(result.graphs)} graphs")
    for graph, count in result.graphs.items():
        echo(f"  {count:6d}  {graph}")
    if result.failures:
        echo(f"left out {len(result.failures)} report(s) that could not be built (see FAILED above; "
             "`reformkg validate` lists every violation, --strict makes this an error)")
    if result.warnings:
        echo(f"{len(result.warnings)} SHACL warning(s) (the build conforms); first: {result.warnings[0]}")
    echo(f"dataset: {target}\nstore:   {store_path}")


def _dataset_file(nquads: bytes, settings: Settings) -> Path:
    """The dataset written beside where it goes (`dataset_file` with .nq.tmp), to be renamed into place."""
    tmp = settings.dataset_file.with_suffix(".nq.tmp")
    tmp.parent.mkdir(parents=True, exist_ok=True)
    tmp.write_bytes(nquads)
    return tmp


def _stage(nquads: bytes, settings: Settings, install):
    """The dataset loaded into a store not served yet, or None if that failed (installing it the
    usual way then says why, once the check is done)."""
    try:
        return install.stage(_dataset_file(nquads, settings), settings.data_dir)
    except install.InstallError:
        return None


def run_validate(settings: Settings, with_packaged: bool = False) -> None:
    """Build in memory and list every report's outcome, the violations of those that fail and the
    warnings; any report that fails is an error."""
    from reformkg.graph.validate import Background

    with Background() as validator:
        from reformkg.graph.build import BuildError, build

        paths = source_paths(settings, with_packaged)
        validator.expect(paths.ontology / "shapes.ttl")
        try:
            result = build(paths, base=settings.base_iri, built_at=build_time(),
                           progress=lambda outcome: click.echo(progress_line(outcome)), validator=validator)
        except BuildError as exc:
            raise click.ClickException(str(exc)) from exc
    if result.failures:
        raise click.ClickException(
            f"{len(result.failures)} report(s) could not be built:\n" + "\n".join(o.explain() for o in result.failures)
        )
    click.echo(f"conforms: {sum(result.graphs.values())} quads, {len(result.warnings)} warning(s)")
    for warning in result.warnings:
        click.echo(f"  {warning}")
