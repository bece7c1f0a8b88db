"""POP, PUSH0 (EIP-3855), PUSH1-32, DUP1-16, SWAP1-16. The run loop inlines PUSH1-32; the
handlers here keep the table complete."""

from collections.abc import Callable

from ethrex.evm.frame import Frame


def op_pop(f: Frame) -> None:
    f.stack.pop()


def op_push0(f: Frame) -> None:
    f.stack.append(0)


def make_push(n: int) -> Callable[[Frame], None]:
    def op_push(f: Frame) -> None:
        pc = f.pc
        f.stack.append(int.from_bytes(f.padded[pc : pc + n], "big"))
        f.pc = pc + n

    return op_push


def make_dup(n: int) -> Callable[[Frame], None]:
    def op_dup(f: Frame) -> None:
        s = f.stack
        s.append(s[-n])

    return op_dup


def make_swap(n: int) -> Callable[[Frame], None]:
    i = -1 - n

    def op_swap(f: Frame) -> None:
        s = f.stack
        s[-1], s[i] = s[i], s[-1]

    return op_swap
