"""The abort signal (an RPC call's time budget): a set signal stops an endless loop at its next
taken jump, in the fast loop and the traced one, and at the next frame start, however much gas
is left; it unwinds the whole transaction instead of failing one frame."""

import threading
import time
from dataclasses import replace
from typing import Any

import pytest

from ethrex.evm.errors import NEVER, AbortSignal, ExecutionAborted
from ethrex.execution.transaction import CALL, apply_transaction
from ethrex.evm.table import tables_for  # noqa: I001 - after vm: evm.table and evm.vm import each other
from ethrex.forks import RULES, Fork, ForkRules
from ethrex.state import DictBackend, StateDB
from ethrex.types.transactions import LegacyTransaction
from tests.unit.evm.vmtest import BLOCK

LOOP_JUMP = bytes.fromhex("5b600056")  # JUMPDEST PUSH1 0 JUMP
LOOP_JUMPI = bytes.fromhex("5b6001600057")  # JUMPDEST PUSH1 1 PUSH1 0 JUMPI
CALLEE = b"\xc1" * 20
# CALL the callee (a JUMP loop) with all gas, forever: frames start over and over.
CALL_LOOP = bytes.fromhex("5b" "6000600060006000600073" + CALLEE.hex() + "5af150" "600056")
SENDER = b"\xca" * 20
TARGET = b"\xc0" * 20


class _Tracer:
    """A tracer that records nothing: the traced loop runs."""

    def tables(self, rules: ForkRules) -> list[Any]:
        return list(tables_for(rules)[0])

    def on_step(self, frame: object, pc: int, op: int, gas: int) -> None:
        pass


def _run(code: bytes, signal: AbortSignal, gas: int = 2**40, traced: bool = False) -> Any:
    backend = DictBackend()
    backend.set_account(TARGET, 1, 0, code, {})
    backend.set_account(CALLEE, 1, 0, LOOP_JUMP, {})
    state = StateDB(backend)
    tx = LegacyTransaction(0, 0, gas, TARGET, 0, b"", 0, 0, 0)
    rules = RULES[Fork.PRAGUE]
    options = replace(CALL, abort=signal, check_balance=False,
                      tracer=_Tracer() if traced else None)
    return apply_transaction(state, replace(BLOCK, gas_limit=gas), tx, rules, SENDER, options)


@pytest.mark.parametrize("traced", [False, True])
@pytest.mark.parametrize("code", [LOOP_JUMP, LOOP_JUMPI, CALL_LOOP])
def test_a_signal_set_from_another_thread_stops_an_endless_loop(code: bytes,
                                                                traced: bool) -> None:
    signal = AbortSignal()
    timer = threading.Timer(0.3, signal.abort, ("execution aborted (timeout = 0.3s)",))
    timer.start()
    started = time.monotonic()
    with pytest.raises(ExecutionAborted, match="timeout = 0.3s"):
        _run(code, signal, traced=traced)  # 2**40 gas: hours of work without the signal
    assert time.monotonic() - started < 3


def test_a_set_signal_stops_before_the_first_frame_runs() -> None:
    signal = AbortSignal()
    signal.abort("node stopping")
    with pytest.raises(ExecutionAborted, match="node stopping"):
        _run(bytes.fromhex("00"), signal)


def test_the_default_signal_is_never_set_and_a_loop_runs_out_of_gas() -> None:
    assert not NEVER.requested
    result = _run(LOOP_JUMP, NEVER, gas=100_000)
    assert not result.succeeded and type(result.error).__name__ == "OutOfGas"
