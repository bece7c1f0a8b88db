"""The struct logger records every executed opcode, including those the fast interpreter loop
runs inline (PUSH, DUP, SWAP, POP, JUMP, JUMPI, JUMPDEST)."""

from dataclasses import replace

import orjson

from ethrex.evm.env import BlockEnv
from ethrex.execution.transaction import CALL
from ethrex.forks import RULES, Fork
from ethrex.rpc.call import CallArgs, run_call
from ethrex.rpc.tracing import StructLogger
from ethrex.state import DictBackend, StateDB

SENDER = b"\x11" * 20
CONTRACT = b"\x22" * 20
# PUSH1 1, PUSH1 2, ADD, DUP1, SWAP1, POP, PUSH1 12, JUMP, INVALID, JUMPDEST, PUSH1 1,
# PUSH1 19, JUMPI, INVALID, JUMPDEST, STOP
CODE = bytes.fromhex("6001600201809050600c56fe" "5b6001601357fe" "5b00")
EXPECTED = [
    (0, "PUSH1", 3), (2, "PUSH1", 3), (4, "ADD", 3), (5, "DUP1", 3), (6, "SWAP1", 3),
    (7, "POP", 2), (8, "PUSH1", 3), (10, "JUMP", 8), (12, "JUMPDEST", 1), (13, "PUSH1", 3),
    (15, "PUSH1", 3), (17, "JUMPI", 10), (19, "JUMPDEST", 1), (20, "STOP", 0),
]


def test_struct_logger_sees_every_step() -> None:
    backend = DictBackend()
    backend.set_account(SENDER, 0, 10**18, b"", {})
    backend.set_account(CONTRACT, 0, 0, CODE, {})
    rules = RULES[Fork.CANCUN]
    env = BlockEnv(chain_id=1, coinbase=b"\x00" * 20, number=1, timestamp=1, gas_limit=10**7)
    args = CallArgs(SENDER, CONTRACT, 100_000, 0, None, None, None, 0, b"", None, None, (), None)
    tracer = StructLogger()
    result = run_call(StateDB(backend), env, rules, args, 100_000, replace(CALL, tracer=tracer))
    assert result.error is None
    logs = [orjson.loads(entry) for entry in tracer.logs]
    steps = [(log["pc"], log["op"], log["gasCost"]) for log in logs]
    assert steps == EXPECTED
    gas = [log["gas"] for log in logs]
    assert all(a - c == b for a, b, (_, _, c) in zip(gas, gas[1:], EXPECTED))
