"""Small synthetic chains for the storage tests: headers link by parent hash, bodies carry real
signed transactions and withdrawals, and each block's state root is a real trie root."""

from ethrex.primitives import EMPTY_LIST_HASH, keccak256
from ethrex.trie import EMPTY_ROOT, Trie
from ethrex.types import (
    Account,
    Block,
    FeeMarketTransaction,
    Header,
    LegacyTransaction,
    Log,
    Receipt,
    Withdrawal,
    encode_account,
    logs_bloom,
    sign_transaction,
)
from ethrex.types.transactions import Transaction

PRIVATE_KEY = bytes(31) + b"\x07"
CHAIN_ID = 1337


def make_transactions(first_nonce: int, count: int) -> tuple[Transaction, ...]:
    """Alternating legacy and EIP-1559 transactions, signed."""
    txs: list[Transaction] = []
    for nonce in range(first_nonce, first_nonce + count):
        if nonce % 2:
            tx: Transaction = FeeMarketTransaction(
                CHAIN_ID, nonce, 1, 10, 21000, b"\x11" * 20, nonce, b"", (), 0, 0, 0
            )
        else:
            tx = LegacyTransaction(nonce, 10, 21000, b"\x22" * 20, nonce, b"\x01\x02", 0, 0, 0)
        txs.append(sign_transaction(tx, PRIVATE_KEY, CHAIN_ID))
    return tuple(txs)


def make_receipts(block: Block) -> list[Receipt]:
    receipts = []
    for i, tx in enumerate(block.transactions):
        logs = (Log(b"\x33" * 20, (keccak256(bytes([i])),), b"data"),)
        receipts.append(Receipt(tx.TYPE, True, None, 21000 * (i + 1), logs_bloom(logs), logs))
    return receipts


def make_block(
    parent: Header | None,
    state_root: bytes = EMPTY_ROOT,
    transactions: tuple[Transaction, ...] = (),
    extra: bytes = b"",
) -> Block:
    """A Cancun-shaped block on top of ``parent`` (block 0 when None)."""
    number = 0 if parent is None else parent.number + 1
    header = Header(
        parent_hash=bytes(32) if parent is None else parent.hash(),
        ommers_hash=EMPTY_LIST_HASH,
        coinbase=b"\x44" * 20,
        state_root=state_root,
        transactions_root=keccak256(b"txs" + number.to_bytes(8, "big")),
        receipts_root=keccak256(b"receipts" + number.to_bytes(8, "big")),
        logs_bloom=bytes(256),
        difficulty=0 if number else 1,
        number=number,
        gas_limit=30_000_000,
        gas_used=21000 * len(transactions),
        timestamp=1_700_000_000 + 12 * number,
        extra_data=extra,
        prev_randao=bytes(32),
        nonce=bytes(8),
        base_fee_per_gas=7,
        withdrawals_root=EMPTY_ROOT,
        blob_gas_used=0,
        excess_blob_gas=0,
        parent_beacon_block_root=bytes(32),
    )
    withdrawals = (Withdrawal(number, 5, b"\x55" * 20, 1000),)
    return Block(header, transactions, (), withdrawals)


def put_account(state: Trie, address: bytes, balance: int) -> None:
    """Set an account's balance in a secure state trie."""
    state.put(address, encode_account(Account(nonce=0, balance=balance)))


def address(i: int) -> bytes:
    return i.to_bytes(20, "big")
