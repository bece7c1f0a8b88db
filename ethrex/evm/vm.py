"""The interpreter: the run loop, and message processing with halts caught at the frame edge.

``process_message`` runs a call (value transfer, precompile or code) and ``process_create`` a
contract creation (code deposit, EIP-170/3541 checks). Both leave ``frame.error`` set when the
frame failed; its state changes are then already reverted through the journal.
"""

import sys
from typing import Any

from ethrex.evm.env import BlockEnv, TxEnv
from ethrex.evm.errors import (
    ExceptionalHalt,
    ExecutionAborted,
    InvalidContractPrefix,
    InvalidJump,
    OutOfGas,
    Revert,
    StackOverflow,
    StackUnderflow,
)
from ethrex.evm.frame import Context, Frame
from ethrex.evm.gas import GAS_CODE_DEPOSIT
from ethrex.evm.precompiles import PrecompileError, precompiles_for
from ethrex.evm.table import tables_for
from ethrex.forks import ForkRules
from ethrex.state import StateDB

# 1024 nested calls take a few Python frames each.
if sys.getrecursionlimit() < 20000:
    sys.setrecursionlimit(20000)


def make_context(
    state: StateDB, rules: ForkRules, block: BlockEnv, tx: TxEnv, blob_base_fee: int = 0
) -> Context:
    """The shared context of one transaction's frames."""
    return Context(state, rules, block, tx, precompiles_for(rules), tables_for(rules),
                   blob_base_fee)


def run(frame: Frame) -> None:
    """Execute ``frame.code`` until STOP/RETURN (flag) or a halt (exception).

    The hottest opcodes (PUSH, DUP, SWAP, POP, JUMPDEST, JUMP, JUMPI) run inline with ``pc``
    and ``gas`` in locals; every other opcode goes through the fork's 256-entry table, with
    ``frame.pc``/``frame.gas`` stored before and reloaded after (handlers may jump, charge
    dynamic gas or stop the frame). An inline halt leaves ``frame.gas`` stale: ``execute``
    zeroes it for every halt anyway. A taken jump reads ``ctx.abort`` (an RPC call out of
    time), the one check that bounds a loop.
    """
    ctx = frame.ctx
    table = ctx.opcode_table
    gas_table = ctx.gas_table
    stack_min = ctx.stack_min
    stack_max = ctx.stack_max
    code = frame.padded
    jumpdests = frame.jumpdests
    n_dests = len(jumpdests)
    stack = frame.stack
    push = stack.append
    pop = stack.pop
    from_bytes = int.from_bytes
    abort = ctx.abort
    pc = 0
    gas = frame.gas
    while True:
        op = code[pc]
        if op < 0x80:
            if op > 0x5F:  # PUSH1..PUSH32
                if len(stack) >= 1024:
                    raise StackOverflow
                gas -= 3
                if gas < 0:
                    raise OutOfGas
                end = pc + op - 0x5E
                push(from_bytes(code[pc + 1 : end], "big"))
                pc = end
                continue
            if op == 0x5B:  # JUMPDEST
                gas -= 1
                if gas < 0:
                    raise OutOfGas
                pc += 1
                continue
            if op == 0x57:  # JUMPI
                if len(stack) < 2:
                    raise StackUnderflow
                gas -= 10
                if gas < 0:
                    raise OutOfGas
                dest = pop()
                if pop():
                    if dest >= n_dests or not jumpdests[dest]:
                        raise InvalidJump
                    if abort.requested:
                        raise ExecutionAborted(abort.reason)
                    pc = dest
                else:
                    pc += 1
                continue
            if op == 0x56:  # JUMP
                if not stack:
                    raise StackUnderflow
                gas -= 8
                if gas < 0:
                    raise OutOfGas
                dest = pop()
                if dest >= n_dests or not jumpdests[dest]:
                    raise InvalidJump
                if abort.requested:
                    raise ExecutionAborted(abort.reason)
                pc = dest
                continue
            if op == 0x50:  # POP
                if not stack:
                    raise StackUnderflow
                gas -= 2
                if gas < 0:
                    raise OutOfGas
                pop()
                pc += 1
                continue
        elif op < 0xA0:
            n = len(stack)
            if op < 0x90:  # DUP1..DUP16
                depth = op - 0x7F
                if n < depth:
                    raise StackUnderflow
                if n >= 1024:
                    raise StackOverflow
                gas -= 3
                if gas < 0:
                    raise OutOfGas
                push(stack[-depth])
            else:  # SWAP1..SWAP16
                depth = op - 0x8E
                if n < depth:
                    raise StackUnderflow
                gas -= 3
                if gas < 0:
                    raise OutOfGas
                stack[-1], stack[-depth] = stack[-depth], stack[-1]
            pc += 1
            continue
        n = len(stack)
        if n < stack_min[op]:
            raise StackUnderflow
        if n > stack_max[op]:
            raise StackOverflow
        gas -= gas_table[op]
        if gas < 0:
            raise OutOfGas
        frame.gas = gas
        frame.pc = pc + 1
        table[op](frame)
        if not frame.running:
            return
        pc = frame.pc
        gas = frame.gas


def run_traced(frame: Frame, tracer: Any) -> None:
    """The same machine without inlined opcodes: ``tracer.on_step(frame, pc, op, gas)`` sees
    every step before its static gas is charged (``debug_trace*``)."""
    ctx = frame.ctx
    table = ctx.opcode_table
    gas_table = ctx.gas_table
    stack_min = ctx.stack_min
    stack_max = ctx.stack_max
    code = frame.padded
    stack = frame.stack
    on_step = tracer.on_step
    abort = ctx.abort
    while frame.running:
        if abort.requested:
            raise ExecutionAborted(abort.reason)
        pc = frame.pc
        op = code[pc]
        on_step(frame, pc, op, frame.gas)
        n = len(stack)
        if n < stack_min[op]:
            raise StackUnderflow
        if n > stack_max[op]:
            raise StackOverflow
        gas = frame.gas - gas_table[op]
        if gas < 0:
            raise OutOfGas
        frame.gas = gas
        frame.pc = pc + 1
        table[op](frame)


def execute(frame: Frame) -> None:
    """Run a precompile or the frame's code; a halt burns the gas, a revert keeps it."""
    abort = frame.ctx.abort
    if abort.requested:
        raise ExecutionAborted(abort.reason)
    try:
        precompile = None
        if not frame.disable_precompiles:
            precompile = frame.ctx.precompiles.get(frame.code_address)
        if precompile is not None:
            gas_fn, run_fn = precompile
            cost = gas_fn(frame.data, frame.rules)
            if cost > frame.gas:
                raise OutOfGas
            frame.gas -= cost
            frame.output = run_fn(frame.data, frame.rules)
        elif frame.code:
            tracer = frame.ctx.tracer
            if tracer is None:
                run(frame)
            else:
                run_traced(frame, tracer)
    except ExceptionalHalt as exc:
        frame.gas = 0
        frame.output = b""
        frame.error = exc
    except PrecompileError as exc:
        frame.gas = 0
        frame.output = b""
        frame.error = exc
    except Revert as exc:
        frame.error = exc


def process_message(frame: Frame) -> None:
    """A message call: touch and pay the target, run, revert on failure."""
    state = frame.state
    snapshot = state.snapshot()
    target = frame.target
    if frame.rules.has_state_clearing:
        state.touch(target)  # EIP-161
    elif state.get_account(target) is None:
        # Before EIP-161 a message creates a missing target, even with no value (a zero-value
        # call to a precompile leaves an empty account behind).
        state.add_balance(target, 0)
    if frame.should_transfer and frame.value:
        state.transfer(frame.caller, frame.target, frame.value)
    execute(frame)
    if frame.error is not None:
        state.revert(snapshot)


def process_create(frame: Frame) -> None:
    """A contract creation: run the init code, then pay for and store the returned code."""
    state = frame.state
    rules = frame.rules
    target = frame.target
    snapshot = state.snapshot()
    state.mark_created(target)
    if rules.has_state_clearing:
        state.increment_nonce(target)  # EIP-161: contracts start at nonce 1
    process_message(frame)
    if frame.error is not None:
        state.revert(snapshot)
        return
    code = frame.output
    try:
        if code and code[0] == 0xEF and rules.rejects_ef_code:
            raise InvalidContractPrefix  # EIP-3541
        cost = GAS_CODE_DEPOSIT * len(code)
        if cost > frame.gas:
            if not rules.has_code_deposit_failure:
                return  # Frontier: the account stays, without code
            raise OutOfGas  # EIP-2
        frame.gas -= cost
        if len(code) > rules.max_code_size:
            raise OutOfGas  # EIP-170
    except ExceptionalHalt as exc:
        state.revert(snapshot)
        frame.gas = 0
        frame.output = b""
        frame.error = exc
        return
    state.set_code(target, code)
