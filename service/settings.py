"""Every setting in one registry: name, type, default, help, each written once as a field of Settings.

The CLI, the environment (`REFORMKG_<NAME>`) and a TOML config file all go through it, in that order
of precedence; nothing reads configuration at import time. README's settings table is checked
against this registry by a test.
"""
from __future__ import annotations

import os
import tomllib
from dataclasses import MISSING, dataclass, field, fields, replace
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


def _setting(default: Any, help: str, kind: type | None = None) -> Any:
    """A field of Settings that is also a setting: its default, its one-line help, and the type a value
    from the environment or a config file is read as (the default's type when not given)."""
    return field(default=default, metadata={"help": help, "type": kind or type(default)})


@dataclass(frozen=True)
class Settings:
    """Every setting, each default written here once; SETTINGS is made from these fields."""

    data_dir: Path = field(metadata={
        "help": "where the built dataset and the on-disk store live (default: ~/.local/share/reformkg)", "type": Path})
    base_iri: str = _setting("https://w3id.org/reformkg/", "the base every minted IRI starts with")
    sources: tuple[Path, ...] = _setting(
        Folders(), "folders of reports (<name>.txt beside <name>.toml) to build instead of the packaged one", Folders)
    host: str = _setting("127.0.0.1", "address the server binds to")
    port: int = _setting(8000, "port the server binds to")
    workers: int = _setting(0, "web server worker processes (gunicorn); 0: one per CPU core")
    threads: int = _setting(8, "threads per web server worker")
    query_workers: int = _setting(2, "query engine processes per web worker; a runaway query kills only its own")
    query_timeout: float = _setting(
        30.0, "seconds a query or update may take, waiting for an engine included, before it is stopped (503)")
    queue_timeout: float = _setting(
        5.0, "seconds a query may wait for a free query engine before it is refused (503 with Retry-After)")
    max_body_bytes: int = _setting(10 * 1024 * 1024, "largest request body accepted (413 above it)")
    max_upload_bytes: int = _setting(
        16 * 1024 ** 3, "largest Graph Store PUT or POST body accepted (413 above it), kept on disk and bulk-loaded")
    max_query_length: int = _setting(
        100_000, "longest query or update text accepted, in characters (413 above it)")
    max_result_rows: int = _setting(
        100_000, "most rows or triples a query may return (a request may ask for fewer)")
    page_rows: int = _setting(
        10_000, "rows a named query gives per page when the client asks for no limit (at most max_result_rows)")
    max_result_bytes: int = _setting(256 * 1024 * 1024, "largest serialised result a query may return")
    buffer_bytes: int = _setting(1024 * 1024, "results up to this size are complete before the status is sent")
    max_nesting: int = _setting(200, "deepest bracket/subquery nesting a query may have (400 above it)")
    memory_replica_bytes: int = _setting(
        16 * 1024 * 1024,
        "query engines, and each web worker for its short queries, copy a snapshot of at most this size on disk "
        "into memory (reads ~3× faster; ~3× its disk size in memory per copy, ~2 s to copy 16 MB); 0: always read "
        "from disk, in engines")
    max_engine_bytes: int = _setting(
        2 * 1024 ** 3, "memory one query engine may allocate; a query needing more fails (500); 0: no limit")
    client_timeout: float = _setting(
        10.0, "seconds a client may take to send a request, and to take each part of an answer (408)")
    update_token: str | None = _setting(
        None, "bearer token that allows writes; with none the service is read-only", str)
    federation_allow: str = _setting(
        "", "space-separated URL prefixes that SERVICE and LOAD may reach; empty refuses both")
    store: str | None = _setting(None, "URL of a remote SPARQL server to use instead of the embedded store", str)
    store_update: str | None = _setting(None, "the remote server's update URL (default: the query URL)", str)
    store_gsp: str | None = _setting(None, "the remote server's Graph Store Protocol URL", str)
    store_user: str | None = _setting(None, "user name for the remote server", str)
    store_password: str | None = _setting(None, "password for the remote server", str)
    log_level: str = _setting("INFO", "log level of the access and error logs")
    result_cache_bytes: int = _setting(
        64 * 1024 * 1024,
        "bytes of complete query results, pages and answers kept per web worker, keyed by store generation; "
        "0 turns it off")

    @property
    def dataset_file(self) -> Path:
        return self.data_dir / "dataset" / "reformkg.nq"

    def with_(self, **changes: Any) -> Settings:
        return replace(self, **changes)


SETTINGS: tuple[Setting, ...] = tuple(
    Setting(f.name, f.metadata["type"], None if f.default is MISSING else f.default, f.metadata["help"])
    for f in fields(Settings)
)
BY_NAME = {s.name: s for s in SETTINGS}


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
    return Settings(**coerced)
