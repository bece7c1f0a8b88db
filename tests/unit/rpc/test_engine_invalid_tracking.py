"""The Engine API's invalid-block tracking: a malformed payload that carries the hash of a valid
block never marks that hash invalid (issue 12, finding 1); a block that decodes, hashes right and
then fails validation is remembered, with its descendants (geth's invalid-ancestor tracking)."""

from typing import Any

import pytest

from ethrex.execution.system_calls import compute_requests_hash
from ethrex.rpc.engine_types import ExecutionPayload, RpcError
from ethrex.types.transactions import encode_transaction
from tests.unit.rpc.dev_chain import build, fc_state, make_node, new_payload_params, transfer

BEACON_ROOT = "0x" + "11" * 32


def _rehash(payload: dict[str, Any], **changes: Any) -> dict[str, Any]:
    """The payload with fields changed and a block hash that matches them."""
    changed = {**payload, **changes}
    header = ExecutionPayload(changed).header(bytes.fromhex(BEACON_ROOT[2:]),
                                              compute_requests_hash([]))
    return {**changed, "blockHash": "0x" + header.hash().hex()}


def _malformed(params: list[Any]) -> list[tuple[str, list[Any]]]:
    """Variants of a valid block's newPayloadV4 params that keep its ``blockHash``."""
    payload = params[0]
    txs = payload["transactions"]
    return [
        # An empty entry at the end leaves the transactions root (and so the hash) unchanged.
        ("trailing empty transaction", [{**payload, "transactions": [*txs, "0x"]}, *params[1:]]),
        ("two trailing empty transactions",
         [{**payload, "transactions": [*txs, "0x", "0x"]}, *params[1:]]),
        ("undecodable transaction", [{**payload, "transactions": [*txs, "0xc0"]}, *params[1:]]),
        ("truncated transaction", [{**payload, "transactions": [txs[0][:-2]]}, *params[1:]]),
        ("blob hash that no transaction has", [payload, ["0x01" + "22" * 31], *params[2:]]),
        ("empty execution request", [*params[:3], ["0x00"]]),
        ("requests out of order", [*params[:3], ["0x02aa", "0x01bb"]]),
        ("missing stateRoot", [{k: v for k, v in payload.items() if k != "stateRoot"},
                               *params[1:]]),
        ("bad hex in a transaction", [{**payload, "transactions": [*txs, "0xzz"]}, *params[1:]]),
    ]


def _send(api: Any, params: list[Any]) -> str:
    try:
        return str(api.new_payload(4, params)["status"])
    except RpcError as exc:
        return f"error {exc.code}"


def test_malformed_payloads_never_poison_the_valid_block_hash() -> None:
    ctx, api = make_node()
    ctx.mempool.add(transfer(0, 0))
    genesis = "0x" + ctx.chain.head_header().hash().hex()
    env = build(api, genesis, 100)
    params = new_payload_params(env)
    block_hash = params[0]["blockHash"]
    assert len(params[0]["transactions"]) == 1
    for name, variant in _malformed(params):
        assert _send(api, variant) != "VALID", name  # refused...
        assert bytes.fromhex(block_hash[2:]) not in api.invalid, name  # ...and forgotten
    assert api.new_payload(4, params)["status"] == "VALID"
    for name, variant in _malformed(params):  # again, once the block is stored
        assert _send(api, variant) != "VALID", name
    res = api.forkchoice_updated(3, [fc_state(block_hash)])
    assert res["payloadStatus"]["status"] == "VALID"
    assert "0x" + ctx.chain.head_header().hash().hex() == block_hash


def test_trailing_empty_transaction_keeps_the_hash_and_is_refused() -> None:
    """The attack itself: the malformed payload hashes like the valid block."""
    ctx, api = make_node()
    ctx.mempool.add(transfer(0, 0))
    env = build(api, "0x" + ctx.chain.head_header().hash().hex(), 100)
    payload = env["executionPayload"]
    poisoned = {**payload, "transactions": [*payload["transactions"], "0x"]}
    assert _rehash(poisoned)["blockHash"] == payload["blockHash"]
    status = api.new_payload(4, [poisoned, *new_payload_params(env)[1:]])
    assert status["status"] == "INVALID" and "transaction" in status["validationError"]
    assert api.new_payload(4, new_payload_params(env))["status"] == "VALID"


def test_a_block_that_fails_validation_is_remembered_with_its_descendants() -> None:
    ctx, api = make_node()
    genesis = "0x" + ctx.chain.head_header().hash().hex()
    env = build(api, genesis, 100)
    # A well-formed transaction the block cannot hold (nonce 5 of a fresh account).
    bad_tx = "0x" + encode_transaction(transfer(0, 5)).hex()
    bad = _rehash(env["executionPayload"], transactions=[bad_tx])
    status = api.new_payload(4, [bad, [], BEACON_ROOT, []])
    assert status["status"] == "INVALID" and status["latestValidHash"] == genesis
    assert bytes.fromhex(bad["blockHash"][2:]) in api.invalid
    child = _rehash(bad, parentHash=bad["blockHash"], blockNumber="0x2", timestamp="0x70",
                    transactions=[])
    again = api.new_payload(4, [child, [], BEACON_ROOT, []])
    assert again["status"] == "INVALID" and again["latestValidHash"] == genesis
    assert api.forkchoice_updated(3, [fc_state(child["blockHash"])])["payloadStatus"][
        "status"] == "INVALID"
    # The valid sibling is unaffected.
    assert api.new_payload(4, new_payload_params(env))["status"] == "VALID"


@pytest.mark.parametrize("entries", [["0x"], ["0x", "0x"]])
def test_empty_entries_do_not_change_the_raw_transactions_root(entries: list[str]) -> None:
    """Why the hash check alone cannot tell the malformed payload from the valid one."""
    ctx, api = make_node()
    ctx.mempool.add(transfer(0, 0))
    payload = build(api, "0x" + ctx.chain.head_header().hash().hex(), 100)["executionPayload"]
    plain = ExecutionPayload(payload).header(None, None).transactions_root
    padded = ExecutionPayload({**payload, "transactions": [*payload["transactions"], *entries]})
    assert padded.header(None, None).transactions_root == plain
