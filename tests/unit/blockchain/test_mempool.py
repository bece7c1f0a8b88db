"""Mempool admission, pending/queued split, replacement, limits and eviction, new heads and
reorgs, blob sidecars."""

from dataclasses import replace

import pytest

from ethrex.blockchain.mempool import Mempool, PoolError
from ethrex.errors import InvalidTransaction
from ethrex.types.transactions import LegacyTransaction, sign_transaction, transaction_hash
from tests.unit.rpc.dev_chain import build, fc_state, make_node, new_payload_params, transfer
from ethrex.dev import DEV_CHAIN_ID, dev_accounts


def _pool(**kwargs: int) -> Mempool:
    ctx, _ = make_node()
    return Mempool(ctx.chain, **kwargs)


def test_admits_and_splits_pending_and_queued() -> None:
    pool = _pool()
    sender = dev_accounts()[0][0]
    h0 = pool.add(transfer(0, 0))
    pool.add(transfer(0, 2))  # gap at nonce 1
    assert pool.get(h0) is not None and len(pool) == 2
    assert [t.nonce for t in pool.pending()[sender]] == [0]
    assert [t.nonce for t in pool.queued()[sender]] == [2]
    assert pool.pending_nonce(sender) == 1
    pool.add(transfer(0, 1))  # fills the gap
    assert [t.nonce for t in pool.pending()[sender]] == [0, 1, 2]
    assert pool.queued() == {}
    assert len(pool.pending_hashes()) == 3


@pytest.mark.parametrize("tx, reason", [
    (transfer(0, 0, value=10**30), "insufficient funds"),
    (transfer(0, 0, gas=20000), "intrinsic"),
    (transfer(0, 0, tip=10, max_fee=5), "max_priority_fee_per_gas"),
    (transfer(0, 0, gas=40_000_000), "gas"),
])
def test_refuses_invalid(tx, reason: str) -> None:
    pool = _pool()
    with pytest.raises(InvalidTransaction, match=reason):
        pool.add(tx)
    assert len(pool) == 0


def test_refuses_wrong_chain_and_duplicates_and_low_nonce() -> None:
    ctx, api = make_node()
    pool = ctx.mempool
    key = dev_accounts()[0][1]
    wrong_chain = sign_transaction(LegacyTransaction(0, 10**10, 21000, bytes(20), 1, b"", 0, 0,
                                                     0), key, chain_id=1)
    with pytest.raises(InvalidTransaction, match="chain"):
        pool.add(wrong_chain)
    pool.add(transfer(0, 0))
    with pytest.raises(PoolError, match="already known"):
        pool.add(transfer(0, 0))
    # Include nonce 0, then nonce 0 again is too low.
    env = build(api, "0x" + ctx.chain.head_header().hash().hex(), 100)
    api.new_payload(4, new_payload_params(env))
    api.forkchoice_updated(3, [fc_state(env["executionPayload"]["blockHash"])])
    assert len(pool) == 0
    with pytest.raises(PoolError, match="nonce too low"):
        pool.add(transfer(0, 0, tip=2 * 10**9))


def test_replacement_needs_a_ten_percent_bump() -> None:
    pool = _pool()
    first = pool.add(transfer(0, 0, tip=10**9, max_fee=10**11))
    with pytest.raises(PoolError, match="underpriced"):
        pool.add(transfer(0, 0, tip=10**9 + 10**8 - 1, max_fee=2 * 10**11))
    with pytest.raises(PoolError, match="underpriced"):
        pool.add(transfer(0, 0, tip=2 * 10**9, max_fee=10**11 + 10**10 - 1))
    second = pool.add(transfer(0, 0, tip=11 * 10**8, max_fee=11 * 10**10))
    assert first not in pool and second in pool and len(pool) == 1


def test_per_account_limit() -> None:
    pool = _pool(max_per_account=3)
    for n in (0, 2, 1):
        pool.add(transfer(0, n))
    with pytest.raises(PoolError, match="nonce too high|account limit"):
        pool.add(transfer(0, 3))
    pool.add(transfer(1, 0))  # other senders are not affected
    assert sorted(pool.by_sender[dev_accounts()[0][0]]) == [0, 1, 2]


def test_full_pool_evicts_the_cheapest() -> None:
    pool = _pool(max_total=2)
    cheap = pool.add(transfer(0, 0, tip=1))
    pool.add(transfer(1, 0, tip=5))
    with pytest.raises(PoolError, match="full"):
        pool.add(transfer(2, 0, tip=1))  # pays no more than the cheapest
    rich = pool.add(transfer(2, 0, tip=10))
    assert cheap not in pool and rich in pool and len(pool) == 2


def test_pending_respects_the_base_fee() -> None:
    pool = _pool()
    sender = dev_accounts()[0][0]
    pool.add(transfer(0, 0, tip=1, max_fee=2 * 10**9))
    pool.add(transfer(0, 1, tip=1, max_fee=10**11))
    assert len(pool.pending()[sender]) == 2
    assert sender not in pool.pending(base_fee=3 * 10**9)  # nonce 0 cannot pay: none can


def test_listeners_hear_new_transactions() -> None:
    pool = _pool()
    heard: list[bytes] = []
    pool.listeners.append(heard.append)
    h = pool.add(transfer(0, 0))
    assert heard == [h]


def test_blob_transaction_needs_its_sidecar_and_valid_proofs() -> None:
    from ethrex.crypto import kzg
    from ethrex.types.network_transactions import BlobTransactionNetwork, kzg_to_versioned_hash
    from ethrex.types.transactions import BlobTransaction

    pool = _pool()
    blob = b"".join(i.to_bytes(32, "big") for i in range(kzg.FIELD_ELEMENTS_PER_BLOB))
    commitment = kzg.blob_to_commitment(blob)
    _, cell_proofs = kzg.compute_cells_and_kzg_proofs(blob)
    account, key = dev_accounts()[0]
    tx = sign_transaction(BlobTransaction(
        DEV_CHAIN_ID, 0, 10**9, 10**11, 21000, dev_accounts()[1][0], 0, b"", (), 10**9,
        (kzg_to_versioned_hash(commitment),), 0, 0, 0), key)
    with pytest.raises(PoolError, match="without its blobs"):
        pool.add(tx)
    legacy_form = BlobTransactionNetwork(tx, (blob,), (commitment,),
                                         (kzg.compute_blob_proof(blob, commitment),), 0)
    with pytest.raises(PoolError, match="Osaka"):  # the dev chain runs Osaka: cell proofs
        pool.add(legacy_form)
    bad = BlobTransactionNetwork(tx, (blob,), (commitment,),
                                 tuple([cell_proofs[1]] * 128), 1)
    with pytest.raises(PoolError, match="invalid blob proofs"):
        pool.add(bad)
    good = BlobTransactionNetwork(tx, (blob,), (commitment,), tuple(cell_proofs), 1)
    h = pool.add(good)
    assert pool.get_sidecar(h) is good
    assert pool.get_blob(tx.blob_versioned_hashes[0]) == (good, 0)
    pool.remove([h])
    assert pool.get_blob(tx.blob_versioned_hashes[0]) is None


def test_reorg_gives_back_a_blob_transaction_with_its_sidecar() -> None:
    from tests.unit.rpc.dev_chain import attributes, blob_transaction

    ctx, api = make_node()
    pool = ctx.mempool
    genesis = "0x" + ctx.chain.head_header().hash().hex()
    wrapped = blob_transaction()
    h = pool.add(wrapped)
    vh = "0x" + wrapped.tx.blob_versioned_hashes[0].hex()
    env = build(api, genesis, 100)
    params = new_payload_params(env)
    params[1] = [vh]
    assert api.new_payload(4, params)["status"] == "VALID"
    api.forkchoice_updated(3, [fc_state(env["executionPayload"]["blockHash"])])
    assert h not in pool
    # Included, its blob is still served (getBlobs for a block the consensus client just saw).
    assert pool.get_blob(wrapped.tx.blob_versioned_hashes[0]) == (wrapped, 0)
    other = api.build_block([genesis, attributes(101), [], None])
    assert api.new_payload(4, new_payload_params(other))["status"] == "VALID"
    api.forkchoice_updated(3, [fc_state(other["executionPayload"]["blockHash"])])
    assert pool.get_sidecar(h) is wrapped
    assert pool.get_blob(wrapped.tx.blob_versioned_hashes[0]) == (wrapped, 0)


def test_balance_must_cover_the_earlier_pooled_transactions() -> None:
    pool = _pool()
    pool.add(transfer(0, 0, value=6_000 * 10**18))
    with pytest.raises(PoolError, match="overshot"):
        pool.add(transfer(0, 1, value=5_000 * 10**18))
    pool.add(transfer(0, 1, value=3_000 * 10**18))
    # A replacement of nonce 0 is weighed without the transaction it replaces.
    pool.add(transfer(0, 0, value=6_500 * 10**18, tip=2 * 10**9, max_fee=2 * 10**11))


def test_new_head_drops_what_the_sender_can_no_longer_pay() -> None:
    ctx, api = make_node()
    sender = dev_accounts()[0][0]
    ctx.mempool.add(transfer(0, 0, value=6_000 * 10**18))
    other = Mempool(ctx.chain)  # another node's pool, which never saw nonce 0
    other.add(transfer(0, 1, value=5_000 * 10**18))
    other.add(transfer(0, 2, value=1))
    assert [t.nonce for t in other.queued()[sender]] == [1, 2]
    env = build(api, "0x" + ctx.chain.head_header().hash().hex(), 100)
    assert api.new_payload(4, new_payload_params(env))["status"] == "VALID"
    block_hash = env["executionPayload"]["blockHash"]
    api.forkchoice_updated(3, [fc_state(block_hash)])
    block = ctx.chain.store.get_block(bytes.fromhex(block_hash[2:]))
    other.on_new_head(ctx.chain, [block], [])
    # Nonce 1 now costs more than the balance: dropped; nonce 2 waits behind the gap.
    assert sorted(other.by_sender[sender]) == [2]
    assert other.pending() == {} and [t.nonce for t in other.queued()[sender]] == [2]
