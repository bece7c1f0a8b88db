"""What the node says about its networking: ``admin_nodeInfo``, ``admin_peers``,
``admin_addPeer``, ``net_peerCount``, ``net_listening`` and ``eth_syncing``.

The answers come from the p2p service the node keeps in its context (duck-typed by
``PeerNetwork``, so this edge never imports ``ethrex.p2p``); a node without networking says it
has no peers, does not listen and is not syncing.
"""

from typing import Any, Protocol

from ethrex.errors import EthrexError
from ethrex.rpc.errors import RpcError

INVALID_PARAMS = -32602


class PeerNetwork(Protocol):
    """The part of ``ethrex.p2p.service.P2PService`` these handlers use."""

    listening: bool

    def node_info(self) -> dict[str, Any]: ...
    def peer_infos(self) -> list[dict[str, Any]]: ...
    def peer_count(self) -> int: ...
    def add_peer(self, url: str) -> bool: ...


def network_handlers(ctx: Any) -> dict[str, Any]:
    """Handlers that override the network-less defaults when the node runs p2p."""

    def network() -> PeerNetwork | None:
        extra = getattr(ctx, "extra", None)
        return extra.get("p2p") if isinstance(extra, dict) else None

    def node_info() -> dict[str, Any]:
        p2p = network()
        if p2p is None:
            raise RpcError(-32000, "networking is off (--p2p.maxpeers 0)")
        return p2p.node_info()

    def peers() -> list[dict[str, Any]]:
        p2p = network()
        return [] if p2p is None else p2p.peer_infos()

    def add_peer(url: Any) -> bool:
        p2p = network()
        if p2p is None:
            raise RpcError(-32000, "networking is off (--p2p.maxpeers 0)")
        if not isinstance(url, str):
            raise RpcError(INVALID_PARAMS, "admin_addPeer takes an enode URL")
        try:
            return p2p.add_peer(url)
        except EthrexError as exc:  # InvalidEnode, naming what is wrong
            raise RpcError(INVALID_PARAMS, f"invalid enode: {exc}") from None

    def peer_count() -> str:
        p2p = network()
        return hex(0 if p2p is None else p2p.peer_count())

    def listening() -> bool:
        p2p = network()
        return p2p is not None and p2p.listening

    def syncing() -> Any:
        p2p = network()
        sync = getattr(p2p, "sync", None)
        return False if sync is None else sync.syncing()

    return {
        "admin_nodeInfo": node_info,
        "admin_peers": peers,
        "admin_addPeer": add_peer,
        "net_peerCount": peer_count,
        "net_listening": listening,
        "eth_syncing": syncing,
    }
