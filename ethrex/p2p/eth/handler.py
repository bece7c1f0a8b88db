"""Serving a peer's eth messages: requests answered from the store and the mempool (in a
worker thread), transaction announcements and broadcasts handed to ``TxSync``, block range
updates noted on the peer.
"""

import asyncio
from typing import TYPE_CHECKING, Any

from ethrex import rlp
from ethrex.p2p.eth import protocol as eth
from ethrex.p2p.eth import serve
from ethrex.p2p.eth.transactions import TxSync
from ethrex.p2p.wire import (
    as_bytes,
    as_hashes,
    as_int,
    as_list,
    breach,
    encode_raw_list,
    encode_tx_item,
    request_fields,
)
from ethrex.storage import Store

if TYPE_CHECKING:
    from ethrex.p2p.peer import Peer

MAX_HASHES_PER_REQUEST = 4096


def encode_response(request_id: int, items: list[bytes]) -> bytes:
    return encode_raw_list([rlp.encode(request_id), encode_raw_list(items)])


class EthHandler:
    """The eth side of every session."""

    def __init__(self, store: Store, mempool: Any, txs: TxSync) -> None:
        self.store = store
        self.mempool = mempool
        self.txs = txs
        self.cells = serve.CellCache()

    async def handle(self, peer: "Peer", code: int, payload: bytes) -> None:
        if code == eth.GET_BLOCK_HEADERS:
            request_id, (query,) = request_fields(payload, "GetBlockHeaders", 2)
            q = as_list(query, "header query", 4)
            raw_origin = as_bytes(q[0], "origin")  # a hash, or a block number
            origin = raw_origin if len(raw_origin) == 32 else as_int(q[0], "origin number")
            amount, skip = as_int(q[1], "amount"), as_int(q[2], "skip")
            reverse = as_int(q[3], "reverse", 8)
            if reverse > 1:
                raise breach("GetBlockHeaders reverse flag is not a boolean")
            items = await asyncio.to_thread(serve.get_block_headers, self.store, origin, amount,
                                            skip, bool(reverse))
            peer.send("eth", eth.BLOCK_HEADERS, encode_response(request_id, items))
        elif code == eth.GET_BLOCK_BODIES:
            request_id, (hashes,) = request_fields(payload, "GetBlockBodies", 2)
            wanted = as_hashes(hashes, "block hashes", MAX_HASHES_PER_REQUEST)
            items = await asyncio.to_thread(serve.get_block_bodies, self.store, wanted)
            peer.send("eth", eth.BLOCK_BODIES, encode_response(request_id, items))
        elif code == eth.GET_RECEIPTS:
            version = peer.eth_version
            if version >= eth.ETH70:  # EIP-7975: [id, first receipt index, hashes]
                request_id, (first, hashes) = request_fields(payload, "GetReceipts", 3)
                first_index = as_int(first, "first block receipt index")
            else:
                request_id, (hashes,) = request_fields(payload, "GetReceipts", 2)
                first_index = 0
            wanted = as_hashes(hashes, "block hashes", MAX_HASHES_PER_REQUEST)
            items, incomplete = await asyncio.to_thread(
                serve.get_receipts, self.store, wanted, version, first_index)
            if version >= eth.ETH70:
                peer.send("eth", eth.RECEIPTS, encode_raw_list(
                    [rlp.encode(request_id), rlp.encode(incomplete), encode_raw_list(items)]))
            else:
                peer.send("eth", eth.RECEIPTS, encode_response(request_id, items))
        elif code == eth.GET_BLOCK_ACCESS_LISTS:
            request_id, (hashes,) = request_fields(payload, "GetBlockAccessLists", 2)
            wanted = as_hashes(hashes, "block hashes", MAX_HASHES_PER_REQUEST)
            peer.send("eth", eth.BLOCK_ACCESS_LISTS,
                      encode_response(request_id, serve.get_block_access_lists(wanted)))
        elif code == eth.GET_CELLS:
            request_id, (hashes, mask_item) = request_fields(payload, "GetCells", 3)
            wanted = as_hashes(hashes, "transaction hashes", MAX_HASHES_PER_REQUEST)
            mask = as_bytes(mask_item, "custody bitmap", 16)
            served, cells = await asyncio.to_thread(serve.get_cells, self.mempool, self.cells,
                                                    wanted, mask)
            peer.send("eth", eth.CELLS, rlp.encode([request_id, served, cells, mask]))
        elif code == eth.GET_POOLED_TRANSACTIONS:
            request_id, (hashes,) = request_fields(payload, "GetPooledTransactions", 2)
            wanted = as_hashes(hashes, "transaction hashes", MAX_HASHES_PER_REQUEST)
            items = serve.get_pooled_transactions(self.mempool, wanted, peer.eth_version)
            peer.send("eth", eth.POOLED_TRANSACTIONS,
                      encode_response(request_id, [encode_tx_item(i) for i in items]))
        elif code == eth.TRANSACTIONS:
            await self.txs.on_transactions(peer, payload)
        elif code == eth.NEW_POOLED_TRANSACTION_HASHES:
            await self.txs.on_announce(peer, payload)
        elif code == eth.BLOCK_RANGE_UPDATE and peer.eth_version >= eth.ETH69:
            earliest, latest, latest_hash = eth.decode_block_range(payload)
            peer.earliest, peer.head_number, peer.head_hash = earliest, latest, latest_hash
        elif code == eth.STATUS:
            raise breach("second Status message")
        else:
            # NewBlockHashes and NewBlock ended with the merge (EIP-3675): go-ethereum speaks
            # neither any more, so neither do we.
            raise breach(f"unexpected eth message {code:#x}")
