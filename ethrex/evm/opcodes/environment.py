"""KECCAK256 and the environment ops (0x20, 0x30-0x3f, 0x47): who is running, with what data,
and what other accounts hold. Account reads pay EIP-2929 warm/cold costs from Berlin.

The ``*_word`` functions give the values that stay fixed for a whole frame (ADDRESS, CALLER...):
the run loop pushes them itself, computing each once per frame (``table.FRAME_WORDS``)."""

from ethrex.evm.errors import ReturnDataOutOfBounds
from ethrex.evm.frame import Frame
from ethrex.evm.gas import GAS_COPY, GAS_KECCAK_WORD, access_cost, charge, charge_memory
from ethrex.primitives import EMPTY_HASH, keccak256

_ADDRESS_MASK = (1 << 160) - 1


def to_address(word: int) -> bytes:
    return (word & _ADDRESS_MASK).to_bytes(20, "big")


def op_keccak256(f: Frame) -> None:
    s = f.stack
    offset = s.pop()
    size = s[-1]
    if size:
        charge(f, GAS_KECCAK_WORD * ((size + 31) >> 5))
        charge_memory(f, offset, size)
        s[-1] = int.from_bytes(keccak256(f.memory[offset : offset + size]), "big")
    else:
        s[-1] = int.from_bytes(EMPTY_HASH, "big")


def address_word(f: Frame) -> int:
    return int.from_bytes(f.target, "big")


def op_balance(f: Frame) -> None:
    s = f.stack
    address = to_address(s[-1])
    if f.rules.has_access_lists:
        charge(f, access_cost(f, address))
    s[-1] = f.state.get_balance(address)


def origin_word(f: Frame) -> int:
    return int.from_bytes(f.ctx.tx.origin, "big")


def caller_word(f: Frame) -> int:
    return int.from_bytes(f.caller, "big")


def callvalue_word(f: Frame) -> int:
    return f.value


def op_calldataload(f: Frame) -> None:
    s = f.stack
    i = s[-1]
    data = f.data
    if i >= len(data):
        s[-1] = 0
    else:
        word = data[i : i + 32]
        s[-1] = int.from_bytes(word.ljust(32, b"\x00"), "big")


def calldatasize_word(f: Frame) -> int:
    return len(f.data)


def _copy(f: Frame, source: bytes, dest: int, offset: int, size: int) -> None:
    """Copy ``source[offset:offset+size]`` (zero padded) into memory at ``dest``."""
    if not size:
        return
    charge(f, GAS_COPY * ((size + 31) >> 5))
    charge_memory(f, dest, size)
    if offset >= len(source):
        chunk = bytes(size)
    else:
        chunk = source[offset : offset + size]
        if len(chunk) < size:
            chunk = chunk + bytes(size - len(chunk))
    f.memory[dest : dest + size] = chunk


def op_calldatacopy(f: Frame) -> None:
    s = f.stack
    dest = s.pop()
    offset = s.pop()
    size = s.pop()
    _copy(f, f.data, dest, offset, size)


def codesize_word(f: Frame) -> int:
    return len(f.code)


def op_codecopy(f: Frame) -> None:
    s = f.stack
    dest = s.pop()
    offset = s.pop()
    size = s.pop()
    _copy(f, f.code, dest, offset, size)


def gasprice_word(f: Frame) -> int:
    return f.ctx.tx.gas_price


def op_extcodesize(f: Frame) -> None:
    """EIP-7702: a delegated account reports the 23-byte designator, not the delegate's code."""
    s = f.stack
    address = to_address(s[-1])
    if f.rules.has_access_lists:
        charge(f, access_cost(f, address))
    s[-1] = len(f.state.get_code(address))


def op_extcodecopy(f: Frame) -> None:
    s = f.stack
    address = to_address(s.pop())
    dest = s.pop()
    offset = s.pop()
    size = s.pop()
    if f.rules.has_access_lists:
        charge(f, access_cost(f, address))
    _copy(f, f.state.get_code(address) if size else b"", dest, offset, size)


def op_returndatasize(f: Frame) -> None:
    f.stack.append(len(f.return_data))


def op_returndatacopy(f: Frame) -> None:
    """EIP-211: reading past the end of the return data is an exceptional halt."""
    s = f.stack
    dest = s.pop()
    offset = s.pop()
    size = s.pop()
    if offset + size > len(f.return_data):
        raise ReturnDataOutOfBounds
    if size:
        charge(f, GAS_COPY * ((size + 31) >> 5))
        charge_memory(f, dest, size)
        f.memory[dest : dest + size] = f.return_data[offset : offset + size]


def op_extcodehash(f: Frame) -> None:
    """EIP-1052: zero for an account that does not exist or is empty (EIP-161)."""
    s = f.stack
    address = to_address(s[-1])
    if f.rules.has_access_lists:
        charge(f, access_cost(f, address))
    state = f.state
    s[-1] = 0 if state.is_empty(address) else int.from_bytes(state.get_code_hash(address), "big")


def op_selfbalance(f: Frame) -> None:
    f.stack.append(f.state.get_balance(f.target))


