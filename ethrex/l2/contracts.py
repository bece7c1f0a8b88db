"""The compiled contracts (``ethrex/l2/artifacts``, made by ``make contracts`` from
``contracts/``): init code, runtime code and the ABI's events and functions."""

import json
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

ARTIFACTS = Path(__file__).resolve().parent / "artifacts"


@dataclass(frozen=True, slots=True)
class Artifact:
    name: str
    abi: tuple[dict[str, Any], ...]
    bytecode: bytes  # init code
    runtime: bytes  # deployed code


@cache
def artifact(name: str) -> Artifact:
    """The compiled contract ``name`` (``CommonBridge``, ``OnChainProposer``, ...)."""
    data = json.loads((ARTIFACTS / f"{name}.json").read_text())
    return Artifact(name, tuple(data["abi"]), bytes.fromhex(data["bytecode"][2:]),
                    bytes.fromhex(data["deployedBytecode"][2:]))
