"""Helpers of `benchmarks/compare.py`: the query mix, the systems it starts, the drivers, the report.

Benchmark-only: nothing in reformkg imports this package. Its extra dependencies (matplotlib,
rdflib-endpoint, uvicorn, the `oxigraph` server, Debian's `wrk` and `virtuoso-opensource`) are
installed by hand, as the results file says; the harness notes whatever is missing and goes on.
"""
