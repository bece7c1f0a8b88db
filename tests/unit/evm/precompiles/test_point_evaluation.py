"""0x0a POINT_EVALUATION (EIP-4844), with proofs made by ckzg over the bundled trusted setup."""

import ckzg
import pytest

from ethrex.crypto import kzg
from ethrex.evm.precompiles import PRECOMPILES, PrecompileError
from ethrex.forks import RULES, Fork

CANCUN = RULES[Fork.CANCUN]
gas_pe, point_evaluation = PRECOMPILES[0x0A]


@pytest.fixture(scope="module")
def call() -> bytes:
    blob = b"".join((i * 7919 % kzg.BLS_MODULUS).to_bytes(32, "big") for i in range(4096))
    commitment = kzg.blob_to_commitment(blob)
    z = (123456789).to_bytes(32, "big")
    proof, y = ckzg.compute_kzg_proof(blob, z, kzg._setup())
    return kzg.kzg_to_versioned_hash(commitment) + z + bytes(y) + commitment + bytes(proof)


def test_valid(call: bytes) -> None:
    out = point_evaluation(call, CANCUN)
    assert out == (4096).to_bytes(32, "big") + kzg.BLS_MODULUS.to_bytes(32, "big")
    assert gas_pe(call, CANCUN) == 50000


def test_invalid(call: bytes) -> None:
    wrong_y = call[:95] + bytes([call[95] ^ 1]) + call[96:]
    wrong_hash = b"\x02" + call[1:]
    big_z = call[:32] + b"\xff" * 32 + call[64:]  # z not below the BLS modulus
    for data in (wrong_y, wrong_hash, big_z, call[:-1], call + b"\x00", b""):
        with pytest.raises(PrecompileError):
            point_evaluation(data, CANCUN)
