"""``NodeContext``: what the RPC handlers receive from the running node, with typed fields.

``ethrex.node`` builds it (``node_context``) and hands it to the handler tables. It holds the
chain, the transaction pool, the Engine API state the engine port and the dev block producer
share, and the single thread that writes to the chain (block import, payload building, fork
choice all enter it with ``loop.run_in_executor(ctx.executor, ...)``). The other edges plug in
through typed fields as they come: ``peers`` is what the RPC reads of the p2p layer; a rollup
wraps this context in its own (``ethrex.l2.rpc.L2Context`` keeps it as ``node``) rather than
adding keys to it.
"""

from concurrent.futures import Executor
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

from ethrex.blockchain.blockchain import Blockchain
from ethrex.blockchain.devchain import DevChain
from ethrex.blockchain.mempool import Mempool
from ethrex.rpc.engine import CLIENT_NAME, CLIENT_VERSION, EngineApi
from ethrex.rpc.limits import DEFAULT_LIMITS, RpcLimits
from ethrex.types.genesis import ChainConfig


class PeerView(Protocol):
    """What the ``admin``/``net`` namespaces and ``eth_syncing`` read of the p2p layer
    (``ethrex.p2p.service.P2PService``; this edge never imports it)."""

    @property
    def listening(self) -> bool: ...
    def node_info(self) -> dict[str, Any]: ...
    def peer_infos(self) -> list[dict[str, Any]]:
        """One ``admin_peers`` entry per connected peer."""
        ...
    def peer_count(self) -> int: ...
    def add_peer(self, url: str) -> bool:
        """Dial ``url`` (an enode URL); raises ``EthrexError`` naming what is wrong with it."""
        ...
    def syncing(self) -> dict[str, Any] | bool:
        """``eth_syncing``: False, or the progress of the running sync."""
        ...


@dataclass(slots=True)
class NodeContext:
    """The running node's shared objects, as the RPC handlers see them."""

    chain: Blockchain
    mempool: Mempool
    engine: EngineApi
    executor: Executor  # the single writer thread
    network: str = "dev"  # built-in name or the genesis file given to --network
    datadir: Path | None = None
    jwt_secret: bytes | None = None
    client_version: str = f"{CLIENT_NAME}/{CLIENT_VERSION}"
    peers: PeerView | None = None  # None: no p2p layer (no peers)
    dev: DevChain | None = None  # --dev: blocks on demand, the dev methods' chain
    dev_keys: dict[bytes, bytes] | None = None  # --dev: address -> key of the funded accounts
    limits: RpcLimits = DEFAULT_LIMITS  # gas cap, trace and subscription caps (--rpc.* flags)

    @property
    def config(self) -> ChainConfig:
        return self.chain.config


def node_context(chain: Blockchain, executor: Executor, dev_mode: bool = False,
                 **fields: Any) -> NodeContext:
    """The context of a node over ``chain``: a fresh transaction pool and the Engine API state
    over both, and with ``dev_mode`` the ``DevChain`` that makes blocks on demand; ``fields``
    fill the rest (network, datadir, jwt_secret, dev_keys, ...)."""
    mempool = Mempool(chain)
    dev = DevChain(chain, mempool) if dev_mode else None
    return NodeContext(chain, mempool, EngineApi(chain, mempool), executor, dev=dev, **fields)
