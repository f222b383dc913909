"""The user's reports: `reformkg build --sources DIR` builds each report on its own, leaves out one
that fails with its file and reason, and fails as a whole only when asked to (--strict)."""
from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner
from pyoxigraph import RdfFormat, Store

from reformkg.graph.build import BuildError, BuildResult, Paths, build
from reformkg.service.cli import main
from reformkg.service.store.install import current_store

from ..conftest import ROOT, SOURCE_PATHS

SECOND = ROOT / "tests" / "fixtures" / "second-report"
GOOD = "sc-civil-affairs-2023"
EPOCH = {"SOURCE_DATE_EPOCH": "1714564800"}
SHACL = "http://www.w3.org/ns/shacl#"


def good_report(folder: Path) -> Path:
    """The second report's two files in `folder`; returns its metadata file."""
    folder.mkdir(parents=True, exist_ok=True)
    for path in SECOND.iterdir():
        shutil.copy(path, folder)
    return folder / f"{GOOD}.toml"


def copy_of_good(folder: Path, stem: str, text: bytes | None = None, **fields: str) -> Path:
    """Another report in `folder`: the good one's metadata with its own id and text file, `fields`
    replacing metadata lines (a value None leaves the field out) and `text` its page."""
    lines = (SECOND / f"{GOOD}.toml").read_text(encoding="utf-8").splitlines()
    values = {"id": f'"{stem}"', "file": f'"{stem}.txt"', **fields}
    kept = [line for line in lines if line.split(" = ")[0] not in values]
    kept += [f"{name} = {value}" for name, value in values.items() if value is not None]
    (folder / f"{stem}.toml").write_text("\n".join(kept) + "\n", encoding="utf-8")
    page = (SECOND / f"{GOOD}.txt").read_bytes() if text is None else text
    (folder / f"{stem}.txt").write_bytes(page)
    return folder / f"{stem}.toml"


def paths(*folders: Path, ontology: Path = SOURCE_PATHS.ontology) -> Paths:
    return Paths(folders, SOURCE_PATHS.curation, ontology)


@pytest.fixture(scope="module")
def mixed(tmp_path_factory) -> tuple[Path, BuildResult]:
    """A folder with the good report, one with broken TOML and one with an empty page, built."""
    folder = tmp_path_factory.mktemp("sources")
    good_report(folder)
    (folder / "broken.toml").write_text('id = "broken"\nfile = "broken.txt\n', encoding="utf-8")
    (folder / "broken.txt").write_text("01改革\n一是做事。", encoding="utf-8")
    copy_of_good(folder, "empty-page", text=b"")
    return folder, build(paths(folder))


def test_a_broken_report_is_left_out_and_the_others_build(mixed):
    folder, result = mixed
    assert result.reports == [GOOD]
    assert {o.metadata.name: o.built for o in result.outcomes} == {
        "broken.toml": False, "empty-page.toml": False, f"{GOOD}.toml": True,
    }
    assert "graph/report/broken" not in result.nquads.decode("utf-8")
    assert "report/empty-page" not in result.nquads.decode("utf-8")


def test_each_failure_names_the_file_and_the_reason(mixed):
    folder, result = mixed
    errors = {o.name: o.error for o in result.failures}
    assert errors["broken.toml"].startswith(f"{folder / 'broken.toml'}: the metadata is not valid TOML")
    assert errors["empty-page"] == f"{folder / 'empty-page.txt'}: the text file is empty"


def test_a_report_that_builds_says_how_many_reforms_and_indicators(mixed):
    (outcome,) = [o for o in mixed[1].outcomes if o.built]
    assert (outcome.id, outcome.reforms, outcome.indicators) == (GOOD, 4, 13)


BREAKAGES = [
    # (what is broken, fields of the metadata or None for the text, the text, file at fault, reason)
    ("toml", None, None, "toml", "the metadata is not valid TOML"),
    ("missing_fields", {"publisher": None, "period": None}, None, "toml", "metadata is missing 'publisher', 'period'"),
    ("published_not_a_date", {"published": '"February"'}, None, "toml", "published must be a TOML date"),
    ("period_not_a_year", {"period": '"2023年"'}, None, "toml", "period must be the year the report covers"),
    ("id_not_fit_for_an_iri", {"id": '"my report"'}, None, "toml", "id 'my report' must be letters, digits"),
    ("url_not_a_web_address", {"url": '"www.example.org/page"'}, None, "toml", "url must be the http(s) address"),
    ("text_file_missing", {"file": '"nowhere.txt"'}, None, "nowhere.txt", "cannot read the text file"),
    ("text_not_utf8", None, "重庆民政改革".encode("gb18030"), "txt", "the text is not UTF-8 (byte 0xd6 at offset 0)"),
    ("text_empty", None, b" \n", "txt", "the text file is empty"),
    ("text_only_markup", None, b'<p id="a"></p>\n<div></div>\n', "txt", "no text is left once the page's markup"),
]


@pytest.mark.parametrize(("fields", "text", "at_fault", "reason"), [b[1:] for b in BREAKAGES],
                         ids=[b[0] for b in BREAKAGES])
def test_a_report_that_cannot_be_read_is_named_with_its_file_and_reason(tmp_path, fields, text, at_fault, reason):
    metadata = copy_of_good(tmp_path, "bad", text=text, **(fields or {}))
    if at_fault == "toml" and fields is None:
        metadata.write_text(metadata.read_text(encoding="utf-8").replace('title = "', "title = "), encoding="utf-8")
    with pytest.raises(BuildError) as error:
        build(paths(tmp_path), validate_shapes=False)
    file = tmp_path / (f"bad.{at_fault}" if at_fault in ("toml", "txt") else at_fault)
    (line,) = [line for line in str(error.value).splitlines() if line.startswith("  ")]
    name = "bad.toml" if at_fault == "toml" else "bad"  # the id names the report once it is read
    assert line.startswith(f"  {name}: {file}: {reason}"), line


def test_two_reports_with_one_id_keep_the_first_and_name_both_files(tmp_path):
    first = good_report(tmp_path / "a")
    second = good_report(tmp_path / "b")
    result = build(paths(tmp_path / "a", tmp_path / "b"), validate_shapes=False)
    assert result.reports == [GOOD]
    (failure,) = result.failures
    assert failure.error == f"{second}: report id '{GOOD}' is already that of {first}"


def shapes_with(tmp_path: Path, turtle: str) -> Path:
    """A copy of the ontology folder whose shapes also hold `turtle`."""
    ontology = tmp_path / "ontology"
    shutil.copytree(SOURCE_PATHS.ontology, ontology)
    with (ontology / "shapes.ttl").open("a", encoding="utf-8") as shapes:
        shapes.write(turtle)
    return ontology


def one_without_a_section(tmp_path: Path) -> tuple[Path, Path, Path]:
    """The good report and a copy without a section, and shapes that demand one: (sources, the
    copy's metadata file, the ontology folder)."""
    sources = tmp_path / "sources"
    good_report(sources)
    bad = copy_of_good(sources, "no-section", section=None)
    ontology = shapes_with(tmp_path, f"""
<urn:test:shape> a <{SHACL}NodeShape> ; <{SHACL}targetClass> <https://w3id.org/reformkg/ontology#Report> ;
  <{SHACL}property> [ <{SHACL}path> <https://w3id.org/reformkg/ontology#section> ; <{SHACL}minCount> 1 ] .
""")
    return sources, bad, ontology


def test_a_shape_violation_leaves_out_that_report_alone_with_every_violation(tmp_path):
    sources, bad, ontology = one_without_a_section(tmp_path)
    result = build(paths(sources, ontology=ontology))
    assert result.reports == [GOOD]
    (failure,) = result.failures
    assert failure.id == "no-section"
    assert failure.error.startswith(f"{bad}: its graph does not conform to ontology/shapes.ttl "
                                    "(1 violation(s)); first: ")
    assert failure.details == (
        "Violation: https://w3id.org/reformkg/report/no-section https://w3id.org/reformkg/ontology#section: "
        "Less than 1 values on <https://w3id.org/reformkg/report/no-section>->rkg:section",
    )


def test_reports_that_conform_alone_but_not_together_fail_the_build(tmp_path):
    sources = tmp_path / "sources"
    good_report(sources)
    copy_of_good(sources, "twin")
    ontology = shapes_with(tmp_path, f"""
<urn:test:one-report> a <{SHACL}NodeShape> ; <{SHACL}targetClass> <https://w3id.org/reformkg/ontology#Report> ;
  <{SHACL}sparql> [ <{SHACL}message> "another report" ; <{SHACL}select> \"\"\"
    SELECT $this WHERE {{ ?other a <https://w3id.org/reformkg/ontology#Report> FILTER(?other != $this) }}\"\"\" ] .
""")
    with pytest.raises(BuildError, match="each report conforms to ontology/shapes.ttl on its own, but together"):
        build(paths(sources, ontology=ontology))


# --- the command line ------------------------------------------------------------------------------


def test_cli_builds_the_folder_instead_of_the_packaged_report_with_a_line_per_report(tmp_path, mixed):
    folder, _ = mixed
    result = CliRunner(env=EPOCH).invoke(main, ["build", "--data-dir", str(tmp_path), "--sources", str(folder)])
    assert result.exit_code == 0, result.output
    lines = [line for line in result.output.splitlines() if line.startswith("  ") and not line.startswith("   ")]
    assert lines == [
        f"  broken.toml: FAILED: {folder / 'broken.toml'}: the metadata is not valid TOML: "
        "Illegal character '\\n' (at line 2, column 19)",
        f"  empty-page: FAILED: {folder / 'empty-page.txt'}: the text file is empty",
        f"  {GOOD}: 4 reform(s), 13 indicator(s)",
    ]
    assert "left out 2 report(s)" in result.output
    store = Store.read_only(str(current_store(tmp_path)))
    graphs = {g.value for g in store.named_graphs()}
    assert f"https://w3id.org/reformkg/graph/report/{GOOD}" in graphs
    assert "https://w3id.org/reformkg/graph/report/cq-civil-affairs-2022" not in graphs


def test_cli_strict_fails_on_any_report_and_leaves_the_store_as_it_was(tmp_path, mixed):
    folder, _ = mixed
    runner = CliRunner(env=EPOCH)
    assert runner.invoke(main, ["build", "--data-dir", str(tmp_path)]).exit_code == 0
    before = current_store(tmp_path)
    result = runner.invoke(main, ["build", "--data-dir", str(tmp_path), "--sources", str(folder), "--strict"])
    assert result.exit_code == 1
    assert "build failed (--strict), the store is unchanged: 2 report(s) could not be built" in result.output
    assert f"  empty-page: {folder / 'empty-page.txt'}: the text file is empty" in result.output
    assert current_store(tmp_path) == before


def test_cli_strict_builds_a_folder_where_every_report_builds(tmp_path):
    good_report(tmp_path / "sources")
    result = CliRunner(env=EPOCH).invoke(
        main, ["build", "--data-dir", str(tmp_path / "data"), "--sources", str(tmp_path / "sources"), "--strict"])
    assert result.exit_code == 0, result.output
    assert f"  {GOOD}: 4 reform(s), 13 indicator(s)" in result.output.splitlines()


def test_sources_is_a_setting_and_with_packaged_adds_the_packaged_report(tmp_path):
    good_report(tmp_path / "sources")
    result = CliRunner(env={**EPOCH, "REFORMKG_SOURCES": str(tmp_path / "sources")}).invoke(
        main, ["build", "--data-dir", str(tmp_path / "data"), "--with-packaged"])
    assert result.exit_code == 0, result.output
    ids = re.findall(r"^  ([\w-]+): \d+ reform", result.output, re.M)
    assert ids == ["cq-civil-affairs-2022", GOOD]
    nquads = (tmp_path / "data" / "dataset" / "reformkg.nq").read_bytes()
    assert b"<https://w3id.org/reformkg/graph/report/cq-civil-affairs-2022>" in nquads
    assert f"<https://w3id.org/reformkg/graph/report/{GOOD}>".encode() in nquads


def test_the_default_build_is_the_packaged_report_as_the_library_builds_it(tmp_path):
    import datetime as dt

    result = CliRunner(env=EPOCH).invoke(main, ["build", "--data-dir", str(tmp_path)])
    assert result.exit_code == 0, result.output
    assert re.search(r"^  cq-civil-affairs-2022: 10 reform\(s\), \d+ indicator\(s\)$", result.output, re.M)
    assert "FAILED" not in result.output
    built_at = dt.datetime.fromtimestamp(int(EPOCH["SOURCE_DATE_EPOCH"]), dt.UTC)
    expected = build(SOURCE_PATHS, built_at=built_at).nquads
    assert (tmp_path / "dataset" / "reformkg.nq").read_bytes() == expected
    store = Store()
    store.load(expected, format=RdfFormat.N_QUADS)
    query = "SELECT ?r WHERE { GRAPH ?g { ?r a <https://w3id.org/reformkg/ontology#Report> } }"
    reports = {row["r"].value for row in store.query(query)}
    assert reports == {"https://w3id.org/reformkg/report/cq-civil-affairs-2022"}


def test_cli_validate_lists_what_is_wrong_with_each_report_and_fails(mixed):
    folder, _ = mixed
    result = CliRunner(env=EPOCH).invoke(main, ["validate", "--sources", str(folder)])
    assert result.exit_code == 1
    assert "2 report(s) could not be built" in result.output
    assert f"  empty-page: {folder / 'empty-page.txt'}: the text file is empty" in result.output


def test_a_sources_folder_that_does_not_exist_is_a_usage_error(tmp_path):
    result = CliRunner().invoke(main, ["build", "--data-dir", str(tmp_path), "--sources", str(tmp_path / "nowhere")])
    assert result.exit_code == 2 and "does not exist" in result.output


# --- the build checks the shapes while it loads the store (cli_build.run_build) ---------------------


def _run_build(tmp_path, monkeypatch, build_paths: Paths) -> tuple[list[str], Path]:
    """`reformkg build` on `build_paths` (its ontology, so its shapes, too); its lines and data directory."""
    import datetime as dt

    from reformkg.service import cli_build
    from reformkg.service.settings import load_settings

    monkeypatch.setattr(cli_build, "source_paths", lambda settings, with_packaged=False: build_paths)
    monkeypatch.setattr(cli_build, "build_time", lambda: dt.datetime(2024, 5, 1, 12, 0, tzinfo=dt.UTC))
    data_dir = tmp_path / "data"
    lines: list[str] = []
    cli_build.run_build(load_settings({"data_dir": data_dir}, environ={}), echo=lines.append)
    return lines, data_dir


def test_a_report_the_check_refuses_is_left_out_of_the_store_as_if_checked_first(tmp_path, monkeypatch):
    import datetime as dt

    sources, bad, ontology = one_without_a_section(tmp_path)
    lines, data_dir = _run_build(tmp_path, monkeypatch, paths(sources, ontology=ontology))
    assert f"  no-section: FAILED: {bad}: its graph does not conform to ontology/shapes.ttl (1 violation(s)); " \
           "first: Violation: https://w3id.org/reformkg/report/no-section" in "\n".join(lines)
    assert f"  {GOOD}: 4 reform(s), 13 indicator(s)" in lines
    checked_first = build(paths(sources, ontology=ontology), built_at=dt.datetime(2024, 5, 1, 12, 0, tzinfo=dt.UTC))
    assert (data_dir / "dataset" / "reformkg.nq").read_bytes() == checked_first.nquads
    store = Store.read_only(str(current_store(data_dir)))
    assert len(store) == checked_first.nquads.count(b"\n")
    assert not [p for p in (data_dir / "stores").iterdir() if p.name.startswith(".")]  # nothing staged is left


def test_reports_the_check_refuses_together_leave_the_store_as_it_was(tmp_path, monkeypatch):
    sources = tmp_path / "sources"
    good_report(sources)
    _, data_dir = _run_build(tmp_path, monkeypatch, paths(sources))
    before = current_store(data_dir)
    dataset = (data_dir / "dataset" / "reformkg.nq").read_bytes()
    copy_of_good(sources, "twin")
    ontology = shapes_with(tmp_path, f"""
<urn:test:one-report> a <{SHACL}NodeShape> ; <{SHACL}targetClass> <https://w3id.org/reformkg/ontology#Report> ;
  <{SHACL}sparql> [ <{SHACL}message> "another report" ; <{SHACL}select> \"\"\"
    SELECT $this WHERE {{ ?other a <https://w3id.org/reformkg/ontology#Report> FILTER(?other != $this) }}\"\"\" ] .
""")
    import click

    with pytest.raises(click.ClickException, match="build failed, the store is unchanged:\neach report conforms"):
        _run_build(tmp_path, monkeypatch, paths(sources, ontology=ontology))
    assert current_store(data_dir) == before
    assert (data_dir / "dataset" / "reformkg.nq").read_bytes() == dataset
    assert not [p for p in (data_dir / "stores").iterdir() if p.name.startswith(".")]


def test_a_build_with_warnings_is_installed_and_says_so(tmp_path, monkeypatch):
    import datetime as dt

    sources = tmp_path / "sources"
    good_report(sources)  # its agencies have no English labels yet: warnings, not violations
    lines, data_dir = _run_build(tmp_path, monkeypatch, paths(sources))
    checked_first = build(paths(sources), built_at=dt.datetime(2024, 5, 1, 12, 0, tzinfo=dt.UTC))
    assert checked_first.warnings
    assert f"{len(checked_first.warnings)} SHACL warning(s) (the build conforms); first: {checked_first.warnings[0]}" \
        in lines
    assert (data_dir / "dataset" / "reformkg.nq").read_bytes() == checked_first.nquads
    graphs = {g.value for g in Store.read_only(str(current_store(data_dir))).named_graphs()}
    assert f"https://w3id.org/reformkg/graph/report/{GOOD}" in graphs
