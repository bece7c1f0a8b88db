"""eth_estimateGas returns the least gas that succeeds: exactly 21000 for a plain transfer to
an account without code, and for a call one gas less fails (here one whose refund makes the
gas it uses smaller than the gas it needs, and one that forwards 63/64 of its gas)."""

from typing import Any

import pytest

from ethrex.rpc.call import (
    CallHandlers,
    overridden,
    parse_call_args,
    parse_state_overrides,
    run_call,
)
from ethrex.rpc.chainview import ChainView
from tests.unit.rpc.dev_chain import make_node

SENDER = "0xf39fd6e51aad88f6f4ce6ab8827279cfffb92266"
EMPTY = "0x" + "5a" * 20
REFUNDER = "0x" + "7b" * 20  # SSTORE(0, 1) then SSTORE(0, 0): the refund lowers gas used
FORWARDER = "0x" + "7c" * 20  # CALLs REFUNDER with all but 1/64 of its gas, must succeed
REFUND_CODE = "600160005560006000" + "55" + "00"
# five zero PUSHes, PUSH20 REFUNDER, GAS, CALL; ISZERO, PUSH1 0x26, JUMPI; STOP;
# 0x26: JUMPDEST, REVERT(0, 0)
FORWARD_CODE = ("6000600060006000600073" + "7b" * 20 + "5af1" + "15602657" + "00" + "5b60006000fd")


@pytest.fixture(scope="module")
def calls() -> tuple[CallHandlers, Any]:
    ctx, _ = make_node()
    overrides = {REFUNDER: {"code": "0x" + REFUND_CODE}, FORWARDER: {"code": "0x" + FORWARD_CODE}}
    return CallHandlers(ChainView(ctx)), overrides


def _succeeds(calls: CallHandlers, tx: dict[str, Any], overrides: Any, gas: int) -> bool:
    _, state, env, rules = calls.prepare("latest", 1)
    options = overridden(state, rules, parse_state_overrides(overrides, 2))
    result = run_call(state, env, rules, parse_call_args({**tx, "gas": hex(gas)}), gas, options)
    return result.error is None


def test_a_plain_transfer_is_21000(calls: tuple[CallHandlers, Any]) -> None:
    handlers, _ = calls
    assert handlers.estimate_gas({"from": SENDER, "to": EMPTY, "value": "0x1"}) == "0x5208"


@pytest.mark.parametrize("to", [REFUNDER, FORWARDER])
def test_one_gas_less_fails(calls: tuple[CallHandlers, Any], to: str) -> None:
    handlers, overrides = calls
    tx = {"from": SENDER, "to": to}
    estimate = int(handlers.estimate_gas(tx, "latest", overrides), 16)
    assert _succeeds(handlers, tx, overrides, estimate)
    assert not _succeeds(handlers, tx, overrides, estimate - 1)
