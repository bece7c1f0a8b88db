"""A batch's public inputs: the exact bytes every proof of the batch is about.

Nine 32-byte words (big-endian numbers; ``abi.encode`` of nine static values in Solidity,
288 bytes), in this order:

| word | field                          | on L1 (``OnChainProposer.publicInputs``)        |
|------|--------------------------------|-------------------------------------------------|
| 0    | ``chain_id``                   | ``l2ChainId`` (set at deployment)               |
| 1    | ``batch_number``               | the batch being verified                        |
| 2    | ``initial_state_root``         | ``batches[n - 1].stateRoot``                    |
| 3    | ``final_state_root``           | ``batches[n].stateRoot``                        |
| 4    | ``messages_root``              | ``batches[n].messagesRoot``                     |
| 5    | ``previous_rolling_hash``      | ``batches[n - 1].privilegedRollingHash``        |
| 6    | ``rolling_hash``               | ``batches[n].privilegedRollingHash``            |
| 7    | ``last_block_hash``            | ``batches[n].lastBlockHash``                    |
| 8    | ``data_commitment``            | ``batchDataCommitment[n]``: keccak256 of the    |
|      |                                | blobs' versioned hashes (a validium: of its     |
|      |                                | payload), ``batch_data.data_commitment``        |

A prover computes them by re-executing the batch from its witness (``ethrex.l2.prover``); the
proposer builds them from what was committed; a proof is valid for a batch when both agree.
Attesters sign ``keccak256`` of the bytes (``digest``).
"""

from dataclasses import astuple, dataclass

from ethrex.l2.rollup.batch import BatchCommitment
from ethrex.primitives import keccak256

WORDS = 9
SIZE = 32 * WORDS


class MalformedInputs(ValueError):
    """Bytes that are not public inputs (not nine 32-byte words)."""


@dataclass(frozen=True, slots=True)
class PublicInputs:
    """What a proof of batch ``batch_number`` proves (see the module docstring)."""

    chain_id: int
    batch_number: int
    initial_state_root: bytes
    final_state_root: bytes
    messages_root: bytes
    previous_rolling_hash: bytes
    rolling_hash: bytes
    last_block_hash: bytes
    data_commitment: bytes

    def encode(self) -> bytes:
        out = b"".join(v.to_bytes(32, "big") if isinstance(v, int) else v for v in astuple(self))
        if len(out) != SIZE:
            raise ValueError("a field of the public inputs is not 32 bytes")
        return out

    def digest(self) -> bytes:
        """keccak256 of the bytes: what an attester signs."""
        return keccak256(self.encode())

    @classmethod
    def decode(cls, data: bytes) -> "PublicInputs":
        if len(data) != SIZE:
            raise MalformedInputs(f"public inputs are {SIZE} bytes, got {len(data)}")
        w = [data[i:i + 32] for i in range(0, SIZE, 32)]
        return cls(int.from_bytes(w[0], "big"), int.from_bytes(w[1], "big"), *w[2:])


def batch_inputs(chain_id: int, commitment: BatchCommitment, initial_state_root: bytes,
                 previous_rolling_hash: bytes, data_commitment: bytes) -> PublicInputs:
    """The public inputs of the batch ``commitment`` describes, which starts from
    ``initial_state_root`` and the bridge's ``previous_rolling_hash``, its published data
    committed to by ``data_commitment``."""
    return PublicInputs(chain_id, commitment.number, initial_state_root, commitment.state_root,
                        commitment.messages_root, previous_rolling_hash,
                        commitment.privileged_rolling_hash, commitment.last_block_hash,
                        data_commitment)
