"""Control flow (0x00, 0x56-0x5b, 0xfe): STOP ends the frame by flag, not by exception."""

from ethrex.evm.errors import InvalidJump, InvalidOpcode
from ethrex.evm.frame import Frame, valid_jumpdests


def op_stop(f: Frame) -> None:
    f.running = False


def op_jump(f: Frame) -> None:
    dest = f.stack.pop()
    jumpdests = valid_jumpdests(f)
    if dest >= len(jumpdests) or not jumpdests[dest]:
        raise InvalidJump
    f.pc = dest


def op_jumpi(f: Frame) -> None:
    s = f.stack
    dest = s.pop()
    if s.pop():
        jumpdests = valid_jumpdests(f)
        if dest >= len(jumpdests) or not jumpdests[dest]:
            raise InvalidJump
        f.pc = dest


def op_pc(f: Frame) -> None:
    f.stack.append(f.pc - 1)  # the loop has already moved pc past this op


def op_gas(f: Frame) -> None:
    f.stack.append(f.gas)


def op_jumpdest(f: Frame) -> None:
    pass


def op_invalid(f: Frame) -> None:
    """INVALID (0xfe) and every byte the fork does not define."""
    raise InvalidOpcode
