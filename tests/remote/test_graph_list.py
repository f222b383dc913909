"""The list of a server's graphs (a generic server's union default graph, named in every query to it;
the system graphs every query to a Virtuoso leaves out) is listed by one thread at a time and
refreshed in the background.

On Virtuoso a listing takes seconds; when every request thread listed at once each time the list
expired, reformkg over Virtuoso answered about one request a second at 8 connections. The listing
itself is replaced by a counting stand-in here, to hold it and count the calls; test_virtuoso.py lists
a real Virtuoso's graphs.
"""
from __future__ import annotations

import threading
import time
from concurrent.futures import ThreadPoolExecutor

import pytest

from reformkg.service.store.remote import RemoteStore
from reformkg.service.store.remote import backend as remote

from .conftest import remote_settings


class Listing:
    """A slow graph listing that counts its calls and can be held until released."""

    def __init__(self, graphs: list[str]) -> None:
        self.graphs, self.calls, self.running = graphs, 0, 0
        self.most_at_once = 0
        self.release = threading.Event()
        self.lock = threading.Lock()

    def __call__(self, deadline) -> list[str]:
        with self.lock:
            self.calls += 1
            self.running += 1
            self.most_at_once = max(self.most_at_once, self.running)
        self.release.wait(timeout=10)
        with self.lock:
            self.running -= 1
        return list(self.graphs)


@pytest.fixture
def store(tmp_path):
    backend = RemoteStore(remote_settings("http://127.0.0.1:9/sparql", tmp_path), flavour="virtuoso")
    yield backend
    backend.close()


def ask_from_threads(store: RemoteStore, n: int = 8) -> list[list[str]]:
    with ThreadPoolExecutor(n) as pool:
        return list(pool.map(lambda _: store._known_graphs(store._deadline()), range(n)))


def test_many_requests_wait_for_one_listing_of_the_graphs(store, monkeypatch):
    listing = Listing(["urn:g:1", "urn:g:2"])
    monkeypatch.setattr(store, "_listed", listing)
    threading.Timer(0.2, listing.release.set).start()
    answers = ask_from_threads(store)
    assert answers == [["urn:g:1", "urn:g:2"]] * 8
    assert listing.calls == 1


def test_an_expired_list_is_used_while_one_thread_lists_the_graphs_again(store, monkeypatch):
    listing = Listing(["urn:g:new"])
    monkeypatch.setattr(store, "_listed", listing)
    store._graphs = (time.monotonic() - remote.GRAPHS_TTL - 1, ["urn:g:old"])
    started = time.monotonic()
    answers = ask_from_threads(store)
    assert answers == [["urn:g:old"]] * 8 and time.monotonic() - started < 5  # nobody waited for it
    listing.release.set()
    for _ in range(100):
        if store._graphs[1] == ["urn:g:new"]:
            break
        time.sleep(0.05)
    assert store._graphs[1] == ["urn:g:new"]
    assert listing.calls == 1 and listing.most_at_once == 1


def test_a_listing_begun_before_a_write_is_not_kept_after_it(store, monkeypatch):
    listing = Listing(["urn:g:before-the-write"])
    monkeypatch.setattr(store, "_listed", listing)
    store._graphs = (time.monotonic() - remote.GRAPHS_TTL - 1, ["urn:g:old"])
    store._known_graphs(store._deadline())  # starts the background listing
    while listing.calls == 0:
        time.sleep(0.01)
    store._forget_graphs()  # what a write through this service does
    listing.release.set()
    for _ in range(100):
        if not store._refreshing:
            break
        time.sleep(0.05)
    assert store._graphs is None  # the next request lists them afresh
