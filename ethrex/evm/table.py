"""The per-fork opcode tables: handler, static gas and stack bounds, lists of 256 indexed by the
opcode byte. Built once per ``ForkRules`` from its flags and gas fields; a byte the fork lacks
maps to ``op_invalid``."""

from collections.abc import Callable
from typing import Any

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
Tables = tuple[list[Handler], list[int], list[int], list[int]]

# Static gas tiers of the Yellow Paper.
ZERO, BASE, VERYLOW, LOW, MID, HIGH = 0, 2, 3, 5, 8, 10


def _ops(rules: ForkRules) -> dict[int, tuple[Handler, int, int, int]]:
    """opcode -> (handler, static gas, items needed, net stack growth) for this fork."""
    r = rules
    ops: dict[int, tuple[Handler, int, int, int]] = {
        0x00: (fl.op_stop, ZERO, 0, 0),
        0x01: (ar.op_add, VERYLOW, 2, -1),
        0x02: (ar.op_mul, LOW, 2, -1),
        0x03: (ar.op_sub, VERYLOW, 2, -1),
        0x04: (ar.op_div, LOW, 2, -1),
        0x05: (ar.op_sdiv, LOW, 2, -1),
        0x06: (ar.op_mod, LOW, 2, -1),
        0x07: (ar.op_smod, LOW, 2, -1),
        0x08: (ar.op_addmod, MID, 3, -2),
        0x09: (ar.op_mulmod, MID, 3, -2),
        0x0A: (ar.op_exp, HIGH, 2, -1),
        0x0B: (ar.op_signextend, LOW, 2, -1),
        0x10: (bw.op_lt, VERYLOW, 2, -1),
        0x11: (bw.op_gt, VERYLOW, 2, -1),
        0x12: (bw.op_slt, VERYLOW, 2, -1),
        0x13: (bw.op_sgt, VERYLOW, 2, -1),
        0x14: (bw.op_eq, VERYLOW, 2, -1),
        0x15: (bw.op_iszero, VERYLOW, 1, 0),
        0x16: (bw.op_and, VERYLOW, 2, -1),
        0x17: (bw.op_or, VERYLOW, 2, -1),
        0x18: (bw.op_xor, VERYLOW, 2, -1),
        0x19: (bw.op_not, VERYLOW, 1, 0),
        0x1A: (bw.op_byte, VERYLOW, 2, -1),
        0x20: (en.op_keccak256, 30, 2, -1),
        0x30: (en.op_address, BASE, 0, 1),
        0x31: (en.op_balance, r.balance_gas, 1, 0),
        0x32: (en.op_origin, BASE, 0, 1),
        0x33: (en.op_caller, BASE, 0, 1),
        0x34: (en.op_callvalue, BASE, 0, 1),
        0x35: (en.op_calldataload, VERYLOW, 1, 0),
        0x36: (en.op_calldatasize, BASE, 0, 1),
        0x37: (en.op_calldatacopy, VERYLOW, 3, -3),
        0x38: (en.op_codesize, BASE, 0, 1),
        0x39: (en.op_codecopy, VERYLOW, 3, -3),
        0x3A: (en.op_gasprice, BASE, 0, 1),
        0x3B: (en.op_extcodesize, r.extcode_gas, 1, 0),
        0x3C: (en.op_extcodecopy, r.extcode_gas, 4, -4),
        0x40: (bk.op_blockhash, 20, 1, 0),
        0x41: (bk.op_coinbase, BASE, 0, 1),
        0x42: (bk.op_timestamp, BASE, 0, 1),
        0x43: (bk.op_number, BASE, 0, 1),
        0x44: (bk.op_difficulty, BASE, 0, 1),
        0x45: (bk.op_gaslimit, BASE, 0, 1),
        0x50: (st.op_pop, BASE, 1, -1),
        0x51: (me.op_mload, VERYLOW, 1, 0),
        0x52: (me.op_mstore, VERYLOW, 2, -2),
        0x53: (me.op_mstore8, VERYLOW, 2, -2),
        0x54: (sg.op_sload, r.sload_gas, 1, 0),
        0x55: (sg.op_sstore, ZERO, 2, -2),
        0x56: (fl.op_jump, MID, 1, -1),
        0x57: (fl.op_jumpi, HIGH, 2, -2),
        0x58: (fl.op_pc, BASE, 0, 1),
        0x59: (me.op_msize, BASE, 0, 1),
        0x5A: (fl.op_gas, BASE, 0, 1),
        0x5B: (fl.op_jumpdest, 1, 0, 0),
        0xF0: (sy.op_create, GAS_CREATE, 3, -2),
        0xF1: (sy.op_call, r.call_gas, 7, -6),
        0xF2: (sy.op_callcode, r.call_gas, 7, -6),
        0xF3: (sy.op_return, ZERO, 2, -2),
        0xFE: (fl.op_invalid, ZERO, 0, 0),
        0xFF: (sy.op_selfdestruct, r.selfdestruct_gas, 1, -1),
    }
    for n in range(1, 33):
        ops[0x5F + n] = (st.make_push(n), VERYLOW, 0, 1)
    for n in range(1, 17):
        ops[0x7F + n] = (st.make_dup(n), VERYLOW, n, 1)
        ops[0x8F + n] = (st.make_swap(n), VERYLOW, n + 1, 0)
    for n in range(5):
        ops[0xA0 + n] = (make_log(n), 375, n + 2, -(n + 2))
    if r.has_delegatecall:  # EIP-7
        ops[0xF4] = (sy.op_delegatecall, r.call_gas, 6, -5)
    if r.has_revert:  # EIP-140
        ops[0xFD] = (sy.op_revert, ZERO, 2, -2)
    if r.has_return_data:  # EIP-211
        ops[0x3D] = (en.op_returndatasize, BASE, 0, 1)
        ops[0x3E] = (en.op_returndatacopy, VERYLOW, 3, -3)
    if r.has_staticcall:  # EIP-214
        ops[0xFA] = (sy.op_staticcall, r.call_gas, 6, -5)
    if r.has_shifts:  # EIP-145
        ops[0x1B] = (bw.op_shl, VERYLOW, 2, -1)
        ops[0x1C] = (bw.op_shr, VERYLOW, 2, -1)
        ops[0x1D] = (bw.op_sar, VERYLOW, 2, -1)
    if r.has_create2:  # EIP-1014
        ops[0xF5] = (sy.op_create2, GAS_CREATE, 4, -3)
    if r.has_extcodehash:  # EIP-1052
        ops[0x3F] = (en.op_extcodehash, r.extcodehash_gas, 1, 0)
    if r.has_chain_id_op:  # EIP-1344
        ops[0x46] = (bk.op_chainid, BASE, 0, 1)
    if r.has_selfbalance:  # EIP-1884
        ops[0x47] = (en.op_selfbalance, LOW, 0, 1)
    if r.has_base_fee:  # EIP-3198
        ops[0x48] = (bk.op_basefee, BASE, 0, 1)
    if r.has_push0:  # EIP-3855
        ops[0x5F] = (st.op_push0, BASE, 0, 1)
    if r.has_tstore:  # EIP-1153
        ops[0x5C] = (sg.op_tload, r.warm_access_gas, 1, 0)
        ops[0x5D] = (sg.op_tstore, r.warm_access_gas, 2, -2)
    if r.has_mcopy:  # EIP-5656
        ops[0x5E] = (me.op_mcopy, VERYLOW, 3, -3)
    if r.has_blobs:  # EIP-4844
        ops[0x49] = (bk.op_blobhash, VERYLOW, 1, 0)
    if r.has_blob_base_fee_op:  # EIP-7516
        ops[0x4A] = (bk.op_blobbasefee, BASE, 0, 1)
    if r.has_clz:  # EIP-7939
        ops[0x1E] = (bw.op_clz, LOW, 1, 0)
    return ops


def build_tables(rules: ForkRules) -> Tables:
    """``(handlers, static gas, min stack, max stack)``, each a list of 256."""
    handlers: list[Handler] = [fl.op_invalid] * 256
    gas = [0] * 256
    stack_min = [0] * 256
    stack_max = [STACK_LIMIT] * 256
    for op, (handler, static_gas, need, growth) in _ops(rules).items():
        handlers[op] = handler
        gas[op] = static_gas
        stack_min[op] = need
        stack_max[op] = STACK_LIMIT - growth if growth > 0 else STACK_LIMIT
    return handlers, gas, stack_min, stack_max


_CACHE: dict[Any, Tables] = {}


def tables_for(rules: ForkRules) -> Tables:
    """The tables of ``rules``, built on first use and cached."""
    tables = _CACHE.get(rules)
    if tables is None:
        tables = _CACHE[rules] = build_tables(rules)
    return tables


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
