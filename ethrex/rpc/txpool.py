"""The ``txpool`` namespace (status, content, contentFrom, inspect) over the node's mempool.

The pool is read through ``pending()`` and ``queued()`` (each ``sender -> transactions``) when
it has them; a node without a pool reports an empty one.
"""

from typing import Any

from ethrex.rpc import params as P
from ethrex.rpc.chainview import ChainView
from ethrex.rpc.types import data, qty, transaction_json

Groups = dict[bytes, list[Any]]


def _groups(mempool: Any, name: str) -> Groups:
    getter = getattr(mempool, name, None)
    if not callable(getter):
        return {}
    out: Groups = {}
    for sender, txs in dict(getter()).items():
        out[sender] = [getattr(t, "tx", t) for t in txs]
    return out


def txpool_handlers(view: ChainView) -> dict[str, Any]:
    def pool() -> Any:
        return getattr(view.ctx, "mempool", None)

    def by_sender(groups: Groups) -> dict[str, dict[str, Any]]:
        return {
            data(sender): {str(tx.nonce): transaction_json(tx, sender=sender) for tx in txs}
            for sender, txs in groups.items()
        }

    def status() -> dict[str, str]:
        mp = pool()
        return {"pending": qty(sum(map(len, _groups(mp, "pending").values()))),
                "queued": qty(sum(map(len, _groups(mp, "queued").values())))}

    def content() -> dict[str, Any]:
        mp = pool()
        return {"pending": by_sender(_groups(mp, "pending")),
                "queued": by_sender(_groups(mp, "queued"))}

    def content_from(address: Any) -> dict[str, Any]:
        sender = P.address(address, 0)
        mp = pool()
        pending = {k: v for k, v in _groups(mp, "pending").items() if k == sender}
        queued = {k: v for k, v in _groups(mp, "queued").items() if k == sender}
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

        mp = pool()
        return {"pending": summary(_groups(mp, "pending")),
                "queued": summary(_groups(mp, "queued"))}

    return {"txpool_status": status, "txpool_content": content,
            "txpool_contentFrom": content_from, "txpool_inspect": inspect}
