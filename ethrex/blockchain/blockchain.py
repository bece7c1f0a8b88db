"""The persistent chain: block import, fork choice and archive state over the ``Store``.

``add_block`` validates and executes a block on its parent's stored state (``StoreBackend``),
then writes the block, its receipts, the new trie nodes and code -- and the head, when it moves
-- in ONE store transaction: a crash leaves either all of it or none. An invalid block raises
``InvalidBlock`` before anything is written.

The flat tables always hold the canonical head's state. A head that extends the flat state's
block gets the block's own diff; any other move (a reorg, a jump back) walks the difference of
the two state tries (``StoreWriter.move_flat_state``). Trie nodes are never deleted, so
``state_at`` serves every stored block (archive).

One thread writes (the node's executor); readers in other threads see committed data only.

Dev mode (``ethrex.blockchain.devchain``) may give a block a post-state other than its header's
(``set_state_root``: anvil_setBalance and friends change the head's state without a block) and
may include transactions without a real signature (``unsigned_senders``: those sent for an
impersonated account); both live in memory only, like the rest of a dev session.
"""

import threading
from collections.abc import Callable, Sequence

from ethrex.blockchain.genesis import genesis_block
from ethrex.blockchain.ommers import MAX_OMMER_DEPTH, validate_ommers
from ethrex.blockchain.validation import validate_header
from ethrex.errors import EthrexError, InternalError, InvalidBlock
from ethrex.execution.block import MAX_RLP_BLOCK_SIZE, BlockContext, BlockOutput, execute_block
from ethrex.execution.hooks import ExecutionHooks, L1Hooks
from ethrex.execution.system_calls import MAINNET_DEPOSIT_CONTRACT
from ethrex.forks import Fork, ForkRules, rules_at
from ethrex.primitives import EMPTY_HASH
from ethrex.state import StateDB
from ethrex.state.store_backend import StateDiff, StoreBackend
from ethrex.storage import Store, StoreWriter
from ethrex.storage.genesis_state import write_genesis_state
from ethrex.types.block import Block, encode_block_parts
from ethrex.types.genesis import ChainConfig, Genesis
from ethrex.types.header import Header
from ethrex.types.receipt import encode_receipt
from ethrex.types.transactions import Transaction, recover_sender, transaction_hash

BLOCKHASH_WINDOW = 256
RECENT_DIFFS = 16  # state diffs kept for blocks that may become the head next


class UnknownBlock(InvalidBlock):
    """A block (or its state) that the store does not hold."""


class UnknownParent(UnknownBlock):
    """The block's parent is not stored: the block cannot be executed yet."""


class InvalidForkchoice(InvalidBlock):
    """The safe or finalized block is not an ancestor of the new head."""


class Blockchain:
    """The chain in a ``Store``: import, fork choice, archive state. ``hooks`` are how its
    blocks execute (L1 by default; a rollup passes its own)."""

    __slots__ = ("store", "config", "hooks", "head_listeners", "_lock", "_recent_diffs",
                 "_state_roots", "unsigned_senders", "imported")

    def __init__(self, store: Store, config: ChainConfig,
                 hooks: ExecutionHooks | None = None) -> None:
        self.store = store
        self.config = config
        self.hooks = hooks if hooks is not None else L1Hooks(
            config.deposit_contract_address or MAINNET_DEPOSIT_CONTRACT)
        self._lock = threading.RLock()  # one writer, even if two threads call in
        # Called with the new head's hash once it is committed, on the writer's thread
        # (subscriptions are told this way instead of each polling the store).
        self.head_listeners: list[Callable[[bytes], None]] = []
        # block hash -> (parent hash, state diff) of blocks added without becoming the head:
        # the fork choice that follows (engine newPayload, then forkchoiceUpdated) moves the
        # flat state by the block's own diff instead of diffing two tries.
        self._recent_diffs: dict[bytes, tuple[bytes, StateDiff]] = {}
        # Dev mode: block hash -> the post-state root that replaces its header's.
        self._state_roots: dict[bytes, bytes] = {}
        # Dev mode: transaction hash -> sender of a transaction sent for an impersonated
        # account (its signature is a placeholder; ``hooks`` must run it for that sender).
        self.unsigned_senders: dict[bytes, bytes] = {}
        # (blocks, gas) executed by add_block, one value so that a reader on another thread
        # (the metrics) sees both of the same moment.
        self.imported = (0, 0)

    @classmethod
    def open(cls, store: Store, genesis: Genesis | None = None,
             hooks: ExecutionHooks | None = None) -> "Blockchain":
        """The chain in ``store``; an empty store gets ``genesis`` (block, state, code, config)
        written first. Raises ``EthrexError`` when the store holds another chain's genesis."""
        stored = store.genesis_hash()
        if stored is None:
            if genesis is None:
                raise EthrexError("the store is empty and no genesis was given")
            # The state goes in first, in bounded chunks; block 0 then makes it reachable.
            block = genesis_block(genesis, write_genesis_state(store, genesis.alloc))
            with store.write() as tx:
                block_hash = tx.add_genesis(block, genesis.config)
                tx.apply_state_diff(block_hash, {}, {})  # the flat tables hold its state
            return cls(store, genesis.config, hooks)
        if genesis is None:
            config = store.get_chain_config()
            if config is None:
                raise InternalError("the store has a genesis block but no chain config")
            return cls(store, config, hooks)
        expected = genesis_block(genesis).header.hash()
        if expected != stored:
            raise EthrexError(
                f"the store holds the chain of genesis {stored.hex()}, not this network's "
                f"genesis {expected.hex()} (use another datadir, or `ethrex removedb`)"
            )
        if store.get_chain_config() != genesis.config:
            with store.write() as tx:  # a newer release may schedule more forks
                tx.set_chain_config(genesis.config)
        return cls(store, genesis.config, hooks)

    # -- reads -------------------------------------------------------------------------------

    def head_header(self) -> Header:
        header = self.store.head_header()
        if header is None:
            raise InternalError("the store has no head")
        return header

    def genesis_hash(self) -> bytes:
        block_hash = self.store.genesis_hash()
        if block_hash is None:
            raise InternalError("the store has no genesis")
        return block_hash

    def state_at(self, block_hash: bytes) -> StoreBackend:
        """The post-state of any stored block (archive), for ``StateDB`` or direct reads.
        Raises ``UnknownBlock`` when the block or its state is not stored."""
        store = self.store
        header = store.get_header(block_hash)
        if header is None:
            raise UnknownBlock(f"block {block_hash.hex()} is not stored")
        root = self._state_roots.get(block_hash)
        if root is not None:  # a dev edit: the flat tables hold the header's state
            return StoreBackend(store, root)
        if not store.has_state(header.state_root):
            raise UnknownBlock(f"the state of block {block_hash.hex()} is not stored")
        flat = block_hash if store.flat_state_block() == block_hash else None
        return StoreBackend(store, header.state_root, flat)

    def state_root_of(self, header: Header) -> bytes:
        """The root of the post-state of ``header``'s block: the header's own, unless dev mode
        edited the state of that block."""
        return self._state_roots.get(header.hash(), header.state_root) if self._state_roots \
            else header.state_root

    def set_state_root(self, block_hash: bytes, root: bytes | None) -> None:
        """Dev mode: from now on the post-state of ``block_hash`` is ``root`` (a state whose
        nodes are stored), or the header's again with None. Blocks built on it start from it."""
        with self._lock:
            if root is None:
                self._state_roots.pop(block_hash, None)
            else:
                self._state_roots[block_hash] = root

    def sender_of(self, tx: Transaction) -> bytes:
        """Who sent a stored or pooled transaction: the signer, or on a dev chain the
        impersonated account a placeholder-signed transaction was sent for."""
        if self.unsigned_senders:
            sender = self.unsigned_senders.get(transaction_hash(tx))
            if sender is not None:
                return sender
        return recover_sender(tx)

    def rules_for(self, header: Header) -> ForkRules:
        """The rules ``header`` follows; its parent's total difficulty decides the merge."""
        return self.rules_at(header.number, header.timestamp, header.parent_hash)

    def rules_at(self, number: int, timestamp: int, parent_hash: bytes | None) -> ForkRules:
        """The rules of a block at ``number`` and ``timestamp`` on ``parent_hash`` (whose total
        difficulty decides the merge; None or an unknown parent: the schedule alone)."""
        td = None if parent_hash is None else self.store.get_total_difficulty(parent_hash)
        return rules_at(self.config, number, timestamp, parent_total_difficulty=td)

    def block_hash_getter(self, parent: Header) -> Callable[[int], bytes | None]:
        """BLOCKHASH for the child of ``parent``, from ``parent``'s own ancestry (not the
        canonical index, which a side chain does not follow). Walks back lazily."""
        number_now = parent.number + 1
        parent_hash = parent.hash()
        known: dict[int, bytes] = {parent.number: parent_hash}
        oldest = [parent]  # the oldest header walked so far
        store = self.store
        get_header = store.get_header

        def block_hash(number: int) -> bytes | None:
            if not number_now - BLOCKHASH_WINDOW <= number < number_now or number < 0:
                return None
            found = known.get(number)
            if found is not None:  # a BLOCKHASH loop asks for the same few numbers again
                return found
            # While the parent is canonical its ancestors are the canonical index: one read.
            if store.get_canonical_hash(parent.number) == parent_hash:
                found = store.get_canonical_hash(number)
                if found is not None:
                    known[number] = found
                return found
            header = oldest[0]
            while number not in known and header.number > 0:
                older = get_header(header.parent_hash)
                if older is None:
                    return None
                known[older.number] = header.parent_hash
                header = older
            oldest[0] = header
            return known.get(number)

        return block_hash

    def block_context(self, parent: Header) -> BlockContext:
        """What executing a child of ``parent`` needs besides its header."""
        config = self.config
        dao_block = config.dao_fork_block if config.dao_fork_support else None
        return BlockContext(
            chain_id=config.chain_id,
            parent_hash=parent.hash(),
            block_hash=self.block_hash_getter(parent),
            is_dao_block=dao_block is not None and parent.number + 1 == dao_block,
            hooks=self.hooks,
        )

    def _ancestors(self, block_hash: bytes, count: int) -> list[Block]:
        out: list[Block] = []
        block = self.store.get_block(block_hash)
        while block is not None and len(out) < count:
            out.append(block)
            if block.header.number == 0:
                break
            block = self.store.get_block(block.header.parent_hash)
        return out

    # -- import ------------------------------------------------------------------------------

    def add_block(self, block: Block, make_head: bool | None = None,
                  built: tuple[StateDB, BlockOutput] | None = None,
                  senders: Sequence[bytes | None] | None = None) -> BlockOutput:
        """Validate, execute and store ``block``; returns its execution output.

        ``make_head`` True makes it the canonical head, False leaves the head alone, None lets
        the chain decide: before the merge the heaviest chain wins, after it the head waits
        for ``forkchoice_update``. Raises ``InvalidBlock`` (nothing stored), ``UnknownParent``
        when the parent is missing. A known block is not executed again. ``built`` is the
        state and output of the block's own making (``OpenBlock.seal``, dev mode): the block
        then is not executed a second time. ``senders``: the transactions' senders where
        already recovered (``SenderPrefetch``).
        """
        with self._lock:
            return self._add_block(block, make_head, built, senders)

    def _add_block(self, block: Block, make_head: bool | None,
                   built: tuple[StateDB, BlockOutput] | None = None,
                   senders: Sequence[bytes | None] | None = None) -> BlockOutput:
        store = self.store
        header = block.header
        encoded = encode_block_parts(block)  # each transaction and the header encoded once
        block_hash = encoded.hash()
        if store.has_block(block_hash):
            if make_head:
                self.forkchoice_update(block_hash)
            return self._stored_output(block_hash, header)
        parent = store.get_header(header.parent_hash)
        if parent is None:
            raise UnknownParent(f"unknown parent 0x{header.parent_hash.hex()}")
        parent_td = store.get_total_difficulty(header.parent_hash)
        edited_root = self._state_roots.get(header.parent_hash)
        if parent_td is None or not store.has_state(edited_root or parent.state_root):
            raise UnknownParent(f"the state of parent 0x{header.parent_hash.hex()} is not stored")
        rules = self.rules_for(header)
        parent_rules = self.rules_for(parent)
        config = self.config
        dao_block = config.dao_fork_block if config.dao_fork_support else None
        validate_header(header, parent, rules, parent_rules, dao_block)
        if rules.fork >= Fork.OSAKA and encoded.size > MAX_RLP_BLOCK_SIZE:
            raise InvalidBlock("block RLP larger than the EIP-7934 limit")
        if block.ommers:
            validate_ommers(block, self._ancestors(header.parent_hash, MAX_OMMER_DEPTH + 1),
                            self.rules_for, dao_block)
        if built is not None:
            db, output = built
            backend = db.backend  # type: ignore[assignment]
            if not isinstance(backend, StoreBackend) \
                    or backend.state_root != (edited_root or parent.state_root):
                raise InternalError("a built block's state is not its parent's")
        else:
            if edited_root is not None:  # dev mode: the flat tables do not hold that state
                backend = StoreBackend(store, edited_root)
            else:
                flat = store.flat_state_block()
                backend = StoreBackend(store, parent.state_root,
                                       header.parent_hash if flat == header.parent_hash
                                       else None)
            db = StateDB(backend)
            output = execute_block(db, block, rules, self.block_context(parent),
                                   encoded.transactions, senders)
        blocks, gas = self.imported
        self.imported = (blocks + 1, gas + header.gas_used)

        td = parent_td + header.difficulty
        if make_head is None:
            make_head = not rules.is_pos and self._heavier(td, header.number)
        get_code = store.get_code
        code = {h: c for h, c in db.codes.items() if h != EMPTY_HASH and get_code(h) is None}
        # A diff on top of an edited parent does not apply to the flat tables (which hold the
        # parent's header state): the head move then walks the two tries instead.
        diff = None if edited_root is not None else backend.pending_diff
        with store.write() as tx:
            tx.add_encoded_block(encoded, header.number, output.encoded_receipts, td,
                                 backend.pending_nodes, code)
            if make_head:
                self._set_head(tx, block_hash, header.parent_hash, diff)
        if make_head:
            self._head_moved(block_hash)
        elif diff is not None:
            recent = self._recent_diffs
            recent[block_hash] = (header.parent_hash, diff)
            while len(recent) > RECENT_DIFFS:
                del recent[next(iter(recent))]  # dicts keep insertion order: oldest first
        return output

    def _heavier(self, td: int, number: int) -> bool:
        """Pre-merge fork choice: more total difficulty wins; at equal weight the shorter
        chain does, as in the reference client."""
        head = self.head_header()
        head_td = self.store.get_total_difficulty(head.hash()) or 0
        return td > head_td or (td == head_td and number < head.number)

    def _stored_output(self, block_hash: bytes, header: Header) -> BlockOutput:
        receipts = self.store.get_receipts(block_hash) or []
        return BlockOutput(tuple(receipts), header.gas_used, header.blob_gas_used or 0, None,
                           tuple([encode_receipt(r) for r in receipts]))

    @staticmethod
    def _set_head(
        tx: StoreWriter, block_hash: bytes, parent_hash: bytes | None, diff: StateDiff | None
    ) -> None:
        """Canonical index, head pointer and flat state to ``block_hash``, inside ``tx``."""
        tx.set_canonical_head(block_hash)
        flat = tx.store.flat_state_block()
        if flat == block_hash:
            return
        if diff is not None and flat == parent_hash:
            tx.apply_state_diff(block_hash, diff.accounts, diff.storage, diff.cleared)
        else:
            tx.move_flat_state(block_hash)

    # -- fork choice -------------------------------------------------------------------------

    def forkchoice_update(
        self, head: bytes, safe: bytes | None = None, finalized: bytes | None = None
    ) -> None:
        """Make ``head`` the canonical head (a reorg of any depth) and set the safe and
        finalized pointers, in one transaction. A zero hash leaves a pointer unset. Raises
        ``UnknownBlock`` for a head that is not stored and ``InvalidForkchoice`` when safe or
        finalized are not on the new canonical chain (nothing changes then)."""
        zero = bytes(32)
        with self._lock:
            store = self.store
            header = store.get_header(head)
            if header is None or not store.has_block(head):
                raise UnknownBlock(f"forkchoice head {head.hex()} is not stored")
            if not store.has_state(header.state_root):
                raise UnknownBlock(f"the state of forkchoice head {head.hex()} is not stored")
            with store.write() as tx:
                if store.head() != head or store.flat_state_block() != head:
                    parent_hash, diff = self._recent_diffs.get(head, (None, None))
                    self._set_head(tx, head, parent_hash, diff)
                for name, pointer, setter in (("safe", safe, tx.set_safe),
                                              ("finalized", finalized, tx.set_finalized)):
                    if pointer is None or pointer == zero:
                        continue
                    number = store.get_block_number(pointer)
                    if number is None or number > header.number \
                            or store.get_canonical_hash(number) != pointer:
                        raise InvalidForkchoice(
                            f"{name} block {pointer.hex()} is not an ancestor of head {head.hex()}"
                        )
                    setter(pointer)
            self._head_moved(head)

    def _head_moved(self, head: bytes) -> None:
        for listener in list(self.head_listeners):
            listener(head)
