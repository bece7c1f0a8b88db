"""The generated workloads' contracts, written with a tiny assembler (standard library only).

A program is a list of opcode names, ints (pushed with the shortest PUSH), ``("label", name)``
markers and ``("ref", name)`` jump targets (always PUSH2).
"""

from typing import Union

Item = Union[str, int, tuple[str, str]]

OPCODES = {
    "STOP": 0x00, "ADD": 0x01, "MUL": 0x02, "SUB": 0x03, "LT": 0x10, "XOR": 0x18,
    "ISZERO": 0x15, "SHA3": 0x20, "CALLER": 0x33, "CALLDATALOAD": 0x35, "CALLDATASIZE": 0x36,
    "POP": 0x50, "MLOAD": 0x51, "MSTORE": 0x52, "SLOAD": 0x54, "SSTORE": 0x55, "JUMP": 0x56,
    "JUMPI": 0x57, "JUMPDEST": 0x5B,
    "PUSH0": 0x5F, "DUP1": 0x80, "DUP2": 0x81, "DUP3": 0x82, "SWAP1": 0x90, "LOG3": 0xA3,
    "RETURN": 0xF3, "REVERT": 0xFD,
}


def assemble(program: list[Item]) -> bytes:
    """Two passes: lay out the code to find the labels, then emit it."""
    def size(item: Item) -> int:
        if isinstance(item, str):
            return 1
        if isinstance(item, int):
            return 1 if item == 0 else 1 + max(1, (item.bit_length() + 7) // 8)
        return 0 if item[0] == "label" else 3

    labels: dict[str, int] = {}
    pc = 0
    for item in program:
        if isinstance(item, tuple) and item[0] == "label":
            labels[item[1]] = pc
        pc += size(item)
    out = bytearray()
    for item in program:
        if isinstance(item, str):
            out.append(OPCODES[item])
        elif isinstance(item, int):
            if item == 0:
                out.append(OPCODES["PUSH0"])
            else:
                n = max(1, (item.bit_length() + 7) // 8)
                out.append(0x5F + n)
                out += item.to_bytes(n, "big")
        elif item[0] == "ref":
            out.append(0x61)
            out += labels[item[1]].to_bytes(2, "big")
    return bytes(out)


def erc20(transfer_topic: bytes) -> bytes:
    """``transfer(to, amount)`` of a minimal ERC20: balances in a mapping at slot 0 (Solidity
    layout: keccak(pad32(holder) . pad32(0))), a ``Transfer`` LOG3, reverts when short.
    The selector is not checked: the workload only ever calls ``transfer``."""
    return assemble([
        4, "CALLDATALOAD", 0x24, "CALLDATALOAD",         # [to, amount]
        "CALLER", 0, "MSTORE", 0x40, 0, "SHA3",           # [to, amount, key_from]
        "DUP1", "SLOAD",                                  # [to, amount, key_from, from_balance]
        "DUP3", "DUP2", "LT", ("ref", "short"), "JUMPI",
        "DUP3", "SWAP1", "SUB", "SWAP1", "SSTORE",        # [to, amount]
        "DUP2", 0, "MSTORE", 0x40, 0, "SHA3",             # [to, amount, key_to]
        "DUP1", "SLOAD", "DUP3", "ADD", "SWAP1", "SSTORE",
        0, "MSTORE",                                      # memory[0] = amount; [to]
        "CALLER", int.from_bytes(transfer_topic, "big"), 0x20, 0, "LOG3",
        1, 0, "MSTORE", 0x20, 0, "RETURN",
        ("label", "short"), "JUMPDEST", 0, 0, "REVERT",
    ])


def compute_loop() -> bytes:
    """calldata[0:32] = n: n rounds of x = keccak(x) * n ^ n held in memory, then stored."""
    return assemble([
        0, "CALLDATALOAD",
        ("label", "loop"), "JUMPDEST",
        0x20, 0, "SHA3", "DUP2", "MUL", "DUP2", "XOR", 0, "MSTORE",
        1, "SWAP1", "SUB", "DUP1", ("ref", "loop"), "JUMPI",
        "POP", 0, "MLOAD", 1, "SSTORE", "STOP",
    ])


# Gas of one round of compute_loop: JUMPDEST 1, PUSH1 3, PUSH0 2, SHA3 36, DUP2 3, MUL 5,
# DUP2 3, XOR 3, PUSH0 2, MSTORE 3, PUSH1 3, SWAP1 3, SUB 3, DUP1 3, PUSH2 3, JUMPI 10.
COMPUTE_ROUND_GAS = 86


def storage_writer() -> bytes:
    """calldata = (base, count): stores slot base+i = base+i for i = count..1 (fresh SSTOREs)."""
    return assemble([
        0, "CALLDATALOAD", 0x20, "CALLDATALOAD",          # [base, count]
        ("label", "loop"), "JUMPDEST",
        "DUP1", "DUP3", "ADD", "DUP1", "SSTORE",
        1, "SWAP1", "SUB", "DUP1", ("ref", "loop"), "JUMPI",
        "STOP",
    ])


def storage_toucher() -> bytes:
    """calldata = 32-byte slot keys: each slot is read and stored back plus one (a cold SLOAD
    and an SSTORE per key; an existing slot is an update, a fresh one a new slot)."""
    return assemble([
        0,                                                # [i]
        ("label", "loop"), "JUMPDEST",
        "CALLDATASIZE", "DUP2", "LT", "ISZERO", ("ref", "end"), "JUMPI",
        "DUP1", "CALLDATALOAD",                           # [i, key]
        "DUP1", "SLOAD", 1, "ADD", "SWAP1", "SSTORE",     # slot[key] += 1
        0x20, "ADD", ("ref", "loop"), "JUMP",
        ("label", "end"), "JUMPDEST", "STOP",
    ])


# EIP-4788 beacon roots contract, as the EIP deploys it (the fixtures' pre-state needs it).
BEACON_ROOTS_ADDRESS = bytes.fromhex("000f3df6d732807ef1319fb7b8bb8522d0beac02")
BEACON_ROOTS_CODE = bytes.fromhex(
    "3373fffffffffffffffffffffffffffffffffffffffe14604d57602036146024575f5ffd5b5f35801560495762"
    "001fff810690815414603c575f5ffd5b62001fff01545f5260205ff35b5f5ffd5b62001fff42064281555f3590"
    "62001fff015500"
)
