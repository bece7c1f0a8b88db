"""The public handler table: every namespace this node serves over ``--http.*``."""

from typing import Any

from ethrex.rpc.admin import network_handlers
from ethrex.rpc.chainview import ChainView
from ethrex.rpc.context import NodeContext
from ethrex.rpc.debug import DebugHandlers
from ethrex.rpc.eth import eth_handlers
from ethrex.rpc.net import net_handlers
from ethrex.rpc.txpool import txpool_handlers


def rpc_handlers(ctx: NodeContext) -> dict[str, Any]:
    """eth, net, web3, txpool, admin and debug over the node context ``ctx``."""
    view = ChainView(ctx)
    handlers = eth_handlers(ctx)
    handlers.update(net_handlers(view))
    handlers.update(txpool_handlers(view))
    handlers.update(DebugHandlers(view).table())
    handlers.update(network_handlers(ctx))
    return handlers
