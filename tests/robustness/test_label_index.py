"""A search text is never taken for a damaged label index: whatever a client sends to /api/search,
the index file stays as it was (a NUL byte once made SQLite fail, and the index was deleted and
rebuilt on every such request, issue 15).

Embedded only: the label index is kept beside the embedded store's snapshots.
"""
from __future__ import annotations

import os
from pathlib import Path

import pytest
import requests

from reformkg.service.search import index as textindex
from reformkg.service.store.embedded import snapshots

from ..service.conftest import sample_nquads
from .conftest import TRACES, make_data_dir

pytestmark = pytest.mark.embedded_only

FTS_SYNTAX = ['"', '"abc', 'abc"def', "abc*", "*", "NEAR(abc def)", "NEAR(", "-abc", "abc - def", "abc OR def",
              "abc AND", "^abc", "text:abc", "'", "\\", "abc\x01def", "(((", "改革*", '"改革"']


def index_file(data_dir: Path) -> Path:
    file = textindex.path(data_dir, snapshots.generation(data_dir))
    assert file.exists()
    return file


def identity(file: Path) -> tuple[int, int, int]:
    stat = file.stat()
    return stat.st_ino, stat.st_mtime_ns, stat.st_size


def test_a_nul_in_the_search_text_is_400_and_leaves_the_index_as_it_was(robust_server):
    file = index_file(robust_server.data_dir)
    before = identity(file)
    for text in ("abc\x00def", "\x00", "改\x00革"):
        response = requests.get(robust_server.url + "/api/search", params={"q": text}, timeout=30)
        assert response.status_code == 400, response.text
        assert "q must not contain NUL" in response.text
    assert identity(file) == before
    assert "damaged" not in robust_server.log()


def test_fts_query_syntax_is_answered_and_leaves_the_index_as_it_was(robust_server):
    file = index_file(robust_server.data_dir)
    before = identity(file)
    for text in FTS_SYNTAX:
        response = requests.get(robust_server.url + "/api/search", params={"q": text}, timeout=30)
        assert response.status_code in (200, 400), (text, response.status_code, response.text[:300])
        for trace in TRACES:
            assert trace not in response.text
    found = requests.get(robust_server.url + "/api/search", params={"q": "改革"}, timeout=30).json()["results"]
    assert [hit["iri"] for hit in found] == ["http://example.org/item/0"]
    assert identity(file) == before
    assert "damaged" not in robust_server.log()


def test_a_search_that_fails_in_sqlite_searches_around_the_index_and_keeps_it(tmp_path):
    """Below the API's check: a text SQLite cannot take (here a NUL, which ends an FTS5 string) makes
    the lookup give way to the scan, and the index, found whole, is kept."""
    data_dir = make_data_dir(tmp_path / "data", sample_nquads())
    file = index_file(data_dir)
    before = identity(file)
    labels = textindex.LabelIndex(data_dir)
    assert labels.lookup("abc\x00def", None, 10) is None
    assert labels.lookup("abc\x00def", None, 10) is None  # checked once; still kept
    assert identity(file) == before
    assert [r.iri for r in labels.lookup("改革", None, 10)] == ["http://example.org/item/0"]
    labels.join(timeout=60)
    assert identity(file) == before  # no builder was started either


def test_a_damaged_index_is_told_from_a_whole_one(tmp_path):
    data_dir = make_data_dir(tmp_path / "data", sample_nquads())
    file = index_file(data_dir)
    assert not textindex.damaged(file)
    data = file.read_bytes()
    for damage in (b"", b"this is not an index" * 1000, data[:len(data) // 2]):
        other = tmp_path / f"damaged-{len(damage)}.sqlite"
        other.write_bytes(damage)
        assert textindex.damaged(other), len(damage)
    os.chmod(file, 0)
    if os.geteuid() != 0:  # root reads it anyway
        assert textindex.damaged(file)
