"""0x06 ECADD, 0x07 ECMUL, 0x08 ECPAIRING on BN254 (Byzantium, EIP-196/197); gas cut by EIP-1108."""

from ethrex.crypto import bn254
from ethrex.forks import Fork, ForkRules

from .errors import PrecompileError


def _pad(data: bytes, size: int) -> bytes:
    if len(data) >= size:
        return data[:size]
    return data + bytes(size - len(data))


def gas_ecadd(data: bytes, rules: ForkRules) -> int:
    return 150 if rules.fork >= Fork.ISTANBUL else 500


def run_ecadd(data: bytes, rules: ForkRules) -> bytes:
    data = _pad(data, 128)
    try:
        return bn254.g1_add(data[:64], data[64:128])
    except ValueError as e:
        raise PrecompileError(f"ecadd: {e}") from None


def gas_ecmul(data: bytes, rules: ForkRules) -> int:
    return 6000 if rules.fork >= Fork.ISTANBUL else 40000


def run_ecmul(data: bytes, rules: ForkRules) -> bytes:
    data = _pad(data, 96)
    try:
        return bn254.g1_mul(data[:64], int.from_bytes(data[64:96], "big"))
    except ValueError as e:
        raise PrecompileError(f"ecmul: {e}") from None


def gas_ecpairing(data: bytes, rules: ForkRules) -> int:
    k = len(data) // 192
    if rules.fork >= Fork.ISTANBUL:
        return 45000 + 34000 * k
    return 100000 + 80000 * k


def run_ecpairing(data: bytes, rules: ForkRules) -> bytes:
    if len(data) % 192:
        raise PrecompileError(f"ecpairing input length {len(data)} is not a multiple of 192")
    pairs = [(data[i : i + 64], data[i + 64 : i + 192]) for i in range(0, len(data), 192)]
    try:
        ok = bn254.pairing_check(pairs)
    except ValueError as e:
        raise PrecompileError(f"ecpairing: {e}") from None
    return (1 if ok else 0).to_bytes(32, "big")
