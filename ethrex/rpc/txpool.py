"""The ``txpool`` namespace (status, content, contentFrom, inspect) over the node's mempool,
read through its ``pending()`` and ``queued()`` (each ``sender -> transactions``)."""

from typing import Any

from ethrex.rpc import params as P
from ethrex.rpc.chainview import ChainView
from ethrex.rpc.types import data, qty, transaction_json
from ethrex.types.transactions import Transaction

Groups = dict[bytes, list[Transaction]]


def txpool_handlers(view: ChainView) -> dict[str, Any]:
    mempool = view.ctx.mempool

    def by_sender(groups: Groups) -> dict[str, dict[str, Any]]:
        return {
            data(sender): {str(tx.nonce): transaction_json(tx, sender=sender) for tx in txs}
            for sender, txs in groups.items()
        }

    def status() -> dict[str, str]:
        return {"pending": qty(sum(map(len, mempool.pending().values()))),
                "queued": qty(sum(map(len, mempool.queued().values())))}

    def content() -> dict[str, Any]:
        return {"pending": by_sender(mempool.pending()),
                "queued": by_sender(mempool.queued())}

    def content_from(address: Any) -> dict[str, Any]:
        sender = P.address(address, 0)
        pending = {k: v for k, v in mempool.pending().items() if k == sender}
        queued = {k: v for k, v in mempool.queued().items() if k == sender}
        return {"pending": by_sender(pending).get(data(sender), {}),
                "queued": by_sender(queued).get(data(sender), {})}

    def inspect() -> dict[str, Any]:
        def summary(groups: Groups) -> dict[str, dict[str, str]]:
            return {
                data(sender): {
                    str(tx.nonce): (f"{data(tx.to) if tx.to else 'contract creation'}: "
                                    f"{tx.value} wei + {tx.gas} gas")
                    for tx in txs
                }
                for sender, txs in groups.items()
            }

        return {"pending": summary(mempool.pending()),
                "queued": summary(mempool.queued())}

    return {"txpool_status": status, "txpool_content": content,
            "txpool_contentFrom": content_from, "txpool_inspect": inspect}
