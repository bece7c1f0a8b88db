"""An in-memory block tree: every valid block is kept with its post-state, side chains
included, and the head follows the fork-choice rule (heaviest total difficulty before the
merge, the latest valid block after it, as the consensus layer would choose).

An invalid block changes nothing: it runs on a fresh ``StateDB`` over its parent's state and
only a fully validated result is stored. The persistent store replaces the dicts later.
"""

from collections.abc import Callable

from ethrex.blockchain.ommers import MAX_OMMER_DEPTH, validate_ommers
from ethrex.blockchain.validation import validate_header
from ethrex.errors import InvalidBlock
from ethrex.execution.block import (
    MAX_RLP_BLOCK_SIZE,
    BlockContext,
    BlockOutput,
    execute_block,
)
from ethrex.execution.system_calls import MAINNET_DEPOSIT_CONTRACT
from ethrex.forks import Fork, ForkRules, rules_at
from ethrex.state import DictBackend, StateDB
from ethrex.types.block import Block, encode_block
from ethrex.types.genesis import ChainConfig
from ethrex.types.header import Header

BLOCKHASH_WINDOW = 256


def commit_state(parent: DictBackend, db: StateDB) -> DictBackend:
    """A new backend: ``parent`` with ``db``'s changes applied. ``parent`` is left untouched
    (copy-on-write of the per-account storage dicts), so side chains keep their states."""
    child = DictBackend()
    child.codes = parent.codes  # content-addressed: sharing is safe, entries never change
    child.codes.update(db.codes)
    child.accounts = dict(parent.accounts)
    storage = dict(parent.storage)
    for address in db.cleared:
        storage.pop(address, None)
    for address, slots in db.storage.items():
        if not slots:
            continue
        base = storage.get(address)
        merged = dict(base) if base else {}
        changed = False
        for key, value in slots.items():
            if merged.get(key, 0) != value:
                changed = True
                if value:
                    merged[key] = value
                else:
                    merged.pop(key, None)
        if changed or address in db.cleared:
            if merged:
                storage[address] = merged
            else:
                storage.pop(address, None)
    for address, info in db.accounts.items():
        if info is None:
            child.accounts.pop(address, None)
            storage.pop(address, None)
        else:
            child.accounts[address] = info
    child.storage = storage
    return child


class Chain:
    """A block tree rooted at genesis, with one post-state per block."""

    __slots__ = ("config", "blocks", "states", "total_difficulty", "head", "genesis_hash")

    def __init__(self, config: ChainConfig, genesis: Block, genesis_state: DictBackend) -> None:
        self.config = config
        h = genesis.header.hash()
        self.genesis_hash = h
        self.blocks: dict[bytes, Block] = {h: genesis}
        self.states: dict[bytes, DictBackend] = {h: genesis_state}
        self.total_difficulty: dict[bytes, int] = {h: genesis.header.difficulty}
        self.head = h

    # -- reads -------------------------------------------------------------------------------

    @property
    def head_block(self) -> Block:
        return self.blocks[self.head]

    def state_at(self, block_hash: bytes) -> DictBackend:
        return self.states[block_hash]

    def ancestors(self, block_hash: bytes, count: int) -> list[Block]:
        """Up to ``count`` blocks from ``block_hash`` back towards genesis (that block first)."""
        out = []
        block = self.blocks.get(block_hash)
        while block is not None and len(out) < count:
            out.append(block)
            block = self.blocks.get(block.header.parent_hash)
        return out

    def rules_for(self, header: Header) -> ForkRules:
        """The rules ``header`` follows, the merge decided by its parent's total difficulty."""
        return rules_at(
            self.config,
            header.number,
            header.timestamp,
            parent_total_difficulty=self.total_difficulty.get(header.parent_hash),
        )

    def block_hash_getter(self, parent: Header) -> Callable[[int], bytes | None]:
        """BLOCKHASH for the child of ``parent``: its own ancestry, not the canonical chain's."""
        cache: dict[int, bytes] = {}
        number_now = parent.number + 1

        def block_hash(number: int) -> bytes | None:
            if not number_now - BLOCKHASH_WINDOW <= number < number_now:
                return None
            if not cache:
                for b in self.ancestors(parent.hash(), BLOCKHASH_WINDOW):
                    cache[b.header.number] = b.header.hash()
            return cache.get(number)

        return block_hash

    # -- import ------------------------------------------------------------------------------

    def add_block(self, block: Block) -> BlockOutput | None:
        """Validate and execute ``block`` on its parent's state, store it and update the head.

        Returns the execution output (None for a block already known). Raises
        ``InvalidBlock`` (nothing is stored then).
        """
        header = block.header
        block_hash = header.hash()
        parent_block = self.blocks.get(header.parent_hash)
        if parent_block is None:
            raise InvalidBlock(f"unknown parent {header.parent_hash.hex()}")
        if block_hash in self.blocks:
            return None  # already imported: nothing to do
        parent = parent_block.header
        rules = self.rules_for(header)
        parent_rules = self.rules_for(parent)
        config = self.config
        dao_block = config.dao_fork_block if config.dao_fork_support else None
        validate_header(header, parent, rules, parent_rules, dao_block)
        if rules.fork >= Fork.OSAKA and len(encode_block(block)) > MAX_RLP_BLOCK_SIZE:
            raise InvalidBlock("block RLP larger than the EIP-7934 limit")
        if block.ommers:
            validate_ommers(
                block,
                self.ancestors(header.parent_hash, MAX_OMMER_DEPTH + 1),
                self.rules_for,
                dao_block,
            )
        ctx = BlockContext(
            chain_id=config.chain_id,
            parent_hash=header.parent_hash,
            block_hash=self.block_hash_getter(parent),
            deposit_contract=config.deposit_contract_address or MAINNET_DEPOSIT_CONTRACT,
            is_dao_block=dao_block is not None and header.number == dao_block,
        )
        parent_state = self.states[header.parent_hash]
        db = StateDB(parent_state)
        output = execute_block(db, block, rules, ctx)
        self.blocks[block_hash] = block
        self.states[block_hash] = commit_state(parent_state, db)
        td = self.total_difficulty[header.parent_hash] + header.difficulty
        self.total_difficulty[block_hash] = td
        self._choose_head(block_hash, rules)
        return output

    def _choose_head(self, block_hash: bytes, rules: ForkRules) -> None:
        if rules.is_pos:
            self.head = block_hash  # the consensus layer picks; fixtures import in order
            return
        head_td = self.total_difficulty[self.head]
        td = self.total_difficulty[block_hash]
        number = self.blocks[block_hash].header.number
        # Heavier wins; at equal weight the shorter chain wins, as in the reference client.
        if td > head_td or (td == head_td and number < self.head_block.header.number):
            self.head = block_hash

