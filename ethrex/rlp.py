"""Recursive Length Prefix encoding (Yellow Paper, appendix B), with strict canonical decoding.

An item is ``bytes`` or a list of items. ``encode`` also takes non-negative ``int`` (big-endian,
no leading zeros), ``bool`` and tuples. ``decode`` rejects every non-canonical form, since two
encodings of one value would give two hashes for one block.
"""

from collections.abc import Iterable
from typing import Any, Union

from ethrex.errors import RLPDecodingError

Item = Union[bytes, list["Item"]]


def _length_prefix(length: int, short_offset: int) -> bytes:
    if length < 56:
        return bytes((short_offset + length,))
    length_bytes = length.to_bytes((length.bit_length() + 7) // 8, "big")
    return bytes((short_offset + 55 + len(length_bytes),)) + length_bytes


# Every one-byte string: a byte below 0x80 is its own encoding, 0x80 + n prefixes a short
# string of n bytes, and 0xC0 + n a short list.
_BYTE = [bytes((i,)) for i in range(256)]


def encode(item: Any) -> bytes:
    """Encode bytes, non-negative ints and (nested) lists or tuples of them."""
    kind = type(item)
    if kind is list or kind is tuple:
        return _encode_list(item)
    if kind is bytes:
        length = len(item)
        if length == 1 and item[0] < 0x80:
            return item  # type: ignore[no-any-return]
        if length < 56:
            return _BYTE[0x80 + length] + item  # type: ignore[no-any-return]
        return _length_prefix(length, 0x80) + item  # type: ignore[no-any-return]
    return _encode_other(item)


def _encode_list(items: Any) -> bytes:
    # The hot path of every encoding (transactions, receipts, accounts, headers): strings and
    # small ints are encoded in this loop; only nested lists and rare kinds recurse.
    parts: list[bytes] = []
    append = parts.append
    for x in items:
        kind = type(x)
        if kind is bytes:
            length = len(x)
            if length == 1 and x[0] < 0x80:
                append(x)
                continue
            append(_BYTE[0x80 + length] if length < 56 else _length_prefix(length, 0x80))
            append(x)
        elif kind is int and x >= 0:
            if x < 0x80:
                append(_BYTE[x] if x else b"\x80")
                continue
            data = x.to_bytes((x.bit_length() + 7) // 8, "big")
            append(_BYTE[0x80 + len(data)] if len(data) < 56 else _length_prefix(len(data), 0x80))
            append(data)
        elif kind is list or kind is tuple:
            append(_encode_list(x))
        else:
            append(_encode_other(x))
    payload = b"".join(parts)
    length = len(payload)
    if length < 56:
        return _BYTE[0xC0 + length] + payload
    return _length_prefix(length, 0xC0) + payload


def _encode_other(item: Any) -> bytes:
    if isinstance(item, (bytes, bytearray, memoryview)):
        return encode(bytes(item))
    if isinstance(item, int):  # bool is an int too: True -> 0x01, False -> 0x80
        if item < 0:
            raise ValueError(f"RLP cannot encode the negative integer {item}")
        if item < 0x80:
            return _BYTE[item] if item else b"\x80"
        data = item.to_bytes((item.bit_length() + 7) // 8, "big")
        return _length_prefix(len(data), 0x80) + data
    if isinstance(item, (list, tuple)):
        return _encode_list(item)
    if isinstance(item, str):
        raise TypeError("RLP encodes bytes, not str: encode the text first")
    raise TypeError(f"RLP cannot encode {type(item).__name__}")


def encode_encoded_list(encoded_items: Iterable[bytes]) -> bytes:
    """The RLP list of items that are encoded already, each one reused as it is (a block
    body from its transactions' encodings, a block from its header's and its body's)."""
    payload = b"".join(encoded_items)
    return _length_prefix(len(payload), 0xC0) + payload


def encode_int(value: int) -> bytes:
    """The minimal big-endian bytes of an int (the string RLP wraps for a scalar)."""
    return value.to_bytes((value.bit_length() + 7) // 8, "big")


def decode(data: bytes) -> Item:
    """Decode exactly one item that spans all of ``data``; raise ``RLPDecodingError`` otherwise."""
    data = bytes(data)
    item, end = _decode_at(data, 0, len(data))
    if end != len(data):
        raise RLPDecodingError(f"{len(data) - end} trailing bytes after the RLP item")
    return item


def decode_prefix(data: bytes, pos: int = 0) -> tuple[Item, int]:
    """Decode one item starting at ``pos``; return it and the offset just past it."""
    return _decode_at(data, pos, len(data))


def _read_length(data: bytes, pos: int, size: int, limit: int) -> int:
    if pos + size > limit:
        raise RLPDecodingError("input ends inside a length prefix")
    if data[pos] == 0:
        raise RLPDecodingError("length prefix has a leading zero byte")
    length = int.from_bytes(data[pos : pos + size], "big")
    if length < 56:
        raise RLPDecodingError(f"long-form length prefix for a length of {length} (< 56)")
    return length


def _decode_at(data: bytes, pos: int, limit: int) -> tuple[Item, int]:
    if pos >= limit:
        raise RLPDecodingError("input ends where an RLP item was expected")
    prefix = data[pos]
    if prefix < 0x80:
        return data[pos : pos + 1], pos + 1
    if prefix < 0xB8:
        length = prefix - 0x80
        start = pos + 1
        end = start + length
        if end > limit:
            raise RLPDecodingError(f"string of {length} bytes runs past the end of the input")
        if length == 1 and data[start] < 0x80:
            raise RLPDecodingError("single byte below 0x80 must not carry a length prefix")
        return data[start:end], end
    if prefix < 0xC0:
        size = prefix - 0xB7
        length = _read_length(data, pos + 1, size, limit)
        start = pos + 1 + size
        end = start + length
        if end > limit:
            raise RLPDecodingError(f"string of {length} bytes runs past the end of the input")
        return data[start:end], end
    if prefix < 0xF8:
        length = prefix - 0xC0
        start = pos + 1
    else:
        size = prefix - 0xF7
        length = _read_length(data, pos + 1, size, limit)
        start = pos + 1 + size
    end = start + length
    if end > limit:
        raise RLPDecodingError(f"list of {length} bytes runs past the end of the input")
    items: list[Item] = []
    cursor = start
    while cursor < end:
        item, cursor = _decode_at(data, cursor, end)
        items.append(item)
    return items, end


def decode_int(data: Item) -> int:
    """Read a decoded scalar: a byte string without leading zeros (empty is zero)."""
    if not isinstance(data, bytes):
        raise RLPDecodingError("expected an integer, got a list")
    if data[:1] == b"\x00":
        raise RLPDecodingError("integer has a leading zero byte")
    return int.from_bytes(data, "big")


def decode_bytes(data: Item, size: int | None = None) -> bytes:
    """Read a decoded byte string, optionally of an exact size (hash, address...)."""
    if not isinstance(data, bytes):
        raise RLPDecodingError("expected a byte string, got a list")
    if size is not None and len(data) != size:
        raise RLPDecodingError(f"expected {size} bytes, got {len(data)}")
    return data


def decode_list(data: Item, length: int | None = None) -> list[Item]:
    """Read a decoded list, optionally with an exact number of elements."""
    if not isinstance(data, list):
        raise RLPDecodingError("expected a list, got a byte string")
    if length is not None and len(data) != length:
        raise RLPDecodingError(f"expected a list of {length} items, got {len(data)}")
    return data
