"""Engine API over a dev chain: payload statuses, fork choice and reorgs, version and fork
checks, bodies and capabilities (execution-apis src/engine)."""

import pytest

from ethrex.execution.system_calls import compute_requests_hash
from ethrex.rpc.engine_types import RpcError
from ethrex.types.transactions import transaction_hash
from tests.unit.rpc.dev_chain import (
    attributes,
    build,
    fc_state,
    make_node,
    new_payload_params,
    transfer,
)


def _head(ctx) -> str:
    return "0x" + ctx.chain.head_header().hash().hex()


def _rehash(payload: dict, **changes: str) -> dict:
    """The payload with fields changed and a block hash that matches them."""
    from ethrex.rpc.engine_types import ExecutionPayload

    changed = {**payload, **changes}
    header = ExecutionPayload(changed).header(bytes.fromhex("11" * 32),
                                              compute_requests_hash([]))
    return {**changed, "blockHash": "0x" + header.hash().hex()}


def test_valid_payload_then_forkchoice_moves_head() -> None:
    ctx, api = make_node()
    ctx.mempool.add(transfer(0, 0))
    genesis = _head(ctx)
    env = build(api, genesis, 100)
    payload = env["executionPayload"]
    assert len(payload["transactions"]) == 1
    assert int(env["blockValue"], 16) == 21000 * 10**9  # tip 1 gwei, 21000 gas
    status = api.new_payload(4, new_payload_params(env))
    assert status == {"status": "VALID", "latestValidHash": payload["blockHash"],
                      "validationError": None}
    assert _head(ctx) == genesis  # newPayload alone does not move the head
    res = api.forkchoice_updated(3, [fc_state(payload["blockHash"])])
    assert res["payloadStatus"]["status"] == "VALID" and res["payloadId"] is None
    assert _head(ctx) == payload["blockHash"]
    assert len(ctx.mempool) == 0  # the included transaction left the pool


def test_wrong_block_hash_is_invalid_and_head_stays() -> None:
    ctx, api = make_node()
    genesis = _head(ctx)
    env = build(api, genesis, 100)
    params = new_payload_params(env)
    params[0] = {**params[0], "blockHash": "0x" + "ab" * 32}
    status = api.new_payload(4, params)
    assert status["status"] == "INVALID" and status["latestValidHash"] is None
    assert status["validationError"]
    assert _head(ctx) == genesis


def test_wrong_state_root_is_invalid_with_parent_as_latest_valid() -> None:
    ctx, api = make_node()
    genesis = _head(ctx)
    env = build(api, genesis, 100)
    bad = _rehash(env["executionPayload"], stateRoot="0x" + "cd" * 32)
    status = api.new_payload(4, [bad, [], "0x" + "11" * 32, []])
    assert status["status"] == "INVALID"
    assert status["latestValidHash"] == genesis
    assert "state root" in status["validationError"]
    # A child of the invalid block is invalid too, without execution.
    child = _rehash(bad, parentHash=bad["blockHash"], blockNumber="0x2", timestamp="0x70")
    again = api.new_payload(4, [child, [], "0x" + "11" * 32, []])
    assert again["status"] == "INVALID" and again["latestValidHash"] == genesis
    # And the forkchoice refuses to move to it.
    res = api.forkchoice_updated(3, [fc_state(bad["blockHash"])])
    assert res["payloadStatus"]["status"] == "INVALID"
    assert _head(ctx) == genesis


def test_wrong_versioned_hashes_are_invalid() -> None:
    ctx, api = make_node()
    genesis = _head(ctx)
    env = build(api, genesis, 100)
    params = new_payload_params(env)
    params[1] = ["0x01" + "22" * 31]  # the block has no blob transaction
    status = api.new_payload(4, params)
    assert status["status"] == "INVALID" and status["latestValidHash"] is None
    assert _head(ctx) == genesis


def test_unknown_parent_is_syncing() -> None:
    ctx, api = make_node()
    env = build(api, _head(ctx), 100)
    orphan = _rehash(env["executionPayload"], parentHash="0x" + "77" * 32)
    status = api.new_payload(4, [orphan, [], "0x" + "11" * 32, []])
    assert status == {"status": "SYNCING", "latestValidHash": None, "validationError": None}
    res = api.forkchoice_updated(3, [fc_state(orphan["blockHash"])])
    assert res["payloadStatus"]["status"] == "SYNCING"


def test_unknown_heads_start_a_sync() -> None:
    """The p2p edge's hook hears of every head or parent the consensus client names that we
    lack: the payload's parent (newPayload) and the forkchoice head."""
    ctx, api = make_node()
    asked: list[bytes] = []
    api.on_unknown_head = asked.append
    env = build(api, _head(ctx), 100)
    orphan = _rehash(env["executionPayload"], parentHash="0x" + "77" * 32)
    api.new_payload(4, [orphan, [], "0x" + "11" * 32, []])
    api.forkchoice_updated(3, [fc_state("0x" + "66" * 32)])
    api.forkchoice_updated(3, [fc_state(_head(ctx))])  # known: no sync
    assert asked == [b"\x77" * 32, b"\x66" * 32]


def test_forkchoice_to_side_chain_reorgs_and_returns_transactions() -> None:
    ctx, api = make_node()
    genesis = _head(ctx)
    tx = transfer(0, 0)
    ctx.mempool.add(tx)
    a1 = build(api, genesis, 100, fee_recipient=b"\x0a" * 20)
    assert api.new_payload(4, new_payload_params(a1))["status"] == "VALID"
    a_hash = a1["executionPayload"]["blockHash"]
    api.forkchoice_updated(3, [fc_state(a_hash)])
    assert transaction_hash(tx) not in ctx.mempool
    # A competing block built on genesis without the transaction.
    b1 = api.build_block([genesis, attributes(101), [], None])
    b_hash = b1["executionPayload"]["blockHash"]
    assert b_hash != a_hash
    assert api.new_payload(4, new_payload_params(b1))["status"] == "VALID"
    assert _head(ctx) == a_hash
    res = api.forkchoice_updated(3, [fc_state(b_hash)])
    assert res["payloadStatus"]["status"] == "VALID"
    assert _head(ctx) == b_hash
    assert ctx.chain.store.get_canonical_hash(1) == bytes.fromhex(b_hash[2:])
    assert transaction_hash(tx) in ctx.mempool  # abandoned with A1, offered again


def test_version_and_fork_checks() -> None:
    ctx, api = make_node()
    env = build(api, _head(ctx), 100)
    params = new_payload_params(env)
    with pytest.raises(RpcError) as err:  # Osaka payload through Cancun's method
        api.new_payload(3, params[:3])
    assert err.value.code == -38005
    with pytest.raises(RpcError) as err:
        api.new_payload(2, params[:1])
    assert err.value.code in (-32602, -38005)
    with pytest.raises(RpcError) as err:  # missing executionRequests
        api.new_payload(4, params[:3])
    assert err.value.code == -32602
    with pytest.raises(RpcError) as err:  # requests out of order
        api.new_payload(4, params[:3] + [["0x02aa", "0x01bb"]])
    assert err.value.code == -32602
    payload_id = api.forkchoice_updated(3, [fc_state(_head(ctx)), attributes(100)])["payloadId"]
    with pytest.raises(RpcError) as err:
        api.get_payload(4, [payload_id])  # Prague's getPayload for an Osaka payload
    assert err.value.code == -38005
    with pytest.raises(RpcError) as err:
        api.get_payload(5, ["0x0102030405060708"])
    assert err.value.code == -38001
    with pytest.raises(RpcError) as err:  # timestamp not after the head
        api.forkchoice_updated(3, [fc_state(_head(ctx)), attributes(0)])
    assert err.value.code == -38003
    no_beacon = {**attributes(100), "parentBeaconBlockRoot": None}
    with pytest.raises(RpcError) as err:
        api.forkchoice_updated(3, [fc_state(_head(ctx)), no_beacon])
    assert err.value.code == -38003
    with pytest.raises(RpcError) as err:  # V2 attributes in a Cancun+ chain
        api.forkchoice_updated(2, [fc_state(_head(ctx)), {**attributes(100),
                                                          "parentBeaconBlockRoot": None}])
    assert err.value.code == -38005


def test_same_attributes_same_payload_id() -> None:
    ctx, api = make_node()
    head = _head(ctx)
    a = api.forkchoice_updated(3, [fc_state(head), attributes(100)])["payloadId"]
    b = api.forkchoice_updated(3, [fc_state(head), attributes(100)])["payloadId"]
    c = api.forkchoice_updated(3, [fc_state(head), attributes(101)])["payloadId"]
    assert a == b != c


def test_payload_improves_until_get_payload() -> None:
    ctx, api = make_node()
    res = api.forkchoice_updated(3, [fc_state(_head(ctx)), attributes(100)])
    ctx.mempool.add(transfer(0, 0))  # arrives after the build started
    env = api.get_payload(5, [res["payloadId"]])
    assert len(env["executionPayload"]["transactions"]) == 1


def test_invalid_forkchoice_state() -> None:
    ctx, api = make_node()
    genesis = _head(ctx)
    with pytest.raises(RpcError) as err:
        api.forkchoice_updated(3, [{"headBlockHash": genesis, "safeBlockHash": "0x" + "55" * 32,
                                    "finalizedBlockHash": genesis}])
    assert err.value.code == -38002


def test_bodies_and_capabilities() -> None:
    ctx, api = make_node()
    ctx.mempool.add(transfer(0, 0))
    env = build(api, _head(ctx), 100)
    block_hash = env["executionPayload"]["blockHash"]
    api.new_payload(4, new_payload_params(env))
    api.forkchoice_updated(3, [fc_state(block_hash)])
    by_hash = api.get_bodies_by_hash([[block_hash, "0x" + "99" * 32]])
    assert by_hash[0]["transactions"] == env["executionPayload"]["transactions"]
    assert by_hash[0]["withdrawals"] == [] and by_hash[1] is None
    assert api.get_bodies_by_range(["0x1", "0x5"]) == [by_hash[0]]  # no trailing nulls
    with pytest.raises(RpcError) as err:
        api.get_bodies_by_range(["0x0", "0x1"])
    assert err.value.code == -32602
    with pytest.raises(RpcError) as err:
        api.get_bodies_by_range(["0x1", hex(1025)])
    assert err.value.code == -38004
    caps = api.exchange_capabilities([["engine_newPayloadV4"]])
    assert "engine_newPayloadV4" in caps and "engine_getBlobsV2" in caps
    assert api.client_version([{"code": "LH", "name": "x", "version": "1", "commit": "0x00"}])
    assert api.get_blobs(1, [["0x01" + "00" * 31]]) == [None]
    assert api.get_blobs(2, [["0x01" + "00" * 31]]) is None


def test_blob_transaction_through_payload_and_get_blobs() -> None:
    from tests.unit.rpc.dev_chain import blob_transaction

    ctx, api = make_node()
    wrapped = blob_transaction()
    ctx.mempool.add(wrapped)
    vh = "0x" + wrapped.tx.blob_versioned_hashes[0].hex()
    blobs = api.get_blobs(2, [[vh]])
    assert blobs[0]["blob"] == "0x" + wrapped.blobs[0].hex() and len(blobs[0]["proofs"]) == 128
    assert api.get_blobs(1, [[vh]]) == [None]  # V1 serves per-blob proofs only
    env = build(api, _head(ctx), 100)
    bundle = env["blobsBundle"]
    assert bundle["commitments"] == ["0x" + wrapped.commitments[0].hex()]
    assert len(bundle["blobs"]) == 1 and len(bundle["proofs"]) == 128
    assert env["executionPayload"]["blobGasUsed"] == hex(2**17)
    params = new_payload_params(env)
    assert api.new_payload(4, params)["status"] == "INVALID"  # the hash list is missing
    params[1] = [vh]
    assert api.new_payload(4, params)["status"] == "VALID"
