"""One call frame (the EELS ``Evm`` + ``Message``) and the per-transaction context it shares."""

from typing import Any

from ethrex.evm.env import BlockEnv, TxEnv
from ethrex.evm.errors import NEVER
from ethrex.forks import ForkRules
from ethrex.state import StateDB

STACK_LIMIT = 1024
STACK_DEPTH_LIMIT = 1024

# Code analysis is cached by the code itself (bytes hash once, then compare): padded code and
# a 0/1 bitmap of valid JUMPDEST positions.
_ANALYSIS: dict[bytes, tuple[bytes, bytes]] = {}


def analyse_code(code: bytes) -> tuple[bytes, bytes]:
    """``(code padded with STOPs, jumpdest bitmap)``; padding lets PUSH read past the end and
    makes running off the end a STOP."""
    cached = _ANALYSIS.get(code)
    if cached is not None:
        return cached
    marks = bytearray(len(code))
    i, n = 0, len(code)
    while i < n:
        op = code[i]
        if op == 0x5B:
            marks[i] = 1
        elif 0x60 <= op <= 0x7F:
            i += op - 0x5F
        i += 1
    result = (code + bytes(33), bytes(marks))
    if len(_ANALYSIS) > 4096:
        _ANALYSIS.clear()
    _ANALYSIS[code] = result
    return result


class Context:
    """What every frame of one transaction shares: state, rules, environment and the tables."""

    __slots__ = (
        "state",
        "rules",
        "block",
        "tx",
        "precompiles",
        "opcode_table",
        "gas_table",
        "stack_min",
        "stack_max",
        "blob_base_fee",
        "tracer",
        "abort",
    )

    def __init__(
        self,
        state: StateDB,
        rules: ForkRules,
        block: BlockEnv,
        tx: TxEnv,
        precompiles: dict[bytes, Any],
        tables: tuple[list[Any], list[int], list[int], list[int]],
        blob_base_fee: int,
    ) -> None:
        self.state = state
        self.rules = rules
        self.block = block
        self.tx = tx
        self.precompiles = precompiles
        self.opcode_table, self.gas_table, self.stack_min, self.stack_max = tables
        self.blob_base_fee = blob_base_fee
        self.tracer: Any = None  # debug_trace*: an object with on_step(frame, pc, op, gas)
        self.abort = NEVER  # an RPC call's AbortSignal: read at taken jumps and frame starts


class Frame:
    """A message being executed: who called whom with what, plus the machine state."""

    __slots__ = (
        "ctx",
        "state",
        "rules",
        "caller",
        "target",
        "code_address",
        "value",
        "data",
        "code",
        "padded",
        "jumpdests",
        "is_static",
        "depth",
        "should_transfer",
        "disable_precompiles",
        "gas",
        "pc",
        "stack",
        "memory",
        "return_data",
        "output",
        "running",
        "error",
    )

    def __init__(
        self,
        ctx: Context,
        caller: bytes,
        target: bytes,
        code_address: bytes,
        value: int,
        data: bytes,
        code: bytes,
        gas: int,
        depth: int,
        is_static: bool,
        should_transfer: bool = True,
        disable_precompiles: bool = False,
    ) -> None:
        self.ctx = ctx
        self.state = ctx.state
        self.rules = ctx.rules
        self.caller = caller
        self.target = target
        self.code_address = code_address
        self.value = value
        self.data = data
        self.code = code
        self.padded, self.jumpdests = analyse_code(code)
        self.is_static = is_static
        self.depth = depth
        self.should_transfer = should_transfer
        self.disable_precompiles = disable_precompiles
        self.gas = gas
        self.pc = 0
        self.stack: list[int] = []
        self.memory = bytearray()
        self.return_data = b""
        self.output = b""
        self.running = True
        self.error: Exception | None = None
