"""The per-fork opcode tables: handler, static gas and stack bounds, lists of 256 indexed by the
opcode byte. Built once per ``ForkRules`` from its flags and gas fields; a byte the fork lacks
maps to ``op_invalid``.

An entry's function is of one of three kinds. ``FRAME`` handlers take the frame. ``STACK``
functions (arithmetic, comparison, bitwise) take the stack list alone, and ``WORD`` functions
give the word a 2-gas environment op pushes, fixed for the frame (ADDRESS, CALLER, NUMBER...):
the run loop calls the first directly and computes the second once per frame, skipping the
frame bookkeeping of a handler call; the handler table wraps both for every other caller.
"""

from collections.abc import Callable
from typing import Any

from ethrex.errors import InternalError
from ethrex.evm.frame import STACK_LIMIT, Frame
from ethrex.evm.gas import GAS_CREATE
from ethrex.evm.opcodes import arithmetic as ar
from ethrex.evm.opcodes import bitwise as bw
from ethrex.evm.opcodes import block as bk
from ethrex.evm.opcodes import environment as en
from ethrex.evm.opcodes import flow as fl
from ethrex.evm.opcodes import memory as me
from ethrex.evm.opcodes import stack as st
from ethrex.evm.opcodes import storage as sg
from ethrex.evm.opcodes import system as sy
from ethrex.evm.opcodes.log import make_log
from ethrex.forks import ForkRules

Handler = Callable[[Frame], None]
StackOp = Callable[[list[int]], None]
WordOf = Callable[[Frame], int]
Tables = tuple[list[Handler], list[int], list[int], list[int]]
LoopTables = tuple[list[StackOp | None], list[WordOf | None]]

# Static gas tiers of the Yellow Paper.
ZERO, BASE, VERYLOW, LOW, MID, HIGH = 0, 2, 3, 5, 8, 10
FRAME, STACK, WORD = 0, 1, 2  # what an entry's function takes (see the module docstring)


def _ops(rules: ForkRules) -> dict[int, tuple[int, Any, int, int, int]]:
    """opcode -> (kind, function, static gas, items needed, net stack growth) for this fork."""
    r = rules
    ops: dict[int, tuple[int, Any, int, int, int]] = {
        0x00: (FRAME, fl.op_stop, ZERO, 0, 0),
        0x01: (STACK, ar.op_add, VERYLOW, 2, -1),
        0x02: (STACK, ar.op_mul, LOW, 2, -1),
        0x03: (STACK, ar.op_sub, VERYLOW, 2, -1),
        0x04: (STACK, ar.op_div, LOW, 2, -1),
        0x05: (STACK, ar.op_sdiv, LOW, 2, -1),
        0x06: (STACK, ar.op_mod, LOW, 2, -1),
        0x07: (STACK, ar.op_smod, LOW, 2, -1),
        0x08: (STACK, ar.op_addmod, MID, 3, -2),
        0x09: (STACK, ar.op_mulmod, MID, 3, -2),
        0x0A: (FRAME, ar.op_exp, HIGH, 2, -1),
        0x0B: (STACK, ar.op_signextend, LOW, 2, -1),
        0x10: (STACK, bw.op_lt, VERYLOW, 2, -1),
        0x11: (STACK, bw.op_gt, VERYLOW, 2, -1),
        0x12: (STACK, bw.op_slt, VERYLOW, 2, -1),
        0x13: (STACK, bw.op_sgt, VERYLOW, 2, -1),
        0x14: (STACK, bw.op_eq, VERYLOW, 2, -1),
        0x15: (STACK, bw.op_iszero, VERYLOW, 1, 0),
        0x16: (STACK, bw.op_and, VERYLOW, 2, -1),
        0x17: (STACK, bw.op_or, VERYLOW, 2, -1),
        0x18: (STACK, bw.op_xor, VERYLOW, 2, -1),
        0x19: (STACK, bw.op_not, VERYLOW, 1, 0),
        0x1A: (STACK, bw.op_byte, VERYLOW, 2, -1),
        0x20: (FRAME, en.op_keccak256, 30, 2, -1),
        0x30: (WORD, en.address_word, BASE, 0, 1),
        0x31: (FRAME, en.op_balance, r.balance_gas, 1, 0),
        0x32: (WORD, en.origin_word, BASE, 0, 1),
        0x33: (WORD, en.caller_word, BASE, 0, 1),
        0x34: (WORD, en.callvalue_word, BASE, 0, 1),
        0x35: (FRAME, en.op_calldataload, VERYLOW, 1, 0),
        0x36: (WORD, en.calldatasize_word, BASE, 0, 1),
        0x37: (FRAME, en.op_calldatacopy, VERYLOW, 3, -3),
        0x38: (WORD, en.codesize_word, BASE, 0, 1),
        0x39: (FRAME, en.op_codecopy, VERYLOW, 3, -3),
        0x3A: (WORD, en.gasprice_word, BASE, 0, 1),
        0x3B: (FRAME, en.op_extcodesize, r.extcode_gas, 1, 0),
        0x3C: (FRAME, en.op_extcodecopy, r.extcode_gas, 4, -4),
        0x40: (FRAME, bk.op_blockhash, 20, 1, 0),
        0x41: (WORD, bk.coinbase_word, BASE, 0, 1),
        0x42: (WORD, bk.timestamp_word, BASE, 0, 1),
        0x43: (WORD, bk.number_word, BASE, 0, 1),
        0x44: (WORD, bk.difficulty_word, BASE, 0, 1),
        0x45: (WORD, bk.gaslimit_word, BASE, 0, 1),
        0x50: (FRAME, st.op_pop, BASE, 1, -1),
        0x51: (FRAME, me.op_mload, VERYLOW, 1, 0),
        0x52: (FRAME, me.op_mstore, VERYLOW, 2, -2),
        0x53: (FRAME, me.op_mstore8, VERYLOW, 2, -2),
        0x54: (FRAME, sg.op_sload, r.sload_gas, 1, 0),
        0x55: (FRAME, sg.op_sstore, ZERO, 2, -2),
        0x56: (FRAME, fl.op_jump, MID, 1, -1),
        0x57: (FRAME, fl.op_jumpi, HIGH, 2, -2),
        0x58: (FRAME, fl.op_pc, BASE, 0, 1),
        0x59: (FRAME, me.op_msize, BASE, 0, 1),
        0x5A: (FRAME, fl.op_gas, BASE, 0, 1),
        0x5B: (FRAME, fl.op_jumpdest, 1, 0, 0),
        0xF0: (FRAME, sy.op_create, GAS_CREATE, 3, -2),
        0xF1: (FRAME, sy.op_call, r.call_gas, 7, -6),
        0xF2: (FRAME, sy.op_callcode, r.call_gas, 7, -6),
        0xF3: (FRAME, sy.op_return, ZERO, 2, -2),
        0xFE: (FRAME, fl.op_invalid, ZERO, 0, 0),
        0xFF: (FRAME, sy.op_selfdestruct, r.selfdestruct_gas, 1, -1),
    }
    for n in range(1, 33):
        ops[0x5F + n] = (FRAME, st.make_push(n), VERYLOW, 0, 1)
    for n in range(1, 17):
        ops[0x7F + n] = (FRAME, st.make_dup(n), VERYLOW, n, 1)
        ops[0x8F + n] = (FRAME, st.make_swap(n), VERYLOW, n + 1, 0)
    for n in range(5):
        ops[0xA0 + n] = (FRAME, make_log(n), 375, n + 2, -(n + 2))
    if r.has_delegatecall:  # EIP-7
        ops[0xF4] = (FRAME, sy.op_delegatecall, r.call_gas, 6, -5)
    if r.has_revert:  # EIP-140
        ops[0xFD] = (FRAME, sy.op_revert, ZERO, 2, -2)
    if r.has_return_data:  # EIP-211
        ops[0x3D] = (FRAME, en.op_returndatasize, BASE, 0, 1)
        ops[0x3E] = (FRAME, en.op_returndatacopy, VERYLOW, 3, -3)
    if r.has_staticcall:  # EIP-214
        ops[0xFA] = (FRAME, sy.op_staticcall, r.call_gas, 6, -5)
    if r.has_shifts:  # EIP-145
        ops[0x1B] = (STACK, bw.op_shl, VERYLOW, 2, -1)
        ops[0x1C] = (STACK, bw.op_shr, VERYLOW, 2, -1)
        ops[0x1D] = (STACK, bw.op_sar, VERYLOW, 2, -1)
    if r.has_create2:  # EIP-1014
        ops[0xF5] = (FRAME, sy.op_create2, GAS_CREATE, 4, -3)
    if r.has_extcodehash:  # EIP-1052
        ops[0x3F] = (FRAME, en.op_extcodehash, r.extcodehash_gas, 1, 0)
    if r.has_chain_id_op:  # EIP-1344
        ops[0x46] = (WORD, bk.chainid_word, BASE, 0, 1)
    if r.has_selfbalance:  # EIP-1884
        ops[0x47] = (FRAME, en.op_selfbalance, LOW, 0, 1)
    if r.has_base_fee:  # EIP-3198
        ops[0x48] = (WORD, bk.basefee_word, BASE, 0, 1)
    if r.has_push0:  # EIP-3855
        ops[0x5F] = (FRAME, st.op_push0, BASE, 0, 1)
    if r.has_tstore:  # EIP-1153
        ops[0x5C] = (FRAME, sg.op_tload, r.warm_access_gas, 1, 0)
        ops[0x5D] = (FRAME, sg.op_tstore, r.warm_access_gas, 2, -2)
    if r.has_mcopy:  # EIP-5656
        ops[0x5E] = (FRAME, me.op_mcopy, VERYLOW, 3, -3)
    if r.has_blobs:  # EIP-4844
        ops[0x49] = (FRAME, bk.op_blobhash, VERYLOW, 1, 0)
    if r.has_blob_base_fee_op:  # EIP-7516
        ops[0x4A] = (WORD, bk.blobbasefee_word, BASE, 0, 1)
    if r.has_clz:  # EIP-7939
        ops[0x1E] = (STACK, bw.op_clz, LOW, 1, 0)
    return ops


def _on_stack(fn: StackOp) -> Handler:
    def op(f: Frame) -> None:
        fn(f.stack)

    return op


def _push_word(word_of: WordOf) -> Handler:
    def op(f: Frame) -> None:
        f.stack.append(word_of(f))

    return op


def build_tables(rules: ForkRules) -> tuple[Tables, LoopTables]:
    """``(handlers, static gas, min stack, max stack)`` and ``(stack ops, frame words)``, each a
    list of 256 (the last two None where an op is not of that kind)."""
    handlers: list[Handler] = [fl.op_invalid] * 256
    gas = [0] * 256
    stack_min = [0] * 256
    stack_max = [STACK_LIMIT] * 256
    stack_ops: list[StackOp | None] = [None] * 256
    frame_words: list[WordOf | None] = [None] * 256
    for op, (kind, fn, static_gas, need, growth) in _ops(rules).items():
        if kind == STACK:
            if growth > 0:  # the loop checks only underflow for these
                raise InternalError(f"stack op 0x{op:02x} grows the stack")
            stack_ops[op] = fn
            handlers[op] = _on_stack(fn)
        elif kind == WORD:
            if static_gas != BASE:  # the loop charges these 2 gas
                raise InternalError(f"frame word 0x{op:02x} costs {static_gas}, not {BASE}")
            frame_words[op] = fn
            handlers[op] = _push_word(fn)
        else:
            handlers[op] = fn
        gas[op] = static_gas
        stack_min[op] = need
        stack_max[op] = STACK_LIMIT - growth if growth > 0 else STACK_LIMIT
    return (handlers, gas, stack_min, stack_max), (stack_ops, frame_words)


_CACHE: dict[Any, tuple[Tables, LoopTables]] = {}


def _built(rules: ForkRules) -> tuple[Tables, LoopTables]:
    built = _CACHE.get(rules)
    if built is None:
        built = _CACHE[rules] = build_tables(rules)
    return built


def tables_for(rules: ForkRules) -> Tables:
    """The tables of ``rules``, built on first use and cached."""
    return _built(rules)[0]


def loop_tables_for(rules: ForkRules) -> LoopTables:
    """``(stack ops, frame words)`` of ``rules``: what the run loop calls without the frame."""
    return _built(rules)[1]


# Mnemonics, for tracers and debuggers (the struct logger's "op"); a byte no fork defines has
# none.
OPCODE_NAMES: dict[int, str] = {
    0x00: "STOP", 0x01: "ADD", 0x02: "MUL", 0x03: "SUB", 0x04: "DIV", 0x05: "SDIV", 0x06: "MOD",
    0x07: "SMOD", 0x08: "ADDMOD", 0x09: "MULMOD", 0x0A: "EXP", 0x0B: "SIGNEXTEND", 0x10: "LT",
    0x11: "GT", 0x12: "SLT", 0x13: "SGT", 0x14: "EQ", 0x15: "ISZERO", 0x16: "AND", 0x17: "OR",
    0x18: "XOR", 0x19: "NOT", 0x1A: "BYTE", 0x1B: "SHL", 0x1C: "SHR", 0x1D: "SAR", 0x1E: "CLZ",
    0x20: "KECCAK256", 0x30: "ADDRESS", 0x31: "BALANCE", 0x32: "ORIGIN", 0x33: "CALLER",
    0x34: "CALLVALUE", 0x35: "CALLDATALOAD", 0x36: "CALLDATASIZE", 0x37: "CALLDATACOPY",
    0x38: "CODESIZE", 0x39: "CODECOPY", 0x3A: "GASPRICE", 0x3B: "EXTCODESIZE",
    0x3C: "EXTCODECOPY", 0x3D: "RETURNDATASIZE", 0x3E: "RETURNDATACOPY", 0x3F: "EXTCODEHASH",
    0x40: "BLOCKHASH", 0x41: "COINBASE", 0x42: "TIMESTAMP", 0x43: "NUMBER", 0x44: "PREVRANDAO",
    0x45: "GASLIMIT", 0x46: "CHAINID", 0x47: "SELFBALANCE", 0x48: "BASEFEE", 0x49: "BLOBHASH",
    0x4A: "BLOBBASEFEE", 0x50: "POP", 0x51: "MLOAD", 0x52: "MSTORE", 0x53: "MSTORE8",
    0x54: "SLOAD", 0x55: "SSTORE", 0x56: "JUMP", 0x57: "JUMPI", 0x58: "PC", 0x59: "MSIZE",
    0x5A: "GAS", 0x5B: "JUMPDEST", 0x5C: "TLOAD", 0x5D: "TSTORE", 0x5E: "MCOPY", 0x5F: "PUSH0",
    0xF0: "CREATE", 0xF1: "CALL", 0xF2: "CALLCODE", 0xF3: "RETURN", 0xF4: "DELEGATECALL",
    0xF5: "CREATE2", 0xFA: "STATICCALL", 0xFD: "REVERT", 0xFE: "INVALID", 0xFF: "SELFDESTRUCT",
}
OPCODE_NAMES.update({0x60 + i: f"PUSH{i + 1}" for i in range(32)})
OPCODE_NAMES.update({0x80 + i: f"DUP{i + 1}" for i in range(16)})
OPCODE_NAMES.update({0x90 + i: f"SWAP{i + 1}" for i in range(16)})
OPCODE_NAMES.update({0xA0 + i: f"LOG{i}" for i in range(5)})
