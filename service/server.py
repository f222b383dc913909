"""Run the app under gunicorn (production) or Werkzeug's reloader (`--dev`)."""
from __future__ import annotations

import logging
import sys

from flask import Flask
from gunicorn.app.base import BaseApplication

from .app import create_app
from .settings import Settings


class _Gunicorn(BaseApplication):
    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        super().__init__()

    def load_config(self) -> None:
        s = self.settings
        self.cfg.set("bind", f"{s.host}:{s.port}")
        self.cfg.set("workers", s.workers)
        self.cfg.set("threads", s.threads)
        self.cfg.set("worker_class", "gthread")
        # gthread workers heartbeat from their main loop, so this bounds a stuck worker, not a query.
        self.cfg.set("timeout", int(s.query_timeout) + 30)
        self.cfg.set("accesslog", None)  # the app writes its own structured access log
        self.cfg.set("errorlog", "-")
        self.cfg.set("loglevel", s.log_level.lower())

    def load(self) -> Flask:
        # Called in each worker after the fork: each has its own query engines.
        return create_app(self.settings)


def configure_logging(settings: Settings) -> None:
    """Access log lines as they are (JSON), everything else with time and level, all to stderr."""
    access = logging.getLogger("reformkg.access")
    if not access.handlers:
        handler = logging.StreamHandler(sys.stderr)
        handler.setFormatter(logging.Formatter("%(message)s"))
        access.addHandler(handler)
        access.propagate = False
    main = logging.getLogger("reformkg")
    if not main.handlers:
        handler = logging.StreamHandler(sys.stderr)
        handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s %(message)s"))
        main.addHandler(handler)
    main.setLevel(settings.log_level.upper())


class _Lazy:
    """Creates the app on the first request, so that the reloader's watcher process starts no engines."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.app: Flask | None = None

    def __call__(self, environ, start_response):
        if self.app is None:
            self.app = create_app(self.settings)
        return self.app(environ, start_response)


def run(settings: Settings, dev: bool = False) -> None:
    configure_logging(settings)
    if dev:
        from werkzeug.serving import run_simple

        # No interactive debugger: it would show stack traces to clients.
        run_simple(settings.host, settings.port, _Lazy(settings), use_reloader=True, use_debugger=False,
                   threaded=True)
    else:
        _Gunicorn(settings).run()
