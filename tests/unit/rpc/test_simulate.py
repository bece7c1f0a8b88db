"""eth_simulateV1 rules beyond the rpc-compat files (those are replayed by
tests/rpc/test_rpc_compat.py): malformed requests get -32602, gaps in block numbers are filled
with linked empty blocks 12 s apart, BLOCKHASH sees earlier simulated blocks, and
traceTransfers adds ERC-7528 Transfer logs (and only then)."""

from pathlib import Path
from typing import Any

import pytest

from ethrex.primitives import keccak256
from ethrex.rpc.chainview import ChainView
from ethrex.rpc.errors import RpcError
from ethrex.rpc.simulate import SimulateHandlers
from tests.fixtures_root import fixtures_root
from tests.rpc.compat import forkchoice_from_headfcu, load_node

A = "0xc000000000000000000000000000000000000000"
B = "0xc100000000000000000000000000000000000000"
C = "0xc200000000000000000000000000000000000000"


@pytest.fixture(scope="module")
def sim() -> tuple[SimulateHandlers, ChainView]:
    root: Path = fixtures_root() / "rpc-compat"
    ctx = load_node(root)
    forkchoice_from_headfcu(ctx, root)
    view = ChainView(ctx)
    return SimulateHandlers(view), view


@pytest.mark.parametrize("opts", [
    [], {"blockStateCalls": []}, {"blockStateCalls": "x"}, {"blockStateCalls": [1]},
    {"blockStateCalls": [{"calls": [1]}]}, {"blockStateCalls": [{"calls": [{"from": 5}]}]},
    {"blockStateCalls": [{"stateOverrides": {"0x12": {}}}]},
    {"blockStateCalls": [{"stateOverrides": {A: {"state": 5}}}]},
    {"blockStateCalls": [{"blockOverrides": {"number": "12"}}]},
    {"blockStateCalls": [{}], "validation": "yes"},
    {"blockStateCalls": [{"blockOverrides": {"withdrawals": [
        {"index": "0x0", "validatorIndex": "0x0", "address": A, "amount": "0x1"}] * 17}}]},
])
def test_malformed_requests(sim: tuple[SimulateHandlers, ChainView], opts: Any) -> None:
    with pytest.raises(RpcError) as info:
        sim[0].simulate(opts, "latest")
    assert info.value.code == -32602


def test_gap_filled_with_linked_blocks(sim: tuple[SimulateHandlers, ChainView]) -> None:
    handlers, view = sim
    head = view.head()
    # Block head+4 reads BLOCKHASH(head+2), a filler block the request never named.
    code = "0x" + "60" + f"{head.number + 2:02x}" + "40" + "60005260206000f3"
    out = handlers.simulate({"blockStateCalls": [
        {"blockOverrides": {"number": hex(head.number + 4)},
         "stateOverrides": {C: {"code": code}},
         "calls": [{"from": A, "to": C}]}]}, "latest")
    assert [int(b["number"], 16) for b in out] == [head.number + i for i in (1, 2, 3, 4)]
    assert [int(b["timestamp"], 16) for b in out] == [head.timestamp + 12 * i
                                                      for i in (1, 2, 3, 4)]
    assert out[0]["parentHash"] == "0x" + head.hash().hex()
    for parent, child in zip(out, out[1:]):
        assert child["parentHash"] == parent["hash"]
    assert [len(b["calls"]) for b in out] == [0, 0, 0, 1]
    assert out[3]["calls"][0]["returnData"] == out[1]["hash"]


def test_trace_transfers(sim: tuple[SimulateHandlers, ChainView]) -> None:
    handlers, _ = sim
    request = {"blockStateCalls": [{"stateOverrides": {A: {"balance": "0x100"}},
                                    "calls": [{"from": A, "to": B, "value": "0x10"}]}]}
    plain = handlers.simulate(request, "latest")
    assert plain[0]["calls"][0]["logs"] == []
    traced = handlers.simulate({**request, "traceTransfers": True}, "latest")
    (log,) = traced[0]["calls"][0]["logs"]
    assert log["address"] == "0x" + "ee" * 20
    assert log["topics"] == ["0x" + keccak256(b"Transfer(address,address,uint256)").hex(),
                             "0x" + "00" * 12 + A[2:], "0x" + "00" * 12 + B[2:]]
    assert int(log["data"], 16) == 0x10
    # The pseudo-log is not a receipt log: the block (and its hash) are the same either way.
    assert traced[0]["hash"] == plain[0]["hash"]
    assert traced[0]["logsBloom"] == "0x" + "00" * 256


def test_schema_time_may_stay_and_prev_randao_is_a_number(
        sim: tuple[SimulateHandlers, ChainView]) -> None:
    # execution-apis execute.yaml: BlockOverrides.time "must either increase or remain
    # constant"; prevRandao is a uint256.
    handlers, view = sim
    head = view.head()
    same = head.timestamp + 5
    out = handlers.simulate({"blockStateCalls": [
        {"blockOverrides": {"time": hex(same), "prevRandao": "0x1234"}},
        {"blockOverrides": {"time": hex(same)}}]}, "latest")
    assert [int(b["timestamp"], 16) for b in out] == [same, same]
    assert out[0]["mixHash"] == "0x" + (0x1234).to_bytes(32, "big").hex()
    with pytest.raises(RpcError) as info:
        handlers.simulate({"blockStateCalls": [{"blockOverrides": {"time": hex(same)}},
                                               {"blockOverrides": {"time": hex(same - 1)}}]},
                          "latest")
    assert info.value.code == -38021
