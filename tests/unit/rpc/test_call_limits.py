"""The limits of EVM work over RPC (issue 12, findings 2 and 3): the gas cap on every call path
even when ``gas`` is given, the tracers' output caps, and the time budget that stops the
interpreter (through the server, as a client meets it)."""

import asyncio
import time
from dataclasses import replace
from typing import Any

import aiohttp
import orjson
import pytest

from ethrex.rpc.api import rpc_handlers
from ethrex.rpc.errors import RpcError
from ethrex.rpc.limits import DEFAULT_LIMITS
from ethrex.rpc.server import RpcServer
from tests.unit.rpc.dev_chain import make_node

LOOP = "0x5b600056"  # JUMPDEST PUSH1 0 JUMP: runs until the gas runs out
TARGET = "0x" + "42" * 20
SELF_CALL = "0x" + (  # CALL itself with all gas but 1/64 (a callTracer node per frame)
    "5b" "6000600060006000600030" "5af1" "50" "600056")
HUGE_GAS = hex(2**40)
CAP = 1_000_000
OVER_CAP = hex(8 * CAP)  # asked for: without the cap the loop burns all of it (quickly)


def _node(**limits: Any) -> tuple[Any, dict[str, Any]]:
    ctx, _ = make_node()
    ctx.limits = replace(DEFAULT_LIMITS, **limits)
    return ctx, rpc_handlers(ctx)


def _loop_call(gas: str | None = HUGE_GAS, code: str = LOOP) -> tuple[dict[str, Any],
                                                                   dict[str, Any]]:
    tx: dict[str, Any] = {"to": TARGET}
    if gas is not None:
        tx["gas"] = gas
    return tx, {TARGET: {"code": code}}


def test_eth_call_and_estimate_gas_are_capped_even_when_gas_is_given() -> None:
    _, h = _node(gas_cap=CAP)
    tx, overrides = _loop_call(OVER_CAP)
    with pytest.raises(RpcError, match="out of gas"):
        h["eth_call"](tx, "latest", overrides)
    with pytest.raises(RpcError, match=f"gas required exceeds allowance \\({CAP}\\)"):
        h["eth_estimateGas"](tx, "latest", overrides)
    access = h["eth_createAccessList"](tx, "latest", overrides)
    assert int(access["gasUsed"], 16) == CAP and access["error"] == "out of gas"


def test_trace_call_is_capped_even_when_gas_is_given() -> None:
    _, h = _node(gas_cap=CAP)
    tx, overrides = _loop_call(OVER_CAP)
    trace = h["debug_traceCall"](tx, "latest", {"tracer": "callTracer",
                                                "stateOverrides": overrides})
    assert int(trace["gas"], 16) == CAP and trace["error"] == "out of gas"


def test_simulate_is_capped_even_when_gas_is_given() -> None:
    _, h = _node(gas_cap=CAP)
    tx, overrides = _loop_call(OVER_CAP)
    out = h["eth_simulateV1"]({"blockStateCalls": [
        {"stateOverrides": overrides, "blockOverrides": {"gasLimit": HUGE_GAS},
         "calls": [tx]}]}, "latest")
    call = out[0]["calls"][0]
    assert int(call["gasUsed"], 16) == CAP and call["error"]["message"] == "out of gas"


def test_struct_logs_are_capped_by_count() -> None:
    _, h = _node(trace_max_logs=1000)
    tx, overrides = _loop_call(gas=hex(30_000_000))
    with pytest.raises(RpcError, match="1000 struct logs") as err:
        h["debug_traceCall"](tx, "latest", {"stateOverrides": overrides})
    assert err.value.code == -32005
    small = h["debug_traceCall"](_loop_call(gas=hex(21_000 + 300))[0], "latest",
                                 {"stateOverrides": overrides})
    assert 0 < len(orjson.loads(orjson.dumps(small))["structLogs"]) <= 1000


def test_struct_logs_are_capped_by_size() -> None:
    """enableMemory copies the whole memory into every step: 1 MB of memory, 1000 steps."""
    _, h = _node(trace_max_size=10_000_000)
    grow = "0x" + "620fffff" "51" "50" + LOOP[2:].replace("6000", "6006")  # MLOAD at 1 MB
    tx, overrides = _loop_call(gas=hex(30_000_000), code=grow)
    with pytest.raises(RpcError, match="10000000 bytes") as err:
        h["debug_traceCall"](tx, "latest", {"stateOverrides": overrides, "enableMemory": True})
    assert err.value.code == -32005


def test_call_tracer_output_is_capped() -> None:
    _, h = _node(trace_max_size=200_000)
    tx, overrides = _loop_call(gas=hex(30_000_000), code=SELF_CALL)
    with pytest.raises(RpcError, match="200000 bytes"):
        h["debug_traceCall"](tx, "latest", {"tracer": "callTracer",
                                            "stateOverrides": overrides})


async def _post(server: RpcServer, method: str, *params: Any) -> tuple[float, Any]:
    body = orjson.dumps({"jsonrpc": "2.0", "id": 1, "method": method, "params": list(params)})
    started = time.monotonic()
    async with aiohttp.ClientSession() as session:
        async with session.post(server.url, data=body,
                                headers={"Content-Type": "application/json"}) as r:
            reply = orjson.loads(await r.read())
    return time.monotonic() - started, reply


@pytest.mark.parametrize("method", ["eth_call", "eth_estimateGas", "debug_traceCall",
                                    "eth_simulateV1"])
def test_the_time_budget_stops_the_interpreter(method: str) -> None:
    """With a gas cap of 2**40 only the time budget stops a loop (finding 3: the node kept
    executing for hours after the client gave up)."""
    ctx, h = _node(gas_cap=2**40, evm_timeout=0.5)
    tx, overrides = _loop_call()
    params: list[Any] = {
        "eth_call": [tx, "latest", overrides],
        "eth_estimateGas": [tx, "latest", overrides],
        "debug_traceCall": [tx, "latest", {"tracer": "callTracer",
                                           "stateOverrides": overrides}],
        "eth_simulateV1": [{"blockStateCalls": [{"stateOverrides": overrides,
                                                 "blockOverrides": {"gasLimit": HUGE_GAS},
                                                 "calls": [tx]}]}, "latest"],
    }[method]

    async def go() -> tuple[float, Any]:
        server = RpcServer(h, "127.0.0.1", 0, limits=ctx.limits)
        await server.start()
        try:
            return await _post(server, method, *params)
        finally:
            await server.stop()

    took, reply = asyncio.run(go())
    assert reply["error"] == {"code": -32000, "message": "execution aborted (timeout = 0.5s)"}
    assert took < 3
