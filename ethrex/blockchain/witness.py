"""Recording execution witnesses of stored blocks (``debug_executionWitness``, the L2 prover's
input).

``record_witness`` re-executes consecutive stored blocks with ``execute_blocks`` -- the loop
stateless execution runs -- over the parent's archive state, reading trie nodes and code from
the store through ``RecordingTable`` s. Every entry that had to come from the store is part
of the pre-state and goes into the witness; the nodes and code the blocks themselves create
are read back unrecorded, as a stateless run recreates them. Keys are every address and slot
the blocks accessed; headers run from the parent back to the oldest block BLOCKHASH asked for.
"""

from collections.abc import Sequence

from ethrex.blockchain.blockchain import Blockchain, UnknownBlock, UnknownParent
from ethrex.errors import InternalError
from ethrex.execution.stateless import execute_blocks
from ethrex.state.witness import ExecutionWitness, RecordingTable
from ethrex.types.block import Block
from ethrex.types.header import encode_header


def record_witness(chain: Blockchain, blocks: Sequence[Block]) -> ExecutionWitness:
    """The witness of consecutive ``blocks`` whose parent's state is stored (a single block
    or an L2 batch). Raises ``UnknownParent`` when it is not, and ``InvalidBlock`` when the
    blocks do not execute to their headers (they were never imported, or are invalid)."""
    if not blocks:
        raise ValueError("no blocks to record")
    store = chain.store
    first = blocks[0].header
    parent = store.get_header(first.parent_hash)
    if parent is None:
        raise UnknownParent(f"unknown parent 0x{first.parent_hash.hex()}")
    if not store.has_state(parent.state_root):
        raise UnknownBlock(f"the state of block 0x{first.parent_hash.hex()} is not stored")
    nodes = RecordingTable(store.nodes.get)
    codes = RecordingTable(store.get_code)
    chain_hash = chain.block_hash_getter(parent)
    oldest = [parent.number]

    def ancestor_hash(number: int) -> bytes | None:
        oldest[0] = min(oldest[0], number)
        return chain_hash(number)

    keys: dict[bytes, None] = {}
    for _, state in execute_blocks(nodes, codes, parent.state_root, blocks, chain.config,
                                   ancestor_hash, chain.hooks,
                                   store.get_total_difficulty(first.parent_hash)):
        keys.update(dict.fromkeys(state.accounts))
        for slots in state.storage.values():
            keys.update(dict.fromkeys(slot.to_bytes(32, "big") for slot in slots))
    headers = [parent]
    while headers[-1].number > oldest[0]:
        older = store.get_header(headers[-1].parent_hash)
        if older is None:
            raise InternalError(f"ancestor 0x{headers[-1].parent_hash.hex()} is not stored")
        headers.append(older)
    return ExecutionWitness(
        state=tuple(sorted(nodes.recorded.values())),
        codes=tuple(sorted(codes.recorded.values())),
        keys=tuple(keys),
        headers=tuple(encode_header(h) for h in reversed(headers)),
    )
