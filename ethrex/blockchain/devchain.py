"""A chain that makes its blocks on demand: dev mode's anvil/hardhat methods and the eth-tester
backend, over the node's own pipelines.

``DevChain`` makes a block when asked (``mine``: the mempool's transactions, through payload
building and the one import path, ``Blockchain.add_block``), at a timestamp it chooses (a clock
with an offset, or the exact time set for the next block), and moves the head back to a
snapshot (``revert``: a fork choice to the snapshot's head, as a reorg would). It changes the
head's state without a block (``edit``: anvil_setBalance, setCode, setNonce, setStorageAt),
which the next block builds on (``Blockchain.set_state_root``), and sends transactions for
accounts whose key it does not hold (``send_unsigned``: anvil_impersonateAccount), run for that
sender by ``ImpersonationHooks``.

Synchronous, like the rest of the core: the node calls it on its block-execution thread, the
eth-tester backend directly.
"""

import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from ethrex.blockchain.blockchain import Blockchain
from ethrex.blockchain.mempool import Mempool
from ethrex.blockchain.payload import OpenBlock, PayloadAttributes, build_payload
from ethrex.errors import EthrexError
from ethrex.evm.env import BlockEnv
from ethrex.execution.block import BlockOutput
from ethrex.execution.fee_market import next_base_fee
from ethrex.execution.hooks import ExecutionHooks, TxPlan
from ethrex.execution.transaction import check_transaction
from ethrex.forks import ForkRules
from ethrex.primitives import keccak256
from ethrex.state import StateDB
from ethrex.types.block import Block
from ethrex.types.header import Header
from ethrex.types.receipt import Receipt
from ethrex.types.transactions import Transaction, transaction_hash

# The placeholder signature of a transaction sent for an impersonated account: r holds the
# sender, s is 1 (a well-formed signature no key makes in practice); the hooks run it for the
# registered sender, never for whoever the placeholder would recover to.
PLACEHOLDER_S = 1


class DevChainError(EthrexError):
    """A dev-mode request that cannot be honoured (a timestamp in the past, ...)."""


def placeholder_signature(sender: bytes) -> tuple[int, int, int]:
    """``(y_parity, r, s)`` for a transaction sent for ``sender`` without its key."""
    return 0, int.from_bytes(sender, "big"), PLACEHOLDER_S


class ImpersonationHooks:
    """The chain's own hooks, plus the transactions a dev chain sent for an impersonated
    account: such a transaction runs as an unsigned message of its registered sender, with
    every check a signed transaction gets (nonce, fees, balance, intrinsic gas)."""

    __slots__ = ("inner", "senders")

    def __init__(self, inner: ExecutionHooks, senders: dict[bytes, bytes]) -> None:
        self.inner = inner
        self.senders = senders

    def privileged_plan(self, state: StateDB, env: BlockEnv, tx: object,
                        rules: ForkRules) -> TxPlan | None:
        if self.senders and getattr(tx, "s", None) == PLACEHOLDER_S:
            sender = self.senders.get(transaction_hash(tx))  # type: ignore[arg-type]
            if sender is not None:
                return check_transaction(state, env, tx, rules, sender,  # type: ignore[arg-type]
                                         hooks=self.inner)
        return self.inner.privileged_plan(state, env, tx, rules)

    def pay_fees(self, state: StateDB, env: BlockEnv, plan: TxPlan, gas_used: int,
                 rules: ForkRules) -> None:
        self.inner.pay_fees(state, env, plan, gas_used, rules)

    def block_requests(self, state: StateDB, env: BlockEnv, rules: ForkRules,
                       receipts: Sequence[Receipt]) -> tuple[bytes, ...] | None:
        return self.inner.block_requests(state, env, rules, receipts)


@dataclass(frozen=True, slots=True)
class Snapshot:
    """What ``revert`` restores: the head, its state root and the clock."""

    head: bytes
    state_root: bytes
    time_offset: int
    next_timestamp: int | None


class DevChain:
    """Blocks on demand over ``chain`` (and its ``mempool``, when it has one)."""

    __slots__ = ("chain", "mempool", "coinbase", "gas_limit", "extra_data", "time_offset",
                 "next_timestamp", "snapshots", "next_snapshot", "automine", "impersonated",
                 "clock")

    def __init__(self, chain: Blockchain, mempool: Mempool | None = None,
                 coinbase: bytes = bytes(20), gas_limit: int | None = None,
                 extra_data: bytes = b"", clock: Callable[[], float] = time.time) -> None:
        self.chain = chain
        self.mempool = mempool
        self.coinbase = coinbase
        self.gas_limit = gas_limit
        self.extra_data = extra_data
        self.clock = clock
        self.time_offset = 0  # seconds added to the clock (evm_increaseTime)
        self.next_timestamp: int | None = None  # evm_setNextBlockTimestamp
        self.snapshots: dict[int, Snapshot] = {}
        self.next_snapshot = 0
        self.automine = True  # one block per transaction (read by the node's producer)
        self.impersonated: set[bytes] = set()
        chain.hooks = ImpersonationHooks(chain.hooks, chain.unsigned_senders)

    # -- time --------------------------------------------------------------------------------

    def head(self) -> Header:
        return self.chain.head_header()

    def block_timestamp(self, parent: Header) -> int:
        """The timestamp of the next block on ``parent``: the one set for it, else the clock
        (with its offset) but always after the parent."""
        if self.next_timestamp is not None:
            return max(self.next_timestamp, parent.timestamp + 1)
        return max(int(self.clock()) + self.time_offset, parent.timestamp + 1)

    def increase_time(self, seconds: int) -> int:
        """Move the clock forward (evm_increaseTime); the total offset."""
        self.time_offset += seconds
        return self.time_offset

    def set_next_timestamp(self, timestamp: int) -> None:
        """The next block's exact timestamp (evm_setNextBlockTimestamp); the clock then runs on
        from it. A block must come after its parent."""
        head = self.head()
        if timestamp <= head.timestamp:
            raise DevChainError(f"timestamp {timestamp} is not after the head's "
                                f"{head.timestamp}")
        self.next_timestamp = timestamp

    def _used_timestamp(self, timestamp: int) -> None:
        """The clock runs on from an exact timestamp once a block used it."""
        if self.next_timestamp is not None:
            self.time_offset = timestamp - int(self.clock())
            self.next_timestamp = None

    # -- blocks ------------------------------------------------------------------------------

    def attributes(self, parent: Header, timestamp: int,
                   coinbase: bytes | None = None) -> PayloadAttributes:
        """What a consensus client would ask for: no withdrawals, a beacon root and a
        prevRandao derived from the parent (reproducible, different per block)."""
        parent_hash = parent.hash()
        return PayloadAttributes(
            timestamp=timestamp,
            prev_randao=keccak256(parent_hash),
            fee_recipient=self.coinbase if coinbase is None else coinbase,
            withdrawals=(),
            parent_beacon_block_root=keccak256(b"ethrex dev beacon root" + parent_hash),
        )

    def open_block(self, timestamp: int | None = None,
                   coinbase: bytes | None = None) -> OpenBlock:
        """A block on the head to fill transaction by transaction (eth-tester's pending
        block); ``import_block`` its sealed form."""
        head = self.head()
        when = self.block_timestamp(head) if timestamp is None else timestamp
        return OpenBlock(self.chain, head, self.attributes(head, when, coinbase),
                         self.extra_data, self.gas_limit)

    def mine(self, timestamp: int | None = None) -> Block:
        """One block on the head with the mempool's executable transactions (best tip first),
        imported as the new head."""
        head = self.head()
        when = self.block_timestamp(head) if timestamp is None else timestamp
        if when <= head.timestamp:
            raise DevChainError(f"timestamp {when} is not after the head's {head.timestamp}")
        attrs = self.attributes(head, when)
        pending: dict[bytes, list[Transaction]] = {}
        sidecars = None
        if self.mempool is not None:
            rules = self.chain.rules_at(head.number + 1, when, head.hash())
            pending = self.mempool.pending(next_base_fee(head, rules))
            sidecars = self.mempool.get_sidecar
        built = build_payload(self.chain, head, attrs, pending, sidecars=sidecars,
                              extra_data=self.extra_data, gas_limit=self.gas_limit)
        self.import_block(built.block)
        return built.block

    def mine_many(self, count: int, interval: int | None = None) -> list[Block]:
        """``count`` blocks (anvil_mine), ``interval`` seconds apart when given."""
        blocks = []
        for _ in range(count):
            when = None if interval is None else self.head().timestamp + interval
            blocks.append(self.mine(when))
        return blocks

    def import_block(self, block: Block, built: tuple[StateDB, BlockOutput] | None = None) -> None:
        """``block`` through the one import path, as the head (and safe and finalized: a dev
        chain has no one else to agree with); the pool forgets what it included. ``built``:
        its state and output from ``OpenBlock.seal``, not computed again."""
        chain = self.chain
        chain.add_block(block, make_head=True, built=built)
        block_hash = block.header.hash()
        chain.forkchoice_update(block_hash, block_hash, block_hash)
        self._used_timestamp(block.header.timestamp)
        if self.mempool is not None:
            self.mempool.on_new_head(chain, [block], [])

    # -- snapshots ---------------------------------------------------------------------------

    def snapshot(self) -> int:
        """Remember the head, its state and the clock; the snapshot's id (evm_snapshot)."""
        head = self.head()
        snap_id = self.next_snapshot
        self.next_snapshot += 1
        self.snapshots[snap_id] = Snapshot(head.hash(), self.chain.state_root_of(head),
                                           self.time_offset, self.next_timestamp)
        return snap_id

    def revert(self, snap_id: int) -> bool:
        """Back to snapshot ``snap_id`` (evm_revert): the head, its state and the clock; that
        snapshot and every later one are used up. False for an unknown id."""
        snap = self.snapshots.get(snap_id)
        if snap is None:
            return False
        for later in [i for i in self.snapshots if i >= snap_id]:
            del self.snapshots[later]
        chain = self.chain
        chain.forkchoice_update(snap.head, snap.head, snap.head)
        header = chain.head_header()
        chain.set_state_root(snap.head, None if snap.state_root == header.state_root
                             else snap.state_root)
        self.time_offset = snap.time_offset
        self.next_timestamp = snap.next_timestamp
        if self.mempool is not None:
            self.mempool.on_new_head(chain, [], [])
        return True

    # -- state -------------------------------------------------------------------------------

    def edit(self, change: Callable[[StateDB], None]) -> None:
        """Apply ``change`` to the head's state without a block (anvil_setBalance and
        friends): the head keeps its header, its state becomes the edited one, and the next
        block builds on it."""
        chain = self.chain
        head_hash = self.head().hash()
        backend = chain.state_at(head_hash)
        state = StateDB(backend)
        state.begin_transaction()
        change(state)
        state.finalize_transaction(False)
        root = state.state_root()
        store = chain.store
        with store.write() as tx:
            tx.put_trie_nodes(backend.pending_nodes)
            tx.put_code({h: c for h, c in state.codes.items() if store.get_code(h) is None})
        chain.set_state_root(head_hash, root)
        if self.mempool is not None:
            self.mempool.on_new_head(chain, [], [])

    def set_balance(self, address: bytes, balance: int) -> None:
        self.edit(lambda state: state.set_balance(address, balance))

    def set_nonce(self, address: bytes, nonce: int) -> None:
        self.edit(lambda state: state.set_nonce(address, nonce))

    def set_code(self, address: bytes, code: bytes) -> None:
        self.edit(lambda state: state.set_code(address, code))

    def set_storage(self, address: bytes, slot: int, value: int) -> None:
        self.edit(lambda state: state.set_storage(address, slot, value))

    # -- impersonation -----------------------------------------------------------------------

    def send_unsigned(self, tx: Transaction, sender: bytes) -> bytes:
        """Pool ``tx`` (signed with ``placeholder_signature(sender)``) for an impersonated
        ``sender``; its hash."""
        if sender not in self.impersonated:
            raise DevChainError(f"0x{sender.hex()} is not impersonated")
        if self.mempool is None:
            raise DevChainError("this chain has no transaction pool")
        tx_hash = transaction_hash(tx)
        self.chain.unsigned_senders[tx_hash] = sender
        try:
            return self.mempool.add(tx, sender)
        except Exception:
            del self.chain.unsigned_senders[tx_hash]
            raise
