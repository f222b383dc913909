"""SPARQL text and named queries, with no web framework and no store: reading a query once (text.py)
and checking it (guards.py), binding parameters as RDF terms (terms.py, binding.py), the request a
backend answers (request.py) and the named-query catalogue (catalog.py)."""
