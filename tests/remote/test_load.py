"""`reformkg load --into`: every named graph PUT whole, and a report of what was done."""
from __future__ import annotations

from click.testing import CliRunner

from reformkg.service.cli import main as cli
from reformkg.service.store.remote import RemoteStore

from ..conftest import free_port
from .conftest import remote_settings


def test_load_publishes_every_graph_and_says_so(oxigraph, data_dir, store):
    runner = CliRunner()
    first = runner.invoke(cli, ["load", "--into", oxigraph.url, "--data-dir", str(data_dir)])
    assert first.exit_code == 0, first.output
    graphs = sorted(g.value for g in store.named_graphs())
    assert f"published {len(store)} triples in {len(graphs)} graphs ({len(graphs)} new, 0 replaced)" in first.output
    backend = RemoteStore(remote_settings(oxigraph.url, data_dir))
    assert backend.named_graphs() == graphs and backend.triple_count() == len(store)
    again = runner.invoke(cli, ["load", "--into", oxigraph.url, "--data-dir", str(data_dir), "--quiet"])
    assert f"(0 new, {len(graphs)} replaced)" in again.output
    assert backend.triple_count() == len(store)  # replaced, not added to


def test_load_names_the_server_that_is_down(data_dir):

    result = CliRunner().invoke(cli, ["load", "--into", f"http://127.0.0.1:{free_port()}", "--data-dir", str(data_dir)])
    assert result.exit_code == 1
    assert "did not answer: connection refused" in result.output
