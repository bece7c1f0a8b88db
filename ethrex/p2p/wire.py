"""Reading peer messages strictly: every malformed field is the peer's fault.

The readers raise ``PeerError(BREACH_OF_PROTOCOL)`` naming the field, so a session ends with a
disconnect that says what was wrong, and nothing malformed reaches the core.
"""

from ethrex import rlp
from ethrex.errors import RLPDecodingError
from ethrex.p2p.errors import DisconnectReason, PeerError
from ethrex.rlp import Item


def breach(message: str) -> PeerError:
    return PeerError(DisconnectReason.BREACH_OF_PROTOCOL, message)


def decode(payload: bytes, name: str) -> Item:
    """The one RLP item a message payload holds."""
    try:
        return rlp.decode(payload)
    except RLPDecodingError as exc:
        raise breach(f"{name}: {exc}") from None


def as_list(item: Item, name: str, length: int | None = None,
            min_length: int | None = None) -> list[Item]:
    if not isinstance(item, list):
        raise breach(f"{name}: expected a list")
    if length is not None and len(item) != length:
        raise breach(f"{name}: expected {length} elements, got {len(item)}")
    if min_length is not None and len(item) < min_length:
        raise breach(f"{name}: expected at least {min_length} elements, got {len(item)}")
    return item


def as_bytes(item: Item, name: str, size: int | None = None) -> bytes:
    if not isinstance(item, bytes):
        raise breach(f"{name}: expected a byte string")
    if size is not None and len(item) != size:
        raise breach(f"{name}: expected {size} bytes, got {len(item)}")
    return item


def as_int(item: Item, name: str, bits: int = 64) -> int:
    if not isinstance(item, bytes):
        raise breach(f"{name}: expected an integer")
    if item[:1] == b"\x00" or len(item) * 8 > bits:
        raise breach(f"{name}: not a canonical {bits}-bit integer")
    return int.from_bytes(item, "big")


def as_hashes(item: Item, name: str, limit: int | None = None) -> list[bytes]:
    items = as_list(item, name)
    if limit is not None and len(items) > limit:
        raise breach(f"{name}: {len(items)} hashes (limit {limit})")
    return [as_bytes(h, name, 32) for h in items]


def request_fields(payload: bytes, name: str, count: int) -> tuple[int, list[Item]]:
    """``[request-id, field, ...]`` with exactly ``count`` elements in all (eth/66+ and snap
    requests and responses): the id and the other fields."""
    items = as_list(decode(payload, name), name, length=count)
    return as_int(items[0], f"{name} request id"), items[1:]


def encode_raw_list(encoded_items: list[bytes]) -> bytes:
    """An RLP list of items that are already RLP-encoded (stored headers, network txs)."""
    payload = b"".join(encoded_items)
    return _list_prefix(len(payload)) + payload


def _list_prefix(length: int) -> bytes:
    if length < 56:
        return bytes((0xC0 + length,))
    size = length.to_bytes((length.bit_length() + 7) // 8, "big")
    return bytes((0xF7 + len(size),)) + size


def encode_tx_item(network_form: bytes) -> bytes:
    """A transaction as an element of a Transactions-style list: a legacy transaction is its RLP
    list, a typed one (EIP-2718 envelope, network form for blobs) a byte string."""
    return network_form if network_form[0] >= 0xC0 else rlp.encode(network_form)
