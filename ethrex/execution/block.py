"""Block execution: run a block's body on a state and check the result against its header.

``apply_block`` follows the order of the protocol: the DAO transfer (EIP-779) at its block, the
EIP-4788 and EIP-2935 system calls, the transactions, the proof-of-work rewards, the EIP-4895
withdrawals and the EIP-7685 requests. ``execute_block`` then computes every root once and
compares it with the header; any difference is an ``InvalidBlock`` carrying both values.
"""

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from ethrex import rlp
from ethrex.errors import InvalidBlock, InvalidTransaction
from ethrex.evm.env import BlockEnv
from ethrex.execution import system_calls
from ethrex.forks import Fork, ForkRules
from ethrex.primitives import hex_to_bytes, keccak256
from ethrex.state import StateDB
from ethrex.trie import ordered_root
from ethrex.types.block import Block
from ethrex.types.header import Header, header_fields
from ethrex.types.receipt import Log, Receipt, encode_receipt, logs_bloom
from ethrex.types.transactions import BlobTransaction, encode_transaction
from ethrex.types.withdrawal import withdrawal_fields

GAS_PER_BLOB = 2**17  # EIP-4844
MIN_BLOB_BASE_FEE = 1  # EIP-4844
GWEI = 10**9
MAX_RLP_BLOCK_SIZE = 10_485_760 - 2_097_152  # EIP-7934: 10 MiB minus a 2 MiB safety margin

DAO_RECOVERY_ADDRESS = hex_to_bytes("0xbf4ed7b27f1d666546e30d74d50d173d20bca754")  # EIP-779


def _load_dao_accounts() -> tuple[bytes, ...]:
    text = (Path(__file__).with_name("dao_fork_accounts.txt")).read_text()
    return tuple(hex_to_bytes(line) for line in text.split() if line.startswith("0x"))


DAO_ACCOUNTS = _load_dao_accounts()


def fake_exponential(factor: int, numerator: int, denominator: int) -> int:
    """EIP-4844: integer approximation of ``factor * e ** (numerator / denominator)``."""
    i = 1
    output = 0
    accumulator = factor * denominator
    while accumulator > 0:
        output += accumulator
        accumulator = accumulator * numerator // (denominator * i)
        i += 1
    return output // denominator


def blob_base_fee(excess_blob_gas: int, rules: ForkRules) -> int:
    """EIP-4844: the price of one unit of blob gas given the block's excess blob gas."""
    return fake_exponential(MIN_BLOB_BASE_FEE, excess_blob_gas,
                            rules.blob_base_fee_update_fraction)


@dataclass(frozen=True, slots=True)
class BlockContext:
    """What running a block needs besides the block and its rules."""

    chain_id: int
    parent_hash: bytes
    # BLOCKHASH source: number -> hash of an ancestor (None when unknown or too old).
    block_hash: Callable[[int], bytes | None]
    deposit_contract: bytes = system_calls.MAINNET_DEPOSIT_CONTRACT  # EIP-6110
    is_dao_block: bool = False  # EIP-779: move the DAO's balances first


@dataclass(frozen=True, slots=True)
class BlockOutput:
    """The results of a block's body; the header must agree with every one of them."""

    receipts: tuple[Receipt, ...]
    gas_used: int
    blob_gas_used: int
    requests: tuple[bytes, ...] | None  # EIP-7685, None before Prague


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


def _pay_rewards(state: StateDB, block: Block, rules: ForkRules) -> None:
    """Proof of work: the miner's reward plus 1/32 per ommer, and (8 + u - n)/8 to each ommer's
    miner."""
    state.begin_transaction()  # forget the last transaction's self-destructs and touches
    reward = rules.block_reward
    number = block.header.number
    state.add_balance(block.header.coinbase, reward + len(block.ommers) * (reward // 32))
    for ommer in block.ommers:
        state.add_balance(ommer.coinbase, (8 + ommer.number - number) * reward // 8)
    state.finalize_transaction(False)


def process_withdrawals(state: StateDB, block: Block) -> None:
    """EIP-4895: credit each withdrawal (in Gwei); a zero withdrawal creates no account."""
    state.begin_transaction()
    for w in block.withdrawals or ():
        if w.amount:
            state.add_balance(w.address, w.amount * GWEI)
        elif state.account_exists(w.address) and state.is_empty(w.address):
            state.destroy_account(w.address)
    state.finalize_transaction(False)


def apply_block(state: StateDB, block: Block, rules: ForkRules, ctx: BlockContext) -> BlockOutput:
    """Run ``block``'s body on ``state``; raise ``InvalidBlock`` when a transaction cannot be
    included or a system contract fails."""
    header = block.header
    env = block_env(header, ctx)
    if ctx.is_dao_block:
        apply_dao_fork(state)
    if rules.has_beacon_root and header.parent_beacon_block_root is not None:
        system_calls.process_beacon_root(state, env, rules, header.parent_beacon_block_root)
    if rules.has_history_contract:
        system_calls.process_parent_hash(state, env, rules, ctx.parent_hash)

    receipts: list[Receipt] = []
    gas_used = 0
    blob_gas_used = 0
    max_blob_gas = rules.blob_max * GAS_PER_BLOB
    byzantium = rules.fork >= Fork.BYZANTIUM
    # Imported here: ``apply`` itself imports this module's blob base fee.
    from ethrex.execution.apply import apply_transaction

    for index, tx in enumerate(block.transactions):
        if tx.gas > header.gas_limit - gas_used:
            raise InvalidBlock(
                f"tx {index}: gas {tx.gas} above the block's remaining {header.gas_limit - gas_used}"
            )
        if isinstance(tx, BlobTransaction):
            blob_gas_used += GAS_PER_BLOB * len(tx.blob_versioned_hashes)
            if blob_gas_used > max_blob_gas:
                raise InvalidBlock(f"tx {index}: blob gas {blob_gas_used} above {max_blob_gas}")
        try:
            result = apply_transaction(state, env, tx, rules)
        except InvalidTransaction as exc:
            raise InvalidBlock(f"tx {index}: {exc}") from exc
        gas_used += result.gas_used
        logs = tuple(Log(a, t, d) for a, t, d in result.logs)
        receipts.append(
            Receipt(
                tx_type=tx.TYPE,
                succeeded=result.succeeded if byzantium else None,
                post_state=None if byzantium else state.state_root(),  # EIP-658 replaced it
                cumulative_gas_used=gas_used,
                bloom=logs_bloom(logs),
                logs=logs,
            )
        )

    if not rules.is_pos:
        _pay_rewards(state, block, rules)
    if rules.has_withdrawals:
        process_withdrawals(state, block)
    requests = None
    if rules.has_requests:
        requests = tuple(
            system_calls.process_requests(state, env, rules, receipts, ctx.deposit_contract)
        )
    return BlockOutput(tuple(receipts), gas_used, blob_gas_used, requests)


def _show(value: object) -> str:
    return value.hex() if isinstance(value, bytes) else str(value)


def _compare(what: str, got: object, header: object) -> None:
    if got != header:
        raise InvalidBlock(f"{what} {_show(got)} != header {_show(header)}")


def check_body(block: Block, rules: ForkRules) -> None:
    """The body commitments that need no execution: transactions, ommers, withdrawals."""
    header = block.header
    if rules.has_withdrawals != (block.withdrawals is not None):
        raise InvalidBlock("withdrawals present before Shanghai or missing after")  # EIP-4895
    _compare("transactions root",
             ordered_root([encode_transaction(tx) for tx in block.transactions]),
             header.transactions_root)
    _compare("ommers hash", keccak256(rlp.encode([header_fields(h) for h in block.ommers])),
             header.ommers_hash)
    if block.withdrawals is not None:
        _compare("withdrawals root",
                 ordered_root([rlp.encode(withdrawal_fields(w)) for w in block.withdrawals]),
                 header.withdrawals_root)


def check_output(block: Block, output: BlockOutput, state_root: bytes) -> None:
    """Compare what execution produced with the header's commitments."""
    header = block.header
    _compare("gas used", output.gas_used, header.gas_used)
    if header.blob_gas_used is not None:
        _compare("blob gas used", output.blob_gas_used, header.blob_gas_used)
    bloom = 0
    for r in output.receipts:
        bloom |= int.from_bytes(r.bloom, "big")
    _compare("logs bloom", bloom.to_bytes(256, "big"), header.logs_bloom)
    _compare("receipts root", ordered_root([encode_receipt(r) for r in output.receipts]),
             header.receipts_root)
    if output.requests is not None:
        _compare("requests hash", system_calls.compute_requests_hash(output.requests),
                 header.requests_hash)
    _compare("state root", state_root, header.state_root)


def execute_block(
    state: StateDB, block: Block, rules: ForkRules, ctx: BlockContext
) -> BlockOutput:
    """Check the body, run it and compare every result with the header."""
    check_body(block, rules)
    output = apply_block(state, block, rules, ctx)
    check_output(block, output, state.state_root())
    return output
