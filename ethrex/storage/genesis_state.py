"""A genesis state written straight to the store, in bounded memory.

A genesis of a million accounts and millions of slots does not fit one write batch (every
batch is buffered in Python until it commits), nor a trie of node objects. So the roots are
computed from sorted leaves (``compute_root``), whose hashed nodes, the code and the flat
tables go to the store in transactions of ``CHUNK`` entries each, before block 0 is written.
Nothing of this is reachable until the genesis block and its pointers commit: a crash in
between leaves unreferenced trie nodes (content-addressed, harmless) and flat entries that the
next attempt clears first.
"""

from collections.abc import Mapping

from ethrex import rlp
from ethrex.primitives import keccak256
from ethrex.storage.schema import CODE, FLAT_ACCOUNTS, FLAT_STORAGE, TRIE_NODES
from ethrex.storage.store import Store
from ethrex.trie import compute_root
from ethrex.types.account import Account, encode_account
from ethrex.types.genesis import GenesisAccount

CHUNK = 100_000  # entries per write transaction


class ChunkedTable:
    """``table[key] = value`` into one store table, committed every ``CHUNK`` entries (a
    ``NodeStore`` for ``compute_root`` when the table is ``trie_nodes``)."""

    __slots__ = ("store", "table", "pending")

    def __init__(self, store: Store, table: str) -> None:
        self.store = store
        self.table = table
        self.pending: dict[bytes, bytes] = {}

    def get(self, key: bytes, /) -> bytes | None:
        value = self.pending.get(key)
        return value if value is not None else self.store.backend.get(self.table, key)

    def __setitem__(self, key: bytes, value: bytes, /) -> None:
        self.pending[key] = value
        if len(self.pending) >= CHUNK:
            self.flush()

    def flush(self) -> None:
        if self.pending:
            with self.store.write() as tx:
                put, table = tx.put, self.table
                for key, value in self.pending.items():
                    put(table, key, value)
            self.pending = {}


def write_genesis_state(store: Store, alloc: Mapping[bytes, GenesisAccount]) -> bytes:
    """Write the trie nodes, code and flat tables of ``alloc``; returns the state root. The
    caller then commits block 0 and points the flat state at it."""
    with store.write() as tx:  # leftovers of an interrupted attempt
        tx.batch.delete_prefix(FLAT_ACCOUNTS, b"")
        tx.batch.delete_prefix(FLAT_STORAGE, b"")
    nodes = ChunkedTable(store, TRIE_NODES)
    code = ChunkedTable(store, CODE)
    flat_accounts = ChunkedTable(store, FLAT_ACCOUNTS)
    flat_storage = ChunkedTable(store, FLAT_STORAGE)
    encode = rlp.encode
    leaves: list[tuple[str, bytes]] = []
    for address, account in alloc.items():
        address_hash = keccak256(address)
        slots: list[tuple[str, bytes]] = []
        for slot, value in account.storage.items():
            if value:
                slot_hash = keccak256(slot)
                encoded = encode(value)
                flat_storage[address_hash + slot_hash] = encoded
                slots.append((slot_hash.hex(), encoded))
        code_hash = keccak256(account.code)
        if account.code:
            code[code_hash] = account.code
        leaf = encode_account(
            Account(account.nonce, account.balance, compute_root(slots, nodes), code_hash))
        flat_accounts[address_hash] = leaf
        leaves.append((address_hash.hex(), leaf))
    root = compute_root(leaves, nodes)
    for table in (nodes, code, flat_accounts, flat_storage):
        table.flush()
    return root
