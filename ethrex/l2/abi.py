"""The Solidity ABI encoding of the types the rollup's contracts use, written out.

Supported: ``uint<N>``, ``int<N>``, ``address``, ``bool``, ``bytes<N>``, ``bytes``, ``string``
and dynamic arrays ``T[]`` of any of them. Values are ints, bytes (addresses as 20 bytes),
bools and str; decoding gives the same kinds back. Malformed data raises ``AbiError``.
"""

from collections.abc import Sequence
from typing import Any

from ethrex.errors import EthrexError
from ethrex.primitives import keccak256

WORD = 32


class AbiError(EthrexError):
    """ABI data that does not decode as the given types (or a value that cannot encode)."""


def selector(signature: str) -> bytes:
    """The 4-byte function selector of ``name(type,...)``."""
    return keccak256(signature.encode())[:4]


def event_topic(signature: str) -> bytes:
    """topic0 of an event ``Name(type,...)``."""
    return keccak256(signature.encode())


def _is_dynamic(typ: str) -> bool:
    return typ in ("bytes", "string") or typ.endswith("[]")


def _encode_static(typ: str, value: Any) -> bytes:
    if typ == "address":
        if not isinstance(value, bytes) or len(value) != 20:
            raise AbiError(f"address must be 20 bytes, got {value!r}")
        return bytes(12) + value
    if typ == "bool":
        return int(bool(value)).to_bytes(WORD, "big")
    if typ.startswith("uint"):
        bits = int(typ[4:] or 256)
        if not 0 <= value < 1 << bits:
            raise AbiError(f"{value} does not fit {typ}")
        return int(value).to_bytes(WORD, "big")
    if typ.startswith("int"):
        bits = int(typ[3:] or 256)
        if not -(1 << (bits - 1)) <= value < 1 << (bits - 1):
            raise AbiError(f"{value} does not fit {typ}")
        return (value % (1 << 256)).to_bytes(WORD, "big")
    if typ.startswith("bytes"):
        size = int(typ[5:])
        if not isinstance(value, bytes) or len(value) != size:
            raise AbiError(f"{typ} must be {size} bytes, got {value!r}")
        return value + bytes(WORD - size)
    raise AbiError(f"unsupported ABI type {typ}")


def _padded(data: bytes) -> bytes:
    return data + bytes(-len(data) % WORD)


def _encode_one(typ: str, value: Any) -> bytes:
    if typ == "bytes":
        return len(value).to_bytes(WORD, "big") + _padded(value)
    if typ == "string":
        raw = value.encode()
        return len(raw).to_bytes(WORD, "big") + _padded(raw)
    if typ.endswith("[]"):
        items = list(value)
        return len(items).to_bytes(WORD, "big") + encode([typ[:-2]] * len(items), items)
    return _encode_static(typ, value)


def encode(types: Sequence[str], values: Sequence[Any]) -> bytes:
    """The ABI encoding of ``values`` as a tuple of ``types`` (heads, then tails)."""
    if len(types) != len(values):
        raise AbiError(f"{len(types)} types for {len(values)} values")
    heads: list[bytes] = []
    tails: list[bytes] = []
    offset = WORD * len(types)
    for typ, value in zip(types, values):
        if _is_dynamic(typ):
            tail = _encode_one(typ, value)
            heads.append(offset.to_bytes(WORD, "big"))
            tails.append(tail)
            offset += len(tail)
        else:
            heads.append(_encode_static(typ, value))
    return b"".join(heads) + b"".join(tails)


def encode_call(signature: str, *args: Any) -> bytes:
    """Calldata of ``name(type,...)`` with ``args``."""
    types = signature[signature.index("(") + 1 : -1]
    return selector(signature) + encode([t for t in types.split(",") if t], args)


def _word(data: bytes, at: int) -> int:
    if at < 0 or at + WORD > len(data):
        raise AbiError(f"ABI data of {len(data)} bytes ends before byte {at + WORD}")
    return int.from_bytes(data[at : at + WORD], "big")


def _decode_static(typ: str, data: bytes, at: int) -> Any:
    word = _word(data, at)
    if typ == "address":
        if word >> 160:
            raise AbiError(f"address word {word:#x} has bits above 160")
        return word.to_bytes(20, "big")
    if typ == "bool":
        if word > 1:
            raise AbiError(f"bool word {word}")
        return word == 1
    if typ.startswith("uint"):
        if word >> int(typ[4:] or 256):
            raise AbiError(f"{word} does not fit {typ}")
        return word
    if typ.startswith("int"):
        return word - (1 << 256) if word >> 255 else word
    if typ.startswith("bytes"):
        return data[at : at + int(typ[5:])]
    raise AbiError(f"unsupported ABI type {typ}")


def _decode_one(typ: str, data: bytes, at: int) -> Any:
    if typ in ("bytes", "string"):
        size = _word(data, at)
        if at + WORD + size > len(data):
            raise AbiError(f"{typ} of {size} bytes runs past the data")
        raw = data[at + WORD : at + WORD + size]
        if typ == "bytes":
            return raw
        try:
            return raw.decode()
        except UnicodeDecodeError:
            raise AbiError("string is not UTF-8") from None
    if typ.endswith("[]"):
        count = _word(data, at)
        if count > len(data):
            raise AbiError(f"array of {count} items in {len(data)} bytes")
        return decode([typ[:-2]] * count, data[at + WORD :])
    return _decode_static(typ, data, at)


def decode(types: Sequence[str], data: bytes) -> list[Any]:
    """The values of ``types`` encoded in ``data`` (the inverse of ``encode``)."""
    out = []
    for i, typ in enumerate(types):
        if _is_dynamic(typ):
            out.append(_decode_one(typ, data, _word(data, i * WORD)))
        else:
            out.append(_decode_static(typ, data, i * WORD))
    return out


def revert_reason(data: bytes) -> str | None:
    """The message of an ``Error(string)`` revert, or None."""
    if data[:4] != selector("Error(string)"):
        return None
    try:
        return str(decode(["string"], data[4:])[0])
    except AbiError:
        return None
