"""Stopping a server: SIGTERM ends an idle one at once and lets a request being answered finish; two
servers share nothing, so stopping one leaves the other serving (gunicorn's control socket, one path
in the home directory for every instance, once let the second remove the first's).

Embedded only: the servers run on stores of their own; the web server is the same on either backend.
"""
from __future__ import annotations

import signal
import socket
import subprocess
import threading
import time

import pytest
import requests

from reformkg.service import server as web

from ..service.conftest import RUNAWAY, sample_nquads
from .conftest import ITEM_1, make_data_dir, post_query

pytestmark = pytest.mark.embedded_only


def answers(server) -> bool:
    response = post_query(server, ITEM_1, timeout=10)
    return response.ok and response.json()["results"]["bindings"][0]["o"]["value"] == "1"


def exited_on_sigterm(server, within: float) -> bool:
    server.process.send_signal(signal.SIGTERM)
    try:
        server.process.wait(timeout=within)
    except subprocess.TimeoutExpired:
        return False
    return True


@pytest.fixture()
def two_servers(server_factory, tmp_path):
    """Two servers on stores of their own, with a home directory of their own to look for shared files in."""
    home = tmp_path / "home"
    home.mkdir()
    env = {"HOME": str(home), "XDG_RUNTIME_DIR": str(home)}
    return [server_factory(make_data_dir(tmp_path / name, sample_nquads()), env=env) for name in ("a", "b")], home


def test_an_idle_server_exits_on_sigterm_at_once_and_another_keeps_serving(two_servers):
    (first, second), home = two_servers
    assert answers(first) and answers(second)
    # Idle, with what browsers and slow clients leave open: a kept-alive connection, one that has
    # sent nothing, one that has sent half a request (client_timeout is 10 s here).
    kept = requests.Session()
    assert kept.get(first.url + "/healthz", timeout=10).ok
    silent = socket.create_connection(("127.0.0.1", first.port))
    half = socket.create_connection(("127.0.0.1", first.port))
    half.sendall(b"GET /healthz HTTP/1.1\r\nHost: x\r\n")
    time.sleep(0.3)
    # Well within the grace period (GRACEFUL_SECONDS, 5 s) and the held request's client_timeout (10 s):
    # nothing waited for either. Idle, it exits in about half a second; the rest is for a busy machine.
    assert exited_on_sigterm(first, within=3.0)
    for client in (kept, silent, half):
        client.close()
    assert first.process.returncode == 0
    assert answers(second)
    assert not list(home.rglob("*")), "the servers left something in the home directory"
    assert exited_on_sigterm(second, within=web.GRACEFUL_SECONDS)


def test_sigterm_lets_a_request_being_answered_finish(two_servers):
    """The grace period (GRACEFUL_SECONDS) is what lets it: the runaway's 503 at its 1 s deadline
    arrives after the signal, and the server exits right after."""
    (server, _), _ = two_servers
    answered: list[requests.Response] = []
    client = threading.Thread(target=lambda: answered.append(
        requests.get(server.url + "/sparql", params={"query": RUNAWAY, "timeout": "1"}, timeout=30)))
    client.start()
    time.sleep(0.4)  # the runaway is on an engine
    assert exited_on_sigterm(server, within=web.GRACEFUL_SECONDS + 2)
    client.join(timeout=10)
    assert [r.status_code for r in answered] == [503]
    assert "query exceeded the 1 s limit set by the request" in answered[0].text
