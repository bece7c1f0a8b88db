"""0x02 SHA256, 0x03 RIPEMD160 and 0x04 IDENTITY (Frontier): base gas plus gas per 32-byte word."""

import hashlib

from ethrex.crypto.ripemd160 import ripemd160
from ethrex.forks import ForkRules


def gas_sha256(data: bytes, rules: ForkRules) -> int:
    return 60 + 12 * ((len(data) + 31) // 32)


def run_sha256(data: bytes, rules: ForkRules) -> bytes:
    return hashlib.sha256(data).digest()


def gas_ripemd160(data: bytes, rules: ForkRules) -> int:
    return 600 + 120 * ((len(data) + 31) // 32)


def run_ripemd160(data: bytes, rules: ForkRules) -> bytes:
    """The 20-byte digest left-padded to a word."""
    return bytes(12) + ripemd160(data)


def gas_identity(data: bytes, rules: ForkRules) -> int:
    return 15 + 3 * ((len(data) + 31) // 32)


def run_identity(data: bytes, rules: ForkRules) -> bytes:
    return bytes(data)
