"""Serving a peer's snap/1 requests (decoded strictly, answered in a worker thread)."""

import asyncio
from typing import TYPE_CHECKING

from ethrex import rlp
from ethrex.p2p.snap import protocol as snap
from ethrex.p2p.snap import serve
from ethrex.p2p.wire import as_bytes, as_hashes, as_int, as_list, breach, request_fields
from ethrex.storage import Store

if TYPE_CHECKING:
    from ethrex.p2p.peer import Peer

MAX_REQUEST_ITEMS = 4096


class SnapHandler:
    def __init__(self, store: Store) -> None:
        self.store = store
        self.served = serve.ServedRoots(store)

    async def handle(self, peer: "Peer", code: int, payload: bytes) -> None:
        if code == snap.GET_ACCOUNT_RANGE:
            rid, f = request_fields(payload, "GetAccountRange", 5)
            root, origin, limit = (as_bytes(x, "hash", 32) for x in f[:3])
            accounts, proof = await asyncio.to_thread(
                serve.account_range, self.store, self.served, root, origin, limit,
                as_int(f[3], "response bytes"))
            peer.send("snap", snap.ACCOUNT_RANGE,
                      rlp.encode([rid, [[k, rlp.decode(v)] for k, v in accounts], proof]))
        elif code == snap.GET_STORAGE_RANGES:
            rid, f = request_fields(payload, "GetStorageRanges", 6)
            root = as_bytes(f[0], "root", 32)
            account_hashes = as_hashes(f[1], "account hashes", MAX_REQUEST_ITEMS)
            origin, limit = as_bytes(f[2], "origin"), as_bytes(f[3], "limit")
            if len(origin) > 32 or len(limit) > 32:
                raise breach("storage range bounds longer than a hash")
            slots, proof = await asyncio.to_thread(
                serve.storage_ranges, self.store, self.served, root, account_hashes, origin, limit,
                as_int(f[4], "response bytes"))
            peer.send("snap", snap.STORAGE_RANGES,
                      rlp.encode([rid, serve.encode_slots(slots), proof]))
        elif code == snap.GET_BYTE_CODES:
            rid, f = request_fields(payload, "GetByteCodes", 3)
            hashes = as_hashes(f[0], "code hashes", MAX_REQUEST_ITEMS)
            codes = await asyncio.to_thread(serve.byte_codes, self.store, hashes,
                                            as_int(f[1], "response bytes"))
            peer.send("snap", snap.BYTE_CODES, rlp.encode([rid, codes]))
        elif code == snap.GET_TRIE_NODES:
            rid, f = request_fields(payload, "GetTrieNodes", 4)
            root = as_bytes(f[0], "root", 32)
            path_sets = [[as_bytes(p, "trie path") for p in as_list(s, "path set")]
                         for s in as_list(f[1], "path sets")[:MAX_REQUEST_ITEMS]]
            try:
                nodes = await asyncio.to_thread(serve.trie_nodes, self.store, self.served, root,
                                                path_sets, as_int(f[2], "response bytes"))
            except serve.BadRequest as exc:
                raise breach(f"GetTrieNodes: {exc}") from None
            peer.send("snap", snap.TRIE_NODES, rlp.encode([rid, nodes]))
        else:
            raise breach(f"unexpected snap message {code:#x}")
