"""Block-level state changes outside transactions: the DAO transfer (EIP-779), proof-of-work
rewards and EIP-4895 withdrawals."""

from ethrex.execution.block import (
    DAO_ACCOUNTS,
    DAO_RECOVERY_ADDRESS,
    BlockContext,
    apply_block,
    apply_dao_fork,
)
from ethrex.forks import RULES, Fork
from ethrex.primitives import EMPTY_LIST_HASH
from ethrex.state import DictBackend, StateDB
from ethrex.trie import EMPTY_ROOT
from ethrex.types.block import Block
from ethrex.types.header import Header
from ethrex.types.withdrawal import Withdrawal


def _header(number: int, coinbase: bytes) -> Header:
    return Header(
        parent_hash=bytes(32), ommers_hash=EMPTY_LIST_HASH, coinbase=coinbase,
        state_root=EMPTY_ROOT, transactions_root=EMPTY_ROOT, receipts_root=EMPTY_ROOT,
        logs_bloom=bytes(256), difficulty=131072, number=number, gas_limit=5_000_000,
        gas_used=0, timestamp=number * 13, extra_data=b"", prev_randao=bytes(32),
        nonce=bytes(8),
    )


def test_dao_account_list() -> None:
    assert len(DAO_ACCOUNTS) == 116 and len(set(DAO_ACCOUNTS)) == 116
    assert all(len(a) == 20 for a in DAO_ACCOUNTS)


def test_dao_fork_moves_every_balance_to_the_recovery_contract() -> None:
    backend = DictBackend()
    backend.set_account(DAO_ACCOUNTS[0], 0, 7, b"", {})
    backend.set_account(DAO_ACCOUNTS[-1], 3, 11, b"\x00", {})
    state = StateDB(backend)
    apply_dao_fork(state)
    assert state.get_balance(DAO_ACCOUNTS[0]) == 0
    assert state.get_balance(DAO_ACCOUNTS[-1]) == 0
    assert state.get_nonce(DAO_ACCOUNTS[-1]) == 3  # only the balance moves
    assert state.get_balance(DAO_RECOVERY_ADDRESS) == 18


def test_rewards_with_ommers() -> None:
    state = StateDB(DictBackend())
    miner, uncle_miner = b"\x01" * 20, b"\x02" * 20
    ommer = _header(8, uncle_miner)  # two generations back
    block = Block(_header(10, miner), (), (ommer,))
    rules = RULES[Fork.BYZANTIUM]
    apply_block(state, block, rules, BlockContext(1, bytes(32), lambda n: None))
    reward = 3 * 10**18  # EIP-649
    assert state.get_balance(miner) == reward + reward // 32
    assert state.get_balance(uncle_miner) == (8 + 8 - 10) * reward // 8


def test_withdrawals_credit_gwei_and_zero_creates_nothing() -> None:
    state = StateDB(DictBackend())
    a, b = b"\x03" * 20, b"\x04" * 20
    header = _header(1, bytes(20))
    block = Block(header, (), (), (Withdrawal(0, 0, a, 5), Withdrawal(1, 0, b, 0)))
    apply_block(state, block, RULES[Fork.SHANGHAI], BlockContext(1, bytes(32), lambda n: None))
    assert state.get_balance(a) == 5 * 10**9
    assert not state.account_exists(b)
