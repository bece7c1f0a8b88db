"""The report: Mgas/s per workload and engine, ratios ethrex/peer, the mix, the machine."""

import json
import os
import platform
import time
from pathlib import Path
from typing import Any

ENGINE_TITLES = {"ethrex": "ethrex", "ethrex-compiled": "ethrex compiled",
                 "spec": "execution-specs", "pyevm": "py-evm", "revm": "pyrevm (EVM only)"}
MIX = "mainnet_mix"


def cells(results: list[dict[str, Any]]) -> dict[str, dict[str, dict[str, Any]]]:
    """``{workload: {engine: result}}``; a workload with several cases keeps them summed."""
    table: dict[str, dict[str, dict[str, Any]]] = {}
    for r in results:
        row = table.setdefault(r["workload"], {})
        prev = row.get(r["engine"])
        if prev is None:
            row[r["engine"]] = dict(r)
        elif prev["ok"] and r["ok"]:
            prev["gas"] += r["gas"]
            prev["seconds"] += r["seconds"]
            prev["mgas_per_s"] = prev["gas"] / prev["seconds"] / 1e6
        elif prev["ok"]:
            row[r["engine"]] = dict(r)
    return table


def add_mix(table: dict[str, dict[str, dict[str, Any]]], workloads: list[str],
            engines: list[str]) -> None:
    """The mainnet-like mix: all workloads' gas over all their seconds, per engine."""
    row: dict[str, dict[str, Any]] = {}
    for engine in engines:
        parts = [table.get(w, {}).get(engine) for w in workloads]
        if parts and all(p is not None and p["ok"] for p in parts):
            gas = sum(p["gas"] for p in parts)
            seconds = sum(p["seconds"] for p in parts)
            row[engine] = {"engine": engine, "workload": MIX, "ok": True, "gas": gas,
                           "seconds": seconds, "mgas_per_s": gas / seconds / 1e6}
        else:
            missing = [w for w, p in zip(workloads, parts) if p is None or not p["ok"]]
            row[engine] = {"engine": engine, "workload": MIX, "ok": False,
                           "reason": f"needs every workload; missing {', '.join(missing)}"}
    table[MIX] = row


def results_json(table: dict[str, dict[str, dict[str, Any]]]) -> dict[str, dict[str, Any]]:
    """``{workload: {engine: mgas_per_s}}``; null where the engine could not run it."""
    return {w: {e: (round(r["mgas_per_s"], 3) if r["ok"] else None) for e, r in row.items()}
            for w, row in table.items()}


def fmt_rate(rate: float) -> str:
    if rate >= 100:
        return f"{rate:,.0f}"
    if rate >= 10:
        return f"{rate:.1f}"
    return f"{rate:.2f}"


def cell_text(r: dict[str, Any] | None, ethrex: dict[str, Any] | None, engine: str,
              notes: list[str]) -> str:
    """One cell: the rate (and ethrex's ratio to it), or why the engine did not run."""
    if r is None:
        return "not run"
    if not r["ok"]:
        notes.append(f"{ENGINE_TITLES.get(engine, engine)} / {r['workload']}: {r['reason']}")
        # the reason's first word (unsupported, mismatch, crashed, timed out...) in the cell
        return f"{r['reason'].split(':')[0][:24]} [{len(notes)}]"
    text = fmt_rate(r["mgas_per_s"])
    if not engine.startswith("ethrex") and ethrex is not None and ethrex["ok"]:
        text += f" (x{ethrex['mgas_per_s'] / r['mgas_per_s']:.2g})"
    if r.get("note"):
        notes.append(f"{ENGINE_TITLES.get(engine, engine)} / {r['workload']}: {r['note']}")
        text += f" [{len(notes)}]"
    return text


def markdown_table(table: dict[str, dict[str, dict[str, Any]]], engines: list[str]
                   ) -> tuple[str, list[str]]:
    """The Mgas/s table in Markdown and its numbered notes."""
    notes: list[str] = []
    head = "| workload | " + " | ".join(ENGINE_TITLES.get(e, e) for e in engines) + " |"
    lines = [head, "|---|" + "---:|" * len(engines)]
    for workload, row in table.items():
        ethrex = row.get("ethrex")
        lines.append(f"| {workload} | " + " | ".join(
            cell_text(row.get(e), ethrex, e, notes) for e in engines) + " |")
    return "\n".join(lines), notes


def machine() -> dict[str, str]:
    """What the figures were measured on."""
    cpu = platform.processor() or platform.machine()
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    load = ", ".join(f"{x:.2f}" for x in os.getloadavg()) if hasattr(os, "getloadavg") else "?"
    return {"date": time.strftime("%Y-%m-%d %H:%M %Z"), "cpu": cpu,
            "cores": str(os.cpu_count()), "python": platform.python_version(),
            "system": f"{platform.system()} {platform.release()}", "load": load}


def write_results(path: Path, table: dict[str, dict[str, dict[str, Any]]]) -> None:
    path.write_text(json.dumps(results_json(table), indent=2, sort_keys=True) + "\n")
