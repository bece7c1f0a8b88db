"""A batch: consecutive L2 blocks committed to L1 together, and what it commits to.

``BatchCommitment`` holds the arguments of ``OnChainProposer.commitBatch``: the batch's number
and block range, the state root after its last block, the Merkle root of the L2-to-L1
messages its blocks sent (``messages``), how many privileged transactions it included and the
bridge's rolling hash after them (``privileged``), and the last block's hash. Everything is a
function of the blocks, their receipts and the previous batch's rolling hash, so a prover that
re-executes the blocks (``execute_batch``, on any state backend) reaches the same commitment.
"""

from collections.abc import Callable, Sequence
from dataclasses import dataclass

from ethrex.errors import InvalidBlock
from ethrex.execution.block import BlockContext, execute_block
from ethrex.forks import rules_at
from ethrex.l2.rollup.hooks import L2Hooks
from ethrex.l2.rollup.messages import batch_messages, merkle_root
from ethrex.l2.rollup.privileged import rolling_hash
from ethrex.state import StateDB
from ethrex.types.block import Block
from ethrex.types.genesis import ChainConfig
from ethrex.types.receipt import Receipt
from ethrex.types.transactions import PrivilegedL2Transaction


@dataclass(frozen=True, slots=True)
class BatchCommitment:
    """What batch ``number`` (blocks ``first_block``..``last_block``) commits to on L1."""

    number: int
    first_block: int
    last_block: int
    state_root: bytes
    messages_root: bytes
    privileged_count: int
    privileged_rolling_hash: bytes
    last_block_hash: bytes


def privileged_transactions(blocks: Sequence[Block]) -> list[PrivilegedL2Transaction]:
    """The privileged transactions of ``blocks``, in order."""
    return [tx for block in blocks for tx in block.transactions
            if isinstance(tx, PrivilegedL2Transaction)]


def batch_commitment(number: int, blocks: Sequence[Block],
                     receipts: Sequence[Sequence[Receipt]],
                     previous_rolling_hash: bytes) -> BatchCommitment:
    """The commitment of ``blocks`` (executed, with their ``receipts``) as batch ``number``;
    ``previous_rolling_hash`` is the previous batch's."""
    if not blocks:
        raise ValueError("a batch has at least one block")
    privileged = privileged_transactions(blocks)
    last = blocks[-1].header
    return BatchCommitment(
        number=number,
        first_block=blocks[0].header.number,
        last_block=last.number,
        state_root=last.state_root,
        messages_root=merkle_root([m.leaf() for m in batch_messages(receipts)]),
        privileged_count=len(privileged),
        privileged_rolling_hash=rolling_hash(previous_rolling_hash, privileged),
        last_block_hash=last.hash(),
    )


def execute_batch(state: StateDB, number: int, blocks: Sequence[Block], config: ChainConfig,
                  hooks: L2Hooks, block_hash: Callable[[int], bytes | None],
                  previous_rolling_hash: bytes) -> BatchCommitment:
    """Re-execute ``blocks`` on ``state`` (the state after the block before the first),
    checking each against its header, and return the batch's commitment. ``block_hash``
    gives the hashes of the blocks before the batch (BLOCKHASH). Raises ``InvalidBlock`` when
    a block does not execute to its header."""
    receipts = []
    own: dict[int, bytes] = {}  # the batch's blocks executed so far
    parent_hash = blocks[0].header.parent_hash if blocks else b""
    for block in blocks:
        header = block.header
        if header.parent_hash != parent_hash:
            raise InvalidBlock(f"block {header.number} does not follow the previous one")
        rules = rules_at(config, header.number, header.timestamp)
        ctx = BlockContext(config.chain_id, header.parent_hash,
                           _hash_getter(header.number, own, block_hash), hooks=hooks)
        receipts.append(execute_block(state, block, rules, ctx).receipts)
        parent_hash = own[header.number] = header.hash()
    return batch_commitment(number, blocks, receipts, previous_rolling_hash)


def _hash_getter(number: int, own: dict[int, bytes],
                 before: Callable[[int], bytes | None]) -> Callable[[int], bytes | None]:
    """BLOCKHASH for block ``number``: the 256 blocks before it, the batch's own first."""
    def block_hash(n: int) -> bytes | None:
        if not number - 256 <= n < number or n < 0:
            return None
        return own[n] if n in own else before(n)
    return block_hash
