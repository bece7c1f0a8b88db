"""One module per engine; each runs as ``python -m bench.engines.<name> FIXTURE...`` in the
interpreter that has that engine installed and prints one JSON result line per case."""

ENGINES = ("ethrex", "spec", "pyevm", "revm")
