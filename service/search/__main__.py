"""`python -m reformkg.service.search DATA_DIR` builds the label index of the current snapshot: the
builder process a web process starts after a write (index.py)."""
import sys

from .index import main

sys.exit(main(sys.argv[1:]))
