"""SLOAD/SSTORE (0x54, 0x55) with each fork's gas and refunds, and TLOAD/TSTORE (EIP-1153)."""

from ethrex.evm.errors import OutOfGas, WriteInStaticContext
from ethrex.evm.frame import Frame
from ethrex.evm.gas import GAS_CALL_STIPEND, charge


def op_sload(f: Frame) -> None:
    s = f.stack
    key = s[-1]
    rules = f.rules
    if rules.has_access_lists:  # EIP-2929
        cold = f.state.warm_slot(f.target, key)
        charge(f, rules.cold_sload_gas if cold else rules.warm_access_gas)
    s[-1] = f.state.get_storage(f.target, key)


def sstore_cost(
    f: Frame, original: int, current: int, new: int
) -> tuple[int, int]:
    """``(gas, refund delta)`` of writing ``new`` over ``current`` (``original`` at tx start).

    Frontier rules: set 20000, otherwise reset; clearing refunds. Net gas metering (EIP-1283
    in Constantinople, EIP-2200 from Istanbul) charges by how the slot moves relative to its
    original value and refunds undone changes.
    """
    rules = f.rules
    if not rules.has_net_gas_metering:
        refund = rules.sstore_clears_refund if current and not new else 0
        if current == 0 and new:
            return rules.sstore_set_gas, refund
        return rules.sstore_reset_gas, refund
    noop = rules.sstore_noop_gas
    if current == new:
        return noop, 0
    clears = rules.sstore_clears_refund
    if original == current:
        if original == 0:
            return rules.sstore_set_gas, 0
        return rules.sstore_reset_gas, clears if new == 0 else 0
    refund = 0
    if original:
        if current == 0:
            refund -= clears
        elif new == 0:
            refund += clears
    if original == new:
        if original == 0:
            refund += rules.sstore_set_gas - noop
        else:
            refund += rules.sstore_reset_gas - noop
    return noop, refund


def op_sstore(f: Frame) -> None:
    if f.is_static:
        raise WriteInStaticContext
    s = f.stack
    key = s.pop()
    new = s.pop()
    rules = f.rules
    state = f.state
    target = f.target
    if rules.has_sstore_sentry and f.gas <= GAS_CALL_STIPEND:  # EIP-2200
        raise OutOfGas
    current = state.get_storage(target, key)
    cold = 0
    if rules.has_access_lists and state.warm_slot(target, key):  # EIP-2929
        cold = rules.cold_sload_gas
    original = state.get_original_storage(target, key) if rules.has_net_gas_metering else 0
    gas, refund = sstore_cost(f, original, current, new)
    charge(f, gas + cold)
    if refund:
        state.add_refund(refund)
    if current != new:
        state.set_storage(target, key, new)


def op_tload(f: Frame) -> None:
    s = f.stack
    s[-1] = f.state.get_transient(f.target, s[-1])


def op_tstore(f: Frame) -> None:
    if f.is_static:
        raise WriteInStaticContext
    s = f.stack
    key = s.pop()
    f.state.set_transient(f.target, key, s.pop())
