"""Where the graph lives: the embedded on-disk Oxigraph store, or a remote SPARQL server."""
