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
from ethrex.evm.frame import Context, Frame, valid_jumpdests
from ethrex.evm.gas import GAS_CODE_DEPOSIT, charge_memory
from ethrex.evm.precompiles import PrecompileError, precompiles_for
from ethrex.evm.table import loop_tables_for, tables_for
from ethrex.forks import ForkRules
from ethrex.primitives import EMPTY_HASH, MASK, SIGN_BIT, keccak256
from ethrex.state import StateDB

EMPTY_HASH_WORD = int.from_bytes(EMPTY_HASH, "big")  # KECCAK256 of no bytes

# 1024 nested calls take a few Python frames each.
if sys.getrecursionlimit() < 20000:
    sys.setrecursionlimit(20000)


def make_context(
    state: StateDB, rules: ForkRules, block: BlockEnv, tx: TxEnv, blob_base_fee: int = 0
) -> Context:
    """The shared context of one transaction's frames."""
    return Context(state, rules, block, tx, precompiles_for(rules), tables_for(rules),
                   loop_tables_for(rules), blob_base_fee)


def run(frame: Frame) -> None:
    """Execute ``frame.code`` until STOP/RETURN (flag) or a halt (exception).

    The common opcodes run inline with ``pc`` and ``gas`` in locals, found by a few range tests
    on the opcode byte: PUSH/DUP/SWAP, the 0x50-0x5f flow and memory ops, the stack-only ops
    (arithmetic, comparison, bitwise: ``ctx.stack_ops``, called with the stack), the words fixed
    for the frame (ADDRESS, CALLER...: ``ctx.frame_words``, computed once per frame) and
    CALLDATALOAD. Every other opcode goes through the fork's 256-entry table, with
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
    stack_ops = ctx.stack_ops
    frame_words = ctx.frame_words
    words: list[int | None] = [None] * 0x50  # frame words (0x30-0x4f) computed so far
    rules = frame.rules
    has_push0 = rules.has_push0  # EIP-3855
    has_return_data = rules.has_return_data  # EIP-211
    has_blobs = rules.has_blobs  # EIP-4844
    blob_words: list[int] | None = None  # BLOBHASH values, on first use
    code = frame.padded
    push_values = frame.push_values
    jumpdests = frame.jumpdests  # None until the first jump
    n_dests = 0 if jumpdests is None else len(jumpdests)
    stack = frame.stack
    push = stack.append
    pop = stack.pop
    memory = frame.memory  # grown in place, never replaced
    n_data = len(frame.data)
    data = frame.data + bytes(32)  # CALLDATALOAD reads zeros past the end
    from_bytes = int.from_bytes
    abort = ctx.abort
    pc = 0
    gas = frame.gas
    while True:
        op = code[pc]
        if op >= 0x60:
            if op < 0x80:  # PUSH1..PUSH32
                if len(stack) >= 1024:
                    raise StackOverflow
                gas -= 3
                if gas < 0:
                    raise OutOfGas
                value = push_values.get(pc)
                if value is None:
                    value = push_values[pc] = from_bytes(code[pc + 1 : pc + op - 0x5E], "big")
                push(value)
                pc += op - 0x5E
                continue
            if op < 0xA0:
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
        elif op >= 0x50:
            if op < 0x58:
                if op == 0x57:  # JUMPI
                    if len(stack) < 2:
                        raise StackUnderflow
                    gas -= 10
                    if gas < 0:
                        raise OutOfGas
                    dest = pop()
                    if pop():
                        if dest >= n_dests or not jumpdests[dest]:
                            if jumpdests is not None:
                                raise InvalidJump
                            jumpdests = valid_jumpdests(frame)
                            n_dests = len(jumpdests)
                            if dest >= n_dests or not jumpdests[dest]:
                                raise InvalidJump
                        if abort.requested:
                            raise ExecutionAborted(abort.reason)
                        pc = dest
                    else:
                        pc += 1
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
                if op == 0x51:  # MLOAD
                    if not stack:
                        raise StackUnderflow
                    gas -= 3
                    if gas < 0:
                        raise OutOfGas
                    offset = stack[-1]
                    end = offset + 32
                    if end > len(memory):
                        frame.gas = gas
                        charge_memory(frame, offset, 32)
                        gas = frame.gas
                    stack[-1] = from_bytes(memory[offset:end], "big")
                    pc += 1
                    continue
                if op == 0x52:  # MSTORE
                    if len(stack) < 2:
                        raise StackUnderflow
                    gas -= 3
                    if gas < 0:
                        raise OutOfGas
                    offset = pop()
                    end = offset + 32
                    if end > len(memory):
                        frame.gas = gas
                        charge_memory(frame, offset, 32)
                        gas = frame.gas
                    memory[offset:end] = pop().to_bytes(32, "big")
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
                        if jumpdests is not None:
                            raise InvalidJump
                        jumpdests = valid_jumpdests(frame)
                        n_dests = len(jumpdests)
                        if dest >= n_dests or not jumpdests[dest]:
                            raise InvalidJump
                    if abort.requested:
                        raise ExecutionAborted(abort.reason)
                    pc = dest
                    continue
            else:
                if op == 0x5B:  # JUMPDEST
                    gas -= 1
                    if gas < 0:
                        raise OutOfGas
                    pc += 1
                    continue
                if op == 0x5F and has_push0:  # PUSH0
                    if len(stack) >= 1024:
                        raise StackOverflow
                    gas -= 2
                    if gas < 0:
                        raise OutOfGas
                    push(0)
                    pc += 1
                    continue
                if 0x58 <= op <= 0x5A:  # PC, MSIZE, GAS
                    if len(stack) >= 1024:
                        raise StackOverflow
                    gas -= 2
                    if gas < 0:
                        raise OutOfGas
                    push(pc if op == 0x58 else len(memory) if op == 0x59 else gas)
                    pc += 1
                    continue
        elif op < 0x20:
            if op < 0x10:
                if 0x01 <= op <= 0x03:  # ADD, MUL, SUB
                    if len(stack) < 2:
                        raise StackUnderflow
                    gas -= 5 if op == 0x02 else 3
                    if gas < 0:
                        raise OutOfGas
                    a = pop()
                    if op == 0x01:
                        stack[-1] = (a + stack[-1]) & MASK
                    elif op == 0x03:
                        stack[-1] = (a - stack[-1]) & MASK
                    else:
                        stack[-1] = (a * stack[-1]) & MASK
                    pc += 1
                    continue
            elif op <= 0x18:  # comparisons and bitwise logic, 3 gas each
                if op == 0x15:  # ISZERO
                    if not stack:
                        raise StackUnderflow
                    gas -= 3
                    if gas < 0:
                        raise OutOfGas
                    stack[-1] = 0 if stack[-1] else 1
                    pc += 1
                    continue
                if len(stack) < 2:
                    raise StackUnderflow
                gas -= 3
                if gas < 0:
                    raise OutOfGas
                a = pop()
                if op == 0x16:  # AND
                    stack[-1] &= a
                elif op == 0x10:  # LT
                    stack[-1] = 1 if a < stack[-1] else 0
                elif op == 0x14:  # EQ
                    stack[-1] = 1 if a == stack[-1] else 0
                elif op == 0x11:  # GT
                    stack[-1] = 1 if a > stack[-1] else 0
                elif op == 0x18:  # XOR
                    stack[-1] ^= a
                elif op == 0x17:  # OR
                    stack[-1] |= a
                elif op == 0x12:  # SLT: flipping the sign bit orders signed words as unsigned
                    stack[-1] = 1 if a ^ SIGN_BIT < stack[-1] ^ SIGN_BIT else 0
                else:  # SGT
                    stack[-1] = 1 if a ^ SIGN_BIT > stack[-1] ^ SIGN_BIT else 0
                pc += 1
                continue
            stack_op = stack_ops[op]
            if stack_op is not None:  # arithmetic, comparison, bitwise
                if len(stack) < stack_min[op]:
                    raise StackUnderflow
                gas -= gas_table[op]
                if gas < 0:
                    raise OutOfGas
                stack_op(stack)
                pc += 1
                continue
        elif op == 0x20:  # KECCAK256
            if len(stack) < 2:
                raise StackUnderflow
            offset = pop()
            size = stack[-1]
            gas -= 30 + 6 * ((size + 31) >> 5)
            if gas < 0:
                raise OutOfGas
            if size:
                end = offset + size
                if end > len(memory):
                    frame.gas = gas
                    charge_memory(frame, offset, size)
                    gas = frame.gas
                stack[-1] = from_bytes(keccak256(memory[offset:end]), "big")
            else:
                stack[-1] = EMPTY_HASH_WORD
            pc += 1
            continue
        elif op >= 0x30:
            if op == 0x35:  # CALLDATALOAD
                if not stack:
                    raise StackUnderflow
                gas -= 3
                if gas < 0:
                    raise OutOfGas
                i = stack[-1]
                stack[-1] = from_bytes(data[i : i + 32], "big") if i < n_data else 0
                pc += 1
                continue
            word_of = frame_words[op]
            if word_of is not None:  # ADDRESS, CALLER, NUMBER...: fixed for the frame
                if len(stack) >= 1024:
                    raise StackOverflow
                gas -= 2
                if gas < 0:
                    raise OutOfGas
                word = words[op]
                if word is None:
                    word = words[op] = word_of(frame)
                push(word)
                pc += 1
                continue
            if op == 0x49 and has_blobs:  # BLOBHASH (EIP-4844)
                if not stack:
                    raise StackUnderflow
                gas -= 3
                if gas < 0:
                    raise OutOfGas
                if blob_words is None:
                    blob_words = [from_bytes(h, "big") for h in ctx.tx.blob_versioned_hashes]
                i = stack[-1]
                stack[-1] = blob_words[i] if i < len(blob_words) else 0
                pc += 1
                continue
            if op == 0x3D and has_return_data:  # RETURNDATASIZE (EIP-211)
                if len(stack) >= 1024:
                    raise StackOverflow
                gas -= 2
                if gas < 0:
                    raise OutOfGas
                push(len(frame.return_data))
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
