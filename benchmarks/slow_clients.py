"""Slow clients: does a normal client still get quick answers while hundreds of others have sent half a request?

For each HTTP front given, the reform dataset is served on 127.0.0.1 and:

1. `--held` connections (500) each send a request line and one header, never the blank line that ends
   the head, and wait; one the server closes is opened again at once, as an attacker would;
2. meanwhile a normal client asks `ASK {}` over a new connection each time for `--seconds`, each
   request allowed 5 s: its p50, p99 and errors, and how many of the held connections the server
   kept open (the rest it refused or closed), and the server's resident memory with and without them;
3. `--runaways` clients (8) send a cross join that never ends, each with `timeout=5`, one after
   another; the normal client meanwhile asks `ASK {}` with a new comment each time (so that the
   result cache cannot answer it; an engine must) for `--seconds`: its p50, p99 and errors;
4. a request with a raw UTF-8 target (`/api/search?q=养老`, as curl sends it) and its status;
5. the held connections are closed, and after a second the server gets SIGTERM: seconds until it exits.

Fronts: `reformkg` is `reformkg serve` as this tree runs it; `granian` (WSGI, Rust) and `waitress`
serve the same Flask app (`create_app` on the same settings) for comparison, from `--python`, an
interpreter where they are installed. Results go to benchmarks/results/slow_clients.md and .json.
The numbers mean something only on a quiet machine: the load average before and after is recorded.

    python benchmarks/slow_clients.py [--fronts reformkg,granian,waitress] [--held 500] [--runaways 8]
                                      [--seconds 10] [--python /path/to/venv/bin/python]
"""
from __future__ import annotations

import argparse
import http.client
import json
import os
import platform
import selectors
import signal
import socket
import subprocess
import sys
import threading
import time
from dataclasses import asdict, dataclass
from pathlib import Path
from urllib.parse import urlencode

from sparql_endpoint import free_port, prepare

ROOT = Path(__file__).resolve().parent.parent
WORK = ROOT / "benchmarks" / "work" / "slow_clients"
HALF = b"GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\n"
"""A request line and one header, without the blank line that would end the head."""
ASK = "/sparql?query=ASK%20%7B%7D"
RUNAWAY = "SELECT (COUNT(*) AS ?n) { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i . ?j ?k ?l }"
"""A four-way cross join of every triple: hours of work at the reform dataset's size."""
UTF8_TARGET = "/api/search?q=养老".encode("utf-8")
WORKERS, THREADS = 2, 8
"""As `reformkg serve` runs on this 2-core machine by default: 2 workers × 8 threads."""


def app():
    """The service's Flask app on the settings in the environment: the other fronts' target (a factory)."""
    from reformkg.service.app import create_app
    from reformkg.service.server import configure_logging
    from reformkg.service.settings import load_settings

    settings = load_settings()
    configure_logging(settings)
    return create_app(settings)


def command(front: str, python: str, port: int) -> list[str]:
    if front == "reformkg":
        return [sys.executable, "-m", "reformkg.service.cli", "serve", "--port", str(port)]
    if front == "granian":
        return [python, "-m", "granian", "--interface", "wsgi", "--factory", "--host", "127.0.0.1",
                "--port", str(port), "--workers", str(WORKERS), "--blocking-threads", str(THREADS),
                "--http", "1", "--http1-header-read-timeout", "10000", "--no-ws", "--working-dir",
                str(ROOT / "benchmarks"), "slow_clients:app"]
    if front == "waitress":
        # One process (waitress has no workers): its threads are both workers' together.
        return [python, "-m", "waitress", "--host", "127.0.0.1", "--port", str(port),
                "--threads", str(WORKERS * THREADS), "--connection-limit", "10000", "--channel-timeout", "10",
                "--call", "slow_clients:app"]
    raise SystemExit(f"unknown front {front!r}")


def start(front: str, python: str, data_dir: Path, log: Path) -> tuple[subprocess.Popen, int]:
    port = free_port()
    env = {**os.environ, "REFORMKG_DATA_DIR": str(data_dir), "REFORMKG_WORKERS": str(WORKERS),
           "REFORMKG_THREADS": str(THREADS), "REFORMKG_LOG_LEVEL": "WARNING",
           "PYTHONPATH": os.pathsep.join(filter(None, [str(ROOT / "benchmarks"), os.environ.get("PYTHONPATH")]))}
    with log.open("ab") as output:
        process = subprocess.Popen(command(front, python, port), env=env, stdout=output, stderr=subprocess.STDOUT,
                                   start_new_session=True, cwd=WORK)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"{front} exited with {process.returncode}; see {log}")
        if status(port, b"/readyz") == 200:
            return process, port
        time.sleep(0.2)
    os.killpg(process.pid, signal.SIGKILL)
    raise RuntimeError(f"{front} did not become ready within 60 s; see {log}")


def status(port: int, target: bytes, timeout: float = 5.0) -> int | None:
    """The status of one GET with `target` sent as it is (no quoting), or None when there was no answer."""
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=timeout) as client:
            client.sendall(b"GET " + target + b" HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n")
            data = b""
            while b"\r\n" not in data:
                part = client.recv(4096)
                if not part:
                    break
                data += part
    except OSError:
        return None
    line = data.split(b"\r\n", 1)[0].split()
    return int(line[1]) if len(line) > 1 and line[1].isdigit() else None


class Holder:
    """Keeps `count` half-sent connections open, opening another whenever the server closes one."""

    def __init__(self, port: int, count: int) -> None:
        self.port, self.count = port, count
        self.selector = selectors.DefaultSelector()
        self.open = 0
        self.opened = 0
        self.refused = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._hold, daemon=True)

    def _connect(self) -> None:
        try:
            client = socket.create_connection(("127.0.0.1", self.port), timeout=2)
            client.sendall(HALF)
            client.setblocking(False)
        except OSError:
            self.refused += 1
            time.sleep(0.01)
            return
        self.selector.register(client, selectors.EVENT_READ)
        self.open += 1
        self.opened += 1

    def _hold(self) -> None:
        while not self._stop.is_set():
            while self.open < self.count and not self._stop.is_set():
                self._connect()
            for key, _ in self.selector.select(0.2):
                client = key.fileobj
                try:
                    if client.recv(65536):
                        continue  # an answer (408); the close follows
                except OSError:
                    pass
                self.selector.unregister(client)
                client.close()
                self.open -= 1

    def __enter__(self) -> "Holder":
        self._thread.start()
        deadline = time.monotonic() + 30
        while self.open < self.count and time.monotonic() < deadline:
            time.sleep(0.1)
        return self

    def __exit__(self, *exc) -> None:
        self._stop.set()
        self._thread.join(timeout=10)
        for key in list(self.selector.get_map().values()):
            key.fileobj.close()
        self.selector.close()


def normal_client(port: int, seconds: float, uncached: bool = False) -> tuple[list[float], int]:
    """Latencies (s) of ASK {} over a new connection each time, and how many failed; with `uncached`
    a new comment each time, so that an engine answers rather than the result cache."""
    latencies: list[float] = []
    errors = 0
    end = time.monotonic() + seconds
    while time.monotonic() < end:
        started = time.monotonic()
        target = f"{ASK}%20%23{len(latencies) + errors}" if uncached else ASK
        try:
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
            conn.request("GET", target, headers={"Accept": "application/sparql-results+json"})
            response = conn.getresponse()
            body = response.read()
            conn.close()
            if response.status != 200 or b"true" not in body:
                errors += 1
                continue
        except OSError:
            errors += 1
            continue
        latencies.append(time.monotonic() - started)
    return latencies, errors


class Runaways:
    """`count` clients each sending RUNAWAY (stopped by the request's timeout=5) one after another."""

    def __init__(self, port: int, count: int) -> None:
        self.port = port
        self._stop = threading.Event()
        self._threads = [threading.Thread(target=self._send, daemon=True) for _ in range(count)]

    def _send(self) -> None:
        target = "/sparql?" + urlencode({"query": RUNAWAY, "timeout": "5"})
        while not self._stop.is_set():
            try:
                conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=30)
                conn.request("GET", target)
                conn.getresponse().read()
                conn.close()
            except OSError:
                time.sleep(0.1)

    def __enter__(self) -> "Runaways":
        for thread in self._threads:
            thread.start()
        time.sleep(1.0)  # they are on the engines, or waiting for them
        return self

    def __exit__(self, *exc) -> None:
        self._stop.set()
        for thread in self._threads:
            thread.join(timeout=30)


def rss_bytes(root: int) -> int:
    """Resident memory of the process and its descendants (engines included)."""
    children: dict[int, list[int]] = {}
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                stat = Path(f"/proc/{entry}/stat").read_text().rsplit(")", 1)[1].split()
                children.setdefault(int(stat[1]), []).append(int(entry))
            except (OSError, IndexError):
                continue
    total, todo = 0, [root]
    while todo:
        pid = todo.pop()
        todo += children.get(pid, [])
        try:
            total += int(Path(f"/proc/{pid}/statm").read_text().split()[1]) * os.sysconf("SC_PAGE_SIZE")
        except OSError:
            continue
    return total


@dataclass
class Result:
    front: str
    held: int
    kept_open: int
    refused: int
    reopened: int
    requests: int
    errors: int
    p50_ms: float | None
    p99_ms: float | None
    quiet_p50_ms: float | None
    rss_idle_mb: float
    rss_held_mb: float
    runaways: int
    runaway_requests: int
    runaway_errors: int
    runaway_p50_ms: float | None
    runaway_p99_ms: float | None
    utf8_status: int | None
    sigterm_seconds: float | None


def percentile(values: list[float], p: float) -> float | None:
    if not values:
        return None
    ordered = sorted(values)
    return round(1000 * ordered[min(len(ordered) - 1, int(p * len(ordered)))], 2)


def run(front: str, python: str, data_dir: Path, held: int, runaways: int, seconds: float) -> Result:
    log = WORK / f"{front}.log"
    process, port = start(front, python, data_dir, log)
    try:
        quiet, _ = normal_client(port, min(3.0, seconds))
        idle = rss_bytes(process.pid)
        with Holder(port, held) as holder:
            latencies, errors = normal_client(port, seconds)
            kept, refused, opened = holder.open, holder.refused, holder.opened
            memory = rss_bytes(process.pid)
        with Runaways(port, runaways):
            stalled, stalled_errors = normal_client(port, seconds, uncached=True)
        utf8 = status(port, UTF8_TARGET)
        time.sleep(1.0)
        started = time.monotonic()
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=35)
            stopped: float | None = round(time.monotonic() - started, 2)
        except subprocess.TimeoutExpired:
            stopped = None
    finally:
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()
    return Result(front, held, kept, refused, opened - held, len(latencies), errors, percentile(latencies, 0.5),
                  percentile(latencies, 0.99), percentile(quiet, 0.5), round(idle / 2 ** 20, 1),
                  round(memory / 2 ** 20, 1), runaways, len(stalled), stalled_errors, percentile(stalled, 0.5),
                  percentile(stalled, 0.99), utf8, stopped)


def report(results: list[Result], args: argparse.Namespace, load: tuple[float, float]) -> str:
    lines = [
        "# Slow clients: a normal client among half-sent requests",
        "",
        f"`python benchmarks/slow_clients.py --fronts {','.join(args.fronts)} --held {args.held} "
        f"--runaways {args.runaways} --seconds {args.seconds}` on {os.cpu_count()} CPU(s), Python {platform.python_version()}; the reform "
        f"dataset; {WORKERS} workers × {THREADS} threads where the front has them. Load average "
        f"{load[0]:.1f} before, {load[1]:.1f} after: other work on the machine skews every figure.",
        "",
        f"{args.held} connections each send `GET /healthz HTTP/1.1` and one header, never the blank line, and "
        "are opened again as soon as the server closes one (*reopened*); a normal client meanwhile asks "
        f"`ASK {{}}` over a new connection each time for {args.seconds} s (5 s allowed each). *quiet p50*: "
        "the same client before the held connections. *UTF-8*: the status of `GET /api/search?q=养老` with "
        "the target's bytes as curl sends them. *SIGTERM*: seconds from SIGTERM to exit, idle. *Runaways*: "
        f"{args.runaways} clients sending a never-ending cross join (timeout=5) one after another while the "
        "normal client asks `ASK {}` with a new comment each time, so that an engine answers it.",
        "",
        "| front | held open | refused | reopened | requests | errors | p50 ms | p99 ms | quiet p50 ms "
        "| RSS idle MB | RSS held MB | UTF-8 | SIGTERM s | runaways: requests | errors | p50 ms | p99 ms |",
        "| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |",
    ]
    for r in results:
        lines.append(f"| {r.front} | {r.kept_open} | {r.refused} | {r.reopened} | {r.requests} | {r.errors} "
                     f"| {r.p50_ms} | {r.p99_ms} | {r.quiet_p50_ms} | {r.rss_idle_mb} | {r.rss_held_mb} "
                     f"| {r.utf8_status} | {r.sigterm_seconds} | {r.runaway_requests} | {r.runaway_errors} "
                     f"| {r.runaway_p50_ms} | {r.runaway_p99_ms} |")
    return "\n".join(lines) + "\n"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--fronts", type=lambda s: s.split(","), default=["reformkg"])
    parser.add_argument("--held", type=int, default=500)
    parser.add_argument("--runaways", type=int, default=8)
    parser.add_argument("--seconds", type=float, default=10.0)
    parser.add_argument("--python", default=sys.executable, help="an interpreter with granian and waitress")
    parser.add_argument("--out", type=Path, default=ROOT / "benchmarks" / "results")
    args = parser.parse_args()
    WORK.mkdir(parents=True, exist_ok=True)
    data_dir = WORK / "data"
    prepare(data_dir)
    before = os.getloadavg()[0]
    results = []
    for front in args.fronts:
        results.append(run(front, args.python, data_dir, args.held, args.runaways, args.seconds))
        print(json.dumps(asdict(results[-1])), flush=True)
    text = report(results, args, (before, os.getloadavg()[0]))
    args.out.mkdir(parents=True, exist_ok=True)
    (args.out / "slow_clients.md").write_text(text, encoding="utf-8")
    (args.out / "slow_clients.json").write_text(json.dumps([asdict(r) for r in results], indent=1) + "\n")
    print(text)


if __name__ == "__main__":
    main()
