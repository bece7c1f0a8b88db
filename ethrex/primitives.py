"""The few primitives every layer shares: 256-bit word helpers, hex codecs and keccak256.

Numbers are plain ``int`` and hashes and addresses are plain ``bytes``; the ``NewType`` aliases
below cost nothing at run time and only document intent.
"""

from typing import NewType

import sha3  # safe-pysha3: keccak in C

Address = NewType("Address", bytes)  # 20 bytes
Hash32 = NewType("Hash32", bytes)  # 32 bytes

U256_MAX = 2**256 - 1
MASK = U256_MAX
U64_MAX = 2**64 - 1
SIGN_BIT = 2**255

_keccak_256 = sha3.keccak_256


def keccak256(data: bytes) -> bytes:
    """Return the 32-byte Keccak-256 digest (the pre-standard SHA-3 Ethereum uses)."""
    return _keccak_256(data).digest()


def keccak256_hasher() -> "sha3.keccak_256":
    """An incremental Keccak-256 (``update``, ``digest``, ``copy``): RLPx's running frame MACs."""
    return _keccak_256()


EMPTY_HASH = keccak256(b"")  # code hash of an account without code
EMPTY_LIST_HASH = keccak256(b"\xc0")  # ommers hash of a block without ommers


def to_signed(value: int) -> int:
    """Read a 256-bit word as two's complement."""
    return value - 2**256 if value & SIGN_BIT else value


def hex_to_bytes(text: str) -> bytes:
    """Decode ``0x``-prefixed (or bare) hex; an odd length gets a leading zero nibble."""
    if text[:2] in ("0x", "0X"):
        text = text[2:]
    if len(text) % 2:
        text = "0" + text
    return bytes.fromhex(text)


def hex_to_int(text: str) -> int:
    """Decode a ``0x``-prefixed hex quantity (``0x`` alone is zero) or a decimal string."""
    if text[:2] in ("0x", "0X"):
        return int(text[2:], 16) if len(text) > 2 else 0
    return int(text)


def bytes_to_hex(data: bytes) -> str:
    """Encode bytes as ``0x``-prefixed hex (JSON-RPC DATA)."""
    return "0x" + data.hex()


def int_to_hex(value: int) -> str:
    """Encode an int as a ``0x``-prefixed minimal hex quantity (JSON-RPC QUANTITY)."""
    return hex(value)
