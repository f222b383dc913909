"""The systems under test: each is started here on 127.0.0.1 with a free port, loaded, and stopped.

Every server runs in its own session (process group), so stopping it ends its workers too (gunicorn's,
reformkg's query engines) and nothing is left behind. A system that cannot start raises
`Unavailable` with the reason; the harness records it and goes on with the others.
"""
from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

from pyoxigraph import RdfFormat, Store

SPARQL_QUERY = "application/sparql-query"
FORM = "application/x-www-form-urlencoded"


class Unavailable(Exception):
    """The system cannot be installed, loaded or started here; the message says why."""


@dataclass(frozen=True)
class Endpoint:
    """Where and how a running system takes a query: POST with `application/sparql-query`, or a form."""

    url: str
    body: str = SPARQL_QUERY

    def encode(self, query: str) -> bytes:
        if self.body == FORM:
            return urllib.parse.urlencode({"query": query}).encode()
        return query.encode()

    def post(self, query: str, accept: str, timeout: float) -> tuple[int, str, bytes]:
        """One query; returns (status, content type, body). Raises OSError when nothing answers."""
        req = urllib.request.Request(self.url, data=self.encode(query), method="POST",
                                     headers={"Content-Type": self.body, "Accept": accept})
        return fetch(req, timeout)


def fetch(req: urllib.request.Request | str, timeout: float) -> tuple[int, str, bytes]:
    try:
        with urllib.request.urlopen(req, timeout=timeout) as response:
            return response.status, response.headers.get("Content-Type", ""), response.read()
    except urllib.error.HTTPError as exc:
        return exc.code, exc.headers.get("Content-Type", ""), exc.read()


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Process:
    """A child in a session of its own, its output in a log file."""

    def __init__(self, args: list[str], log: Path, cwd: Path | None = None,
                 env: dict[str, str] | None = None) -> None:
        self.args = args
        self.log = log
        with open(log, "ab") as out:
            self.popen = subprocess.Popen(args, stdout=out, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
                                          cwd=cwd, env=env, start_new_session=True)

    @property
    def pid(self) -> int:
        return self.popen.pid

    def alive(self) -> bool:
        return self.popen.poll() is None

    def tail(self, lines: int = 4) -> str:
        try:
            return "\n".join(self.log.read_text(errors="replace").splitlines()[-lines:])
        except OSError:
            return ""

    def _session(self) -> Iterator[Path]:
        """The /proc entries of every process in this child's session (its workers included)."""
        for entry in Path("/proc").iterdir():
            if not entry.name.isdigit():
                continue
            try:
                stat = (entry / "stat").read_text()
                if int(stat.rsplit(")", 1)[1].split()[3]) == self.pid:
                    yield entry
            except (OSError, ValueError, IndexError):
                continue

    def rss_bytes(self) -> int:
        """Resident memory of every process in the session, added up (all workers together)."""
        total = 0
        for entry in self._session():
            try:
                for line in (entry / "status").read_text().splitlines():
                    if line.startswith("VmRSS:"):
                        total += int(line.split()[1]) * 1024
            except (OSError, ValueError):
                continue
        return total

    def cpu_seconds(self) -> float:
        """CPU time used so far by every process in the session."""
        ticks = 0
        for entry in self._session():
            try:
                fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
                ticks += int(fields[11]) + int(fields[12])  # utime, stime
            except (OSError, ValueError, IndexError):
                continue
        return ticks / os.sysconf("SC_CLK_TCK")

    def settle(self, limit: float, busy: float = 0.05, step: float = 0.5) -> float:
        """Wait until the session uses under `busy` of a core over `step` s (at most `limit` s); the wait.

        wrk stops with requests in flight and the server goes on answering them; without this wait
        that work would run during the next system's measurement.
        """
        start = time.monotonic()
        before = self.cpu_seconds()
        while time.monotonic() - start < limit:
            time.sleep(step)
            now = self.cpu_seconds()
            if now - before < busy * step:
                break
            before = now
        return time.monotonic() - start

    def stop(self, grace: float = 10.0) -> None:
        """SIGTERM to the whole session, SIGKILL to what is left after `grace` seconds."""
        for sig, wait in ((signal.SIGTERM, grace), (signal.SIGKILL, 5.0)):
            try:
                os.killpg(self.pid, sig)
            except ProcessLookupError:
                pass
            try:
                self.popen.wait(wait)
            except subprocess.TimeoutExpired:
                continue
            if not _session_alive(self.pid):
                return
        if _session_alive(self.pid):
            try:
                os.killpg(self.pid, signal.SIGKILL)
            except ProcessLookupError:
                pass


def _session_alive(sid: int) -> bool:
    try:
        os.killpg(sid, 0)
        return True
    except ProcessLookupError:
        return False


def timed(args: list[str], log: Path, timeout: float, **kw) -> float:
    """Run a loading command to completion; its wall time in seconds. Raises Unavailable on failure."""
    start = time.perf_counter()
    with open(log, "ab") as out:
        try:
            done = subprocess.run(args, stdout=out, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
                                  timeout=timeout, start_new_session=True, **kw)
        except subprocess.TimeoutExpired:
            raise Unavailable(f"{args[0]} did not finish within {timeout:.0f} s") from None
        except OSError as exc:
            raise Unavailable(f"{args[0]} could not run: {exc}") from None
    if done.returncode:
        tail = "\n".join(log.read_text(errors="replace").splitlines()[-8:])
        raise Unavailable(f"`{' '.join(args[:3])} …` exited {done.returncode}: {tail}")
    return time.perf_counter() - start


@dataclass
class Data:
    """What every system loads: one N-Quads file, its named graphs and size."""

    nquads: Path
    graphs: list[str]
    quads: int
    source: str
    reformkg_dir: Path | None = None  # a reformkg data dir already holding this data (the built report)
    build_seconds: float | None = None


@dataclass
class System:
    """A server under test. Subclasses load the data and start it in `start`."""

    name: str
    work: Path
    endpoint: Endpoint | None = None
    process: Process | None = None
    load_seconds: float | None = None
    notes: list[str] = field(default_factory=list)
    version: str = ""

    kind = "http"

    def start(self, data: Data, ready_timeout: float) -> None:
        raise NotImplementedError

    def stop(self) -> None:
        if self.process is not None:
            self.process.stop()

    def rss_bytes(self) -> int | None:
        return self.process.rss_bytes() if self.process else None

    def settle(self, limit: float) -> float:
        return self.process.settle(limit) if self.process else 0.0

    def wait_ready(self, timeout: float) -> None:
        """Poll with a tiny ASK until the server answers 200; raises Unavailable if it dies or times out."""
        assert self.endpoint and self.process
        deadline = time.monotonic() + timeout
        last = ""
        while time.monotonic() < deadline:
            if not self.process.alive():
                raise Unavailable(f"{self.name} exited during start-up: {self.process.tail()}")
            try:
                # Long enough to hear a proxy's own 504: a shorter wait would only pile up abandoned queries.
                wait = max(1.0, min(60.0, deadline - time.monotonic()))
                status, _, body = self.endpoint.post("ASK { ?s ?p ?o }", "application/sparql-results+json", wait)
                if status == 200:
                    return
                last = f"HTTP {status}: {body[:200]!r}"
                if status != 503:  # it is up and fails (not "starting, come back"): waiting will not help
                    raise Unavailable(f"{self.name} answered a test query with {last}; log: {self.process.tail()}")
            except OSError as exc:
                last = str(exc)
            time.sleep(0.25)
        raise Unavailable(f"{self.name} did not answer a query within {timeout:.0f} s ({last}); "
                          f"log: {self.process.tail()}")


def _tool(name: str, hint: str) -> str:
    path = shutil.which(name)
    if path is None:
        raise Unavailable(f"`{name}` is not on PATH ({hint})")
    return path


def _version(args: list[str], line_prefix: str = "", env: dict[str, str] | None = None) -> str:
    """The first line of a tool's version output (that starts with `line_prefix`)."""
    try:
        out = subprocess.run(args, capture_output=True, text=True, timeout=20, env=env)
    except (OSError, subprocess.TimeoutExpired):
        return "unknown"
    lines = [x.strip() for x in (out.stdout + out.stderr).splitlines() if x.strip().startswith(line_prefix)]
    return lines[0] if lines else "unknown"


class ReformKG(System):
    """`reformkg serve` on its embedded on-disk store (or on a remote store with `store_url`).

    With `source`, the service of another source tree (a checkout of an earlier commit: `--baseline`),
    run with that tree's packages first on the path and on a copy of the data directory of its own (each
    keeps its own label indexes there), to measure a change side by side with what it changed.
    """

    def __init__(self, name: str, work: Path, serve_args: list[str], store_url: str | None = None,
                 source: Path | None = None) -> None:
        super().__init__(name, work)
        self.serve_args = serve_args
        self.store_url = store_url
        self.source = source

    def _command(self) -> tuple[list[str], dict[str, str] | None]:
        """How to run `reformkg`, and the environment to run it in (None: this one)."""
        if self.source is None:
            return [_tool("reformkg", "pip install -e .")], None
        packages = self.work / "python" / "reformkg"
        packages.mkdir(parents=True, exist_ok=True)
        for folder in ("graph", "ontology", "queries", "service"):
            if not (packages / folder).is_symlink():
                (packages / folder).symlink_to(self.source.resolve() / folder)
        return [sys.executable, "-m", "reformkg.service"], {**os.environ, "PYTHONPATH": str(packages.parent)}

    def start(self, data: Data, ready_timeout: float) -> None:
        command, env = self._command()
        self.version = _version([*command, "--version"], env=env)
        if self.source is not None:
            commit = _version(["git", "-C", str(self.source), "rev-parse", "--short", "HEAD"])
            self.version += f" at {commit} ({self.source})"
        if self.source is not None and data.reformkg_dir is not None and not self.store_url:
            data_dir = self.work / "data"
            shutil.copytree(data.reformkg_dir, data_dir, symlinks=True, dirs_exist_ok=True)
            self.load_seconds = data.build_seconds
            self.notes.append("a copy of the data directory `reformkg build` made; load = that build")
        elif self.store_url:
            # An empty data directory: with --store, reformkg must not build or open a store of its own.
            data_dir = self.work / "data"
            self.notes.append(f"`--store {self.store_url}` (a Virtuoso of its own, set up as the one above); "
                              "load = that Virtuoso's")
        elif data.reformkg_dir is not None:
            data_dir = data.reformkg_dir
            self.load_seconds = data.build_seconds
            self.notes.append("load = `reformkg build` (extract, validate, bulk load), timed once")
        else:
            data_dir = self.work / "data"
            self.load_seconds = timed([sys.executable, "-c", _INSTALL, str(data.nquads), str(data_dir)],
                                      self.work / "load.log", timeout=3600, env=env)
            self.notes.append("load = reformkg's store install (bulk load, flush, optimize, snapshot)")
        port = free_port()
        args = [*command, "serve", "--data-dir", str(data_dir), "--host", "127.0.0.1", "--port", str(port),
                *self.serve_args]
        if self.store_url:
            args += ["--store", self.store_url]
        self.process = Process(args, self.work / "serve.log", env=env)
        self.endpoint = Endpoint(f"http://127.0.0.1:{port}/sparql")
        self.wait_ready(ready_timeout)
        if self.store_url and (data_dir / "store").exists():
            raise Unavailable(f"`reformkg serve --store {self.store_url}` built a store of its own instead")

    @property
    def base(self) -> str:
        assert self.endpoint
        return self.endpoint.url.rsplit("/sparql", 1)[0]


# reformkg has no command that loads an arbitrary N-Quads file, so the harness calls the same install
# function `reformkg build` uses.
_INSTALL = """
import sys
from pathlib import Path
from reformkg.service.store.install import install
install(Path(sys.argv[1]), Path(sys.argv[2]))
"""


class OxigraphServer(System):
    """The Rust server from `pip install oxigraph`: `oxigraph load`, then `serve-read-only`."""

    def start(self, data: Data, ready_timeout: float) -> None:
        exe = _tool("oxigraph", "pip install oxigraph")
        self.version = _version([exe, "--version"])
        location = self.work / "store"
        self.load_seconds = timed([exe, "load", "--location", str(location), "--file", str(data.nquads)],
                                  self.work / "load.log", timeout=3600)
        port = free_port()
        self.process = Process([exe, "serve-read-only", "--location", str(location),
                                "--bind", f"127.0.0.1:{port}", "--union-default-graph"],
                               self.work / "serve.log")
        self.endpoint = Endpoint(f"http://127.0.0.1:{port}/query")
        self.notes.append("serve-read-only --union-default-graph")
        self.wait_ready(ready_timeout)


class RdflibEndpoint(System):
    """rdflib-endpoint (FastAPI + uvicorn) over an rdflib Dataset with default_union=True."""

    def start(self, data: Data, ready_timeout: float) -> None:
        exe = _tool("rdflib-endpoint", "pip install rdflib-endpoint uvicorn")
        self.version = "rdflib-endpoint " + _pip_version("rdflib-endpoint") + ", rdflib " + _pip_version("rdflib")
        port = free_port()
        start = time.perf_counter()
        self.process = Process([exe, "serve", str(data.nquads), "--host", "127.0.0.1", "--port", str(port)],
                               self.work / "serve.log")
        self.endpoint = Endpoint(f"http://127.0.0.1:{port}/")  # its CLI serves SPARQL at the root
        self.wait_ready(ready_timeout)
        self.load_seconds = time.perf_counter() - start
        self.notes.append("load = start-up until the first answer (it parses the file in memory)")


def _pip_version(dist: str) -> str:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version(dist)
    except PackageNotFoundError:
        return "not installed"


_VIRTUOSO_INI = """[Database]
DatabaseFile = {work}/virtuoso.db
ErrorLogFile = {work}/virtuoso.log
LockFile = {work}/virtuoso.lck
TransactionFile = {work}/virtuoso.trx
xa_persistent_file = {work}/virtuoso.pxa
ErrorLogLevel = 7
FileExtend = 200
Striping = 0
TempStorage = TempDatabase

[TempDatabase]
DatabaseFile = {work}/virtuoso-temp.db
TransactionFile = {work}/virtuoso-temp.trx
Striping = 0

[Parameters]
ServerPort = 127.0.0.1:{sql_port}
DisableUnixSocket = 1
MaxClientConnections = 64
CheckpointInterval = 0
CaseMode = 2
DirsAllowed = ., {data_dir}
NumberOfBuffers = {buffers}
MaxDirtyBuffers = {dirty}
ThreadsPerQuery = 2
AsyncQueueMaxThreads = 10

[HTTPServer]
ServerPort = 127.0.0.1:{http_port}
ServerRoot = /var/lib/virtuoso-opensource-7/vsp
MaxClientConnections = 64
ServerThreads = 64
MaxKeepAlives = 64
KeepAliveTimeout = 10
Charset = UTF-8
EnabledGzipContent = 0

[SPARQL]
ResultSetMaxRows = {result_rows}
MaxQueryExecutionTime = {max_seconds}
MaxQueryCostEstimationTime = 0
"""


def virtuoso_ini(work: Path, sql_port: int, http_port: int, data_dir: Path, *, big: bool = False,
                 result_rows: int = 10_000_000, max_seconds: int = 600) -> Path:
    """Write the virtuoso.ini every benchmark's Virtuoso runs with (both ports on 127.0.0.1) and return it."""
    ini = work / "virtuoso.ini"
    ini.write_text(_VIRTUOSO_INI.format(work=work, sql_port=sql_port, http_port=http_port, data_dir=data_dir,
                                        buffers=340_000 if big else 20_000, dirty=250_000 if big else 15_000,
                                        result_rows=result_rows, max_seconds=max_seconds))
    return ini


MAX_NAMED_DEFAULT_GRAPHS = 20


class Virtuoso(System):
    """Virtuoso 7 from Debian's virtuoso-opensource, a fresh database in the work directory.

    The N-Quads go in with the bulk loader (`ld_dir` + `rdf_loader_run`). Virtuoso's default graph is
    the union of *all* its graphs, its own system graphs included, so the endpoint URL names the
    dataset's graphs as `default-graph-uri` (when there are few enough to name in every request's URL):
    the same default graph as the union of the others.
    Virtuoso 7.2 does not read a POST body of type application/sparql-query (the request hangs), so
    queries go as a form.
    """

    def start(self, data: Data, ready_timeout: float) -> None:
        exe = _tool("virtuoso-t", "apt-get install -y virtuoso-opensource")
        isql = _tool("isql-vt", "apt-get install -y virtuoso-opensource")
        self.version = "Virtuoso Open Source " + _version([exe, "-?"], line_prefix="Version")
        sql_port, http_port = free_port(), free_port()
        ini = virtuoso_ini(self.work, sql_port, http_port, data.nquads.parent, big=data.quads > 500_000)
        self.process = Process([exe, "+foreground", "+configfile", str(ini)], self.work / "serve.log",
                               cwd=self.work)
        url = f"http://127.0.0.1:{http_port}/sparql"
        if len(data.graphs) <= MAX_NAMED_DEFAULT_GRAPHS:
            url += "?" + "&".join("default-graph-uri=" + urllib.parse.quote(g, safe="") for g in data.graphs)
            self.notes.append("default-graph-uri = the dataset's graphs")
        else:
            self.notes.append(f"default graph = all of Virtuoso's graphs, its system graphs included: the "
                              f"dataset's {len(data.graphs)} graphs are too many to name in each request's URL")
        self.endpoint = Endpoint(url, body=FORM)
        self.wait_ready(ready_timeout)
        load = (f"ld_dir('{data.nquads.parent}', '{data.nquads.name}', 'urn:reformkg:unused'); "
                "rdf_loader_run(); checkpoint; "
                "SELECT ll_file, ll_state, ll_error FROM DB.DBA.load_list;")
        self.load_seconds = timed([isql, f"127.0.0.1:{sql_port}", "dba", "dba", f"exec={load}"],
                                  self.work / "load.log", timeout=3600)
        out = (self.work / "load.log").read_text(errors="replace")
        if "NULL" not in out.split("ll_error", 1)[-1]:
            raise Unavailable(f"virtuoso bulk load reported an error: {out[-600:]}")
        self.notes.append("bulk loader ld_dir + rdf_loader_run; form POST")


class ReformKGOverVirtuoso(ReformKG):
    """`reformkg serve --store` in front of a Virtuoso of its own.

    Its own instance, loaded like the one measured directly: requests this proxy leaves hanging must not
    hold threads of the Virtuoso that the next run measures. With `source`, another source tree's
    service (`--baseline`), as ReformKG runs it.
    """

    def __init__(self, name: str, work: Path, serve_args: list[str], source: Path | None = None) -> None:
        super().__init__(name, work, serve_args, source=source)
        self.backend = Virtuoso(f"{name}'s virtuoso", work / "virtuoso")

    def start(self, data: Data, ready_timeout: float) -> None:
        self.backend.work.mkdir(parents=True, exist_ok=True)
        self.backend.start(data, ready_timeout)
        self.store_url = self.backend.endpoint.url.split("?")[0]
        super().start(data, ready_timeout)
        self.load_seconds = self.backend.load_seconds

    def stop(self) -> None:
        super().stop()
        self.backend.stop()

    def rss_bytes(self) -> int | None:
        return (super().rss_bytes() or 0) + (self.backend.rss_bytes() or 0)

    def settle(self, limit: float) -> float:
        return super().settle(limit) + self.backend.settle(limit)


def bulk_loaded(nquads: Path, location: Path | None) -> Store:
    """A pyoxigraph Store holding the N-Quads: in memory, or on disk at `location` (made afresh, then
    flushed and optimised, as a served store would be). Raises what pyoxigraph raises on a bad file."""
    if location is None:
        store = Store()
    else:
        shutil.rmtree(location, ignore_errors=True)
        store = Store(str(location))
    store.bulk_load(path=str(nquads), format=RdfFormat.N_QUADS)
    if location is not None:
        store.flush()
        store.optimize()
    return store


FLOORS = ("floor-granian", "floor-gunicorn", "floor-granian-virtuoso", "floor-gunicorn-virtuoso")


class PythonFloor(System):
    """The least Python per request (`floor_app.py`), 2 worker processes: an upper bound for any Python
    service here. `embedded`: pyoxigraph on a store of its own, evaluated every time; `proxy`: passes each
    request to a Virtuoso of its own, loaded like the one measured directly. `front`: granian (HTTP in
    Rust) or gunicorn gthread (reformkg's front). `threads` per worker: the fastest found here under granian
    is 1 for the embedded app (the GIL serialises the rest) and 1–2 for the proxy (Virtuoso on 2 cores
    answers fewer queries at once faster); under gunicorn reformkg's 8."""

    def __init__(self, name: str, work: Path, mode: str, front: str, threads: int | None = None) -> None:
        super().__init__(name, work)
        self.mode, self.front = mode, front
        self.threads = threads or (1 if front == "granian" else 8)
        self.backend = Virtuoso(f"{name}'s virtuoso", work / "virtuoso") if mode == "proxy" else None

    def start(self, data: Data, ready_timeout: float) -> None:
        env = {**os.environ}
        if self.backend is not None:
            self.backend.work.mkdir(parents=True, exist_ok=True)
            self.backend.start(data, ready_timeout)
            env["FLOOR_UPSTREAM"] = self.backend.endpoint.url
            self.load_seconds = self.backend.load_seconds
            body = FORM
        else:
            location = self.work / "store"
            start = time.perf_counter()
            bulk_loaded(data.nquads, location)  # closed when dropped: each worker opens it read-only
            self.load_seconds = time.perf_counter() - start
            env["FLOOR_STORE"] = str(location)
            body = SPARQL_QUERY
        port = free_port()
        here, app = str(Path(__file__).resolve().parent), f"floor_app:{self.mode}"
        if self.front == "granian":
            exe = _tool("granian", "pip install granian (a benchmark-only dependency)")
            command = [exe, "--interface", "wsgi", "--host", "127.0.0.1", "--port", str(port), "--workers", "2",
                       "--blocking-threads", str(self.threads), "--no-ws", "--working-dir", here, app]
        else:
            exe = _tool("gunicorn", "reformkg's own dependency")
            command = [exe, "-k", "gthread", "-w", "2", "--threads", str(self.threads), "-b", f"127.0.0.1:{port}",
                       "--chdir", here, app]
        self.version = f"{self.front} {_pip_version(self.front)}, floor_app.{self.mode}"
        self.process = Process(command, self.work / "serve.log", env=env)
        self.endpoint = Endpoint(f"http://127.0.0.1:{port}/sparql", body=body)
        self.notes.append(f"{self.front}, 2 workers × {self.threads} thread(s); " + (
            "each request forwarded by http.client, kept alive per thread" if self.backend else
            "Store.read_only per worker, every query evaluated (no cache)"))
        self.wait_ready(ready_timeout)

    def stop(self) -> None:
        super().stop()
        if self.backend is not None:
            self.backend.stop()

    def rss_bytes(self) -> int | None:
        own = super().rss_bytes() or 0
        return own + ((self.backend.rss_bytes() or 0) if self.backend else 0)

    def settle(self, limit: float) -> float:
        own = super().settle(limit)
        return own + (self.backend.settle(limit) if self.backend else 0.0)
