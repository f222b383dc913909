"""`python -m reformkg.service` is the `reformkg` command."""
from .cli import main

main()
