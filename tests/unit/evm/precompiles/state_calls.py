"""Precompile vectors taken from the EEST state tests in ../shared/fixtures.

Most EEST precompile tests send their input as calldata to a small contract that copies it to
memory, calls the precompile with a fixed gas budget, and stores the call's success, the return
data size and the return data's keccak (or words of it, or the gas the call used). The post-state
storage of that contract is therefore a vector: input -> (success, output, gas).

``run_case`` replays such a contract with a tiny interpreter that knows only the opcodes those
contracts use, and calls our precompiles for the CALL. It is a test harness, not an EVM: a case
whose contract needs anything else (CREATE, calls to code, ...) raises ``Unsupported`` and is left
out at collection, and the tests assert how many cases each precompile keeps.
"""

import json
import lzma
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from ethrex.evm.precompiles import PrecompileError, precompiles_for
from ethrex.forks import ForkRules, rules_for_fixture
from ethrex.primitives import keccak256

M256 = 2**256 - 1


class Unsupported(Exception):
    """The case's contract does more than this harness models."""


class OutOfGas(Exception):
    pass


@dataclass(frozen=True, slots=True)
class Case:
    name: str
    rules: ForkRules
    code: bytes
    data: bytes
    value: int
    gas_limit: int
    pre_storage: dict[int, int]
    post_storage: dict[int, int]


_STATIC = {
    0x00: 0, 0x01: 3, 0x02: 5, 0x03: 3, 0x04: 5, 0x06: 5, 0x10: 3, 0x11: 3, 0x14: 3, 0x15: 3,
    0x16: 3, 0x17: 3, 0x18: 3, 0x19: 3, 0x1B: 3, 0x1C: 3, 0x20: 30, 0x34: 2, 0x35: 3, 0x36: 2,
    0x37: 3, 0x3D: 2, 0x3E: 3, 0x50: 2, 0x51: 3, 0x52: 3, 0x53: 3, 0x54: 0, 0x55: 0, 0x56: 8,
    0x57: 10, 0x5A: 2, 0x5B: 1, 0x5F: 2, 0xF1: 0, 0xF2: 0, 0xF3: 0, 0xF4: 0, 0xFA: 0, 0xFD: 0,
}  # fmt: skip


def _intrinsic(data: bytes) -> int:
    zeros = data.count(0)
    return 21000 + 4 * zeros + 16 * (len(data) - zeros)


def run_case(case: Case) -> dict[int, int]:
    """Execute the contract; return its final storage (the pre-state storage if it halts)."""
    code = case.code
    data = case.data
    table = precompiles_for(case.rules)
    stack: list[int] = []
    mem = bytearray()
    storage = dict(case.pre_storage)
    warm_slots: set[int] = set()
    ret = b""
    gas = case.gas_limit - _intrinsic(data)

    def charge(n: int) -> None:
        nonlocal gas
        gas -= n
        if gas < 0:
            raise OutOfGas

    def expand(offset: int, size: int) -> None:
        if size == 0:
            return
        end = offset + size
        if end > len(mem):
            words_old = len(mem) // 32
            words_new = (end + 31) // 32
            cost = lambda w: 3 * w + w * w // 512  # noqa: E731
            charge(cost(words_new) - cost(words_old))
            mem.extend(bytes(words_new * 32 - len(mem)))

    pc = 0
    try:
        while pc < len(code):
            op = code[pc]
            if 0x60 <= op <= 0x7F:
                n = op - 0x5F
                charge(3)
                stack.append(int.from_bytes(code[pc + 1 : pc + 1 + n].ljust(n, b"\0"), "big"))
                pc += 1 + n
                continue
            if 0x80 <= op <= 0x8F:
                charge(3)
                stack.append(stack[-(op - 0x7F)])
                pc += 1
                continue
            if 0x90 <= op <= 0x9F:
                charge(3)
                i = op - 0x8E
                stack[-1], stack[-i] = stack[-i], stack[-1]
                pc += 1
                continue
            if op not in _STATIC:
                raise Unsupported(f"opcode {op:#x}")
            charge(_STATIC[op])
            if op == 0x00:
                break
            elif op == 0x01:
                stack.append((stack.pop() + stack.pop()) & M256)
            elif op == 0x02:
                stack.append((stack.pop() * stack.pop()) & M256)
            elif op == 0x03:
                a = stack.pop()
                stack.append((a - stack.pop()) & M256)
            elif op == 0x04:
                a, b = stack.pop(), stack.pop()
                stack.append(a // b if b else 0)
            elif op == 0x06:
                a, b = stack.pop(), stack.pop()
                stack.append(a % b if b else 0)
            elif op == 0x10:
                a = stack.pop()
                stack.append(int(a < stack.pop()))
            elif op == 0x11:
                a = stack.pop()
                stack.append(int(a > stack.pop()))
            elif op == 0x14:
                stack.append(int(stack.pop() == stack.pop()))
            elif op == 0x15:
                stack.append(int(stack.pop() == 0))
            elif op == 0x16:
                stack.append(stack.pop() & stack.pop())
            elif op == 0x17:
                stack.append(stack.pop() | stack.pop())
            elif op == 0x18:
                stack.append(stack.pop() ^ stack.pop())
            elif op == 0x19:
                stack.append(M256 ^ stack.pop())
            elif op == 0x1B:
                s, v = stack.pop(), stack.pop()
                stack.append((v << s) & M256 if s < 256 else 0)
            elif op == 0x1C:
                s, v = stack.pop(), stack.pop()
                stack.append(v >> s if s < 256 else 0)
            elif op == 0x20:
                off, size = stack.pop(), stack.pop()
                charge(6 * ((size + 31) // 32))
                expand(off, size)
                stack.append(int.from_bytes(keccak256(bytes(mem[off : off + size])), "big"))
            elif op == 0x34:
                stack.append(case.value)
            elif op == 0x35:
                off = stack.pop()
                stack.append(int.from_bytes(data[off : off + 32].ljust(32, b"\0"), "big"))
            elif op == 0x36:
                stack.append(len(data))
            elif op in (0x37, 0x3E):
                dst, src, size = stack.pop(), stack.pop(), stack.pop()
                source = data if op == 0x37 else ret
                if op == 0x3E and src + size > len(ret):
                    raise OutOfGas  # RETURNDATACOPY past the end halts
                charge(3 * ((size + 31) // 32))
                expand(dst, size)
                mem[dst : dst + size] = source[src : src + size].ljust(size, b"\0")
            elif op == 0x3D:
                stack.append(len(ret))
            elif op == 0x50:
                stack.pop()
            elif op == 0x51:
                off = stack.pop()
                expand(off, 32)
                stack.append(int.from_bytes(mem[off : off + 32], "big"))
            elif op == 0x52:
                off, v = stack.pop(), stack.pop()
                expand(off, 32)
                mem[off : off + 32] = v.to_bytes(32, "big")
            elif op == 0x53:
                off, v = stack.pop(), stack.pop()
                expand(off, 1)
                mem[off] = v & 0xFF
            elif op == 0x54:
                slot = stack.pop()
                charge(100 if slot in warm_slots else 2100)
                warm_slots.add(slot)
                stack.append(storage.get(slot, 0))
            elif op == 0x55:
                slot, v = stack.pop(), stack.pop()
                if gas <= 2300:  # EIP-2200 stipend guard
                    raise OutOfGas
                if slot not in warm_slots:
                    charge(2100)
                    warm_slots.add(slot)
                original = case.pre_storage.get(slot, 0)
                current = storage.get(slot, 0)
                if v == current or original != current:
                    charge(100)
                else:
                    charge(20000 if original == 0 else 2900)
                storage[slot] = v
            elif op == 0x56:
                pc = stack.pop()
                if code[pc] != 0x5B:
                    raise OutOfGas
                continue
            elif op == 0x57:
                dest, cond = stack.pop(), stack.pop()
                if cond:
                    if code[dest] != 0x5B:
                        raise OutOfGas
                    pc = dest
                    continue
            elif op == 0x5A:
                stack.append(gas)
            elif op == 0x5F:
                stack.append(0)
            elif op in (0xF1, 0xF2, 0xF4, 0xFA):
                call_gas, address = stack.pop(), stack.pop()
                value = stack.pop() if op in (0xF1, 0xF2) else 0
                in_off, in_size, out_off, out_size = (stack.pop() for _ in range(4))
                charge(100)  # precompiles are always warm (EIP-2929)
                expand(in_off, in_size)
                expand(out_off, out_size)
                if value:
                    charge(9000)
                forwarded = min(call_gas, gas - gas // 64)
                charge(forwarded)
                callee_gas = forwarded + (2300 if value else 0)
                key = (address & (2**160 - 1)).to_bytes(20, "big")
                if key not in table:
                    if address > 0x1FF:
                        raise Unsupported("call to an account that may hold code")
                    ret, ok, used = b"", True, 0  # an inactive precompile is an empty account
                else:
                    gas_fn, run_fn = table[key]
                    payload = bytes(mem[in_off : in_off + in_size])
                    cost = gas_fn(payload, case.rules)
                    if cost > callee_gas:
                        ret, ok, used = b"", False, callee_gas
                    else:
                        try:
                            ret, ok, used = run_fn(payload, case.rules), True, cost
                        except PrecompileError:
                            ret, ok, used = b"", False, callee_gas
                gas += callee_gas - used
                n = min(out_size, len(ret))
                mem[out_off : out_off + n] = ret[:n]
                stack.append(int(ok))
            elif op == 0xF3:
                break
            elif op == 0xFD:
                return dict(case.pre_storage)
            pc += 1
    except OutOfGas:
        return dict(case.pre_storage)
    return storage


def _int(h: str) -> int:
    return int(h, 16)


def load_cases(path: Path) -> Iterator[Case]:
    """Every (test, fork, index) of one fixture file whose contract this harness can replay."""
    with lzma.open(path) if path.suffix == ".xz" else open(path, "rb") as f:
        tests = json.load(f)
    for name, test in tests.items():
        tx = test["transaction"]
        account = test["pre"].get(tx["to"])
        if not account or account.get("code", "0x") == "0x":
            continue  # a transaction straight to a precompile: nothing in storage to compare
        code = bytes.fromhex(account["code"][2:])
        pre = {_int(k): _int(v) for k, v in account.get("storage", {}).items()}
        for fork, posts in test["post"].items():
            try:
                rules = rules_for_fixture(fork)
            except KeyError:
                continue
            for i, post in enumerate(posts):
                if post.get("expectException") or "state" not in post:
                    continue
                idx = post["indexes"]
                yield Case(
                    name=f"{path.name}::{name}[{fork}-{i}]",
                    rules=rules,
                    code=code,
                    data=bytes.fromhex(tx["data"][idx["data"]][2:]),
                    value=_int(tx["value"][idx["value"]]),
                    gas_limit=_int(tx["gasLimit"][idx["gas"]]),
                    pre_storage=pre,
                    post_storage={
                        _int(k): _int(v)
                        for k, v in post["state"][tx["to"]].get("storage", {}).items()
                    },
                )
