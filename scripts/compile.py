"""``make compiled``: the modules that execute and import blocks, built by Cython into C
extension modules beside their sources.

The build is optional and changes no source: Python loads ``vm.cpython-311-*.so`` before
``vm.py`` when both sit in a folder, and ``make clean-compiled`` (or deleting the ``.so``
files) gives the pure-Python node back. Cython compiles the plain Python as it is (no
annotation typing: an ``int`` hint stays a Python int); the few ``.pxd`` files beside the
sources (``ethrex/evm/vm.pxd``) give C types to the interpreter loop's counters and
containers, which is where most of the gain is. ``ethrex/.compiled`` lists what was built;
``import ethrex`` refuses a compiled module older than its source (it would run old code).

    python -m scripts.compile [--root DIR | --copy DIR] [--jobs N] [--clean]

``--copy DIR`` builds a compiled copy of this checkout's package in ``DIR/ethrex`` instead,
leaving the checkout pure: the benchmarks run it beside the pure-Python package (``python -m
ethrex`` with ``DIR`` as the working directory), and ``tests/compiled`` runs fixtures on it.
"""

import argparse
import os
import shutil
import sys
import tempfile
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
MANIFEST = "ethrex/.compiled"

# Everything a block's import runs through: the interpreter and its opcodes, the state and its
# journal, the trie and its hashing, RLP, the types' codecs, the store, the block and
# transaction pipelines. The edges (RPC, p2p, L2) spend their time waiting, not here.
FOLDERS = (
    "ethrex/evm",
    "ethrex/evm/opcodes",
    "ethrex/execution",
    "ethrex/state",
    "ethrex/storage",
    "ethrex/trie",
    "ethrex/types",
)
FILES = ("ethrex/rlp.py", "ethrex/primitives.py")

DIRECTIVES = {
    "language_level": 3,
    "annotation_typing": False,  # hints are documentation here, not C types
    "binding": False,  # plain builtin functions: cheaper calls than cyfunctions
}


def sources(root: Path) -> list[str]:
    """The ``.py`` files to build, relative to ``root`` (package ``__init__`` files stay)."""
    found = [str(Path(folder) / p.name) for folder in FOLDERS
             for p in sorted((root / folder).glob("*.py")) if p.name != "__init__.py"]
    return found + list(FILES)


def clean(root: Path) -> None:
    """Remove the extension modules and the manifest: the pure-Python build again."""
    for path in (root / "ethrex").rglob("*.so"):
        path.unlink()
    (root / MANIFEST).unlink(missing_ok=True)


def build(root: Path, jobs: int) -> list[str]:
    """Cythonize and compile every module of ``sources`` in place; returns their paths."""
    from Cython.Build import cythonize
    from setuptools import Extension, setup

    clean(root)
    paths = sources(root)
    # Explicit names: ethrex/execution is a namespace package, which Cython would not see.
    extensions = [Extension(p[:-3].replace("/", "."), [p]) for p in paths]
    work = Path(tempfile.mkdtemp(prefix="ethrex-compile-"))
    cwd = os.getcwd()
    os.chdir(root)
    try:
        modules = cythonize(extensions, compiler_directives=DIRECTIVES, nthreads=jobs,
                            build_dir=str(work / "c"), quiet=True)
        setup(name="ethrex-compiled", ext_modules=modules, script_name="compile",
              script_args=["-q", "build_ext", "--inplace", f"--parallel={jobs}",
                           f"--build-temp={work / 'obj'}", f"--build-lib={work / 'lib'}"])
    finally:
        os.chdir(cwd)
        shutil.rmtree(work, ignore_errors=True)
    (root / MANIFEST).write_text("".join(p + "\n" for p in paths))
    return paths


def build_copy(dest: Path, jobs: int) -> list[str]:
    """This checkout's ``ethrex`` package copied to ``dest/ethrex`` and compiled there."""
    shutil.rmtree(dest / "ethrex", ignore_errors=True)
    shutil.copytree(REPO / "ethrex", dest / "ethrex",
                    ignore=shutil.ignore_patterns("__pycache__", "*.so", ".compiled"))
    return build(dest, jobs)


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--root", type=Path, default=REPO, help="a checkout (default: this one)")
    p.add_argument("--copy", type=Path, help="build a compiled copy of the package there")
    p.add_argument("--jobs", type=int, default=os.cpu_count() or 1)
    p.add_argument("--clean", action="store_true", help="remove the compiled modules")
    a = p.parse_args(argv)
    if a.clean:
        clean(a.root)
        print("compile: removed the compiled modules (pure Python)")
        return 0
    root = a.copy or a.root
    paths = build_copy(a.copy, a.jobs) if a.copy else build(a.root, a.jobs)
    print(f"compile: {len(paths)} modules built with Cython into {root / 'ethrex'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
