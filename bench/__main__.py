"""``python -m bench``: the benchmark table, the rpc-compat import and the worst cases.

    python -m bench [--engines ethrex,spec,pyevm,revm] [--runs 3] [--warmup 1] [--no-worst]
    python -m bench --generated            # workloads made by bench.generate, not ../shared
    python -m bench generate OUT [--scale small|full]
    python -m bench profile WORKLOAD       # cProfile of ethrex on one workload
"""

import argparse
import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

from bench import report, worst
from bench.engines import ENGINES
from bench.runner import REPO, build_compiled, check_pure_checkout, run_engine
from bench.venvs import ensure_venv

WORKLOADS = ("eth_transfers", "erc20_transfers", "compute", "storage_heavy")
SHARED_BENCH = REPO.parent / "shared" / "bench"
RPC_COMPAT = REPO.parent / "shared" / "fixtures" / "rpc-compat"
GENERATED = REPO / "bench" / "generated"


def log(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def generate(out: Path, scale: str) -> int:
    """Run the generator in the reference spec's venv (it fills the roots with the spec)."""
    python = ensure_venv("spec", log)
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    cmd = [str(python), "-m", "bench.generate", str(out), "--scale", scale]
    return subprocess.run(cmd, cwd=REPO, env=env).returncode


def workload_files(use_generated: bool, scale: str) -> list[Path]:
    """The four workloads: ``../shared/bench`` when present, else generated ones."""
    if not use_generated and all((SHARED_BENCH / f"{w}.json").is_file() for w in WORKLOADS):
        return [SHARED_BENCH / f"{w}.json" for w in WORKLOADS]
    out = GENERATED / scale
    if not all((out / f"{w}.json").is_file() for w in WORKLOADS):
        log(f"bench: generating the {scale} workloads into {out.relative_to(REPO)} ...")
        if generate(out, scale) != 0:
            raise SystemExit("bench: the workload generator failed")
    return [out / f"{w}.json" for w in WORKLOADS]


def import_rpc_compat(timeout: float) -> dict[str, Any]:
    """ethrex importing the rpc-compat chain, in its own process."""
    if not (RPC_COMPAT / "chain.rlp").is_file():
        return {"ok": False, "reason": f"no chain at {RPC_COMPAT}"}
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    cmd = [sys.executable, "-m", "bench.chain_import", str(RPC_COMPAT)]
    try:
        done = subprocess.run(cmd, cwd=REPO, env=env, capture_output=True, text=True,
                              timeout=timeout)
    except subprocess.TimeoutExpired:
        return {"ok": False, "reason": f"timed out after {timeout:.0f} s"}
    for line in reversed(done.stdout.splitlines()):
        if line.startswith("{"):
            return json.loads(line)
    return {"ok": False, "reason": (done.stderr.strip().splitlines() or ["no output"])[-1]}


def run(args: argparse.Namespace) -> int:
    engines = [e for e in args.engines.split(",") if e]
    unknown = set(engines) - set(ENGINES)
    if unknown:
        raise SystemExit(f"bench: unknown engines {sorted(unknown)}; known: {', '.join(ENGINES)}")
    files = workload_files(args.generated, args.scale)
    check_pure_checkout()
    if "ethrex-compiled" in engines:
        build_compiled(log)
    results: list[dict[str, Any]] = []
    versions: dict[str, str] = {}
    for path in files:
        for engine in engines:
            log(f"bench: {engine} on {path.name} ...")
            version, found = run_engine(engine, [path], args.warmup, args.runs, args.timeout, log)
            if version:
                versions[engine] = version
            for r in found:
                rate = f"{r['mgas_per_s']:.3g} Mgas/s" if r["ok"] else r["reason"]
                log(f"bench:   {engine} {r['workload']}: {rate}")
            results.extend(found)
    table = report.cells(results)
    report.add_mix(table, [report_name(p) for p in files], engines)
    text, notes = report.markdown_table(table, engines)

    chain = import_rpc_compat(args.timeout) if not args.no_chain else None
    worst_results: dict[str, list[dict[str, Any]]] = {}
    if not args.no_worst:
        for engine in (e for e in ("ethrex", "ethrex-compiled") if e in engines):
            worst_results[engine] = worst.run_worst(SHARED_BENCH / "eest", args.timeout, log,
                                                    engine=engine)

    out = render(text, notes, versions, args, files, chain, worst_results)
    print(out)
    if args.write:
        report.write_results(REPO / "bench" / "results.json", table)
        (REPO / "bench" / "RESULTS.md").write_text(out + "\n")
        log("bench: wrote bench/results.json and bench/RESULTS.md")
    return 0


def report_name(path: Path) -> str:
    from bench.engines.common import workload_name

    return workload_name(path)


def render(table: str, notes: list[str], versions: dict[str, str], args: argparse.Namespace,
           files: list[Path], chain: dict[str, Any] | None,
           worst_results: dict[str, list[dict[str, Any]]]) -> str:
    """RESULTS.md: the machine, the table with its notes, the chain import, the worst cases."""
    m = report.machine()
    lines = [
        "# Benchmark results", "",
        f"Measured {m['date']} on {m['cpu']} ({m['cores']} cores), {m['system']}, "
        f"Python {m['python']}; load average at the end {m['load']}. "
        f"Median of {args.runs} runs after {args.warmup} warm-up; every run checked against "
        "the fixture before its time counts. Engines: "
        + ", ".join(f"{e} = {v}" for e, v in versions.items()) + ".", "",
        "Workloads: " + ", ".join(str(p.relative_to(REPO.parent)) if p.is_relative_to(REPO.parent)
                                  else str(p) for p in files) + ".", "",
        "## Mgas/s (ratio ethrex/peer in brackets)", "", table, "",
    ]
    lines += [f"{i}. {note}" for i, note in enumerate(notes, 1)]
    if chain is not None:
        lines += ["", "## rpc-compat chain import (ethrex)", ""]
        if chain["ok"]:
            lines.append(f"{chain['blocks']} blocks, {chain['gas']:,} gas in "
                         f"{chain['seconds']:.2f} s")
        else:
            lines.append(f"not run: {chain['reason']}")
    for engine, found in worst_results.items():
        lines += worst_section(engine, found)
    return "\n".join(lines)


def worst_section(engine: str, worst_results: list[dict[str, Any]]) -> list[str]:
    """The ten slowest worst-case blocks through one build of ethrex, and what did not run."""
    title = report.ENGINE_TITLES[engine]
    lines = ["", f"## Worst cases through {title}: the ten slowest benchmark blocks", "",
             "| Mgas/s | case | set |", "|---:|---|---|"]
    for rate, r in worst.slowest(worst_results):
        lines.append(f"| {report.fmt_rate(rate)} | {worst.short_name(r['case'])} "
                     f"| {r['set']} |")
    bad = [r for r in worst_results if not r["ok"]]
    ok = len(worst_results) - len(bad)
    lines += ["", f"{ok} cases ran, {len(bad)} did not."
              + ("" if worst_results else f" (no fixtures under {SHARED_BENCH / 'eest'})")]
    reasons: dict[str, int] = {}
    for r in bad:
        key = r["reason"][:120]
        reasons[key] = reasons.get(key, 0) + 1
    common = sorted(reasons.items(), key=lambda item: -item[1])[:10]
    lines += [f"- {n} x {reason}" for reason, n in common]
    return lines


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    if argv[:1] == ["generate"]:
        p = argparse.ArgumentParser(prog="python -m bench generate")
        p.add_argument("out", type=Path)
        p.add_argument("--scale", choices=("small", "full"), default="small")
        a = p.parse_args(argv[1:])
        return generate(a.out, a.scale)
    if argv[:1] == ["profile"]:
        from bench.profile import main as profile_main

        return profile_main(argv[1:])
    p = argparse.ArgumentParser(prog="python -m bench", description=__doc__,
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--engines", default=",".join(ENGINES))
    p.add_argument("--runs", type=int, default=3)
    p.add_argument("--warmup", type=int, default=1)
    p.add_argument("--timeout", type=float, default=3600, help="seconds per engine process")
    p.add_argument("--generated", action="store_true", help="use generated workloads")
    p.add_argument("--scale", choices=("small", "full"), default="full",
                   help="size of generated workloads")
    p.add_argument("--no-worst", action="store_true", help="skip the eest worst cases")
    p.add_argument("--no-chain", action="store_true", help="skip the rpc-compat import")
    p.add_argument("--no-write", dest="write", action="store_false",
                   help="print only; keep bench/results.json and RESULTS.md")
    return run(p.parse_args(argv))


if __name__ == "__main__":
    sys.exit(main())
