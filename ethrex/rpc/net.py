"""The small namespaces: ``net_version`` and ``web3`` (client version, sha3); what the node
says of its peers is in ``ethrex.rpc.admin``."""

from typing import Any

from ethrex.primitives import keccak256
from ethrex.rpc import params as P
from ethrex.rpc.chainview import ChainView
from ethrex.rpc.types import data


def net_handlers(view: ChainView) -> dict[str, Any]:
    ctx = view.ctx
    network_id = view.chain.config.chain_id  # no separate network id: the chain id

    def client_version() -> str:
        return ctx.client_version

    return {
        "net_version": lambda: str(network_id),
        "web3_clientVersion": client_version,
        "web3_sha3": lambda value: data(keccak256(P.hex_data(value, 0))),
    }
