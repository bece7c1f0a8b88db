"""``NodeContext``: what the node hands to the edges (JSON-RPC, Engine API, dev producer).

It lives here, below the edges, so that ``ethrex.rpc`` handlers can take it without importing
``ethrex.node``. It is a plain synchronous record; ``ethrex.node`` fills it in.
"""

from concurrent.futures import Executor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ethrex.blockchain.blockchain import Blockchain
from ethrex.types.genesis import ChainConfig


@dataclass(slots=True)
class NodeContext:
    """The running node's shared objects.

    ``executor`` is the single worker thread that writes to the chain (block import, payload
    building, fork choice): async code enters it with ``loop.run_in_executor(ctx.executor, ...)``
    so that the store has one writer. None in tests that call the chain directly.
    """

    chain: Blockchain
    mempool: Any | None = None  # ethrex.blockchain.mempool.Mempool once the engine owner adds it
    network: str = "dev"  # built-in name or the genesis file given to --network
    datadir: Path | None = None
    jwt_secret: bytes | None = None
    executor: Executor | None = None
    client_version: str = "ethrex/0.1.0"
    extra: dict[str, Any] = field(default_factory=dict)  # room for the edges' own state

    @property
    def config(self) -> ChainConfig:
        return self.chain.config
