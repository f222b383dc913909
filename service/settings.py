"""Every setting in one registry: name, type, default, help.

The CLI, the environment (`REFORMKG_<NAME>`) and a TOML config file all go through it, in that order
of precedence; nothing reads configuration at import time. README's settings table is checked
against this registry by a test.
"""
from __future__ import annotations

import os
import tomllib
from dataclasses import dataclass, fields, replace
from pathlib import Path
from typing import Any


@dataclass(frozen=True)
class Setting:
    name: str
    type: type
    default: Any
    help: str

    @property
    def env(self) -> str:
        return "REFORMKG_" + self.name.upper()


class Folders(tuple):
    """Folders, in order: a TOML list, or one string with os.pathsep (":" on POSIX) between them, as PATH."""

    def __new__(cls, value: Any = ()) -> Folders:
        if isinstance(value, (str, Path)):
            value = [part for part in str(value).split(os.pathsep) if part]
        elif not isinstance(value, (list, tuple)):
            raise TypeError(f"expected folders, got {value!r}")
        return super().__new__(cls, (Path(folder).expanduser() for folder in value))


def _default_data_dir() -> Path:
    xdg = os.environ.get("XDG_DATA_HOME")
    return (Path(xdg) if xdg else Path.home() / ".local" / "share") / "reformkg"


SETTINGS: tuple[Setting, ...] = (
    Setting("data_dir", Path, None, "where the built dataset and the on-disk store live (default: ~/.local/share/reformkg)"),
    Setting("base_iri", str, "https://w3id.org/reformkg/", "the base every minted IRI starts with"),
    Setting("sources", Folders, Folders(), "folders of reports (<name>.txt beside <name>.toml) to build instead of the packaged one"),
    Setting("host", str, "127.0.0.1", "address the server binds to"),
    Setting("port", int, 8000, "port the server binds to"),
    Setting("workers", int, 0, "web server worker processes (gunicorn); 0: one per CPU core"),
    Setting("threads", int, 8, "threads per web server worker"),
    Setting("query_workers", int, 2, "query engine processes per web worker; a runaway query kills only its own"),
    Setting("query_timeout", float, 30.0, "seconds a query or update may run before it is stopped (503)"),
    Setting("max_body_bytes", int, 10 * 1024 * 1024, "largest request body accepted (413 above it)"),
    Setting("max_query_length", int, 100_000, "longest query or update text accepted, in characters (413 above it)"),
    Setting("max_result_rows", int, 100_000, "most rows or triples a query may return (a request may ask for fewer)"),
    Setting("max_result_bytes", int, 256 * 1024 * 1024, "largest serialised result a query may return"),
    Setting("buffer_bytes", int, 1024 * 1024, "results up to this size are complete before the status is sent"),
    Setting("max_nesting", int, 200, "deepest bracket/subquery nesting a query may have (400 above it)"),
    Setting("memory_replica_bytes", int, 16 * 1024 * 1024,
            "query engines copy a snapshot of at most this size on disk into memory (reads ~3× faster; ~3× its disk size in memory per engine, ~2 s to copy 16 MB); 0: always read from disk"),
    Setting("max_engine_bytes", int, 2 * 1024 ** 3, "memory one query engine may allocate; a query needing more fails (500); 0: no limit"),
    Setting("client_timeout", float, 10.0, "seconds a client may take to send a request, and to take each part of an answer (408)"),
    Setting("update_token", str, None, "bearer token that allows writes; with none the service is read-only"),
    Setting("federation_allow", str, "", "space-separated URL prefixes that SERVICE and LOAD may reach; empty refuses both"),
    Setting("store", str, None, "URL of a remote SPARQL server to use instead of the embedded store"),
    Setting("store_update", str, None, "the remote server's update URL (default: the query URL)"),
    Setting("store_gsp", str, None, "the remote server's Graph Store Protocol URL"),
    Setting("store_user", str, None, "user name for the remote server"),
    Setting("store_password", str, None, "password for the remote server"),
    Setting("log_level", str, "INFO", "log level of the access and error logs"),
    Setting("result_cache_bytes", int, 64 * 1024 * 1024,
            "bytes of complete query results kept per web worker, keyed by store generation; 0 turns it off"),
)

BY_NAME = {s.name: s for s in SETTINGS}


@dataclass(frozen=True)
class Settings:
    data_dir: Path
    base_iri: str = "https://w3id.org/reformkg/"
    sources: tuple[Path, ...] = ()
    host: str = "127.0.0.1"
    port: int = 8000
    workers: int = 0
    threads: int = 8
    query_workers: int = 2
    query_timeout: float = 30.0
    max_body_bytes: int = 10 * 1024 * 1024
    max_query_length: int = 100_000
    max_result_rows: int = 100_000
    max_result_bytes: int = 256 * 1024 * 1024
    buffer_bytes: int = 1024 * 1024
    max_nesting: int = 200
    memory_replica_bytes: int = 16 * 1024 * 1024
    max_engine_bytes: int = 2 * 1024 ** 3
    client_timeout: float = 10.0
    update_token: str | None = None
    federation_allow: str = ""
    store: str | None = None
    store_update: str | None = None
    store_gsp: str | None = None
    store_user: str | None = None
    store_password: str | None = None
    log_level: str = "INFO"
    result_cache_bytes: int = 64 * 1024 * 1024

    @property
    def store_dir(self) -> Path:
        return self.data_dir / "store"

    @property
    def dataset_file(self) -> Path:
        return self.data_dir / "dataset" / "reformkg.nq"

    def with_(self, **changes: Any) -> Settings:
        return replace(self, **changes)


class SettingsError(ValueError):
    """A setting has a value of the wrong type or an unknown name."""


def _coerce(setting: Setting, value: Any) -> Any:
    if value is None or value == "" and setting.type is not str:
        return None if setting.default is None else setting.default
    try:
        if setting.type is Path:
            return Path(value).expanduser()
        return setting.type(value)
    except (TypeError, ValueError) as exc:
        raise SettingsError(f"setting {setting.name} ({setting.env}) must be a {setting.type.__name__}, got {value!r}") from exc


def load_settings(
    overrides: dict[str, Any] | None = None,
    environ: dict[str, str] | None = None,
    config_file: Path | None = None,
) -> Settings:
    """CLI overrides win over the environment, which wins over the config file, then the defaults."""
    environ = dict(os.environ) if environ is None else environ
    values: dict[str, Any] = {}
    config_file = config_file or (Path(environ["REFORMKG_CONFIG"]) if environ.get("REFORMKG_CONFIG") else None)
    if config_file is not None:
        try:
            data = tomllib.loads(config_file.read_text(encoding="utf-8"))
        except (OSError, tomllib.TOMLDecodeError) as exc:
            raise SettingsError(f"cannot read config file {config_file}: {exc}") from exc
        unknown = set(data) - set(BY_NAME)
        if unknown:
            raise SettingsError(f"unknown settings in {config_file}: {', '.join(sorted(unknown))}")
        values.update(data)
    for setting in SETTINGS:
        if setting.env in environ:
            values[setting.name] = environ[setting.env]
    for name, value in (overrides or {}).items():
        if name not in BY_NAME:
            raise SettingsError(f"unknown setting {name}")
        if value is not None:
            values[name] = value
    coerced = {s.name: _coerce(s, values.get(s.name, s.default)) for s in SETTINGS}
    if coerced["data_dir"] is None:
        coerced["data_dir"] = _default_data_dir()
    known = {f.name for f in fields(Settings)}
    return Settings(**{k: v for k, v in coerced.items() if k in known})
