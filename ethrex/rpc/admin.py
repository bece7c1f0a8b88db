"""What the node says about its networking: ``admin_nodeInfo``, ``admin_peers``,
``admin_addPeer``, ``net_peerCount``, ``net_listening`` and ``eth_syncing``.

The answers come from ``NodeContext.peers`` (the p2p service, seen through ``PeerView``); a
node without networking says it has no peers, does not listen and is not syncing.
"""

from typing import Any

from ethrex.errors import EthrexError
from ethrex.rpc.context import NodeContext, PeerView
from ethrex.rpc.errors import RpcError, invalid_params


def network_handlers(ctx: NodeContext) -> dict[str, Any]:
    """The ``admin`` namespace, ``net_peerCount``, ``net_listening`` and ``eth_syncing``."""

    def network() -> PeerView | None:
        return ctx.peers

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
            raise invalid_params("admin_addPeer takes an enode URL")
        try:
            return p2p.add_peer(url)
        except EthrexError as exc:  # InvalidEnode, naming what is wrong
            raise invalid_params(f"invalid enode: {exc}") from None

    def peer_count() -> str:
        p2p = network()
        return hex(0 if p2p is None else p2p.peer_count())

    def listening() -> bool:
        p2p = network()
        return p2p is not None and p2p.listening

    def syncing() -> Any:
        p2p = network()
        return False if p2p is None else p2p.syncing()

    return {
        "admin_nodeInfo": node_info,
        "admin_peers": peers,
        "admin_addPeer": add_peer,
        "net_peerCount": peer_count,
        "net_listening": listening,
        "eth_syncing": syncing,
    }
