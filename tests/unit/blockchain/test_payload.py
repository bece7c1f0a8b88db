"""Payload building: order by effective tip with nonces in order per sender, the gas limit,
withdrawals and system calls, the block value, payload ids; every built block must import."""

from ethrex.blockchain.payload import (
    PayloadAttributes,
    build_payload,
    compute_payload_id,
    effective_tip,
    next_gas_limit,
)
from ethrex.dev import DEV_CHAIN_ID, dev_accounts
from ethrex.types.transactions import (
    FeeMarketTransaction,
    sign_transaction,
    transaction_hash,
)
from ethrex.types.withdrawal import Withdrawal
from tests.unit.rpc.dev_chain import make_node, transfer

BEACON_ROOT = b"\x11" * 32


def _attrs(timestamp: int = 100, withdrawals: tuple[Withdrawal, ...] = ()) -> PayloadAttributes:
    return PayloadAttributes(timestamp, b"\x22" * 32, b"\x33" * 20, withdrawals, BEACON_ROOT)


def _build_and_import(ctx, pending, attrs=None):
    chain = ctx.chain
    parent = chain.head_header()
    built = build_payload(chain, parent, attrs or _attrs(), pending)
    chain.add_block(built.block, make_head=True)  # raises if the builder got anything wrong
    return built


def test_order_by_tip_and_nonce() -> None:
    ctx, _ = make_node()
    a, b = dev_accounts()[0][0], dev_accounts()[1][0]
    a_txs = [transfer(0, 0, tip=1), transfer(0, 1, tip=50)]
    b_txs = [transfer(1, 0, tip=10), transfer(1, 1, tip=5)]
    built = _build_and_import(ctx, {a: a_txs, b: b_txs})
    order = [transaction_hash(t) for t in built.block.transactions]
    # b0 (10) first; then b1 (5) beats a0 (1); a1 (50) only after a0, its nonce predecessor.
    expected = [b_txs[0], b_txs[1], a_txs[0], a_txs[1]]
    assert order == [transaction_hash(t) for t in expected]
    base_fee = built.block.header.base_fee_per_gas
    assert built.block_value == sum(21000 * effective_tip(t, base_fee) for t in expected)


def test_gas_limit_and_dropped_sender() -> None:
    ctx, _ = make_node(gas_limit=20_000_000)
    a, b = dev_accounts()[0][0], dev_accounts()[1][0]
    # 100 kB of calldata uses about 4M gas (EIP-7623 floor), leaving less than 16M.
    big_a = sign_transaction(FeeMarketTransaction(
        DEV_CHAIN_ID, 0, 20, 10**11, 16_000_000, b, 0, b"\xff" * 100_000, (), 0, 0, 0),
        dev_accounts()[0][1])
    big_b = transfer(1, 0, tip=10, gas=16_000_000)
    after_b = transfer(1, 1, tip=10)
    built = _build_and_import(ctx, {a: [big_a], b: [big_b, after_b]})
    # 20M gas: after 4M used, a second 16M limit does not fit; b's next nonce cannot jump the queue.
    assert [transaction_hash(t) for t in built.block.transactions] == [transaction_hash(big_a)]


def test_unpayable_transaction_is_skipped() -> None:
    ctx, _ = make_node()
    a = dev_accounts()[0][0]
    wrong_nonce = transfer(0, 5)
    built = _build_and_import(ctx, {a: [wrong_nonce]})
    assert built.block.transactions == () and built.block_value == 0


def test_withdrawals_and_beacon_root() -> None:
    ctx, _ = make_node()
    target = b"\x44" * 20
    built = _build_and_import(ctx, {}, _attrs(withdrawals=(Withdrawal(0, 7, target, 3),)))
    header = built.block.header
    account = ctx.chain.store.get_account_at(header.state_root, target)
    assert account is not None and account.balance == 3 * 10**9
    assert header.parent_beacon_block_root == BEACON_ROOT
    assert built.requests == ()  # Prague+: requests, none here


def test_payload_id_identifies_the_attributes() -> None:
    parent = b"\x01" * 32
    assert compute_payload_id(parent, _attrs()) == compute_payload_id(parent, _attrs())
    assert compute_payload_id(parent, _attrs()) != compute_payload_id(parent, _attrs(101))
    assert compute_payload_id(parent, _attrs()) != compute_payload_id(b"\x02" * 32, _attrs())
    assert len(compute_payload_id(parent, _attrs())) == 8


def test_next_gas_limit_moves_within_the_bound() -> None:
    assert next_gas_limit(30_000_000, None) == 30_000_000
    assert next_gas_limit(30_000_000, 60_000_000) == 30_000_000 + 30_000_000 // 1024 - 1
    assert next_gas_limit(30_000_000, 29_999_000) == 29_999_000
