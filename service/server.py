"""Run the app under gunicorn (production) or Flask's reloader (`--dev`)."""
from __future__ import annotations

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
        self.cfg.set("timeout", int(s.query_timeout) + 30)
        self.cfg.set("accesslog", "-")

    def load(self):
        return create_app(self.settings)


def run(settings: Settings, dev: bool = False) -> None:
    if dev:
        create_app(settings).run(host=settings.host, port=settings.port, debug=True, use_reloader=True)
    else:
        _Gunicorn(settings).run()
