"""A remote SPARQL 1.1 server (Oxigraph server, Virtuoso or any other) behind one Backend (backend.py):
where it answers (endpoints.py), how its answers are read (answers.py), and publishing a built dataset
to it graph by graph (publish.py)."""
from .backend import RemoteStore

__all__ = ["RemoteStore"]
