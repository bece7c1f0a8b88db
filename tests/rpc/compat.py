"""The execution-apis conformance suite (rpc-compat): read and compare ``.io`` files, and an
in-process node over its chain for unit tests.

``load_node`` is the real ``Blockchain`` over an in-memory ``Store`` with ``chain.rlp``
imported, in the node's own context (``node_context``: pool, Engine API, executor);
``forkchoice_from_headfcu`` applies ``headfcu.json`` to it directly. The suite itself runs
against the node started from the command line (``test_rpc_compat.py``).
"""

import json
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ethrex.blockchain.blockchain import Blockchain
from ethrex.primitives import hex_to_bytes
from ethrex.rpc.context import NodeContext, node_context
from ethrex.storage import Store
from ethrex.types.block import decode_blocks
from ethrex.types.genesis import load_genesis

JWT_SECRET = b"secretsecretsecretsecretsecretse"


def load_node(root: Path) -> NodeContext:
    chain = Blockchain.open(Store.in_memory(), load_genesis(root / "genesis.json"))
    for block in decode_blocks((root / "chain.rlp").read_bytes()):
        chain.add_block(block)
    return node_context(chain, ThreadPoolExecutor(1, thread_name_prefix="ethrex-exec"),
                        jwt_secret=JWT_SECRET)


def forkchoice_from_headfcu(ctx: NodeContext, root: Path) -> dict[str, Any]:
    """Apply headfcu.json to the chain directly (tests that need no engine port)."""
    request = json.loads((root / "headfcu.json").read_text())
    state = request["params"][0]
    ctx.chain.forkchoice_update(hex_to_bytes(state["headBlockHash"]),
                                hex_to_bytes(state["safeBlockHash"]),
                                hex_to_bytes(state["finalizedBlockHash"]))
    return request


@dataclass(frozen=True, slots=True)
class Exchange:
    request: str
    reply: dict[str, Any]


@dataclass(frozen=True, slots=True)
class IoFile:
    name: str
    speconly: bool
    exchanges: tuple[Exchange, ...]


def read_io(path: Path, root: Path) -> IoFile:
    exchanges = []
    speconly = False
    pending: str | None = None
    for line in path.read_text().splitlines():
        if line.startswith("//"):
            speconly = speconly or "speconly" in line
        elif line.startswith(">> "):
            pending = line[3:]
        elif line.startswith("<< ") and pending is not None:
            exchanges.append(Exchange(pending, json.loads(line[3:])))
            pending = None
    return IoFile(str(path.relative_to(root)), speconly, tuple(exchanges))


def compare(io: IoFile, got: dict[str, Any], want: dict[str, Any]) -> str | None:
    """None when ``got`` answers like ``want``: equal results; errors with the same code;
    ``speconly`` files need only a result where one is expected."""
    if "error" in want:
        if "error" not in got:
            return f"expected error {want['error']}, got result"
        if io.speconly or got["error"].get("code") == want["error"].get("code"):
            return None
        return f"error code {got['error'].get('code')} != {want['error'].get('code')}: " \
               f"{got['error'].get('message')}"
    if "error" in got:
        return f"unexpected error {got['error']}"
    if io.speconly:
        return None
    if got.get("result") != want.get("result"):
        return f"result differs: got {json.dumps(got.get('result'))[:300]}"
    return None
