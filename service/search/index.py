"""A label index kept beside each snapshot of the embedded store, so that label search does not scan.

Oxigraph has no text index: `queries/label-search.rq` reads every label of the store, seconds at 2 M
triples (benchmarks/results/search.md). This module answers the same question, with the same results
in the same order, from an SQLite file built from one snapshot's labels (store/embedded/snapshots.py),
which also holds how a search shows each resource (nodes.py), so that a search asks the store nothing:

    textindex/<generation>.<FORMAT>.sqlite   the index of snapshot <generation>, never changed once renamed there
    textindex/build.lock                     held (flock) by the one process building, whichever it is

A search at generation G reads G's index; when there is none yet (a write has just published G) it
says so, the caller scans with SPARQL (correct, slower) and a builder process is started in the
background, so no answer comes from an older snapshot than a query would read. `reformkg build`
builds the index as it installs a store. Files are opened read-only and immutable, so any number of
web processes and threads read them while a builder writes the next one under a temporary name.

The index holds every distinct label text, lower-cased, with its FTS5 trigrams (they find a needle of
three or more characters anywhere, Chinese too) and its two-character substrings (a needle of two is
one of them; a needle of one starts one, or is a text's last character, kept alone): these find the
candidate texts, SQLite checks that each contains the needle and ranks it as the query does, and
resources are ranked by their labels' ranks (see `query`). Lower-casing is Python's `str.lower`,
Unicode's full mapping, as Oxigraph's LCASE (Rust's `to_lowercase`) is.
"""
from __future__ import annotations

import fcntl
import hashlib
import heapq
import itertools
import json
import logging
import os
import re
import sqlite3
import subprocess
import sys
import threading
import time
import unicodedata
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import closing, contextmanager
from dataclasses import dataclass
from pathlib import Path

from pyoxigraph import Literal, NamedNode, Store

from reformkg.ontology.vocab import RDF, SKOS

from .. import nodes
from ..nodes import CLASSES, NodeInfo
from ..nodes import LABELS as DISPLAY
from ..store.embedded import snapshots

log = logging.getLogger("reformkg.textindex")

LABELS = (
    "http://www.w3.org/2000/01/rdf-schema#label",
    "http://www.w3.org/2004/02/skos/core#prefLabel",
    "http://www.w3.org/2004/02/skos/core#altLabel",
    "http://purl.org/dc/terms/title",
)
"""The label properties label-search.rq reads."""
MATCHES = {4: "exact", 3: "prefix", 2: "word", 1: "substring"}
LANGUAGES = ("zh", "en")
"""The languages a search shows labels in."""
KEPT = 100
"""The most resources a lookup gives."""
RETRY_SECONDS = 60.0
"""How long a web process waits before it starts another builder for a generation whose build failed."""
BUSY = 75
"""The builder's exit status when another process holds the build lock (EX_TEMPFAIL)."""

_SCHEMA = """
CREATE TABLE texts(id INTEGER PRIMARY KEY, text TEXT NOT NULL, len INTEGER NOT NULL, words TEXT NOT NULL);
CREATE VIRTUAL TABLE trigrams USING fts5(text, content='', tokenize='trigram case_sensitive 1');
CREATE TABLE bigrams(gram TEXT NOT NULL, text INTEGER NOT NULL, PRIMARY KEY(gram, text)) WITHOUT ROWID;
CREATE TABLE kinds(id INTEGER PRIMARY KEY, head INTEGER NOT NULL, first TEXT NOT NULL);
CREATE TABLE kind_labels(kind INTEGER NOT NULL, text INTEGER NOT NULL, lang TEXT);
CREATE TABLE resources(id INTEGER PRIMARY KEY, iri TEXT NOT NULL, name_zh TEXT, name_en TEXT, class TEXT);
CREATE TABLE labels(resource INTEGER NOT NULL, text INTEGER NOT NULL, lang TEXT, label TEXT NOT NULL);
"""
_INDEXES = """
CREATE INDEX kind_labels_by_text ON kind_labels(text, kind, lang);
CREATE INDEX labels_by_resource ON labels(resource);
CREATE INDEX labels_by_text ON labels(text, resource, lang);
"""
FORMAT = "v2-" + hashlib.sha256(repr((
    _SCHEMA, _INDEXES, LABELS, LANGUAGES, KEPT, DISPLAY, CLASSES, nodes.SCHEMES, nodes.CONCEPT, nodes.OTHER,
)).encode("utf-8")).hexdigest()[:12]
"""Part of every index file's name, made from the schema and from what the index keeps of nodes.py (the
label properties and display classes a search shows): when any of them changes, so does the name, and
an index built before is never read."""

# texts       every distinct label, lower-cased, with its length and words (see `words`)
# trigrams    FTS5 trigrams of the texts (rowid: the text's id), for needles of three characters or more
# bigrams     each text's two-character substrings, and its last character alone
# kinds       a kind of resource is one set of (text, language) pairs, its labels; resources with the
#             same labels (thousands of indicators called 办理业务) are one kind, ranked once; first:
#             its first KEPT resources in IRI order (a JSON list of ids), head: the first of them
# kind_labels the (text, language) pairs of each kind
# resources   ids in the order of the IRIs (label-search.rq's last sort key); the label shown in Chinese
#             and in English and the display class (nodes.py), what a search shows of a resource, or
#             NULL where nodes.describe's answer depends on the order the store lists triples in
# labels      each resource's labels as written, to show which matched


def path(data_dir: Path, generation: str) -> Path:
    return data_dir / "textindex" / f"{generation}.{FORMAT}.sqlite"


def words(text: str) -> str:
    """label-search.rq's CONCAT(" ", REPLACE(?text, "[^\\p{L}\\p{N}]+", " "), " "): every run of
    characters that are neither letters nor digits made one space, and a space on either side."""
    out, run = [" "], False
    for c in text:
        if unicodedata.category(c)[0] in "LN":
            out.append(c)
            run = False
        elif not run:
            out.append(" ")
            run = True
    out.append(" ")
    return "".join(out)


@dataclass(frozen=True)
class Ranked:
    """One resource the text matched, as label-search.rq ranks it."""

    iri: str
    score: int
    """4 exact, 3 prefix, 2 word, 1 substring: its best matching label's."""
    length: int
    """The length of its shortest matching label."""
    labels: tuple[str, ...]
    """Its distinct labels that matched."""
    names: dict[str, str] | None = None
    """The label to show it by in each of LANGUAGES, as nodes.NodeInfo.label gives it; None when not known."""
    display_class: str | None = None
    """Its class for display (nodes.NodeInfo.display_class); None when not known."""


def query(db: sqlite3.Connection, text: str, lang: str | None, limit: int) -> list[Ranked]:
    """The `limit` best resources for `text` in labels of language `lang` (any when None), in
    label-search.rq's order: best label's rank, then shortest matching label, then IRI.

    Resources are ranked by kind (resources with the same labels), so that ten thousand indicators
    called 办理业务 cost one row; the kinds that rank alike give their first resources in IRI order.
    Raises sqlite3.Error when the file is not a readable index, ValueError for a limit above KEPT.
    """
    if not 1 <= limit <= KEPT:
        raise ValueError(f"limit must be between 1 and {KEPT}, not {limit}")
    needle = text.lower()
    params = {**_needle(needle), "lang": lang, "limit": limit}
    groups: dict[tuple[int, int], list[tuple[int, str]]] = {}
    for head, first, score, length in db.execute(_KINDS.format(candidates=_candidates(needle)), params):
        groups.setdefault((score, length), []).append((head, first))
    taken: list[tuple[int, int, int]] = []
    for (score, length), kinds in groups.items():
        # Resources that rank alike are in IRI order: the merged first ids of their kinds. Only the
        # `need` kinds with the smallest heads can hold the `need` smallest ids.
        need = limit - len(taken)
        merged = heapq.merge(*(json.loads(first) for _, first in heapq.nsmallest(need, kinds)))
        taken += [(resource, score, length) for resource in itertools.islice(merged, need)]
        if len(taken) == limit:
            break
    return _labelled(db, needle, lang, taken)


_LANG = "(:lang IS NULL OR k.lang IS NULL OR k.lang = :lang OR substr(k.lang, 1, length(:lang) + 1) = :lang || '-')"
"""label-search.rq's COALESCE(LANGMATCHES(LANG(?label), ?lang), true), on a row `k` with the label's
language tag (lower case; '' for none; NULL for an IRI, whose LANG is an error that COALESCE makes true)."""

_MATCHED = """matched(id, rank, len) AS MATERIALIZED (
  SELECT id, CASE WHEN text = :needle THEN 4 WHEN substr(text, 1, :len) = :needle THEN 3
                  WHEN instr(words, :word) > 0 THEN 2 ELSE 1 END, len
  FROM texts WHERE id IN ({candidates}) AND instr(text, :needle) > 0)"""
"""The texts that contain the needle, with label-search.rq's rank of each (4 exact … 1 substring)."""

_KINDS = f"""
WITH {_MATCHED}
SELECT s.head, s.first, max(m.rank) AS score, min(m.len) AS length
FROM matched m JOIN kind_labels k ON k.text = m.id JOIN kinds s ON s.id = k.kind
WHERE {_LANG}
GROUP BY k.kind ORDER BY score DESC, length, s.head LIMIT :limit
"""
"""The kinds of resource with a matching label, best first: by their best label's rank, their shortest
matching label's length, their first resource. The first `limit` kinds hold the `limit` first
resources: each of them ranks its own first resource before every resource of a later kind."""


def every(db: sqlite3.Connection, text: str, lang: str | None, limit: int, offset: int) -> list[Ranked]:
    """Rows `offset` to `offset + limit` of label-search.rq's whole answer for `text` in labels of
    language `lang` (any when None), in its order; each with the labels that matched, shortest first
    (the query's GROUP_CONCAT joins them in no set order). Unlike `query`, no resource is left out:
    this is the named query's answer, which a client pages through (views/api.py).
    Raises sqlite3.Error when the file is not a readable index."""
    needle = text.lower()
    rows = db.execute(_EVERY.format(candidates=_candidates(needle)),
                      {**_needle(needle), "lang": lang, "limit": limit, "offset": offset})
    return [Ranked(iri, score, length, tuple(sorted(set(json.loads(labels)), key=lambda label: (len(label), label))))
            for iri, score, length, labels in rows]


_EVERY = f"""
WITH {_MATCHED},
ranked(resource, score, length, labels) AS (
  SELECT k.resource, max(m.rank), min(m.len), json_group_array(k.label)
  FROM matched m JOIN labels k ON k.text = m.id
  WHERE {_LANG}
  GROUP BY k.resource ORDER BY 2 DESC, 3, k.resource LIMIT :limit OFFSET :offset)
SELECT r.iri, x.score, x.length, x.labels FROM ranked x JOIN resources r ON r.id = x.resource
ORDER BY x.score DESC, x.length, x.resource
"""
"""Every resource with a matching label, ranked as label-search.rq ranks it: its best label's rank, its
shortest matching label's length, its IRI (resource ids are in IRI order)."""


def _needle(needle: str) -> dict[str, object]:
    """The parameters _MATCHED and _candidates take for a lower-cased needle."""
    # One FTS5 string: whatever it holds (", *, OR, NEAR(, -) is text to match, never query syntax.
    return {"needle": needle, "len": len(needle), "word": f" {needle} ", "fts": '"' + needle.replace('"', '""') + '"'}


def _candidates(needle: str) -> str:
    """A query for the ids of the texts that may contain `needle` (_KINDS checks that they do)."""
    if len(needle) >= 3:
        # One FTS5 string: whatever it holds (", *, OR, NEAR(, -) is text to match, never query syntax.
        return "SELECT rowid FROM trigrams WHERE trigrams MATCH :fts"
    if len(needle) == 2:
        return "SELECT text FROM bigrams WHERE gram = :needle"
    # The bigrams that start with the character, and the character as a text's last.
    return "SELECT text FROM bigrams WHERE gram BETWEEN :needle AND :needle || char(1114111)"


def _labelled(db: sqlite3.Connection, needle: str, lang: str | None, taken: list[tuple[int, int, int]]) -> list[Ranked]:
    """`taken` (resource, score, length) with their IRIs and the labels that matched."""
    shown: dict[int, tuple[str, dict[str, str] | None, str | None]] = {}
    labels: dict[int, list[str]] = {r: [] for r, _, _ in taken}
    rows = db.execute(f"""
        SELECT k.resource, r.iri, r.name_zh, r.name_en, r.class, k.label
        FROM labels k JOIN resources r ON r.id = k.resource
        WHERE k.resource IN (SELECT value FROM json_each(:taken)) AND {_LANG}""",
                      {"taken": json.dumps(list(labels)), "lang": lang})
    for resource, iri, zh, en, display_class, label in rows:
        shown[resource] = (iri, None if zh is None else dict(zip(LANGUAGES, (zh, en))), display_class)
        if needle in label.lower() and label not in labels[resource]:
            labels[resource].append(label)
    return [Ranked(shown[r][0], score, length, tuple(labels[r]), *shown[r][1:]) for r, score, length in taken]


def write(snapshot: Path, target: Path) -> None:
    """Build the index of the store at `snapshot` (a pinned snapshot) as the file `target`, which
    appears whole or not at all. Raises OSError or sqlite3.Error."""
    store = Store.read_only(str(snapshot))
    try:
        labels, infos, tied = _read(store)
    finally:
        del store
    texts = {text: n for n, text in enumerate(sorted({label.lower() for _, label, _ in labels}), 1)}
    pairs: dict[str, set[tuple[int, str | None]]] = {}
    for iri, label, lang in labels:
        pairs.setdefault(iri, set()).add((texts[label.lower()], lang))
    kinds: dict[frozenset, int] = {}
    resources = [(n, iri, kinds.setdefault(frozenset(pairs[iri]), len(kinds) + 1))
                 for n, iri in enumerate(sorted(pairs), 1)]
    first: dict[int, list[int]] = {}
    for n, _, kind in resources:
        if len(first.setdefault(kind, [])) < KEPT:
            first[kind].append(n)
    ids = {iri: n for n, iri, _ in resources}
    tmp = target.with_name(f".{target.name}.{os.getpid()}.tmp")
    try:
        db = sqlite3.connect(tmp)
        try:
            db.executescript("PRAGMA journal_mode = OFF; PRAGMA synchronous = OFF;" + _SCHEMA)
            with db:
                db.executemany("INSERT INTO texts VALUES (?, ?, ?, ?)",
                               ((n, text, len(text), words(text)) for text, n in texts.items()))
                db.executemany("INSERT INTO trigrams(rowid, text) VALUES (?, ?)",
                               ((n, text) for text, n in texts.items() if len(text) >= 3))
                db.executemany("INSERT INTO bigrams VALUES (?, ?)", (
                    (gram, n) for text, n in texts.items() for gram in {text[i:i + 2] for i in range(len(text))}))
                db.executemany("INSERT INTO kinds VALUES (?, ?, ?)",
                               ((kind, some[0], json.dumps(some)) for kind, some in first.items()))
                db.executemany("INSERT INTO kind_labels VALUES (?, ?, ?)",
                               ((kind, text, lang) for members, kind in kinds.items() for text, lang in members))
                db.executemany("INSERT INTO resources VALUES (?, ?, ?, ?, ?)",
                               ((n, iri, *_shown(infos[iri], iri in tied)) for n, iri, _ in resources))
                db.executemany("INSERT INTO labels VALUES (?, ?, ?, ?)",
                               ((ids[iri], texts[label.lower()], lang, label) for iri, label, lang in labels))
                db.executescript(_INDEXES)
                db.execute("INSERT INTO trigrams(trigrams) VALUES ('optimize')")
            db.execute("ANALYZE")
        finally:
            db.close()
        with open(tmp, "rb") as f:
            os.fsync(f.fileno())
        os.replace(tmp, target)
    finally:
        tmp.unlink(missing_ok=True)


def _read(store: Store) -> tuple[set[tuple[str, str, str | None]], dict[str, NodeInfo], set[str]]:
    """What the index is built of: the labels label-search.rq reads, as (resource, label, language tag;
    None for an IRI); what nodes.describe reads of each labelled resource; and the resources with two
    labels of one property and language (`_shown` leaves those to describe)."""
    labels: set[tuple[str, str, str | None]] = set()
    infos: dict[str, NodeInfo] = {}
    displayed: set[tuple[str, str, str, str]] = set()
    for predicate in LABELS:
        # The default graph as the union of all graphs, as the service queries it.
        query = f"SELECT ?r ?l WHERE {{ ?r <{predicate}> ?l }}"
        for resource, label in store.query(query, use_default_graph_as_union=True):
            if not isinstance(resource, NamedNode):
                continue  # FILTER(isIRI(?resource))
            if isinstance(label, Literal):
                labels.add((resource.value, label.value, label.language or ""))
                if predicate in DISPLAY:
                    displayed.add((resource.value, predicate, label.language or "", label.value))
            elif isinstance(label, NamedNode):
                labels.add((resource.value, label.value, None))  # STR(<iri>) is the IRI; see _LANG
            info = infos.get(resource.value)
            if info is None:
                info = infos[resource.value] = NodeInfo(resource.value)
            info.add(predicate, label)
    _describe(store, infos)
    alike = Counter((iri, predicate, lang) for iri, predicate, lang, _ in displayed)
    return labels, infos, {iri for (iri, _, _), n in alike.items() if n > 1}


def _describe(store: Store, infos: dict[str, NodeInfo]) -> None:
    """Add to `infos` (their labels read already) what nodes.describe reads for a display class: the
    classes of nodes.CLASSES and skos:Concept they have (other types change nothing), and their schemes."""
    classes = ", ".join(str(NamedNode(iri)) for iri in (*(iri for iri, _ in CLASSES), SKOS.Concept.value))
    iris = sorted(infos)
    for start in range(0, len(iris), _CHUNK):
        chunk = " ".join(str(NamedNode(iri)) for iri in iris[start:start + _CHUNK])
        query = f"SELECT ?r ?t WHERE {{ VALUES ?r {{ {chunk} }} ?r a ?t FILTER(?t IN ({classes})) }}"
        for resource, cls in store.query(query, use_default_graph_as_union=True):
            infos[resource.value].add(RDF.type.value, cls)
    for quad in store.quads_for_pattern(None, SKOS.inScheme, None, None):
        info = infos.get(quad.subject.value)
        if info is not None:
            info.add(SKOS.inScheme.value, quad.object)


_CHUNK = 2000
"""Resources whose types one query reads, bound by VALUES: one query for all would join every
instance of the classes (millions of spans and selectors) with the labels, a query each is slower."""


def _shown(info: NodeInfo, tied: bool) -> tuple[str | None, str | None, str | None]:
    """The labels nodes.NodeInfo.label shows in LANGUAGES and its display_class, or three None where
    describe() may answer otherwise, having read the same triples in another order (it keeps the first
    of equals): two labels of one property and language (`tied`); no label in zh, en or untagged but
    several in other languages (it shows the first); several schemes (the first that names a class).
    None of that happens in the reports; a search describes such a resource when it finds it."""
    if tied or len(set(info.schemes)) > 1 or (
            len(info.labels) > 1 and not any(info.labels.get(lang) for lang in (*LANGUAGES, ""))):
        return None, None, None
    return info.label("zh"), info.label("en"), info.display_class()


def build(data_dir: Path, *, wait: bool = True) -> bool:
    """Build the index of the current snapshot unless it has one, then delete the other generations'
    indexes; again while writes publish newer snapshots meanwhile. One process builds at a time:
    with `wait` this waits for the other, without it it returns False at once.

    Raises OSError, sqlite3.Error or snapshots.SnapshotError; a failed build leaves no file behind.
    """
    folder = data_dir / "textindex"
    folder.mkdir(parents=True, exist_ok=True)
    with _build_lock(folder, wait) as held:
        if not held:
            return False
        for _ in range(_ROUNDS):
            pin = snapshots.pin(data_dir)
            try:
                target = path(data_dir, pin.generation)
                if not target.exists():
                    started = time.monotonic()
                    write(pin.path, target)
                    log.info("built the label index of snapshot %s in %.1f s (%d bytes)", pin.generation,
                             time.monotonic() - started, target.stat().st_size)
            finally:
                pin.release()
            for old in folder.iterdir():
                # Only the builder holding the lock writes here, so every other file is stale: older
                # generations' indexes (a reader that has one open keeps reading it), crashed builds.
                if old != target and old.name != _LOCK:
                    old.unlink(missing_ok=True)
            if snapshots.generation(data_dir) == pin.generation:
                break
    return True


_LOCK = "build.lock"
_ROUNDS = 5
"""Snapshots one builder indexes in a row before it leaves the next to the next search."""


@contextmanager
def _build_lock(folder: Path, wait: bool) -> Iterator[bool]:
    fd = os.open(folder / _LOCK, os.O_RDWR | os.O_CREAT, 0o644)
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | (0 if wait else fcntl.LOCK_NB))
        except BlockingIOError:
            yield False
            return
        yield True
    finally:
        os.close(fd)


def refresh(data_dir: Path) -> None:
    """Build the current snapshot's index now, where a store has just been installed. A failure is
    logged, not raised: the store is fine, and searches scan until a build succeeds."""
    try:
        build(data_dir)
    except (OSError, sqlite3.Error) as exc:
        log.warning("the label index of %s was not built (%s); label search scans until it is", data_dir, exc)


def building(data_dir: Path) -> bool:
    """Whether a process (any) holds the build lock now."""
    try:
        fd = os.open(data_dir / "textindex" / _LOCK, os.O_RDONLY)
    except FileNotFoundError:
        return False
    try:
        fcntl.flock(fd, fcntl.LOCK_SH | fcntl.LOCK_NB)
        return False
    except BlockingIOError:
        return True
    finally:
        os.close(fd)


def _open(file: Path) -> sqlite3.Connection:
    # Immutable: SQLite takes no locks and never looks for a journal; the file never changes.
    return sqlite3.connect(file.resolve().as_uri() + "?mode=ro&immutable=1", uri=True)


_TABLES = frozenset(re.findall(r"CREATE (?:VIRTUAL )?TABLE (\w+)", _SCHEMA))
"""The tables every index has: an empty file is a valid SQLite database, but no index."""


def damaged(file: Path) -> bool:
    """Whether `file` is not a whole index: unreadable, not SQLite, pages missing or malformed
    (`PRAGMA quick_check`, which reads every page once), or without the index's tables."""
    try:
        with closing(_open(file)) as db:
            if db.execute("PRAGMA quick_check").fetchall() != [("ok",)]:
                return True
            return not _TABLES <= {name for name, in db.execute("SELECT name FROM sqlite_master")}
    except sqlite3.Error:
        return True


class LabelIndex:
    """The label indexes of one data directory as a web process reads them; safe across threads.

    `lookup` answers from the index of the snapshot a query would read now, or returns None when
    that snapshot has none (yet): the caller then searches without it, and a builder process starts
    in the background (one per web process at a time; across processes the build lock keeps it to
    one). A build that fails is not tried again for the same snapshot within RETRY_SECONDS.

    An error while searching is not taken for a damaged file: a client chooses the text, and a text
    that made SQLite fail once deleted the index on every try (issue 15). The file is deleted and
    built again only when it is damaged (`damaged`), which is checked once per snapshot.
    """

    def __init__(self, data_dir: Path) -> None:
        self.data_dir = data_dir
        self._lock = threading.Lock()
        self._builder: threading.Thread | None = None
        self._failed: tuple[str, float] = ("", 0.0)
        """The last snapshot whose build failed, and when."""
        self._unreadable = ""
        """The last snapshot whose index could not be read."""
        self._sound = ""
        """The last snapshot whose index was checked and found whole."""

    def lookup(self, text: str, lang: str | None, limit: int) -> list[Ranked] | None:
        """The `limit` best resources (`query`), or None when the current snapshot has no readable index."""
        return self._read(lambda db: query(db, text, lang, limit), text)

    def page(self, text: str, lang: str | None, limit: int, offset: int) -> list[Ranked] | None:
        """A page of label-search.rq's whole answer (`every`), or None when the current snapshot has no
        readable index."""
        return self._read(lambda db: every(db, text, lang, limit, offset), text)

    def _read(self, ask: Callable[[sqlite3.Connection], list[Ranked]], text: str) -> list[Ranked] | None:
        generation = snapshots.generation(self.data_dir)
        if generation is None:
            return None
        file = path(self.data_dir, generation)
        try:
            with closing(_open(file)) as db:
                return ask(db)
        except sqlite3.Error as exc:
            if not file.exists():
                self.build_soon(generation)
                return None
            if self._sound == generation or not damaged(file):
                self._sound = generation
                log.warning("searching the label index %s for %r failed (%s); searching without it", file, text, exc)
                return None
            log.warning("the label index %s is damaged (%s); searching without it and building it again", file, exc)
            file.unlink(missing_ok=True)
            if self._unreadable == generation:
                self._failed = (generation, time.monotonic())  # built again and still unreadable
            self._unreadable = generation
        self.build_soon(generation)
        return None

    def build_soon(self, generation: str) -> None:
        """Start a builder process in the background unless one is running or recently failed."""
        with self._lock:
            if self._builder is not None and self._builder.is_alive():
                return
            failed, when = self._failed
            if failed == generation and time.monotonic() - when < RETRY_SECONDS:
                return
            if building(self.data_dir):
                return
            self._builder = threading.Thread(target=self._build, args=(generation,), daemon=True,
                                             name="label-index-builder")
            self._builder.start()

    def join(self, timeout: float | None = None) -> None:
        """Wait for the builder this process started, if any."""
        builder = self._builder
        if builder is not None:
            builder.join(timeout)

    def _build(self, generation: str) -> None:
        # A process of its own: reading the snapshot's labels and filling SQLite would hold this
        # process's GIL for seconds at millions of triples, and the web process never opens the store.
        done = subprocess.run([sys.executable, "-m", __package__, str(self.data_dir)],
                              stdin=subprocess.DEVNULL, check=False)
        if done.returncode not in (0, BUSY):
            log.warning("building the label index of %s failed (exit status %s); label search scans until it "
                        "is built", self.data_dir, done.returncode)
            self._failed = (generation, time.monotonic())


def main(argv: list[str]) -> int:
    """`python -m reformkg.service.search DATA_DIR`: build the current snapshot's index at low
    priority; exit status 0 when built (or there already), BUSY when another process is building."""
    logging.basicConfig(stream=sys.stderr, level=logging.INFO,
                        format="%(asctime)s %(levelname)s reformkg.textindex[%(process)d] %(message)s")
    os.nice(10)
    return 0 if build(Path(argv[0]), wait=False) else BUSY
