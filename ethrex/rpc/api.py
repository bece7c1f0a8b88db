"""The public handler table: every namespace this node serves over ``--http.*``."""

from typing import Any

from ethrex.rpc.chainview import ChainView
from ethrex.rpc.context import NodeContext
from ethrex.rpc.debug import DebugHandlers
from ethrex.rpc.devmethods import dev_handlers
from ethrex.rpc.eth import eth_handlers
from ethrex.rpc.net import net_handlers
from ethrex.rpc.txpool import txpool_handlers


def rpc_handlers(ctx: NodeContext) -> dict[str, Any]:
    """eth, net, web3, txpool, admin and debug over the node context ``ctx``, and on a dev
    node the dev methods (evm_*, anvil_*, hardhat_*, eth_accounts, eth_sendTransaction...)."""
    view = ChainView(ctx)
    handlers = eth_handlers(ctx)
    handlers.update(net_handlers(view))
    handlers.update(txpool_handlers(view))
    handlers.update(DebugHandlers(view).table())
    handlers.update(dev_handlers(ctx))  # --dev only
    return handlers
