"""State overrides: what ``eth_call``, ``eth_estimateGas``, ``debug_traceCall`` and
``eth_simulateV1`` may change in the state before a call (the reference client's
``StateOverride``): balance, nonce, code, all storage (``state``) or some slots
(``stateDiff``), and moving a precompile to another address (``movePrecompileToAddress``).
"""

from collections.abc import Mapping
from dataclasses import dataclass

from ethrex.errors import EthrexError
from ethrex.evm.precompiles import Precompile
from ethrex.state import StateDB


class InvalidOverride(EthrexError):
    """An override that cannot be applied (the request is at fault)."""


@dataclass(frozen=True, slots=True)
class AccountOverride:
    """One account's overrides; None leaves a field as it is."""

    balance: int | None = None
    nonce: int | None = None
    code: bytes | None = None
    state: Mapping[int, int] | None = None  # replaces the whole storage
    state_diff: Mapping[int, int] | None = None  # changes these slots only
    move_precompile_to: bytes | None = None


def apply_state_overrides(state: StateDB, overrides: Mapping[bytes, AccountOverride],
                          precompiles: dict[bytes, Precompile]) -> None:
    """Write ``overrides`` into ``state`` (committed, outside any transaction). An overridden
    precompile address stops being a precompile; ``move_precompile_to`` re-homes it in
    ``precompiles``. Raises ``InvalidOverride``."""
    moved_to: set[bytes] = set()
    state.begin_transaction()
    for address, account in overrides.items():
        shown = "0x" + address.hex()
        if address in moved_to:
            raise InvalidOverride(f"account {shown} has already been overridden by a precompile")
        precompile = precompiles.get(address)
        target = account.move_precompile_to
        if target is not None:
            if precompile is None:
                raise InvalidOverride(f"account {shown} is not a precompile")
            if target in overrides:
                raise InvalidOverride(f"account 0x{target.hex()} is already overridden")
            precompiles[target] = precompile
            moved_to.add(target)
        if precompile is not None:
            del precompiles[address]
        if account.state is not None and account.state_diff is not None:
            raise InvalidOverride(f"account {shown} has both 'state' and 'stateDiff'")
        if account.nonce is not None:
            state.set_nonce(address, account.nonce)
        if account.code is not None:
            state.set_code(address, account.code)
        if account.balance is not None:
            state.set_balance(address, account.balance)
        if account.state is not None:
            state.wipe_storage(address)
        for key, value in (account.state or account.state_diff or {}).items():
            state.set_storage(address, key, value)
    state.finalize_transaction(False)
