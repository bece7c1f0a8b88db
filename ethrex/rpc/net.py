"""The small namespaces: ``net`` (network id, listening, peers), ``web3`` (client version,
sha3) and ``admin`` (nodeInfo, peers)."""

from typing import Any

from ethrex.primitives import keccak256
from ethrex.rpc import params as P
from ethrex.rpc.chainview import ChainView
from ethrex.rpc.types import data


def net_handlers(view: ChainView) -> dict[str, Any]:
    ctx = view.ctx
    network_id = view.chain.config.chain_id  # no separate network id: the chain id

    def peers() -> list[dict[str, Any]]:
        return [] if ctx.peers is None else ctx.peers.peers()

    def client_version() -> str:
        return ctx.client_version

    def node_info() -> dict[str, Any]:
        head = view.head()
        genesis = view.store.get_header_by_number(0)
        return {
            "name": client_version(),
            "id": "",
            "enode": "",
            "ip": "127.0.0.1",
            "ports": {"discovery": 0, "listener": 0},
            "listenAddr": "",
            "protocols": {"eth": {
                "network": network_id,
                "genesis": data(genesis.hash()) if genesis is not None else None,
                "head": data(head.hash()),
                "config": {"chainId": view.chain.config.chain_id},
            }},
        }

    return {
        "net_version": lambda: str(network_id),
        "net_listening": lambda: True,
        "net_peerCount": lambda: hex(len(peers())),
        "web3_clientVersion": client_version,
        "web3_sha3": lambda value: data(keccak256(P.hex_data(value, 0))),
        "admin_nodeInfo": node_info,
        "admin_peers": peers,
    }
