"""0x01 ECRECOVER (Frontier): the signer's address of a secp256k1 signature over a hash."""

from ethrex.crypto.secp256k1 import try_recover_address
from ethrex.forks import ForkRules

GAS = 3000


def gas_ecrecover(data: bytes, rules: ForkRules) -> int:
    return GAS


def run_ecrecover(data: bytes, rules: ForkRules) -> bytes:
    """hash, v, r, s as four words (zero-padded); a bad signature gives empty output, not an error."""
    if len(data) < 128:
        data = data + bytes(128 - len(data))
    v = int.from_bytes(data[32:64], "big")
    if v != 27 and v != 28:
        return b""
    r = int.from_bytes(data[64:96], "big")
    s = int.from_bytes(data[96:128], "big")
    # No EIP-2 low-s rule here: the precompile accepts any s in [1, n).
    address = try_recover_address(data[:32], v - 27, r, s)
    if address is None:
        return b""
    return bytes(12) + address
