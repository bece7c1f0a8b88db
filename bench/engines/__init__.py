"""One module per engine; each runs as ``python -m bench.engines.<name> FIXTURE...`` in the
interpreter that has that engine installed and prints one JSON result line per case."""

# ethrex-compiled: ethrex's engine run on the copy of the package built by scripts/compile.py
ENGINES = ("ethrex", "ethrex-compiled", "spec", "pyevm", "revm")
