"""Checking the chain data peers send during sync: headers linked by hash to the trusted
target, bodies that hash to their header's roots, receipts that hash to its receipts root.

Everything is judged against a header whose hash we already trust (the target the consensus
client or the command line named, and its ancestors by parent hash), so a peer cannot slip in
anything else: a mismatch is its fault and ends its session.
"""

from ethrex import rlp
from ethrex.errors import InvalidTransaction, RLPDecodingError
from ethrex.p2p.eth import protocol as eth
from ethrex.p2p.sync.fetch import Unavailable
from ethrex.p2p.wire import as_list, breach
from ethrex.primitives import keccak256
from ethrex.rlp import Item
from ethrex.trie import ordered_root
from ethrex.types.block import Block, decode_block_item
from ethrex.types.header import Header, decode_header_item, header_fields
from ethrex.types.receipt import Receipt, decode_receipt, encode_receipt
from ethrex.types.transactions import encode_transaction
from ethrex.types.withdrawal import encode_withdrawal


def decode_headers(items: list[Item]) -> list[Header]:
    """The headers of a BlockHeaders response (after its request id)."""
    try:
        return [decode_header_item(h) for h in as_list(items[0], "headers")]
    except RLPDecodingError as exc:
        raise breach(f"BlockHeaders: {exc}") from None


def check_backward_headers(items: list[Item], child_parent_hash: bytes, want: int
                           ) -> list[Header]:
    """Headers asked for going back from ``child_parent_hash``: each must be the parent of the
    one before; a short answer is fine, an empty one means "ask someone else"."""
    headers = decode_headers(items)
    if not headers:
        raise Unavailable("no headers")
    if len(headers) > want:
        raise breach(f"{len(headers)} headers for a request of {want}")
    expected = child_parent_hash
    for i, header in enumerate(headers):
        if header.hash() != expected:
            raise breach(f"header {i} of the answer is not the requested ancestor")
        if i and header.number != headers[i - 1].number - 1:
            raise breach("header numbers do not decrease by one")
        expected = header.parent_hash
    return headers


def body_matches(header: Header, block: Block) -> str | None:
    """Why ``block``'s body does not belong to ``header`` (None when it does)."""
    if ordered_root([encode_transaction(tx) for tx in block.transactions]) != \
            header.transactions_root:
        return "transactions root mismatch"
    if keccak256(rlp.encode([header_fields(h) for h in block.ommers])) != header.ommers_hash:
        return "ommers hash mismatch"
    if (block.withdrawals is None) != (header.withdrawals_root is None):
        return "withdrawals present/absent unlike the header"
    if block.withdrawals is not None and header.withdrawals_root != ordered_root(
            [encode_withdrawal(w) for w in block.withdrawals]):
        return "withdrawals root mismatch"
    return None


def check_bodies(items: list[Item], headers: list[Header]) -> list[Block]:
    """Bodies for ``headers`` (a prefix of them, in order); each must hash to its header."""
    bodies = as_list(items[0], "bodies")
    if not bodies:
        raise Unavailable("no bodies")
    if len(bodies) > len(headers):
        raise breach(f"{len(bodies)} bodies for {len(headers)} hashes")
    blocks = []
    for header, body in zip(headers, bodies):
        fields = as_list(body, "body")
        try:
            block = decode_block_item([rlp.decode(rlp.encode(header_fields(header))), *fields])
        except (RLPDecodingError, InvalidTransaction) as exc:
            raise breach(f"BlockBodies: {exc}") from None
        problem = body_matches(header, block)
        if problem is not None:
            raise breach(f"body of block {header.number}: {problem}")
        blocks.append(block)
    return blocks


def receipts_request(version: int, hashes: list[bytes]) -> list[object]:
    """GetReceipts' fields after the request id: eth/70 adds the first receipt index."""
    return [0, hashes] if version >= eth.ETH70 else [hashes]


def check_receipts(items: list[Item], headers: list[Header], version: int
                   ) -> list[list[Receipt]]:
    """Receipt lists for ``headers`` (a prefix); each list must hash to the receipts root. An
    eth/70 answer whose last list was cut short gives the lists before it (the rest is asked
    for again)."""
    if version >= eth.ETH70:  # [last block incomplete, lists]
        if len(items) != 2:
            raise breach("Receipts: expected [incomplete flag, lists]")
        lists = as_list(items[1], "receipts")
        if items[0] not in (b"", b"\x01"):
            raise breach("Receipts: incomplete flag is not a boolean")
        if items[0] == b"\x01":
            lists = lists[:-1]
    else:
        lists = as_list(items[0], "receipts")
    if not lists:
        raise Unavailable("no receipts")
    if len(lists) > len(headers):
        raise breach(f"{len(lists)} receipt lists for {len(headers)} hashes")
    out = []
    for header, item in zip(headers, lists):
        entries = as_list(item, "receipt list")
        try:
            if version >= eth.ETH69:
                receipts = [eth.decode_eth69_receipt(r) for r in entries]
            else:
                receipts = [decode_receipt(r if isinstance(r, bytes) else rlp.encode(r))
                            for r in entries]
        except RLPDecodingError as exc:
            raise breach(f"Receipts: {exc}") from None
        if ordered_root([encode_receipt(r) for r in receipts]) != header.receipts_root:
            raise breach(f"receipts of block {header.number} do not match its root")
        out.append(receipts)
    return out
