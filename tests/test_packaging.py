"""Packaging: the lock files agree with pyproject.toml, and the wheel is the whole program.

`.ci/run` tests with requirements/test.lock and installs the wheel beside requirements/runtime.lock
(both written by `.ci/lock`, for CPython 3.11 on Linux), so a range changed in pyproject.toml without
a new lock, or a lock edited by hand, fails here rather than testing versions pyproject.toml forbids.
The wheel is built from a copy of the source tree, as `.ci/run` builds it (sdist, then the wheel from
the sdist, without build isolation), and must hold every file of the package folders and import
without them.
"""
from __future__ import annotations

import ast
import importlib.metadata
import json
import re
import shutil
import site
import subprocess
import sys
import tomllib
import zipfile
from dataclasses import dataclass
from pathlib import Path

import pytest
from packaging.markers import default_environment
from packaging.requirements import Requirement
from packaging.utils import NormalizedName, canonicalize_name
from packaging.version import Version

from .conftest import ROOT

PYPROJECT = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
FOLDERS = ("graph", "ontology", "queries", "service")
"""The top-level folders shipped as reformkg.graph, reformkg.ontology, … (setup.py finds their packages)."""
LOCK_TARGET = {**default_environment(), "python_version": "3.11", "python_full_version": "3.11.0",
               "implementation_name": "cpython", "platform_python_implementation": "CPython",
               "os_name": "posix", "sys_platform": "linux", "platform_system": "Linux"}
"""The environment the lock files are resolved for (`.ci/lock`: --python-version 3.11 --python-platform linux)."""
DIRECT = "reformkg (pyproject.toml)"
"""How a lock file's `# via` comment names a requirement that pyproject.toml states itself."""


@dataclass(frozen=True)
class Pin:
    version: Version
    hashes: tuple[str, ...]
    via: tuple[str, ...]


def read_lock(name: str) -> dict[NormalizedName, Pin]:
    """The pins of requirements/`name` that apply to LOCK_TARGET, by project name."""
    pins = {}
    entries = re.split(r"\n(?=[^\s#])", (ROOT / "requirements" / name).read_text(encoding="utf-8"))
    for entry in entries:
        if entry.startswith("#"):
            continue
        spec, _, comments = entry.partition("\n    #")
        requirement, *hashes = re.split(r"\s*\\\n\s*--hash=|\s+--hash=", spec.strip())
        req = Requirement(requirement)
        if req.marker is not None and not req.marker.evaluate(LOCK_TARGET):
            continue
        (pinned,) = req.specifier
        assert pinned.operator == "==", f"{name}: {requirement} is not pinned with =="
        via = tuple(filter(None, (re.sub(r"^[\s#]*(via\b)?\s*", "", line) for line in comments.splitlines())))
        pins[canonicalize_name(req.name)] = Pin(Version(pinned.version), tuple(hashes), via)
    return pins


def requirements(*, extra: str = "") -> list[Requirement]:
    """pyproject.toml's dependencies, or its `extra`, that apply to LOCK_TARGET."""
    texts = PYPROJECT["project"]["optional-dependencies"][extra] if extra else PYPROJECT["project"]["dependencies"]
    reqs = [Requirement(text) for text in texts]
    return [r for r in reqs if r.marker is None or r.marker.evaluate({**LOCK_TARGET, "extra": extra})]


TEST_LOCK = read_lock("test.lock")
RUNTIME_LOCK = read_lock("runtime.lock")


def out_of_range(lock: dict[NormalizedName, Pin], reqs: list[Requirement]) -> dict[str, str]:
    """Each requirement the lock leaves out or pins outside its range, with what the lock has."""
    wrong = {}
    for req in reqs:
        pin = lock.get(canonicalize_name(req.name))
        if pin is None:
            wrong[str(req)] = "not in the lock"
        elif not req.specifier.contains(pin.version, prereleases=True):
            wrong[str(req)] = f"locked at {pin.version}"
    return wrong


def test_the_test_lock_pins_every_dependency_and_test_extra_within_its_range():
    assert out_of_range(TEST_LOCK, requirements() + requirements(extra="test")) == {}


def test_the_runtime_lock_pins_every_dependency_within_its_range():
    assert out_of_range(RUNTIME_LOCK, requirements()) == {}


def test_the_runtime_lock_pins_the_test_lock_versions():
    differ = {name: (str(pin.version), str(TEST_LOCK[name].version) if name in TEST_LOCK else None)
              for name, pin in RUNTIME_LOCK.items()
              if name not in TEST_LOCK or TEST_LOCK[name].version != pin.version}
    assert differ == {}


def test_the_build_backend_is_locked_within_the_build_system_range():
    # .ci/run and the wheel tests below build without isolation, with the test lock's setuptools.
    assert out_of_range(TEST_LOCK, [Requirement(r) for r in PYPROJECT["build-system"]["requires"]]) == {}


@pytest.mark.parametrize(("lock", "extra"), [("test.lock", "test"), ("runtime.lock", "")])
def test_a_lock_states_exactly_what_pyproject_requires(lock, extra):
    # A requirement dropped from pyproject.toml without a new lock would stay installed by .ci/run.
    stated = {project for project, pin in read_lock(lock).items() if DIRECT in pin.via}
    required = {canonicalize_name(r.name) for r in requirements() + (requirements(extra=extra) if extra else [])}
    assert stated == required


@pytest.mark.parametrize("name", ["test.lock", "runtime.lock"])
def test_every_pin_has_a_hash(name):
    # pip's --require-hashes refuses the whole file otherwise.
    assert [project for project, pin in read_lock(name).items() if not pin.hashes] == []


# -- the wheel --------------------------------------------------------------------------------------


def source_files() -> set[str]:
    """Every file of the package folders, as its path inside the wheel."""
    return {f"reformkg/{path.relative_to(ROOT).as_posix()}"
            for folder in FOLDERS for path in (ROOT / folder).rglob("*")
            if path.is_file() and "__pycache__" not in path.parts}


@pytest.fixture(scope="module")
def wheel(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The wheel `python -m build` makes from a copy of the source tree: an sdist, then the wheel from it."""
    src = tmp_path_factory.mktemp("src")
    for name in ("pyproject.toml", "setup.py", "README.md"):
        shutil.copy2(ROOT / name, src / name)
    for folder in FOLDERS:
        shutil.copytree(ROOT / folder, src / folder, ignore=shutil.ignore_patterns("__pycache__"))
    dist = tmp_path_factory.mktemp("dist")
    subprocess.run([sys.executable, "-m", "build", "--no-isolation", "--outdir", str(dist), str(src)],
                   check=True, capture_output=True, timeout=300)
    (built,) = dist.glob("*.whl")
    return built


def test_the_wheel_holds_every_package_module_and_data_file_and_nothing_else(wheel: Path):
    names = set(zipfile.ZipFile(wheel).namelist())
    package = {n for n in names if n.startswith("reformkg/")}
    assert sorted(source_files() - package) == []
    assert sorted(package - source_files()) == []
    assert {n.split("/")[0] for n in names - package} == {wheel.name.split("-py3")[0] + ".dist-info"}


def test_every_module_in_the_wheel_imports_from_the_wheel(wheel: Path, tmp_path: Path):
    # Run from an empty folder, with site-packages on the path but not its .pth files: the editable
    # install's import hook, which maps reformkg.* onto the source tree, stays out.
    unpacked = tmp_path / "unpacked"
    zipfile.ZipFile(wheel).extractall(unpacked)
    modules = sorted(".".join(path.relative_to(unpacked).with_suffix("").parts).removesuffix(".__init__")
                     for path in unpacked.glob("reformkg/**/*.py") if path.name != "__main__.py")
    # The site-packages are this interpreter's, given from here: under -S a virtual environment's
    # interpreter takes the base installation's prefix, whose site-packages hold whatever was left
    # there (a fresh machine has no cn2an there, and the test failed only on one).
    script = """if True:
        import importlib, json, sys
        unpacked, modules, packages = sys.argv[1], json.loads(sys.argv[2]), json.loads(sys.argv[3])
        sys.path[:0] = [unpacked]
        sys.path += packages
        outside = [m for m in modules if not importlib.import_module(m).__file__.startswith(unpacked)]
        sys.exit(f"imported from outside the wheel: {outside}" if outside else 0)
    """
    result = subprocess.run([sys.executable, "-S", "-c", script, str(unpacked), json.dumps(modules),
                             json.dumps(site.getsitepackages())],
                            cwd=tmp_path, capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr


def runtime_distributions() -> set[NormalizedName]:
    """The distributions pyproject.toml's dependencies bring, with theirs, as installed here."""
    seen: set[NormalizedName] = set()
    todo = [(req, "") for req in requirements()]
    while todo:
        req, extra = todo.pop()
        name = canonicalize_name(req.name)
        if name in seen or (req.marker is not None and not req.marker.evaluate({"extra": extra})):
            continue
        seen.add(name)
        for text in importlib.metadata.requires(req.name) or []:
            todo += [(Requirement(text), e) for e in ("", *req.extras)]
    return seen


def test_everything_the_package_imports_is_a_runtime_dependency():
    # The test extra installs more than a user gets: service/store/remote.py once imported requests
    # with requests declared only there, and the wheel failed where the tests passed.
    imported = set()
    for folder in FOLDERS:
        for path in (ROOT / folder).rglob("*.py"):
            for node in ast.walk(ast.parse(path.read_bytes(), str(path))):
                if isinstance(node, ast.Import):
                    imported |= {alias.name.split(".")[0] for alias in node.names}
                elif isinstance(node, ast.ImportFrom) and node.level == 0:
                    imported.add(node.module.split(".")[0])
    third_party = imported - set(sys.stdlib_module_names) - {"__future__", "reformkg"}
    providers = importlib.metadata.packages_distributions()
    runtime = runtime_distributions()
    undeclared = {module for module in third_party
                  if not {canonicalize_name(d) for d in providers.get(module, [])} & runtime}
    assert undeclared == set()
