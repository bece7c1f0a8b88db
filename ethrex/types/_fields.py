"""Strict readers for the fields of decoded RLP items, shared by the wire types of this package.

Each reader raises ``RLPDecodingError`` naming the field, so a bad peer message says what was
wrong with it.
"""

from ethrex.errors import RLPDecodingError
from ethrex.rlp import Item


def read_uint(item: Item, name: str, bits: int = 256) -> int:
    """A canonical scalar (no leading zero byte) that fits in ``bits`` bits."""
    if not isinstance(item, bytes):
        raise RLPDecodingError(f"{name}: expected an integer, got a list")
    if item[:1] == b"\x00":
        raise RLPDecodingError(f"{name}: integer has a leading zero byte")
    if len(item) * 8 > bits:
        raise RLPDecodingError(f"{name}: {len(item)}-byte integer exceeds {bits} bits")
    return int.from_bytes(item, "big")


def read_bytes(item: Item, name: str, size: int | None = None) -> bytes:
    """A byte string, of exactly ``size`` bytes when given."""
    if not isinstance(item, bytes):
        raise RLPDecodingError(f"{name}: expected a byte string, got a list")
    if size is not None and len(item) != size:
        raise RLPDecodingError(f"{name}: expected {size} bytes, got {len(item)}")
    return item


def read_to(item: Item, name: str = "to") -> bytes:
    """A recipient: 20 bytes, or empty for a contract creation."""
    if not isinstance(item, bytes):
        raise RLPDecodingError(f"{name}: expected a byte string, got a list")
    if len(item) not in (0, 20):
        raise RLPDecodingError(f"{name}: expected 0 or 20 bytes, got {len(item)}")
    return item


def read_list(item: Item, name: str, length: int | None = None) -> list[Item]:
    """A list, of exactly ``length`` elements when given."""
    if not isinstance(item, list):
        raise RLPDecodingError(f"{name}: expected a list, got a byte string")
    if length is not None and len(item) != length:
        raise RLPDecodingError(f"{name}: expected {length} elements, got {len(item)}")
    return item


def read_hashes(item: Item, name: str) -> tuple[bytes, ...]:
    """A list of 32-byte hashes."""
    return tuple(read_bytes(h, name, 32) for h in read_list(item, name))
