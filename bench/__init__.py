"""Benchmarks of ethrex against its Python and native peers (``make bench``).

Each engine runs in its own process (and, for the peers, its own virtualenv) and prints one JSON
line per fixture case; ``bench.runner`` collects those lines into the report. Nothing here is
imported by ethrex itself.
"""
