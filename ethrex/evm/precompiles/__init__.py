"""The precompiled contracts: address -> (gas_fn, run_fn), and the set each fork activates.

The EVM charges ``gas_fn(data, rules)`` first, then calls ``run_fn(data, rules)``; a
``PrecompileError`` from run_fn fails the call and consumes all the gas it was given.
"""

from collections.abc import Callable

from ethrex.forks import Fork, ForkRules

from .alt_bn128 import gas_ecadd, gas_ecmul, gas_ecpairing, run_ecadd, run_ecmul, run_ecpairing
from .blake2f import gas_blake2f, run_blake2f
from .bls12_381 import (
    gas_g1add, gas_g1msm, gas_g2add, gas_g2msm, gas_map_fp2_to_g2, gas_map_fp_to_g1, gas_pairing,
    run_g1add, run_g1msm, run_g2add, run_g2msm, run_map_fp2_to_g2, run_map_fp_to_g1, run_pairing,
)  # fmt: skip
from .ecrecover import gas_ecrecover, run_ecrecover
from .errors import PrecompileError
from .hashes import gas_identity, gas_ripemd160, gas_sha256, run_identity, run_ripemd160, run_sha256
from .modexp import gas_modexp, run_modexp
from .p256verify import gas_p256verify, run_p256verify
from .point_evaluation import gas_point_evaluation, run_point_evaluation

GasFn = Callable[[bytes, ForkRules], int]
RunFn = Callable[[bytes, ForkRules], bytes]
Precompile = tuple[GasFn, RunFn]

PRECOMPILES: dict[int, Precompile] = {
    0x01: (gas_ecrecover, run_ecrecover),
    0x02: (gas_sha256, run_sha256),
    0x03: (gas_ripemd160, run_ripemd160),
    0x04: (gas_identity, run_identity),
    0x05: (gas_modexp, run_modexp),  # EIP-198
    0x06: (gas_ecadd, run_ecadd),  # EIP-196
    0x07: (gas_ecmul, run_ecmul),  # EIP-196
    0x08: (gas_ecpairing, run_ecpairing),  # EIP-197
    0x09: (gas_blake2f, run_blake2f),  # EIP-152
    0x0A: (gas_point_evaluation, run_point_evaluation),  # EIP-4844
    0x0B: (gas_g1add, run_g1add),  # EIP-2537
    0x0C: (gas_g1msm, run_g1msm),
    0x0D: (gas_g2add, run_g2add),
    0x0E: (gas_g2msm, run_g2msm),
    0x0F: (gas_pairing, run_pairing),
    0x10: (gas_map_fp_to_g1, run_map_fp_to_g1),
    0x11: (gas_map_fp2_to_g2, run_map_fp2_to_g2),
    0x100: (gas_p256verify, run_p256verify),  # EIP-7951
}

# The fork that activates each address.
ACTIVATION: dict[int, Fork] = {
    **{a: Fork.FRONTIER for a in (0x01, 0x02, 0x03, 0x04)},
    **{a: Fork.BYZANTIUM for a in (0x05, 0x06, 0x07, 0x08)},  # EIP-198, 196, 197
    0x09: Fork.ISTANBUL,  # EIP-152
    0x0A: Fork.CANCUN,  # EIP-4844
    **{a: Fork.PRAGUE for a in range(0x0B, 0x12)},  # EIP-2537
    0x100: Fork.OSAKA,  # EIP-7951
}

_by_fork: dict[Fork, dict[bytes, Precompile]] = {}


def precompiles_for(rules: ForkRules) -> dict[bytes, Precompile]:
    """The precompiles active under ``rules``, keyed by 20-byte address (cached per fork)."""
    table = _by_fork.get(rules.fork)
    if table is None:
        table = {
            address.to_bytes(20, "big"): PRECOMPILES[address]
            for address, fork in ACTIVATION.items()
            if rules.fork >= fork
        }
        _by_fork[rules.fork] = table
    return table


__all__ = ["PRECOMPILES", "ACTIVATION", "PrecompileError", "precompiles_for"]
