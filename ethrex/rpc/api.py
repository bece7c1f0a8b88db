"""The public handler table: the namespaces this node serves over ``--http.*`` (and WebSocket
on the same port), as ``--http.api``/``--ws.api`` choose them."""

from collections.abc import Iterable
from typing import Any

from ethrex.rpc.admin import network_handlers
from ethrex.rpc.chainview import ChainView
from ethrex.rpc.context import NodeContext
from ethrex.rpc.debug import DebugHandlers
from ethrex.rpc.devmethods import dev_handlers
from ethrex.rpc.engine import engine_handlers
from ethrex.rpc.eth import eth_handlers
from ethrex.rpc.net import net_handlers
from ethrex.rpc.txpool import txpool_handlers

# What a node serves unless told otherwise; ``testing`` (testing_buildBlockV1, which builds
# blocks on any parent) only when asked, as reth and geth keep it.
DEFAULT_NAMESPACES = ("eth", "net", "web3", "txpool", "debug", "admin")
DEV_NAMESPACES = ("evm", "anvil", "hardhat", "personal")  # --dev only
NAMESPACES = DEFAULT_NAMESPACES + DEV_NAMESPACES + ("testing",)


def parse_namespaces(text: str) -> tuple[str, ...]:
    """``--http.api eth,net,testing``; ``ValueError`` naming an unknown namespace."""
    names = tuple(n.strip() for n in text.split(",") if n.strip())
    unknown = [n for n in names if n not in NAMESPACES]
    if unknown:
        raise ValueError(f"unknown namespace {', '.join(unknown)} (known: "
                         f"{', '.join(NAMESPACES)})")
    return names


def rpc_handlers(ctx: NodeContext, namespaces: Iterable[str] | None = None) -> dict[str, Any]:
    """eth, net, web3, txpool, admin and debug over the node context ``ctx``, on a dev node the
    dev methods (evm_*, anvil_*, hardhat_*, eth_accounts, eth_sendTransaction...); with
    ``namespaces`` only those (``testing`` adds testing_buildBlockV1)."""
    view = ChainView(ctx)
    handlers = eth_handlers(ctx)
    handlers.update(net_handlers(view))
    handlers.update(txpool_handlers(view))
    handlers.update(DebugHandlers(view).table())
    handlers.update(network_handlers(ctx))
    handlers.update(dev_handlers(ctx))  # --dev only
    if namespaces is None:
        return handlers
    wanted = set(namespaces)
    if "testing" in wanted:
        handlers["testing_buildBlockV1"] = \
            engine_handlers(ctx.engine, ctx.executor)["testing_buildBlockV1"]
    return {name: fn for name, fn in handlers.items() if name.split("_", 1)[0] in wanted}
