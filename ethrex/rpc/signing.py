"""What dev mode's accounts sign besides transactions: EIP-191 personal messages
(``eth_sign``, ``personal_sign``) and EIP-712 typed data (``eth_signTypedData_v4``).

Both end in a 65-byte signature ``r || s || v`` with ``v`` 27 or 28, as wallets return it.
"""

import re
from typing import Any

from ethrex.crypto.secp256k1 import sign
from ethrex.primitives import keccak256


class TypedDataError(ValueError):
    """Typed data that does not follow EIP-712 (the message says where)."""


def personal_message_hash(message: bytes) -> bytes:
    """EIP-191 version 0x45: ``keccak("\\x19Ethereum Signed Message:\\n" + len + message)``."""
    return keccak256(b"\x19Ethereum Signed Message:\n" + str(len(message)).encode() + message)


def signature_bytes(digest: bytes, private_key: bytes) -> bytes:
    """``r || s || v`` (v = 27 + y parity) of ``digest``."""
    parity, r, s = sign(digest, private_key)
    return r.to_bytes(32, "big") + s.to_bytes(32, "big") + bytes((27 + parity,))


# -- EIP-712 -----------------------------------------------------------------------------------

Types = dict[str, list[dict[str, str]]]
_ARRAY = re.compile(r"^(.*)\[(\d*)\]$")


def _referenced(primary: str, types: Types, found: set[str]) -> None:
    if primary in found or primary not in types:
        return
    found.add(primary)
    for member in types[primary]:
        _referenced(member["type"].split("[")[0], types, found)


def encode_type(primary: str, types: Types) -> str:
    """``Name(type name,...)`` of ``primary``, then every struct it references, by name."""
    found: set[str] = set()
    _referenced(primary, types, found)
    found.discard(primary)
    return "".join(f"{name}({','.join(m['type'] + ' ' + m['name'] for m in types[name])})"
                   for name in [primary, *sorted(found)])


def _int(value: Any, what: str) -> int:
    if isinstance(value, bool):
        return int(value)
    if isinstance(value, int):
        return value
    if isinstance(value, str):
        return int(value, 16) if value.lower().startswith(("0x", "-0x")) else int(value)
    raise TypedDataError(f"{what}: expected a number, got {value!r}")


def _bytes(value: Any, what: str) -> bytes:
    if isinstance(value, str) and value.startswith("0x"):
        try:
            return bytes.fromhex(value[2:])
        except ValueError:
            raise TypedDataError(f"{what}: not hex: {value!r}") from None
    raise TypedDataError(f"{what}: expected 0x-hex bytes, got {value!r}")


def _encode_value(kind: str, value: Any, types: Types, what: str) -> bytes:
    """The 32 bytes ``encodeData`` gives one member of type ``kind``."""
    array = _ARRAY.match(kind)
    if array is not None:
        if not isinstance(value, list):
            raise TypedDataError(f"{what}: expected an array")
        if array.group(2) and len(value) != int(array.group(2)):
            raise TypedDataError(f"{what}: expected {array.group(2)} items")
        return keccak256(b"".join(_encode_value(array.group(1), item, types, f"{what}[{i}]")
                                  for i, item in enumerate(value)))
    if kind in types:
        if not isinstance(value, dict):
            raise TypedDataError(f"{what}: expected an object of type {kind}")
        return hash_struct(kind, value, types)
    if kind == "string":
        if not isinstance(value, str):
            raise TypedDataError(f"{what}: expected a string")
        return keccak256(value.encode())
    if kind == "bytes":
        return keccak256(_bytes(value, what))
    if kind == "bool":
        return (1 if value in (True, "true", 1) else 0).to_bytes(32, "big")
    if kind == "address":
        address = _bytes(value, what)
        if len(address) != 20:
            raise TypedDataError(f"{what}: an address is 20 bytes")
        return address.rjust(32, b"\x00")
    if kind.startswith(("uint", "int")):
        bits = int(kind.lstrip("uint") or 256)
        number = _int(value, what)
        signed = kind.startswith("int")
        low, high = (-(1 << (bits - 1)), 1 << (bits - 1)) if signed else (0, 1 << bits)
        if not low <= number < high:
            raise TypedDataError(f"{what}: {number} does not fit {kind}")
        return (number % (1 << 256)).to_bytes(32, "big")
    if kind.startswith("bytes") and kind[5:].isdigit():
        data = _bytes(value, what)
        if len(data) > int(kind[5:]):
            raise TypedDataError(f"{what}: longer than {kind}")
        return data.ljust(32, b"\x00")
    raise TypedDataError(f"{what}: unknown type {kind}")


def hash_struct(primary: str, value: dict[str, Any], types: Types) -> bytes:
    """``keccak(typeHash || encodeData(value))``."""
    encoded = [keccak256(encode_type(primary, types).encode())]
    for member in types[primary]:
        name = member["name"]
        encoded.append(_encode_value(member["type"], value.get(name), types,
                                     f"{primary}.{name}"))
    return keccak256(b"".join(encoded))


def typed_data_hash(data: dict[str, Any]) -> bytes:
    """EIP-712: ``keccak(0x1901 || hashStruct(domain) || hashStruct(message))``."""
    try:
        types: Types = data["types"]
        primary = data["primaryType"]
        domain, message = data["domain"], data["message"]
    except (KeyError, TypeError):
        raise TypedDataError("typed data needs types, primaryType, domain and message") from None
    if not isinstance(types, dict) or primary not in types or "EIP712Domain" not in types:
        raise TypedDataError("types must define EIP712Domain and the primary type")
    return keccak256(b"\x19\x01" + hash_struct("EIP712Domain", domain, types)
                     + hash_struct(primary, message, types))
