"""Stateless execution: re-run a block or a batch of consecutive blocks from an execution
witness alone, through the one block pipeline (``execute_block``), and prove their roots.

``execute_stateless`` is the prover's entry point (it needs no store and no chain: see the
layering rule for ``ethrex/l2/prover/``). It opens the pre-state at the state root of the
witness' parent header, runs every block on a ``TrieBackend`` over the witness' nodes and
codes, and lets ``execute_block`` compare each block's receipts, gas, bloom, requests and state
root with its header: a block that does not match raises ``InvalidBlock``; a witness that lacks
a node, a code or a header raises ``InvalidWitness`` (``MissingWitnessNode`` names the node):
never a wrong root. BLOCKHASH reads the witness' headers, which must chain by hash to the first
block; the blocks of the batch serve the ones after it.

``execute_blocks`` is the loop itself, over any node and code stores: the chain records a
witness by running the same loop over its store through ``RecordingTable`` s
(``ethrex.blockchain.witness``), so a recorded witness holds exactly what this loop loads.

Header rules that need no state (gas limit bounds, base fee, excess blob gas, timestamps) are
``ethrex.blockchain.validation``'s and are not checked here.
"""

from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass

from ethrex.errors import InvalidBlock
from ethrex.execution.block import BlockContext, BlockOutput, execute_block
from ethrex.execution.hooks import ExecutionHooks, L1Hooks
from ethrex.execution.system_calls import MAINNET_DEPOSIT_CONTRACT
from ethrex.forks import rules_at
from ethrex.primitives import EMPTY_HASH
from ethrex.state import StateDB
from ethrex.state.trie_backend import TrieBackend
from ethrex.state.witness import (
    ExecutionWitness,
    InvalidWitness,
    MissingWitnessCode,
    MissingWitnessHeader,
    MissingWitnessNode,
    WitnessTable,
)
from ethrex.trie.nodes import NodeStore
from ethrex.types.block import Block
from ethrex.types.genesis import ChainConfig
from ethrex.types.header import Header

BLOCKHASH_WINDOW = 256  # BLOCKHASH sees the 256 most recent blocks


@dataclass(frozen=True, slots=True)
class StatelessResult:
    """What a batch proves: the state root it starts from (its parent's), the state root it
    ends at (its last block's) and each block's execution output (receipts, gas, requests)."""

    initial_state_root: bytes
    final_state_root: bytes
    outputs: tuple[BlockOutput, ...]


def default_hooks(config: ChainConfig) -> ExecutionHooks:
    """The L1 hooks of a chain (its EIP-6110 deposit contract), as ``Blockchain`` uses."""
    return L1Hooks(config.deposit_contract_address or MAINNET_DEPOSIT_CONTRACT)


def execute_blocks(
    nodes: NodeStore,
    codes: NodeStore,
    state_root: bytes,
    blocks: Sequence[Block],
    config: ChainConfig,
    ancestor_hash: Callable[[int], bytes | None],
    hooks: ExecutionHooks,
    parent_total_difficulty: int | None = None,
) -> Iterator[tuple[BlockOutput, StateDB]]:
    """Execute consecutive ``blocks`` from the state at ``state_root``, yielding each block's
    output and final ``StateDB``. ``ancestor_hash(n)`` answers BLOCKHASH for blocks before
    the first; ``parent_total_difficulty`` picks the rules of a chain that merges at a
    terminal total difficulty (None: the fork schedule alone). Raises ``InvalidBlock`` when a
    block does not chain to the previous one or disagrees with its header."""
    first = blocks[0].header.number
    hashes: list[bytes] = []
    td = parent_total_difficulty
    dao_block = config.dao_fork_block if config.dao_fork_support else None
    for block in blocks:
        header = block.header
        number = header.number
        if hashes and (header.parent_hash != hashes[-1] or number != first + len(hashes)):
            raise InvalidBlock(f"block {number} does not follow block {number - 1} of the batch")
        rules = rules_at(config, number, header.timestamp, parent_total_difficulty=td)
        ctx = BlockContext(config.chain_id, header.parent_hash,
                           _block_hash_getter(number, first, tuple(hashes), ancestor_hash),
                           dao_block is not None and number == dao_block, hooks)
        state = StateDB(TrieBackend(nodes, codes, state_root))
        output = execute_block(state, block, rules, ctx)
        for code_hash, code in state.codes.items():
            if code_hash != EMPTY_HASH:
                codes[code_hash] = code  # deployed here: the next block reads it
        state_root = header.state_root
        hashes.append(header.hash())
        if td is not None:
            td += header.difficulty
        yield output, state


def _block_hash_getter(number: int, first: int, batch: tuple[bytes, ...],
                       ancestor_hash: Callable[[int], bytes | None]
                       ) -> Callable[[int], bytes | None]:
    """BLOCKHASH for block ``number``: the batch's own blocks from ``first`` on, the ancestors
    before it; None outside the 256-block window."""
    def block_hash(n: int) -> bytes | None:
        if not number - BLOCKHASH_WINDOW <= n < number or n < 0:
            return None
        if n >= first:
            return batch[n - first]
        return ancestor_hash(n)

    return block_hash


def verified_ancestors(headers: Sequence[Header], first_parent_hash: bytes) -> list[Header]:
    """The headers that chain by hash back from the first block's parent, newest first (the
    parent, its parent, ...); the others are ignored. Raises ``InvalidWitness`` when the
    parent is absent or a header's number does not follow its parent's."""
    by_hash = {h.hash(): h for h in headers}
    parent = by_hash.get(first_parent_hash)
    if parent is None:
        raise InvalidWitness(f"the witness lacks the parent header 0x{first_parent_hash.hex()}")
    chain = [parent]
    while parent.number > 0:
        older = by_hash.get(parent.parent_hash)
        if older is None:
            break
        if older.number != parent.number - 1:
            raise InvalidWitness(f"witness header {older.number} is the parent of header "
                                 f"{parent.number}")
        chain.append(older)
        parent = older
    return chain


def execute_stateless(
    witness: ExecutionWitness,
    blocks: Sequence[Block],
    config: ChainConfig,
    hooks: ExecutionHooks | None = None,
    parent_total_difficulty: int | None = None,
) -> StatelessResult:
    """Re-execute consecutive ``blocks`` from ``witness`` alone and check every header
    commitment, state roots included. ``hooks``: the chain's execution hooks (a rollup's
    privileged transactions and fees), L1's by default. Raises ``InvalidWitness`` (a missing
    node, code or header names it) or ``InvalidBlock``."""
    if not blocks:
        raise ValueError("no blocks to execute")
    ancestors = verified_ancestors(witness.decoded_headers(), blocks[0].header.parent_hash)
    parent = ancestors[0]
    if parent.number + 1 != blocks[0].header.number:
        raise InvalidBlock(f"block {blocks[0].header.number} follows block {parent.number}")
    known = {h.number: h.hash() for h in ancestors}

    def ancestor_hash(n: int) -> bytes:
        found = known.get(n)
        if found is None:
            raise MissingWitnessHeader(n)
        return found

    nodes = WitnessTable(witness.state, MissingWitnessNode)
    codes = WitnessTable(witness.codes, MissingWitnessCode)
    outputs = tuple(output for output, _ in execute_blocks(
        nodes, codes, parent.state_root, blocks, config, ancestor_hash,
        hooks if hooks is not None else default_hooks(config), parent_total_difficulty))
    return StatelessResult(parent.state_root, blocks[-1].header.state_root, outputs)
