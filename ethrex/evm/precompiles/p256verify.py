"""0x100 P256VERIFY (Osaka, EIP-7951): secp256r1 signature check; failure is empty output."""

from ethrex.crypto import p256
from ethrex.forks import ForkRules

GAS = 6900
_ONE = (1).to_bytes(32, "big")


def gas_p256verify(data: bytes, rules: ForkRules) -> int:
    return GAS


def run_p256verify(data: bytes, rules: ForkRules) -> bytes:
    """hash (32) || r (32) || s (32) || qx (32) || qy (32) -> 1 as a word, or nothing."""
    if len(data) != 160:
        return b""
    ok = p256.verify(
        data[:32],
        int.from_bytes(data[32:64], "big"),
        int.from_bytes(data[64:96], "big"),
        int.from_bytes(data[96:128], "big"),
        int.from_bytes(data[128:160], "big"),
    )
    return _ONE if ok else b""
