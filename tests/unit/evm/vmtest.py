"""A tiny harness for running bytecode in one frame on a fresh in-memory state."""

from ethrex.evm.env import BlockEnv, TxEnv
from ethrex.evm.frame import Frame
from ethrex.evm.vm import make_context, process_message
from ethrex.forks import CANCUN, ForkRules
from ethrex.state import DictBackend, StateDB

CONTRACT = b"\xc0" * 20
CALLER = b"\xca" * 20
BLOCK = BlockEnv(chain_id=1, coinbase=b"\xcb" * 20, number=1, timestamp=1, gas_limit=30_000_000)


def run_code(
    code: bytes,
    rules: ForkRules = CANCUN,
    gas: int = 1_000_000,
    storage: dict[int, int] | None = None,
) -> Frame:
    """Execute ``code`` as the contract's code; the frame holds stack, gas and output after."""
    backend = DictBackend()
    backend.set_account(CONTRACT, 1, 0, code, storage or {})
    backend.set_account(CALLER, 0, 10**18, b"", {})
    state = StateDB(backend)
    state.begin_transaction()
    ctx = make_context(state, rules, BLOCK, TxEnv(CALLER, 1))
    frame = Frame(ctx, CALLER, CONTRACT, CONTRACT, 0, b"", code, gas, 0, False)
    process_message(frame)
    return frame


def push(value: int) -> bytes:
    """PUSH32 of ``value``."""
    return b"\x7f" + value.to_bytes(32, "big")


def binary(op: int, a: int, b: int) -> bytes:
    """Code computing ``op(a, b)`` (a on top of the stack) and stopping."""
    return push(b) + push(a) + bytes([op, 0x00])
