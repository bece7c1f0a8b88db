"""The prover's program: a batch's public inputs from its blocks and witness alone.

``ProverInput`` is everything a prover receives for batch ``number`` (its RLP is what a zkVM
guest would read, docs/l2.md): the batch's blocks, their execution witness (the parent's
state nodes, codes and ancestor headers: ``ethrex.state.witness``), the bridge's privileged
rolling hash before the batch and whether the rollup is a validium. ``batch_public_inputs``
re-executes the blocks statelessly (``execute_stateless``, with the rollup's hooks), which
checks every block against its header, state root included, then computes what the batch
commits to (``batch_commitment``), the commitment to its published data from the same blocks
(``batch_data.data_commitment``: the blobs' versioned hashes, or the validium's payload hash;
this ties what L1 recorded with BLOBHASH to the executed blocks) and its ``PublicInputs``.
A witness that lacks a node, a code or a header raises ``InvalidWitness``
(``MissingWitnessNode`` ...): never a wrong root.
"""

from dataclasses import dataclass

from ethrex import rlp
from ethrex.execution.stateless import execute_stateless
from ethrex.l2.rollup.batch import batch_commitment
from ethrex.l2.rollup.batch_data import data_commitment
from ethrex.l2.rollup.hooks import L2Hooks
from ethrex.l2.rollup.inputs import PublicInputs, batch_inputs
from ethrex.state.witness import ExecutionWitness, decode_witness, encode_witness
from ethrex.types.block import Block, block_fields, decode_block_item
from ethrex.types.genesis import ChainConfig


@dataclass(frozen=True, slots=True)
class ProverInput:
    """What proving batch ``number`` needs (see the module docstring)."""

    number: int
    blocks: tuple[Block, ...]
    witness: ExecutionWitness
    previous_rolling_hash: bytes
    validium: bool = False

    def encode(self) -> bytes:
        """``rlp([number, [block, ...], witness, previous_rolling_hash, validium])``, the
        witness as ``encode_witness`` (geth's RLP form) nested as a string, validium 0 or 1."""
        return rlp.encode([self.number, [block_fields(b) for b in self.blocks],
                           encode_witness(self.witness), self.previous_rolling_hash,
                           int(self.validium)])

    @classmethod
    def decode(cls, data: bytes) -> "ProverInput":
        """Raises ``RLPDecodingError`` (or ``InvalidTransaction``) on malformed bytes."""
        number, blocks, witness, previous, validium = rlp.decode_list(rlp.decode(data), 5)
        flag = rlp.decode_int(validium)
        if flag > 1:
            raise ValueError(f"validium is 0 or 1, got {flag}")
        return cls(rlp.decode_int(number),
                   tuple(decode_block_item(b) for b in rlp.decode_list(blocks)),
                   decode_witness(rlp.decode_bytes(witness)),
                   rlp.decode_bytes(previous, 32), bool(flag))


def batch_public_inputs(job: ProverInput, config: ChainConfig) -> PublicInputs:
    """Re-execute ``job``'s batch from its witness and return its public inputs. Raises
    ``InvalidWitness``, ``InvalidBlock`` or ``BatchDataError`` (blocks too large to
    publish)."""
    if not job.blocks:
        raise ValueError("a batch has at least one block")
    result = execute_stateless(job.witness, job.blocks, config, L2Hooks())
    commitment = batch_commitment(job.number, job.blocks,
                                  [output.receipts for output in result.outputs],
                                  job.previous_rolling_hash)
    return batch_inputs(config.chain_id, commitment, result.initial_state_root,
                        job.previous_rolling_hash, data_commitment(job.blocks, job.validium))
