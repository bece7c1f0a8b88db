"""ethrex: an Ethereum execution client in readable Python."""

from pathlib import Path

__version__ = "0.1.0"


def compiled_modules(root: Path) -> tuple[str, ...]:
    """The modules of the package at ``root`` built by ``make compiled`` (``scripts/compile.py``).

    Python loads an extension module before the ``.py`` beside it, so an edited source would
    silently run its old compiled self: a compiled module older than its source is refused.
    """
    manifest = root / ".compiled"
    if not manifest.exists():
        return ()
    built = []
    for line in manifest.read_text().split():
        source = root.parent / line
        compiled = list(source.parent.glob(source.stem + ".*.so"))
        if not compiled or not source.exists():
            continue
        built_at = compiled[0].stat().st_mtime
        for path in (source, source.with_suffix(".pxd")):  # the .pxd: C types of vm.py
            if path.exists() and path.stat().st_mtime > built_at:
                raise ImportError(f"{compiled[0]} is older than {path}: run `make compiled` "
                                  "again, or `make clean-compiled` for the pure-Python build")
        built.append(line[:-3].replace("/", "."))
    return tuple(built)


# e.g. ("ethrex.evm.vm", ...) after `make compiled`; () for the pure-Python build
COMPILED = compiled_modules(Path(__file__).parent)
