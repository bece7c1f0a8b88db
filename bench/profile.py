"""``python -m bench profile WORKLOAD``: where ethrex spends its time on one workload.

WORKLOAD is a name (``compute``: looked up in ``../shared/bench``, then ``bench/generated``) or
a fixture path. One untimed import warms the caches, then one import runs under cProfile.

An import workload (``import-10k``, a folder of ``bench/generated`` or any folder holding
``genesis.json`` and ``chain.rlp``) is profiled as the node imports it: the genesis goes into
a fresh LMDB datadir unprofiled, then ``import_chain_file`` (the first ``--blocks`` blocks)
runs under cProfile.
"""

import argparse
import cProfile
import pstats
import sys
import tempfile
from pathlib import Path

from bench.engines.common import Mismatch, Unsupported, load_cases

REPO = Path(__file__).resolve().parents[1]


def find_workload(name: str) -> Path:
    path = Path(name)
    if path.is_file():
        return path
    generated = sorted((REPO / "bench" / "generated").glob("*"))
    for folder in (REPO.parent / "shared" / "bench", *generated):
        candidate = folder / f"{name}.json"
        if candidate.is_file():
            return candidate
    raise SystemExit(f"bench profile: no workload {name!r} (a name like compute, or a path)")


def find_import(name: str) -> Path | None:
    for folder in (Path(name), REPO / "bench" / "generated" / name):
        if (folder / "genesis.json").is_file() and (folder / "chain.rlp").is_file():
            return folder
    return None


def profile_import(folder: Path, blocks: int | None, sort: str, top: int) -> int:
    """cProfile of ``ethrex import`` of ``folder``'s chain over a fresh datadir."""
    from ethrex.blockchain.blockchain import Blockchain
    from ethrex.blockchain.chainfile import ChainFile
    from ethrex.blockchain.importer import import_chain_file
    from ethrex.cli import tune_gc
    from ethrex.storage import Store
    from ethrex.types.genesis import load_genesis

    tune_gc()  # as the node runs

    chain_file = folder / "chain.rlp"
    with tempfile.TemporaryDirectory(prefix="ethrex-profile-") as tmp:
        if blocks is not None:
            with ChainFile(chain_file) as whole:
                end = whole.spans[min(blocks, len(whole)) - 1][1]
            part = Path(tmp) / "chain.rlp"
            with open(chain_file, "rb") as source:
                part.write_bytes(source.read(end))
            chain_file = part
        store = Store.open(Path(tmp) / "chaindata")
        try:
            chain = Blockchain.open(store, load_genesis(folder / "genesis.json"))
            profiler = cProfile.Profile()
            profiler.enable()
            done = import_chain_file(chain, chain_file)
            profiler.disable()
        finally:
            store.close()
    print(f"{folder.name}: {done.line()} (under cProfile)")
    pstats.Stats(profiler).strip_dirs().sort_stats(sort).print_stats(top)
    return 0


def main(argv: list[str]) -> int:
    p = argparse.ArgumentParser(prog="python -m bench profile")
    p.add_argument("workload")
    p.add_argument("--top", type=int, default=30)
    p.add_argument("--sort", default="tottime", help="pstats key: tottime, cumulative, ...")
    p.add_argument("--no-warmup", dest="warmup", action="store_false")
    p.add_argument("--blocks", type=int, help="import workloads: the first N blocks only")
    a = p.parse_args(argv)
    folder = find_import(a.workload)
    if folder is not None:
        return profile_import(folder, a.blocks, a.sort, a.top)
    from bench.engines.ethrex import prepare

    path = find_workload(a.workload)
    for name, case in load_cases(path).items():
        try:
            run = prepare(case)
            if a.warmup:
                run()
            profiler = cProfile.Profile()
            profiler.enable()
            seconds = run()
            profiler.disable()
        except (Mismatch, Unsupported) as exc:
            print(f"{name}: ethrex cannot run it: {exc}")
            return 1
        gas = sum(int(b["blockHeader"]["gasUsed"], 16) for b in case["blocks"])
        print(f"{name}: {gas:,} gas in {seconds:.2f} s under cProfile "
              f"({gas / seconds / 1e6:.2f} Mgas/s with profiling overhead)")
        pstats.Stats(profiler).strip_dirs().sort_stats(a.sort).print_stats(a.top)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
