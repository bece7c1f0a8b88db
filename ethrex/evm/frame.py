"""One call frame (the EELS ``Evm`` + ``Message``) and the per-transaction context it shares."""

from typing import Any

from ethrex.evm.env import BlockEnv, TxEnv
from ethrex.evm.errors import NEVER
from ethrex.forks import ForkRules
from ethrex.state import StateDB

STACK_LIMIT = 1024
STACK_DEPTH_LIMIT = 1024

# Code analysis is cached by the code itself (bytes hash once, then compare).
_PADDED: dict[bytes, tuple[bytes, dict[int, int]]] = {}
_JUMPDESTS: dict[bytes, bytes] = {}
_CACHED_CODES = 4096

# Jump destinations are analysed in chunks, each cached by its bytes and by how many of its
# first bytes are the data of a PUSH begun in the chunk before: codes that share stretches
# (a factory's contracts differing in a few bytes, repeated patterns) share the work.
_CHUNK = 1024
_CHUNKS: dict[tuple[bytes, int], tuple[bytes, int]] = {}
_CACHED_CHUNKS = 8192

# 1 for the bytes the analysis must look at: JUMPDEST and PUSH1..PUSH32.
_MARKED = bytes(1 if op == 0x5B or 0x60 <= op <= 0x7F else 0 for op in range(256))


def padded_code(code: bytes) -> tuple[bytes, dict[int, int]]:
    """``code`` padded with 33 STOPs (PUSH reads past the end, running off the end stops), and
    the values of its PUSH instructions by position, filled in as they first run: a PUSH that
    runs again (a loop, the next call, the next block) reads its value instead of decoding."""
    padded = _PADDED.get(code)
    if padded is None:
        if len(_PADDED) > _CACHED_CODES:
            _PADDED.clear()
        padded = _PADDED[code] = (code + bytes(33), {})
    return padded


def jump_destinations(code: bytes) -> bytes:
    """A 0/1 map of the valid JUMPDEST positions (not inside PUSH data)."""
    cached = _JUMPDESTS.get(code)
    if cached is not None:
        return cached
    parts = []
    carry = 0  # bytes of PUSH data that spill into the next chunk
    for start in range(0, len(code), _CHUNK):
        key = (code[start : start + _CHUNK], carry)
        done = _CHUNKS.get(key)
        if done is None:
            if len(_CHUNKS) > _CACHED_CHUNKS:
                _CHUNKS.clear()
            done = _CHUNKS[key] = _analyse_chunk(*key)
        marks, carry = done
        parts.append(marks)
    result = b"".join(parts)
    if len(_JUMPDESTS) > _CACHED_CODES:
        _JUMPDESTS.clear()
    _JUMPDESTS[code] = result
    return result


def _analyse_chunk(chunk: bytes, skip: int) -> tuple[bytes, int]:
    """The JUMPDEST map of ``chunk`` whose first ``skip`` bytes are PUSH data, and how many
    bytes of PUSH data run past its end. Only JUMPDEST and PUSH bytes that start an
    instruction cost a step of Python: ``find`` skips everything else (and PUSH data) in C."""
    n = len(chunk)
    marks = bytearray(n)
    find = chunk.translate(_MARKED).find
    i = find(1, skip)
    while i >= 0:
        op = chunk[i]
        if op == 0x5B:
            marks[i] = 1
            i = find(1, i + 1)
        else:
            end = i + op - 0x5E  # past the PUSH data
            if end > n:
                return bytes(marks), end - n
            i = find(1, end)
    return bytes(marks), 0


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
        "stack_ops",
        "frame_words",
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
        loop_tables: tuple[list[Any], list[Any]],
        blob_base_fee: int,
    ) -> None:
        self.state = state
        self.rules = rules
        self.block = block
        self.tx = tx
        self.precompiles = precompiles
        self.opcode_table, self.gas_table, self.stack_min, self.stack_max = tables
        self.stack_ops, self.frame_words = loop_tables
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
        "push_values",
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
        self.padded, self.push_values = padded_code(code)
        self.jumpdests: bytes | None = None  # analysed at the first jump (many frames never jump)
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


def valid_jumpdests(frame: Frame) -> bytes:
    """The frame's JUMPDEST map, analysed on first use."""
    jumpdests = frame.jumpdests
    if jumpdests is None:
        jumpdests = frame.jumpdests = jump_destinations(frame.code)
    return jumpdests
