"""The rollup seam: a toy ``ExecutionHooks`` plugs an L2 into the pipelines without touching
the EVM. Its deposit is a transaction type only the sequencer includes, whose sender the L1
bridge names (no signature, no nonce check), whose value is minted and which pays no fee; its
fees go to a vault instead of being burned; its blocks commit to no EIP-7685 requests."""

from dataclasses import dataclass
from typing import ClassVar

import pytest

from ethrex.errors import InvalidBlock, InvalidTransaction
from ethrex.evm.env import BlockEnv
from ethrex.execution.block import BlockBuilder, BlockContext, apply_block
from ethrex.execution.hooks import L1_HOOKS, TxPlan
from ethrex.execution.transaction import apply_transaction
from ethrex.forks import RULES, Fork, ForkRules
from ethrex.primitives import EMPTY_LIST_HASH
from ethrex.state import DictBackend, StateDB
from ethrex.trie import EMPTY_ROOT
from ethrex.types.block import Block
from ethrex.types.header import Header
from ethrex.types.receipt import Receipt
from ethrex.types.transactions import FeeMarketTransaction, recover_sender, sign_transaction

RULES_L2 = RULES[Fork.PRAGUE]
CHAIN_ID = 65536999
KEY = bytes(31) + b"\x07"
BRIDGE_SENDER = b"\xb1" * 20  # an L1 address, with no key on L2
STORER = b"\x5a" * 20  # stores CALLVALUE at slot 0
VAULT = b"\xfe" * 20
COINBASE = b"\xc0" * 20
BASE_FEE = 7


@dataclass(frozen=True, slots=True)
class Deposit:
    """The toy rollup's privileged transaction: no signature, the sender is the bridge's."""

    TYPE: ClassVar[int] = 0x7E
    sender: bytes
    to: bytes
    value: int
    data: bytes
    gas: int


class ToyRollupHooks:
    """Deposits run for free with their value minted; base fees go to ``VAULT``."""

    def privileged_plan(self, state: StateDB, env: BlockEnv, tx: object,
                        rules: ForkRules) -> TxPlan | None:
        if not isinstance(tx, Deposit):
            return None
        return TxPlan(sender=tx.sender, to=tx.to, value=tx.value, data=tx.data, gas=tx.gas,
                      gas_price=0, intrinsic=21000, floor=0, mint=tx.value, pays_fees=False)

    def pay_fees(self, state: StateDB, env: BlockEnv, plan: TxPlan, gas_used: int,
                 rules: ForkRules) -> None:
        state.add_balance(VAULT, gas_used * env.base_fee_per_gas)
        state.add_balance(env.coinbase, gas_used * (plan.gas_price - env.base_fee_per_gas))

    def block_requests(self, state: StateDB, env: BlockEnv, rules: ForkRules,
                       receipts: list[Receipt]) -> tuple[bytes, ...] | None:
        return None


TOY = ToyRollupHooks()


def _state() -> StateDB:
    backend = DictBackend()
    backend.set_account(STORER, 0, 0, bytes([0x34, 0x5F, 0x55, 0x00]), {})  # CALLVALUE PUSH0 SSTORE
    backend.set_account(recover_sender(_signed()), 0, 10**18, b"", {})
    return StateDB(backend)


def _env() -> BlockEnv:
    return BlockEnv(chain_id=CHAIN_ID, coinbase=COINBASE, number=1, timestamp=12,
                    gas_limit=30_000_000, base_fee_per_gas=BASE_FEE)


def _signed() -> FeeMarketTransaction:
    tx = FeeMarketTransaction(CHAIN_ID, 0, 2, 100, 21000, b"\x77" * 20, 1, b"", (), 0, 0, 0)
    return sign_transaction(tx, KEY)


def _header() -> Header:
    return Header(bytes(32), EMPTY_LIST_HASH, COINBASE, EMPTY_ROOT, EMPTY_ROOT, EMPTY_ROOT,
                  bytes(256), 0, 1, 30_000_000, 0, 12, b"", bytes(32), bytes(8),
                  base_fee_per_gas=BASE_FEE, withdrawals_root=EMPTY_ROOT, blob_gas_used=0,
                  excess_blob_gas=0, parent_beacon_block_root=None)


def test_deposit_mints_its_value_without_signature_nonce_or_fee() -> None:
    state = _state()
    deposit = Deposit(BRIDGE_SENDER, STORER, 5 * 10**18, b"", 100_000)
    result = apply_transaction(state, _env(), deposit, RULES_L2, hooks=TOY)  # type: ignore[arg-type]
    assert result.succeeded
    assert state.get_storage(STORER, 0) == 5 * 10**18  # the message carried the minted value
    assert state.get_balance(STORER) == 5 * 10**18
    assert state.get_balance(BRIDGE_SENDER) == 0  # minted, then sent on; no fee
    assert not state.account_exists(COINBASE) and not state.account_exists(VAULT)


def test_l1_refuses_the_deposit() -> None:
    deposit = Deposit(BRIDGE_SENDER, STORER, 1, b"", 100_000)
    with pytest.raises(InvalidTransaction):
        apply_transaction(_state(), _env(), deposit, RULES_L2)  # type: ignore[arg-type]


def test_fees_go_to_the_vault_instead_of_being_burned() -> None:
    tx = _signed()
    l1, l2 = _state(), _state()
    apply_transaction(l1, _env(), tx, RULES_L2)
    apply_transaction(l2, _env(), tx, RULES_L2, hooks=TOY)
    assert l1.get_balance(COINBASE) == l2.get_balance(COINBASE) == 21000 * 2  # the tip
    assert not l1.account_exists(VAULT)  # L1 burns the base fee
    assert l2.get_balance(VAULT) == 21000 * BASE_FEE
    sender = recover_sender(tx)
    assert l1.get_balance(sender) == l2.get_balance(sender)  # the sender pays the same


def test_block_pipeline_runs_the_hooks_and_commits_to_no_requests() -> None:
    state = _state()
    ctx = BlockContext(CHAIN_ID, bytes(32), lambda n: None, hooks=TOY)
    builder = BlockBuilder(state, _header(), RULES_L2, ctx)
    builder.begin()
    builder.apply(Deposit(BRIDGE_SENDER, STORER, 3, b"", 100_000))  # type: ignore[arg-type]
    builder.apply(_signed())
    output = builder.finish(())
    assert [r.tx_type for r in output.receipts] == [0x7E, 2]
    assert all(r.succeeded for r in output.receipts)
    assert output.requests is None  # Prague rules, but the rollup commits to no requests
    assert state.get_balance(VAULT) == 21000 * BASE_FEE


def test_l1_block_pipeline_needs_the_request_contracts() -> None:
    # The same empty Prague block on L1 must dequeue EIP-7002/7251 requests: without their
    # contracts it is invalid, which the rollup's hook avoids.
    ctx = BlockContext(CHAIN_ID, bytes(32), lambda n: None, hooks=L1_HOOKS)
    with pytest.raises(InvalidBlock, match="system contract"):
        apply_block(_state(), Block(_header(), (), (), ()), RULES_L2, ctx)
