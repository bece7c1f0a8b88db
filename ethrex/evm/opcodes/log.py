"""LOG0-LOG4 (0xa0-0xa4): logs live in the state journal so a revert drops them."""

from collections.abc import Callable

from ethrex.evm.errors import WriteInStaticContext
from ethrex.evm.frame import Frame
from ethrex.evm.gas import GAS_LOG_DATA, GAS_LOG_TOPIC, charge, charge_memory


def make_log(n: int) -> Callable[[Frame], None]:
    def op_log(f: Frame) -> None:
        s = f.stack
        offset = s.pop()
        size = s.pop()
        topics = tuple(s.pop().to_bytes(32, "big") for _ in range(n))
        charge(f, GAS_LOG_TOPIC * n + GAS_LOG_DATA * size)
        charge_memory(f, offset, size)
        if f.is_static:
            raise WriteInStaticContext
        f.state.add_log(f.target, topics, bytes(f.memory[offset : offset + size]))

    return op_log
