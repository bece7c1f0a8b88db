"""The transaction pipeline's steps and options: each kind of invalid transaction leaves the
state as it was, a message skips what a call skips, and a creation over an existing account
burns its gas (EIP-684/EIP-7610)."""

from dataclasses import replace

import pytest

from ethrex.evm.env import BlockEnv
from ethrex.evm.opcodes.system import compute_create_address
from ethrex.execution import errors
from ethrex.execution.overrides import AccountOverride
from ethrex.execution.transaction import CALL, apply_transaction, check_transaction
from ethrex.forks import RULES, Fork
from ethrex.state import DictBackend, StateDB
from ethrex.types.transactions import (
    FeeMarketTransaction,
    LegacyTransaction,
    recover_sender,
    sign_transaction,
)

RULES_NOW = RULES[Fork.PRAGUE]
KEY = bytes(31) + b"\x09"
TO = b"\x42" * 20
COINBASE = b"\xc0" * 20
BASE_FEE = 10


def _tx(**changes: object) -> FeeMarketTransaction:
    tx = FeeMarketTransaction(1, 0, 1, 100, 21000, TO, 5, b"", (), 0, 0, 0)
    return sign_transaction(replace(tx, **changes), KEY)


SENDER = recover_sender(_tx())


def _state(balance: int = 10**18, nonce: int = 0, code: bytes = b"") -> StateDB:
    backend = DictBackend()
    backend.set_account(SENDER, nonce, balance, code, {})
    return StateDB(backend)


def _env() -> BlockEnv:
    return BlockEnv(chain_id=1, coinbase=COINBASE, number=1, timestamp=1, gas_limit=30_000_000,
                    base_fee_per_gas=BASE_FEE)


@pytest.mark.parametrize(("kind", "state", "tx"), [
    (errors.NonceTooHigh, _state(), _tx(nonce=1)),
    (errors.NonceTooLow, _state(nonce=1), _tx()),
    (errors.SenderNotEOA, _state(code=b"\x00"), _tx()),
    (errors.FeeCapTooLow, _state(), _tx(max_fee_per_gas=BASE_FEE - 1, max_priority_fee_per_gas=0)),
    (errors.InsufficientFunds, _state(balance=21000 * 100), _tx()),  # value 5 on top
    (errors.BlockGasExceeded, _state(), _tx(gas=30_000_001)),
])
def test_each_kind_of_invalid_transaction_changes_nothing(
        kind: type[Exception], state: StateDB, tx: FeeMarketTransaction) -> None:
    root = state.state_root()
    with pytest.raises(kind):
        apply_transaction(state, _env(), tx, RULES_NOW)
    assert state.state_root() == root


def test_a_block_transaction_pays_the_tip_and_burns_the_base_fee() -> None:
    state = _state()
    result = apply_transaction(state, _env(), _tx(), RULES_NOW)
    assert result.succeeded and result.gas_used == 21000
    assert state.get_balance(COINBASE) == 21000 * 1  # tip 1, the base fee is burned
    assert state.get_balance(SENDER) == 10**18 - 21000 * (BASE_FEE + 1) - 5
    assert state.get_nonce(SENDER) == 1


def test_a_fee_less_call_skips_nonce_and_base_fee_and_pays_nothing() -> None:
    state = _state(nonce=7)
    message = LegacyTransaction(0, 0, 50_000, TO, 5, b"", 0, 0, 0)  # unsigned, price 0
    plan = check_transaction(state, _env(), message, RULES_NOW, SENDER, CALL)
    assert (plan.gas_price, plan.pays_fees) == (0, False)
    result = apply_transaction(state, _env(), message, RULES_NOW, SENDER, CALL)
    assert result.succeeded
    assert not state.account_exists(COINBASE)
    assert state.get_balance(SENDER) == 10**18 - 5
    with pytest.raises(errors.NonceTooLow):  # the same message as a block's transaction
        check_transaction(_state(nonce=7), _env(), message, RULES_NOW, SENDER)


def test_intrinsic_gas_of_a_message() -> None:
    message = LegacyTransaction(0, 0, 20999, TO, 0, b"", 0, 0, 0)
    with pytest.raises(errors.IntrinsicGasTooLow):
        check_transaction(_state(), _env(), message, RULES_NOW, SENDER, CALL)


def test_state_overrides_apply_before_the_checks() -> None:
    poor = _state(balance=0)
    options = replace(CALL, state_overrides={SENDER: AccountOverride(balance=10**18)})
    message = FeeMarketTransaction(1, 0, 0, 100, 21000, TO, 1, b"", (), 0, 0, 0)
    result = apply_transaction(poor, _env(), message, RULES_NOW, SENDER, options)
    assert result.succeeded and poor.get_balance(TO) == 1


def test_creation_over_an_account_with_storage_burns_its_gas() -> None:
    state = _state()
    target = compute_create_address(SENDER, 0)
    state.backend.set_account(target, 0, 0, b"", {1: 1})  # type: ignore[attr-defined]
    result = apply_transaction(state, _env(), _tx(to=b"", gas=100_000, value=0), RULES_NOW)
    assert isinstance(result.error, errors.AddressCollision) and not result.succeeded
    assert result.gas_used == 100_000
    assert result.contract_address == target
    assert state.get_nonce(SENDER) == 1  # the transaction is in: its nonce is used
    assert state.get_storage(target, 1) == 1
