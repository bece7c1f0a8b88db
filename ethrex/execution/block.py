"""The block pipeline: one way to run a block, shared by import, payload building and
``eth_simulateV1``.

A ``BlockBuilder`` follows the order of the protocol: ``begin`` makes the DAO transfer
(EIP-779) at its block and the EIP-4788 and EIP-2935 system calls; ``apply`` runs one
transaction through the transaction pipeline and keeps its receipt; ``finish`` pays the
proof-of-work rewards, the EIP-4895 withdrawals and collects what the block commits to after
them (``ExecutionHooks.block_requests``: the EIP-7685 requests on L1).

Import replays a body (``apply_block``) and compares every commitment with the header
(``check_body`` before execution, ``check_output`` after); payload building and simulation
choose the transactions themselves and write the same commitments into a header
(``seal_header``).
"""

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path

from ethrex import rlp
from ethrex.errors import InvalidBlock, InvalidTransaction
from ethrex.evm.env import BlockEnv
from ethrex.execution import system_calls
from ethrex.execution.errors import BlockGasExceeded
from ethrex.execution.fee_market import GAS_PER_BLOB, blob_base_fee
from ethrex.execution.hooks import L1_HOOKS, ExecutionHooks
from ethrex.execution.transaction import (
    BLOCK_TX,
    TransactionResult,
    TxOptions,
    apply_transaction,
)
from ethrex.forks import Fork, ForkRules
from ethrex.primitives import hex_to_bytes, keccak256
from ethrex.state import StateDB
from ethrex.trie import ordered_root
from ethrex.types.block import Block
from ethrex.types.header import Header, header_fields
from ethrex.types.receipt import Log, Receipt, encode_receipt, logs_bloom
from ethrex.types.transactions import BlobTransaction, Transaction, encode_transaction
from ethrex.types.withdrawal import Withdrawal, withdrawal_fields

GWEI = 10**9
MAX_RLP_BLOCK_SIZE = 10_485_760 - 2_097_152  # EIP-7934: 10 MiB minus a 2 MiB safety margin

DAO_RECOVERY_ADDRESS = hex_to_bytes("0xbf4ed7b27f1d666546e30d74d50d173d20bca754")  # EIP-779


def _load_dao_accounts() -> tuple[bytes, ...]:
    text = (Path(__file__).with_name("dao_fork_accounts.txt")).read_text()
    return tuple(hex_to_bytes(line) for line in text.split() if line.startswith("0x"))


DAO_ACCOUNTS = _load_dao_accounts()


@dataclass(frozen=True, slots=True)
class BlockContext:
    """What running a block needs besides the block and its rules."""

    chain_id: int
    parent_hash: bytes
    # BLOCKHASH source: number -> hash of an ancestor (None when unknown or too old).
    block_hash: Callable[[int], bytes | None]
    is_dao_block: bool = False  # EIP-779: move the DAO's balances first
    hooks: ExecutionHooks = field(default=L1_HOOKS)  # L1, or a rollup's


@dataclass(frozen=True, slots=True)
class BlockOutput:
    """The results of a block's body; the header must agree with every one of them."""

    receipts: tuple[Receipt, ...]
    gas_used: int
    blob_gas_used: int
    requests: tuple[bytes, ...] | None  # EIP-7685, None before Prague
    # ``encode_receipt`` of each receipt, made once: the receipts root and the store use them
    encoded_receipts: tuple[bytes, ...]


def block_env(header: Header, ctx: BlockContext) -> BlockEnv:
    """The block context the EVM sees."""
    return BlockEnv(
        chain_id=ctx.chain_id,
        coinbase=header.coinbase,
        number=header.number,
        timestamp=header.timestamp,
        gas_limit=header.gas_limit,
        difficulty=header.difficulty,
        prev_randao=header.prev_randao,
        base_fee_per_gas=header.base_fee_per_gas or 0,
        excess_blob_gas=header.excess_blob_gas or 0,
        parent_beacon_block_root=header.parent_beacon_block_root,
        block_hash=ctx.block_hash,
    )


# -- the parts of a block besides its transactions --------------------------------------------

def apply_dao_fork(state: StateDB) -> None:
    """EIP-779: move every DAO account's balance to the recovery contract."""
    state.begin_transaction()
    for address in DAO_ACCOUNTS:
        balance = state.get_balance(address)
        if balance:
            state.transfer(address, DAO_RECOVERY_ADDRESS, balance)
    if not state.account_exists(DAO_RECOVERY_ADDRESS):
        state.set_balance(DAO_RECOVERY_ADDRESS, 0)
    state.finalize_transaction(False)


def pay_rewards(state: StateDB, coinbase: bytes, number: int, ommers: Sequence[Header],
                rules: ForkRules) -> None:
    """Proof of work: the miner's reward plus 1/32 per ommer, and (8 + u - n)/8 to each ommer's
    miner."""
    state.begin_transaction()  # forget the last transaction's self-destructs and touches
    reward = rules.block_reward
    state.add_balance(coinbase, reward + len(ommers) * (reward // 32))
    for ommer in ommers:
        state.add_balance(ommer.coinbase, (8 + ommer.number - number) * reward // 8)
    state.finalize_transaction(False)


def process_withdrawals(state: StateDB, withdrawals: Sequence[Withdrawal]) -> None:
    """EIP-4895: credit each withdrawal (in Gwei); a zero withdrawal creates no account."""
    state.begin_transaction()
    for w in withdrawals:
        if w.amount:
            state.add_balance(w.address, w.amount * GWEI)
        elif state.account_exists(w.address) and state.is_empty(w.address):
            state.destroy_account(w.address)
    state.finalize_transaction(False)


# -- the builder -------------------------------------------------------------------------------

class BlockBuilder:
    """A block being executed on ``state``: its environment, transactions, receipts and gas
    totals so far. ``header`` supplies what the block fixes before execution (coinbase,
    number, gas limit, base fee, ...); ``env`` replaces the EVM's view of it when a caller
    needs another (``eth_simulateV1``'s overrides)."""

    __slots__ = ("state", "header", "rules", "ctx", "env", "transactions", "receipts",
                 "encoded_receipts", "gas_used", "blob_gas_used", "max_blob_gas", "byzantium")

    def __init__(self, state: StateDB, header: Header, rules: ForkRules, ctx: BlockContext,
                 env: BlockEnv | None = None) -> None:
        self.state = state
        self.header = header
        self.rules = rules
        self.ctx = ctx
        env = env if env is not None else block_env(header, ctx)
        if env.blob_base_fee is None and rules.has_blobs:  # EIP-4844: once per block
            env = replace(env, blob_base_fee=blob_base_fee(env.excess_blob_gas, rules))
        self.env = env
        self.transactions: list[Transaction] = []
        self.receipts: list[Receipt] = []
        self.encoded_receipts: list[bytes] = []
        self.gas_used = 0
        self.blob_gas_used = 0
        self.max_blob_gas = rules.blob_max * GAS_PER_BLOB
        self.byzantium = rules.fork >= Fork.BYZANTIUM  # EIP-658: a status, not a state root

    def begin(self) -> None:
        """What happens before the first transaction: the DAO transfer (EIP-779), the parent
        beacon root (EIP-4788) and the parent hash (EIP-2935)."""
        state, env, rules, header = self.state, self.env, self.rules, self.header
        if self.ctx.is_dao_block:
            apply_dao_fork(state)
        if rules.has_beacon_root and header.parent_beacon_block_root is not None:
            system_calls.process_beacon_root(state, env, rules, header.parent_beacon_block_root)
        if rules.has_history_contract:
            system_calls.process_parent_hash(state, env, rules, self.ctx.parent_hash)

    def apply(self, tx: Transaction, sender: bytes | None = None,
              options: TxOptions = BLOCK_TX, recovered: bytes | None = None
              ) -> TransactionResult:
        """Run ``tx`` and keep it with its receipt; ``InvalidTransaction`` (state unchanged)
        when it cannot be included, also when it does not fit in the block's gas or blob
        gas left. ``sender`` and ``recovered``: see ``check_transaction``."""
        left = self.header.gas_limit - self.gas_used
        if tx.gas > left:
            raise BlockGasExceeded(f"gas {tx.gas} above the block's remaining {left}")
        blob_gas = 0
        if isinstance(tx, BlobTransaction):
            blob_gas = GAS_PER_BLOB * len(tx.blob_versioned_hashes)
            if self.blob_gas_used + blob_gas > self.max_blob_gas:
                raise BlockGasExceeded(f"blob gas {self.blob_gas_used + blob_gas} above "
                                       f"{self.max_blob_gas}")
        state = self.state
        result = apply_transaction(state, self.env, tx, self.rules, sender, options,
                                   self.ctx.hooks, recovered)
        self.gas_used += result.gas_used
        self.blob_gas_used += blob_gas
        logs = tuple(Log(a, t, d) for a, t, d in result.logs)
        byzantium = self.byzantium
        receipt = Receipt(
            tx_type=tx.TYPE,
            succeeded=result.succeeded if byzantium else None,
            post_state=None if byzantium else state.state_root(),  # EIP-658 replaced it
            cumulative_gas_used=self.gas_used,
            bloom=logs_bloom(logs),
            logs=logs,
        )
        self.receipts.append(receipt)
        self.encoded_receipts.append(encode_receipt(receipt))
        self.transactions.append(tx)
        return result

    def finish(self, withdrawals: Sequence[Withdrawal] | None, ommers: Sequence[Header] = (),
               block_reward: bool | None = None) -> BlockOutput:
        """What happens after the last transaction: the proof-of-work rewards (before the
        merge, or as ``block_reward`` says), the withdrawals (EIP-4895) and the block's
        requests (EIP-7685 on L1)."""
        state, rules = self.state, self.rules
        if block_reward if block_reward is not None else not rules.is_pos:
            pay_rewards(state, self.header.coinbase, self.header.number, ommers, rules)
        if rules.has_withdrawals:
            process_withdrawals(state, withdrawals or ())
        requests = self.ctx.hooks.block_requests(state, self.env, rules, self.receipts)
        return BlockOutput(tuple(self.receipts), self.gas_used, self.blob_gas_used, requests,
                           tuple(self.encoded_receipts))


def apply_block(state: StateDB, block: Block, rules: ForkRules, ctx: BlockContext,
                senders: Sequence[bytes | None] | None = None) -> BlockOutput:
    """Run ``block``'s body on ``state``; raise ``InvalidBlock`` when a transaction cannot be
    included or a system contract fails. ``senders``: the transactions' senders where
    already recovered (None: recover them here)."""
    builder = BlockBuilder(state, block.header, rules, ctx)
    builder.begin()
    if senders is None:
        senders = [None] * len(block.transactions)
    for index, tx in enumerate(block.transactions):
        try:
            builder.apply(tx, recovered=senders[index])
        except InvalidTransaction as exc:
            raise InvalidBlock(f"tx {index}: {exc}") from exc
    return builder.finish(block.withdrawals, block.ommers)


# -- what a header commits to ------------------------------------------------------------------

def body_commitments(encoded_transactions: Sequence[bytes], ommers: Sequence[Header],
                     withdrawals: Sequence[Withdrawal] | None) -> dict[str, object]:
    """The header fields a body fixes without execution: transactions root (of the
    transactions' ``encode_transaction``), ommers hash and (EIP-4895) withdrawals root."""
    fields: dict[str, object] = {
        "transactions_root": ordered_root(encoded_transactions),
        "ommers_hash": keccak256(rlp.encode([header_fields(h) for h in ommers])),
    }
    if withdrawals is not None:
        fields["withdrawals_root"] = ordered_root(
            [rlp.encode(withdrawal_fields(w)) for w in withdrawals])
    return fields


def output_commitments(output: BlockOutput, state_root: bytes,
                       rules: ForkRules) -> dict[str, object]:
    """The header fields execution fixes: gas used, blob gas used (EIP-4844), logs bloom,
    receipts root, requests hash (EIP-7685) and state root."""
    bloom = 0
    for r in output.receipts:
        bloom |= int.from_bytes(r.bloom, "big")
    fields: dict[str, object] = {"gas_used": output.gas_used}
    if rules.has_blobs:
        fields["blob_gas_used"] = output.blob_gas_used
    fields["logs_bloom"] = bloom.to_bytes(256, "big")
    fields["receipts_root"] = ordered_root(output.encoded_receipts)
    if output.requests is not None:
        fields["requests_hash"] = system_calls.compute_requests_hash(output.requests)
    fields["state_root"] = state_root
    return fields


def seal_header(template: Header, transactions: Sequence[Transaction],
                withdrawals: Sequence[Withdrawal] | None, output: BlockOutput,
                state_root: bytes, rules: ForkRules) -> Header:
    """``template`` with every commitment of a body without ommers and its execution."""
    encoded = [encode_transaction(tx) for tx in transactions]
    return replace(template, **body_commitments(encoded, (), withdrawals),
                   **output_commitments(output, state_root, rules))  # type: ignore[arg-type]


def _show(value: object) -> str:
    return value.hex() if isinstance(value, bytes) else str(value)


def _compare(fields: dict[str, object], header: Header) -> None:
    for name, got in fields.items():
        expected = getattr(header, name)
        if got != expected:
            raise InvalidBlock(f"{name.replace('_', ' ')} {_show(got)} != header "
                               f"{_show(expected)}")


def check_body(block: Block, rules: ForkRules,
               encoded_transactions: Sequence[bytes] | None = None) -> None:
    """The body commitments that need no execution: transactions (``encoded_transactions``
    when the caller has them), ommers, withdrawals."""
    if rules.has_withdrawals != (block.withdrawals is not None):
        raise InvalidBlock("withdrawals present before Shanghai or missing after")  # EIP-4895
    if encoded_transactions is None:
        encoded_transactions = [encode_transaction(tx) for tx in block.transactions]
    _compare(body_commitments(encoded_transactions, block.ommers, block.withdrawals),
             block.header)


def check_output(block: Block, output: BlockOutput, state_root: bytes,
                 rules: ForkRules) -> None:
    """Compare what execution produced with the header's commitments."""
    _compare(output_commitments(output, state_root, rules), block.header)


def execute_block(
    state: StateDB, block: Block, rules: ForkRules, ctx: BlockContext,
    encoded_transactions: Sequence[bytes] | None = None,
    senders: Sequence[bytes | None] | None = None,
) -> BlockOutput:
    """Check the body, run it and compare every result with the header
    (``encoded_transactions``: the body's, when the caller made them already; ``senders``:
    see ``apply_block``)."""
    check_body(block, rules, encoded_transactions)
    output = apply_block(state, block, rules, ctx, senders)
    check_output(block, output, state.state_root(), rules)
    return output
