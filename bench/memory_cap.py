"""An import inside a memory cgroup: how fast ethrex (and geth) import when memory is capped.

    sudo .venv/bin/python -m bench.memory_cap [--size 1m] [--cap 2G] [--clients ethrex,geth]

Peak RSS alone cannot say how much memory an import needs: LMDB reads through a map of its
file, so ethrex's RSS counts every store page it touched (page cache the kernel can take back),
while geth reads through its own caches (anonymous memory). A memory cgroup charges both kinds,
and when the cap is reached the kernel reclaims page cache, so the import either runs in that
much memory (at the rate printed here) or is killed. Each client first initialises the genesis
outside the cgroup; then the page cache is dropped (the import starts cold, as after a reboot)
and the import runs inside a fresh cgroup capped at ``--cap``. Needs root (to create the cgroup
and drop the cache); cgroup v2 or the v1 memory controller. Prints a Markdown table.
"""

import argparse
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

from bench.import_bench import (GENERATED, REPO, check_head, client_commands, ethrex_head,
                                ethrex_import_seconds, geth_head, geth_import_seconds, gib,
                                parse_size, workload)

CGROUP = Path("/sys/fs/cgroup")


def make_cgroup(name: str, cap: int) -> tuple[Path, bool]:
    """A fresh memory cgroup capped at ``cap`` bytes: (its folder, whether it is cgroup v2)."""
    v2 = (CGROUP / "cgroup.controllers").is_file()
    folder = (CGROUP if v2 else CGROUP / "memory") / name
    if folder.is_dir():
        folder.rmdir()
    folder.mkdir()
    (folder / ("memory.max" if v2 else "memory.limit_in_bytes")).write_text(str(cap))
    if v2:
        (folder / "memory.swap.max").write_text("0")
    return folder, v2


def cgroup_peak(folder: Path, v2: bool) -> int:
    path = folder / ("memory.peak" if v2 else "memory.max_usage_in_bytes")
    return int(path.read_text()) if path.is_file() else 0


def drop_page_cache() -> None:
    os.sync()
    Path("/proc/sys/vm/drop_caches").write_text("3")


def capped_import(client: str, folder: Path, datadir: Path, cap: int, blocks: int,
                  geth_cache: int | None = None, gcmode: str = "archive") -> dict:
    shutil.rmtree(datadir, ignore_errors=True)
    if client == "geth":
        flags: tuple[str, ...] = () if geth_cache is None else ("--cache", str(geth_cache))
    else:
        flags = ("--gcmode", gcmode)
    init, cmd = client_commands(client, folder, datadir, flags)
    subprocess.run(init, cwd=REPO, check=True, stdout=subprocess.DEVNULL,
                   stderr=subprocess.DEVNULL)
    drop_page_cache()
    group, v2 = make_cgroup(f"ethrex-bench-{client}", cap)
    procs = group / "cgroup.procs"
    start = time.perf_counter()
    proc = subprocess.Popen(cmd, cwd=REPO, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                            text=True, preexec_fn=lambda: procs.write_text(str(os.getpid())))
    assert proc.stdout is not None
    output = proc.stdout.read()
    _, status, usage = os.wait4(proc.pid, 0)
    wall = time.perf_counter() - start
    peak = cgroup_peak(group, v2)
    group.rmdir()
    result = {"client": client, "code": os.waitstatus_to_exitcode(status), "wall": wall,
              "rss": usage.ru_maxrss * 1024, "major_faults": usage.ru_majflt, "peak": peak,
              "tail": output[-1500:]}
    if result["code"] == 0:
        result["seconds"] = (geth_import_seconds(output) if client == "geth"
                             else ethrex_import_seconds(output, blocks))
    return result


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="python -m bench.memory_cap", description=__doc__,
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--size", default="1m")
    p.add_argument("--blocks", type=int, default=1000)
    p.add_argument("--cap", default="2G", help="bytes, or with a K/M/G suffix")
    p.add_argument("--clients", default="ethrex,geth")
    p.add_argument("--geth-cache", type=int, help="geth's --cache (MB) for its import")
    p.add_argument("--gcmode", choices=("archive", "full"), default="archive",
                   help="ethrex's --gcmode for its import")
    p.add_argument("--workdir", type=Path, default=GENERATED / "datadirs")
    a = p.parse_args(argv)
    units = {"K": 2**10, "M": 2**20, "G": 2**30}
    cap = int(float(a.cap[:-1]) * units[a.cap[-1]]) if a.cap[-1] in units else int(a.cap)
    folder, meta = workload(parse_size(a.size), a.blocks)
    rows = []
    for client in a.clients.split(","):
        datadir = a.workdir / f"capped-{client}"
        print(f"memory-cap: {client} importing {a.size} under {gib(cap)} ...", file=sys.stderr,
              flush=True)
        r = capped_import(client, folder, datadir, cap, meta["blocks"], a.geth_cache, a.gcmode)
        if r["code"] == 0:
            head = (geth_head(datadir, meta["head_number"]) if client == "geth"
                    else ethrex_head(datadir))
            check_head(client, {"head": head}, meta)
            rate = f"{meta['gas'] / r['seconds'] / 1e6:.1f}"
        else:
            rate = f"failed (exit {r['code']})"
            print(r["tail"], file=sys.stderr)
        shutil.rmtree(datadir, ignore_errors=True)
        if client == "geth":
            name = "geth" if a.geth_cache is None else f"geth --cache {a.geth_cache}"
        else:
            name = f"{client} --gcmode {a.gcmode}"
        rows.append(f"| {a.size} | {name} | {gib(cap)} | {rate} | {r['wall']:.0f} s | "
                    f"{gib(r['rss'])} | {gib(r['peak'])} | {r['major_faults']:,} |")
    print("| accounts | client | memory cap | Mgas/s | wall | peak RSS | cgroup peak | "
          "major faults |\n|---|---|---:|---:|---:|---:|---:|---:|")
    print("\n".join(rows))
    return 0


if __name__ == "__main__":
    sys.exit(main())
