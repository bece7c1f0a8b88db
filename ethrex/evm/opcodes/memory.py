"""Memory ops (0x51-0x53, 0x59, 0x5e MCOPY): a bytearray grown in words, paid as it grows."""

from ethrex.evm.frame import Frame
from ethrex.evm.gas import GAS_COPY, charge, charge_memory


def op_mload(f: Frame) -> None:
    s = f.stack
    offset = s[-1]
    charge_memory(f, offset, 32)
    s[-1] = int.from_bytes(f.memory[offset : offset + 32], "big")


def op_mstore(f: Frame) -> None:
    s = f.stack
    offset = s.pop()
    value = s.pop()
    charge_memory(f, offset, 32)
    f.memory[offset : offset + 32] = value.to_bytes(32, "big")


def op_mstore8(f: Frame) -> None:
    s = f.stack
    offset = s.pop()
    value = s.pop()
    charge_memory(f, offset, 1)
    f.memory[offset] = value & 0xFF


def op_msize(f: Frame) -> None:
    f.stack.append(len(f.memory))


def op_mcopy(f: Frame) -> None:
    """EIP-5656: copy within memory, overlapping ranges allowed."""
    s = f.stack
    dest = s.pop()
    source = s.pop()
    size = s.pop()
    if not size:
        return
    charge(f, GAS_COPY * ((size + 31) >> 5))
    charge_memory(f, source if source > dest else dest, size)
    memory = f.memory
    memory[dest : dest + size] = memory[source : source + size]
