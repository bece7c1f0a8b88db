"""``make bench-import``: ethrex and geth importing the same large-state chains from disk.

    python -m bench.import_bench [--sizes 10k,100k,1m] [--runs 3] [--blocks 1000] [--crash]

For each size the workload comes from ``bench/large_state.py`` (generated on first use into
``bench/generated/import-<size>``). Each run is, back to back and each in its own process:
``ethrex init`` then ``ethrex import`` into a fresh LMDB datadir, the same with
ethrex-compiled (the package built by ``scripts/compile.py --copy build/compiled``: Cython
extension modules of the same sources), and ``geth init`` then
``geth import --nocompaction`` of the same files (geth from ``make tools``). Both must end at
the head the generator reached (head hash and state root; geth's head is read back with
``geth export``). The import figures exclude the genesis, which is timed apart.

Reported per client: Mgas/s and blocks/s (median of the runs, on the client's own import
timer and on the process wall clock), peak RSS of the import process, the datadir size, and
how the rate changes from the smallest state to the largest. ``--crash`` also kills ethrex
(SIGKILL) a few times during the largest import and checks that each restart resumes from a
consistent head. The report goes to ``bench/IMPORT_RESULTS.md``.
"""

import argparse
import json
import os
import random
import re
import shutil
import signal
import statistics
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import Any

from bench import report
from bench.runner import COMPILED_ROOT, REPO, build_compiled, check_pure_checkout

GENERATED = REPO / "bench" / "generated"
GETH = REPO / ".tools" / "bin" / "geth"
ETHREX = [sys.executable, "-m", "ethrex"]
RESULTS = REPO / "bench" / "IMPORT_RESULTS.md"


def log(message: str) -> None:
    print(f"bench-import: {message}", file=sys.stderr, flush=True)


def parse_size(text: str) -> int:
    text = text.strip().lower()
    scale = 1_000_000 if text.endswith("m") else 1_000 if text.endswith("k") else 1
    return int(float(text.rstrip("mk")) * scale)


def size_name(accounts: int) -> str:
    if accounts % 1_000_000 == 0:
        return f"{accounts // 1_000_000}m"
    return f"{accounts // 1000}k" if accounts % 1000 == 0 else str(accounts)


def workload(accounts: int, blocks: int) -> tuple[Path, dict[str, Any]]:
    """The generated files of a size (made now if missing, in a process of its own)."""
    suffix = "" if blocks == 1000 else f"-{blocks}blocks"
    folder = GENERATED / f"import-{size_name(accounts)}{suffix}"
    meta = folder / "meta.json"
    if not meta.is_file():
        log(f"generating {folder.relative_to(REPO)} (ethrex builds the chain; minutes) ...")
        cmd = [sys.executable, "-m", "bench.large_state", str(folder),
               "--accounts", str(accounts), "--blocks", str(blocks)]
        if subprocess.run(cmd, cwd=REPO, stdout=subprocess.DEVNULL).returncode != 0:
            raise SystemExit(f"bench-import: generating {folder} failed")
    return folder, json.loads(meta.read_text())


def anon_rss(pid: int) -> int:
    """The process's anonymous resident memory now (bytes), 0 once it is gone."""
    try:
        with open(f"/proc/{pid}/status") as f:
            for line in f:
                if line.startswith("RssAnon:"):
                    return int(line.split()[1]) * 1024
    except OSError:
        pass
    return 0


def run_process(cmd: list[str], cwd: Path = REPO) -> dict[str, Any]:
    """Run ``cmd`` to the end: wall seconds, peak RSS (bytes, file-backed pages included),
    peak anonymous RSS (sampled twice a second) and its output."""
    start = time.perf_counter()
    proc = subprocess.Popen(cmd, cwd=cwd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                            text=True)
    peak_anon = [0]
    done = threading.Event()

    def sample() -> None:
        while not done.wait(0.5):
            peak_anon[0] = max(peak_anon[0], anon_rss(proc.pid))

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    assert proc.stdout is not None
    text = proc.stdout.read()
    done.set()
    sampler.join()
    _, status, usage = os.wait4(proc.pid, 0)
    proc.returncode = os.waitstatus_to_exitcode(status)
    seconds = time.perf_counter() - start
    if proc.returncode != 0:
        raise SystemExit(f"bench-import: {' '.join(cmd[:4])} ... failed "
                         f"({proc.returncode}):\n{text[-3000:]}")
    return {"seconds": seconds, "rss": usage.ru_maxrss * 1024, "anon": peak_anon[0],
            "output": text}


def du(path: Path) -> int:
    return sum(p.stat().st_size for p in path.rglob("*") if p.is_file())


def client_commands(client: str, folder: Path, datadir: Path,
                    flags: tuple[str, ...] = ()) -> tuple[list[str], list[str]]:
    """The ``init`` and ``import`` command lines of ``client`` for the workload in ``folder``
    ("geth", else ethrex: its build is the one in the directory the commands run from), with
    ``flags`` for the import."""
    genesis, chain = str(folder / "genesis.json"), str(folder / "chain.rlp")
    if client == "geth":
        return ([str(GETH), "--datadir", str(datadir), "init", genesis],
                [str(GETH), "--datadir", str(datadir), *flags, "import", "--nocompaction",
                 chain])
    return ([*ETHREX, "init", genesis, "--datadir", str(datadir)],
            [*ETHREX, "import", chain, "--datadir", str(datadir), *flags])


def ethrex_import_seconds(output: str, blocks: int) -> float:
    """The seconds of ``ethrex import``'s own timer (its last progress line); it must have
    imported all ``blocks``."""
    last = [line for line in output.splitlines() if line.startswith("block ")][-1]
    match = re.search(r"imported (\d+) in ([\d.]+)s", last)
    if match is None or int(match.group(1)) != blocks:
        raise SystemExit(f"bench-import: ethrex did not import every block: {last}")
    return float(match.group(2))


def geth_import_seconds(output: str) -> float:
    """The seconds of ``geth import``'s own timer (``Import done in``)."""
    if "Import done in " not in output or "Import error" in output:
        raise SystemExit(f"bench-import: geth import failed:\n{output[-3000:]}")
    return go_duration(output.split("Import done in ")[1].split(".\n")[0])


def ethrex_run(folder: Path, meta: dict[str, Any], datadir: Path,
               root: Path = REPO, gcmode: str = "archive") -> dict[str, Any]:
    shutil.rmtree(datadir, ignore_errors=True)
    init_cmd, import_cmd = client_commands("ethrex", folder, datadir, ("--gcmode", gcmode))
    init = run_process(init_cmd, root)
    done = run_process(import_cmd, root)
    seconds = ethrex_import_seconds(done["output"], meta["blocks"])
    head = ethrex_head(datadir)
    return {"import_seconds": seconds, "wall_seconds": done["seconds"],
            "rss": done["rss"], "anon": done["anon"], "datadir_bytes": du(datadir),
            "head": head, "init_seconds": init["seconds"], "init_rss": init["rss"]}


def ethrex_head(datadir: Path) -> tuple[str, str, int]:
    """(hash, state root, number) of the datadir's head, read in a process of its own."""
    code = ("import json,sys; from ethrex.storage import Store; "
            "s = Store.open(sys.argv[1]); h = s.head_header(); "
            "print(json.dumps(['0x' + h.hash().hex(), '0x' + h.state_root.hex(), h.number]))")
    out = subprocess.run([sys.executable, "-c", code, str(datadir / "chaindata")], cwd=REPO,
                         capture_output=True, text=True, check=True).stdout
    hash_, root, number = json.loads(out)
    return hash_, root, number


def geth_run(folder: Path, meta: dict[str, Any], datadir: Path) -> dict[str, Any]:
    shutil.rmtree(datadir, ignore_errors=True)
    init_cmd, import_cmd = client_commands("geth", folder, datadir)
    init = run_process(init_cmd)
    done = run_process(import_cmd)
    seconds = geth_import_seconds(done["output"])
    head = geth_head(datadir, meta["head_number"])
    return {"import_seconds": seconds, "wall_seconds": done["seconds"], "rss": done["rss"],
            "anon": done["anon"], "datadir_bytes": du(datadir), "head": head,
            "init_seconds": init["seconds"], "init_rss": init["rss"]}


def go_duration(text: str) -> float:
    """Seconds of a Go ``time.Duration`` string (``1m2.5s``, ``850.2ms``)."""
    units = {"h": 3600.0, "m": 60.0, "s": 1.0, "ms": 1e-3, "µs": 1e-6, "us": 1e-6, "ns": 1e-9}
    total = 0.0
    for number, unit in re.findall(r"([\d.]+)(ms|µs|us|ns|h|m|s)", text.strip()):
        total += float(number) * units[unit]
    return total


def geth_head(datadir: Path, number: int) -> tuple[str, str, int]:
    """geth's block ``number`` (its head, or export fails), exported and decoded by ethrex."""
    out = datadir / "head.rlp"
    out.unlink(missing_ok=True)
    run_process([str(GETH), "--datadir", str(datadir), "export", str(out), str(number),
                 str(number)])
    code = ("import json,sys; from ethrex.types.block import decode_block; "
            "b = decode_block(open(sys.argv[1], 'rb').read()); h = b.header; "
            "print(json.dumps(['0x' + h.hash().hex(), '0x' + h.state_root.hex(), h.number]))")
    text = subprocess.run([sys.executable, "-c", code, str(out)], cwd=REPO,
                          capture_output=True, text=True, check=True).stdout
    hash_, root, head_number = json.loads(text)
    return hash_, root, head_number


def check_head(client: str, result: dict[str, Any], meta: dict[str, Any]) -> None:
    expected = (meta["head_hash"], meta["state_root"], meta["head_number"])
    if tuple(result["head"]) != expected:
        raise SystemExit(f"bench-import: {client} head {result['head']} != {expected}")


def crash_resume(folder: Path, meta: dict[str, Any], datadir: Path, kills: int,
                 seed: int, gcmode: str = "archive") -> list[int]:
    """SIGKILL ``ethrex import`` at random blocks ``kills`` times; after each kill the store
    must reopen at a consistent head at or past the previous one; a last run finishes the
    chain at the generator's head. Returns the heads after each kill."""
    shutil.rmtree(datadir, ignore_errors=True)
    run_process([*ETHREX, "init", str(folder / "genesis.json"), "--datadir", str(datadir)])
    rng = random.Random(seed)
    total = meta["blocks"]
    heads: list[int] = []
    head = 0
    for _ in range(kills):
        target = rng.randrange(head + 1, head + 2 + (total - head) // 3)
        proc = subprocess.Popen([*ETHREX, "import", str(folder / "chain.rlp"), "--datadir",
                                 str(datadir), "--log.level", "debug", "--gcmode", gcmode],
                                cwd=REPO,
                                stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
        assert proc.stdout is not None
        for line in proc.stdout:
            if f": #{target} " in line:
                break
        time.sleep(rng.uniform(0.0, 0.05))  # between blocks or inside one's commit
        proc.send_signal(signal.SIGKILL)
        proc.wait()
        number = consistent_head(datadir)
        if number < head:
            raise SystemExit(f"bench-import: after a kill the head went back to #{number}")
        head = number
        heads.append(head)
        log(f"  killed near #{target}: reopened at #{head}")
    run_process([*ETHREX, "import", str(folder / "chain.rlp"), "--datadir", str(datadir),
                 "--gcmode", gcmode])
    check_head("ethrex after the kills", {"head": ethrex_head(datadir)}, meta)
    return heads


def consistent_head(datadir: Path) -> int:
    """Reopen the store in a fresh process and check its head: block, canonical index, flat
    state at the head, and a sample of flat accounts equal to the head's state trie."""
    code = """
import sys
from ethrex.blockchain.blockchain import Blockchain
from ethrex.storage import Store
from ethrex.storage.schema import FLAT_ACCOUNTS
from ethrex.trie import Trie
store = Store.open(sys.argv[1])
chain = Blockchain.open(store)
head = chain.head_header()
h = head.hash()
assert store.get_block(h) is not None and store.get_canonical_hash(head.number) == h
assert store.get_canonical_hash(head.number + 1) is None
assert store.flat_state_block() == h, "flat state is not at the head"
trie = Trie(store.nodes, head.state_root)  # keyed by the hashed addresses, as the flat table
for i, (address_hash, leaf) in enumerate(store.backend.scan(FLAT_ACCOUNTS)):
    if i % 97 == 0:
        assert trie.get(address_hash) == leaf, address_hash.hex()
print(head.number)
"""
    out = subprocess.run([sys.executable, "-c", code, str(datadir / "chaindata")], cwd=REPO,
                         capture_output=True, text=True)
    if out.returncode != 0:
        raise SystemExit(f"bench-import: inconsistent store after a kill:\n{out.stderr[-2000:]}")
    return int(out.stdout.strip())


def median_of(runs: list[dict[str, Any]], key: str) -> float:
    return statistics.median(r[key] for r in runs)


def gib(n: float) -> str:
    return f"{n / 2**30:.2f} GiB" if n >= 2**30 else f"{n / 2**20:.0f} MiB"


def summarise(meta: dict[str, Any], runs: list[dict[str, Any]]) -> dict[str, Any]:
    seconds = median_of(runs, "import_seconds")
    wall = median_of(runs, "wall_seconds")
    return {"mgas": meta["gas"] / seconds / 1e6, "mgas_wall": meta["gas"] / wall / 1e6,
            "blocks_per_s": meta["blocks"] / seconds, "seconds": seconds, "wall": wall,
            "rss": max(r["rss"] for r in runs), "anon": max(r["anon"] for r in runs),
            "datadir": median_of(runs, "datadir_bytes"),
            "init_seconds": median_of(runs, "init_seconds"),
            "init_rss": max(r["init_rss"] for r in runs), "runs": len(runs),
            "all_mgas": [round(meta["gas"] / r["import_seconds"] / 1e6, 1) for r in runs]}


def render(results: dict[str, dict[str, Any]], crash: list[int] | None, loads: list[str],
           crash_size: str | None, gcmode: str = "archive") -> str:
    m = report.machine()
    lines = [
        "# Import benchmark: ethrex and geth over large states on disk", "",
        "ethrex is the pure-Python node; ethrex-compiled the same sources built by `make compiled` "
        "(Cython; `scripts/compile.py`), from a copy in `build/compiled`.", "",
        f"Measured {m['date']} on {m['cpu']} ({m['cores']} cores), {m['system']}, Python "
        f"{m['python']}; ethrex {git_rev()}, geth {geth_version()}. Load average before each "
        f"size: {'; '.join(loads)} (a load above the core count means other work shared the "
        "machine). Medians of the runs, ethrex and geth back to back in each run.", "",
        "Workloads from `bench/large_state.py` (`make bench-import` regenerates them): an Osaka "
        "genesis of N accounts (a tenth contracts, 5 slots per account on average), then 1,000 "
        "blocks of about 15M gas: 45% ETH transfers, 38% ERC20 transfers, 15% storage calls "
        "(8 slot updates and 2 new slots), 2% compute calls (by transaction count), senders, "
        "recipients and slots drawn across the whole state. Each client imports into a fresh "
        f"datadir after its own init of the same genesis (ethrex with `--gcmode {gcmode}`, geth "
        "with its default); both reach the same head hash and "
        "state root. Mgas/s on each client's own import timer (ethrex's import summary, geth's "
        "`Import done in`; the genesis is not included); wall: the whole import process. Peak "
        "RSS is the kernel's high-water mark of the import process; LMDB reads through a map of "
        "its file, so ethrex's figure counts the store pages it touched (page cache, shared and "
        "reclaimable); peak anon RSS (sampled every 0.5 s) is the process's own memory.", "",
        "| accounts | client | Mgas/s | Mgas/s (wall) | blocks/s | peak RSS | peak anon RSS | "
        "datadir | genesis init | init peak RSS | runs (Mgas/s) |",
        "|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---|",
    ]
    clients = [c for c in next(iter(results.values())) if c != "meta"]
    for size, by_client in results.items():
        for client in clients:
            s = by_client[client]
            lines.append(
                f"| {size} | {client} | {s['mgas']:.1f} | {s['mgas_wall']:.1f} | "
                f"{s['blocks_per_s']:.1f} | {gib(s['rss'])} | {gib(s['anon'])} | "
                f"{gib(s['datadir'])} | "
                f"{s['init_seconds']:.1f} s | {gib(s['init_rss'])} | "
                f"{', '.join(map(str, s['all_mgas']))} |")
    ours = [c for c in clients if c != "geth"]
    lines += ["", "| accounts | client | client / geth (Mgas/s) | chain gas | txs |",
              "|---|---|---:|---:|---:|"]
    for size, by_client in results.items():
        meta = by_client["meta"]
        for client in ours:
            ratio = by_client[client]["mgas"] / by_client["geth"]["mgas"]
            faster = (f"geth {1 / ratio:.1f}x faster" if ratio < 1
                      else f"{client} {ratio:.1f}x faster")
            lines.append(f"| {size} | {client} | {ratio:.2f} ({faster}) | "
                         f"{meta['gas']:,} | {meta['txs']:,} |")
    sizes = list(results)
    if len(sizes) >= 2:
        small, large = sizes[0], sizes[-1]
        growth = {c: results[large][c]["mgas"] / results[small][c]["mgas"] for c in clients}
        changes = ", ".join(f"x{growth[c]:.2f} for {c}" for c in clients)
        ratios = ", ".join(f"{c} {growth[c] / growth['geth']:.2f}" for c in ours)
        lines += ["", f"From {small} to {large} accounts the import rate changes by {changes} "
                  f"(ratio of ratios: {ratios}; at least 1 means slowing down no more than "
                  "geth)."]
    if crash is not None:
        lines += ["", f"Crash and resume ({crash_size}): ethrex import killed with SIGKILL "
                  f"{len(crash)} times at random blocks; each restart reopened at a consistent "
                  f"head (block, canonical index, flat state at the head, flat accounts equal "
                  f"to the state trie), heads {crash}, and the last run finished the chain at "
                  "the generator's head."]
    return "\n".join(lines) + "\n"


def git_rev() -> str:
    out = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=REPO, capture_output=True,
                         text=True)
    return out.stdout.strip() or "unknown"


def geth_version() -> str:
    out = subprocess.run([str(GETH), "version"], capture_output=True, text=True).stdout
    match = re.search(r"Version: (\S+)", out)
    return match.group(1) if match else "unknown"


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="python -m bench.import_bench", description=__doc__,
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--sizes", default="10k,100k,1m")
    p.add_argument("--runs", type=int, default=3)
    p.add_argument("--blocks", type=int, default=1000)
    p.add_argument("--clients", default="ethrex,ethrex-compiled,geth")
    p.add_argument("--crash", action="store_true", help="also kill -9 the largest import")
    p.add_argument("--kills", type=int, default=5)
    p.add_argument("--workdir", type=Path, default=GENERATED / "datadirs")
    p.add_argument("--gcmode", choices=("archive", "full"), default="archive",
                   help="ethrex's --gcmode (geth imports with its default, full)")
    p.add_argument("--no-write", dest="write", action="store_false")
    a = p.parse_args(argv)
    if not GETH.is_file():
        raise SystemExit(f"bench-import: no geth at {GETH}: run `make tools`")
    clients = a.clients.split(",")
    check_pure_checkout()
    if "ethrex-compiled" in clients:
        build_compiled(log)
    results: dict[str, dict[str, Any]] = {}
    loads = []
    for accounts in map(parse_size, a.sizes.split(",")):
        name = size_name(accounts)
        folder, meta = workload(accounts, a.blocks)
        loads.append(f"{name}: {report.machine()['load']}")
        runs: dict[str, list[dict[str, Any]]] = {c: [] for c in clients}
        for i in range(a.runs):
            for client in clients:
                datadir = a.workdir / f"{client}-{name}"
                if client == "geth":
                    result = geth_run(folder, meta, datadir)
                else:
                    root = COMPILED_ROOT if client == "ethrex-compiled" else REPO
                    result = ethrex_run(folder, meta, datadir, root, a.gcmode)
                check_head(client, result, meta)
                runs[client].append(result)
                rate = meta["gas"] / result["import_seconds"] / 1e6
                log(f"{name} run {i + 1}: {client} {rate:.1f} Mgas/s, peak RSS "
                    f"{gib(result['rss'])} (anon {gib(result['anon'])}), datadir "
                    f"{gib(result['datadir_bytes'])}")
                shutil.rmtree(datadir, ignore_errors=True)
        results[name] = {c: summarise(meta, runs[c]) for c in clients}
        results[name]["meta"] = meta
    crash = None
    crash_size = None
    if a.crash:
        crash_size = a.sizes.split(",")[-1]
        folder, meta = workload(parse_size(crash_size), a.blocks)
        log(f"crash and resume on {crash_size} ...")
        crash = crash_resume(folder, meta, a.workdir / "ethrex-crash", a.kills, 7, a.gcmode)
        shutil.rmtree(a.workdir / "ethrex-crash", ignore_errors=True)
    print(json.dumps({k: {c: v for c, v in r.items() if c != "meta"} for k, r in results.items()},
                     default=str))
    if a.write and {"ethrex", "geth"} <= set(clients):
        RESULTS.write_text(render(results, crash, loads, crash_size, a.gcmode))
        log(f"wrote {RESULTS.relative_to(REPO)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
