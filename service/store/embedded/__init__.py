"""The embedded on-disk Oxigraph store: immutable snapshots (snapshots.py) read by a pool of engine
processes (executor.py, engine.py), behind one Backend (backend.py)."""
from .backend import EmbeddedStore, StoreMissing

__all__ = ["EmbeddedStore", "StoreMissing"]
