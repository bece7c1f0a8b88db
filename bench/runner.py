"""Runs each engine on each workload in its own process and collects the JSON result lines."""

import json
import os
import subprocess
from collections.abc import Callable
from pathlib import Path
from typing import Any

from bench.venvs import VenvError, ensure_venv

REPO = Path(__file__).resolve().parents[1]
# The engine ethrex-compiled runs from a copy of the package built there by scripts/compile.py:
# `python -m` puts its working directory first on the path.
COMPILED_ROOT = REPO / "build" / "compiled"


def check_pure_checkout() -> None:
    """The engine "ethrex" must be the pure-Python build: stop if this checkout is compiled."""
    import ethrex

    if ethrex.COMPILED:
        raise SystemExit("bench: this checkout runs compiled modules (make compiled); run "
                         "`make clean-compiled` so that ethrex is the pure-Python build "
                         "(ethrex-compiled measures the compiled one)")


def build_compiled(log: Callable[[str], None] = print) -> None:
    """(Re)build the compiled copy of this checkout's package in ``COMPILED_ROOT``."""
    import sys

    log(f"bench: building the compiled copy in {COMPILED_ROOT.relative_to(REPO)} ...")
    cmd = [sys.executable, "-m", "scripts.compile", "--copy", str(COMPILED_ROOT)]
    if subprocess.run(cmd, cwd=REPO, stdout=subprocess.DEVNULL).returncode != 0:
        raise SystemExit("bench: building the compiled copy failed")


def parse_lines(stdout: str) -> tuple[str | None, list[dict[str, Any]]]:
    """The engine's version line and its result lines; any other output is ignored."""
    version = None
    results = []
    for line in stdout.splitlines():
        line = line.strip()
        if not line.startswith("{"):
            continue
        try:
            obj = json.loads(line)
        except json.JSONDecodeError:
            continue
        if "workload" in obj and "ok" in obj:
            results.append(obj)
        elif "version" in obj:
            version = obj["version"]
    return version, results


def failed(engine: str, workload: str, reason: str) -> dict[str, Any]:
    """A result for a workload the engine produced nothing for."""
    return {"engine": engine, "workload": workload, "case": "", "gas": 0, "ok": False,
            "reason": reason}


def run_engine(
    engine: str,
    fixtures: list[Path],
    warmup: int,
    runs: int,
    timeout: float,
    log: Callable[[str], None] = print,
    extra: tuple[str, ...] = (),
) -> tuple[str | None, list[dict[str, Any]]]:
    """``python -m bench.engines.<engine> FIXTURE...`` in the engine's interpreter."""
    from bench.engines.common import workload_name

    workload = workload_name(fixtures[0]) if len(fixtures) == 1 else f"{len(fixtures)} files"
    try:
        python = ensure_venv(engine, log)
    except (VenvError, OSError) as exc:
        return None, [failed(engine, workload, f"cannot install: {exc}")]
    module = "ethrex" if engine == "ethrex-compiled" else engine
    cmd = [str(python), "-m", f"bench.engines.{module}", *map(str, fixtures),
           "--warmup", str(warmup), "--runs", str(runs), *extra]
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    cwd = COMPILED_ROOT if engine == "ethrex-compiled" else REPO
    try:
        done = subprocess.run(cmd, cwd=cwd, env=env, capture_output=True, text=True,
                              timeout=timeout)
    except subprocess.TimeoutExpired:
        return None, [failed(engine, workload, f"timed out after {timeout:.0f} s")]
    version, results = parse_lines(done.stdout)
    for r in results:
        r["engine"] = engine
    if not results:
        lines = done.stderr.strip().splitlines()
        why = lines[-1] if lines else f"exit status {done.returncode}"
        results = [failed(engine, workload, f"engine process failed: {why}"[:300])]
    return version, results
