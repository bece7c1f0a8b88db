"""Calls, creates and frame exits (0xf0-0xff): CREATE/CREATE2, the CALL family, RETURN, REVERT
and SELFDESTRUCT, each fork's gas and semantics chosen by rule flags."""

import ethrex.evm.vm as vm
from ethrex import rlp
from ethrex.evm.errors import OutOfGas, Revert, WriteInStaticContext
from ethrex.evm.frame import STACK_DEPTH_LIMIT, Frame
from ethrex.evm.gas import (
    GAS_CALL_STIPEND,
    GAS_CALL_VALUE,
    GAS_KECCAK_WORD,
    GAS_NEW_ACCOUNT,
    GAS_SELFDESTRUCT_NEW_ACCOUNT,
    access_cost,
    charge,
    charge_memory,
    grow_memory,
    max_call_gas,
    memory_extension_cost,
)
from ethrex.evm.opcodes.environment import to_address
from ethrex.primitives import keccak256

DELEGATION_PREFIX = b"\xef\x01\x00"  # EIP-7702 designator: 0xef0100 || address


def delegated_address(code: bytes) -> bytes | None:
    """The delegate of an EIP-7702 designator, or None for ordinary code."""
    if len(code) == 23 and code[:3] == DELEGATION_PREFIX:
        return code[3:]
    return None


def compute_create_address(sender: bytes, nonce: int) -> bytes:
    return keccak256(rlp.encode([sender, nonce]))[12:]


def compute_create2_address(sender: bytes, salt: int, init_code: bytes) -> bytes:
    """EIP-1014: keccak(0xff ++ sender ++ salt ++ keccak(init_code))[12:]."""
    return keccak256(b"\xff" + sender + salt.to_bytes(32, "big") + keccak256(init_code))[12:]


# -- creates -----------------------------------------------------------------------------------


def _create(f: Frame, value: int, offset: int, size: int, address: bytes) -> None:
    """Shared tail of CREATE and CREATE2 once the address is known and static gas is paid."""
    rules = f.rules
    state = f.state
    init_code = bytes(f.memory[offset : offset + size]) if size else b""
    if rules.has_init_code_limit and size > rules.max_init_code_size:  # EIP-3860
        raise OutOfGas
    if rules.has_access_lists:
        state.warm_address(address)  # EIP-2929: the new address is warm
    gas = max_call_gas(f.gas) if rules.has_call_gas_cap else f.gas  # EIP-150
    f.gas -= gas
    if f.is_static:
        raise WriteInStaticContext
    f.return_data = b""
    sender = f.target
    nonce = state.get_nonce(sender)
    if state.get_balance(sender) < value or nonce >= 2**64 - 1 or f.depth + 1 > STACK_DEPTH_LIMIT:
        f.gas += gas
        f.stack.append(0)
        return
    state.increment_nonce(sender)
    # A create into an address with code, nonce or storage fails and burns the gas (EIP-684,
    # EIP-7610).
    if state.get_nonce(address) or state.get_code(address) or state.has_storage(address):
        f.stack.append(0)
        return
    child = Frame(f.ctx, sender, address, address, value, b"", init_code, gas, f.depth + 1, False)
    vm.process_create(child)
    f.gas += child.gas
    if child.error is None:
        f.stack.append(int.from_bytes(address, "big"))
    else:
        f.return_data = child.output
        f.stack.append(0)


def _init_code_gas(f: Frame, size: int) -> int:
    return f.rules.init_code_word_gas * ((size + 31) >> 5)  # EIP-3860


def op_create(f: Frame) -> None:
    s = f.stack
    value = s.pop()
    offset = s.pop()
    size = s.pop()
    charge_memory(f, offset, size)
    charge(f, _init_code_gas(f, size))
    address = compute_create_address(f.target, f.state.get_nonce(f.target))
    _create(f, value, offset, size, address)


def op_create2(f: Frame) -> None:
    s = f.stack
    value = s.pop()
    offset = s.pop()
    size = s.pop()
    salt = s.pop()
    charge_memory(f, offset, size)
    charge(f, (GAS_KECCAK_WORD + f.rules.init_code_word_gas) * ((size + 31) >> 5))
    init_code = bytes(f.memory[offset : offset + size]) if size else b""
    _create(f, value, offset, size, compute_create2_address(f.target, salt, init_code))


# -- calls -------------------------------------------------------------------------------------


def _call_gas(f: Frame, gas: int, memory_cost: int, extra: int) -> int:
    """Gas the callee gets; EIP-150 caps it at all but a 64th of what is left after costs."""
    if f.rules.has_call_gas_cap and f.gas >= memory_cost + extra:
        cap = max_call_gas(f.gas - memory_cost - extra)
        if gas > cap:
            gas = cap
    return gas


def _resolve_code(f: Frame, address: bytes) -> tuple[bytes, bytes, bool, int]:
    """``(code, code address, disable precompiles, extra access gas)`` of calling ``address``,
    following an EIP-7702 delegation designator one hop."""
    state = f.state
    code = state.get_code(address)
    if f.rules.has_delegation:
        delegate = delegated_address(code)
        if delegate is not None:
            return state.get_code(delegate), delegate, True, access_cost(f, delegate)
    return code, address, False, 0


def _call(
    f: Frame,
    gas: int,
    value: int,
    caller: bytes,
    target: bytes,
    code_address: bytes,
    code: bytes,
    should_transfer: bool,
    is_static: bool,
    disable_precompiles: bool,
    in_offset: int,
    in_size: int,
    out_offset: int,
    out_size: int,
) -> None:
    """Run a child frame with gas already paid; return unused gas and copy the output."""
    f.return_data = b""
    if f.depth + 1 > STACK_DEPTH_LIMIT:
        f.gas += gas
        f.stack.append(0)
        return
    data = bytes(f.memory[in_offset : in_offset + in_size]) if in_size else b""
    child = Frame(
        f.ctx, caller, target, code_address, value, data, code, gas, f.depth + 1, is_static,
        should_transfer, disable_precompiles,
    )
    vm.process_message(child)
    f.gas += child.gas
    output = child.output
    f.return_data = output
    f.stack.append(1 if child.error is None else 0)
    if out_size and output:
        n = out_size if out_size < len(output) else len(output)
        f.memory[out_offset : out_offset + n] = output[:n]


def op_call(f: Frame) -> None:
    s = f.stack
    gas = s.pop()
    to = to_address(s.pop())
    value = s.pop()
    in_offset, in_size, out_offset, out_size = s.pop(), s.pop(), s.pop(), s.pop()
    rules = f.rules
    state = f.state
    memory_cost = memory_extension_cost(f, in_offset, in_size, out_offset, out_size)
    extra = access_cost(f, to) if rules.has_access_lists else 0
    code, code_address, disable, delegation_cost = _resolve_code(f, to)
    extra += delegation_cost
    if value:
        extra += GAS_CALL_VALUE
        # EIP-161: only value sent to a dead account pays for creating it.
        if (not state.is_alive(to)) if rules.has_state_clearing else (not state.account_exists(to)):
            extra += GAS_NEW_ACCOUNT
    elif not rules.has_state_clearing and not state.account_exists(to):
        extra += GAS_NEW_ACCOUNT
    gas = _call_gas(f, gas, memory_cost, extra)
    charge(f, memory_cost + extra + gas)
    if f.is_static and value:
        raise WriteInStaticContext
    grow_memory(f, in_offset, in_size, out_offset, out_size)
    if value:
        gas += GAS_CALL_STIPEND
    if state.get_balance(f.target) < value:
        f.return_data = b""
        f.gas += gas
        s.append(0)
        return
    _call(
        f, gas, value, f.target, to, code_address, code, True, f.is_static, disable,
        in_offset, in_size, out_offset, out_size,
    )


def op_callcode(f: Frame) -> None:
    """Run another account's code in this account's context, with a value."""
    s = f.stack
    gas = s.pop()
    to = to_address(s.pop())
    value = s.pop()
    in_offset, in_size, out_offset, out_size = s.pop(), s.pop(), s.pop(), s.pop()
    rules = f.rules
    memory_cost = memory_extension_cost(f, in_offset, in_size, out_offset, out_size)
    extra = access_cost(f, to) if rules.has_access_lists else 0
    code, code_address, disable, delegation_cost = _resolve_code(f, to)
    extra += delegation_cost
    if value:
        extra += GAS_CALL_VALUE
    gas = _call_gas(f, gas, memory_cost, extra)
    charge(f, memory_cost + extra + gas)
    grow_memory(f, in_offset, in_size, out_offset, out_size)
    if value:
        gas += GAS_CALL_STIPEND
    if f.state.get_balance(f.target) < value:
        f.return_data = b""
        f.gas += gas
        s.append(0)
        return
    _call(
        f, gas, value, f.target, f.target, code_address, code, True, f.is_static, disable,
        in_offset, in_size, out_offset, out_size,
    )


def op_delegatecall(f: Frame) -> None:
    """EIP-7: another account's code with this frame's caller, value and storage."""
    s = f.stack
    gas = s.pop()
    to = to_address(s.pop())
    in_offset, in_size, out_offset, out_size = s.pop(), s.pop(), s.pop(), s.pop()
    memory_cost = memory_extension_cost(f, in_offset, in_size, out_offset, out_size)
    extra = access_cost(f, to) if f.rules.has_access_lists else 0
    code, code_address, disable, delegation_cost = _resolve_code(f, to)
    extra += delegation_cost
    gas = _call_gas(f, gas, memory_cost, extra)
    charge(f, memory_cost + extra + gas)
    grow_memory(f, in_offset, in_size, out_offset, out_size)
    _call(
        f, gas, f.value, f.caller, f.target, code_address, code, False, f.is_static, disable,
        in_offset, in_size, out_offset, out_size,
    )


def op_staticcall(f: Frame) -> None:
    """EIP-214: a call whose frame and descendants may not change state."""
    s = f.stack
    gas = s.pop()
    to = to_address(s.pop())
    in_offset, in_size, out_offset, out_size = s.pop(), s.pop(), s.pop(), s.pop()
    memory_cost = memory_extension_cost(f, in_offset, in_size, out_offset, out_size)
    extra = access_cost(f, to) if f.rules.has_access_lists else 0
    code, code_address, disable, delegation_cost = _resolve_code(f, to)
    extra += delegation_cost
    gas = _call_gas(f, gas, memory_cost, extra)
    charge(f, memory_cost + extra + gas)
    grow_memory(f, in_offset, in_size, out_offset, out_size)
    _call(
        f, gas, 0, f.target, to, code_address, code, True, True, disable,
        in_offset, in_size, out_offset, out_size,
    )


# -- exits -------------------------------------------------------------------------------------


def op_return(f: Frame) -> None:
    s = f.stack
    offset = s.pop()
    size = s.pop()
    charge_memory(f, offset, size)
    f.output = bytes(f.memory[offset : offset + size]) if size else b""
    f.running = False


def op_revert(f: Frame) -> None:
    """EIP-140: stop, undo this frame's changes, return the output and the gas left."""
    s = f.stack
    offset = s.pop()
    size = s.pop()
    charge_memory(f, offset, size)
    f.output = bytes(f.memory[offset : offset + size]) if size else b""
    raise Revert


def op_selfdestruct(f: Frame) -> None:
    """Send the whole balance to the beneficiary and (before EIP-6780, or when created in this
    transaction) delete the account at the end of the transaction."""
    beneficiary = to_address(f.stack.pop())
    rules = f.rules
    state = f.state
    target = f.target
    gas = 0
    if rules.has_access_lists and state.warm_address(beneficiary):
        gas += rules.cold_account_gas  # EIP-2929
    if rules.has_state_clearing:
        if not state.is_alive(beneficiary) and state.get_balance(target):
            gas += GAS_SELFDESTRUCT_NEW_ACCOUNT  # EIP-161
    elif rules.has_call_gas_cap and not state.account_exists(beneficiary):
        gas += GAS_SELFDESTRUCT_NEW_ACCOUNT  # EIP-150
    charge(f, gas)
    if f.is_static:
        raise WriteInStaticContext
    if rules.selfdestruct_refund and target not in state.destructed:
        state.add_refund(rules.selfdestruct_refund)  # removed by EIP-3529
    balance = state.get_balance(target)
    if rules.selfdestruct_only_same_tx:  # EIP-6780
        state.transfer(target, beneficiary, balance)
        if target in state.created:
            state.set_balance(target, 0)
            state.mark_destructed(target)
    else:
        state.set_balance(beneficiary, state.get_balance(beneficiary) + balance)
        state.set_balance(target, 0)
        state.mark_destructed(target)
    if rules.has_state_clearing:
        state.touch(beneficiary)
    f.running = False
