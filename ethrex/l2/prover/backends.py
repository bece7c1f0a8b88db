"""Proof backends: what each turns a batch's public inputs into, and what L1 checks.

- ``exec``: the public inputs themselves (288 bytes). Only the re-execution that produced them
  vouches for them: ``OnChainProposer`` takes an exec proof only from the sequencer and only
  when the deployment requires the exec type (a development backend).
- ``attested``: a secp256k1 signature of ``keccak256(public inputs)``, ``r ++ s ++ v`` (65
  bytes, ``v`` 27 or 28), by a key registered with ``OnChainProposer.setAttester`` (or at
  deployment); L1 checks it with ``ecrecover``. The shape of a TEE prover, whose key never
  leaves the enclave.

Proof type numbers are the contract's: bit ``i`` of ``requiredProofs``, ``proofs[i]`` of
``verifyBatch``.
"""

from ethrex.crypto.secp256k1 import sign, try_recover_address
from ethrex.l2.rollup.inputs import PublicInputs

EXEC, ATTESTED = 0, 1
BACKENDS = {"exec": EXEC, "attested": ATTESTED}
BACKEND_NAMES = {kind: name for name, kind in BACKENDS.items()}
PROOF_TYPES = len(BACKENDS)
SIGNATURE_SIZE = 65


def exec_proof(inputs: PublicInputs) -> bytes:
    return inputs.encode()


def attestation(inputs: PublicInputs, key: bytes) -> bytes:
    """The attested backend's proof: ``inputs`` signed with ``key``."""
    parity, r, s = sign(inputs.digest(), key)
    return r.to_bytes(32, "big") + s.to_bytes(32, "big") + bytes([27 + parity])


def attestation_signer(inputs: PublicInputs, proof: bytes) -> bytes | None:
    """Who signed ``inputs`` in ``proof`` (what L1's ``ecrecover`` finds); None when the
    signature is malformed."""
    if len(proof) != SIGNATURE_SIZE or proof[64] not in (27, 28):
        return None
    return try_recover_address(inputs.digest(), proof[64] - 27,
                               int.from_bytes(proof[:32], "big"),
                               int.from_bytes(proof[32:64], "big"))


def prove(backend: int, inputs: PublicInputs, key: bytes | None) -> bytes:
    """The proof of ``inputs`` by ``backend`` (the attested one signs with ``key``)."""
    if backend == EXEC:
        return exec_proof(inputs)
    if key is None:
        raise ValueError("the attested backend needs a key")
    return attestation(inputs, key)
