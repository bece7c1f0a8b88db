"""The write side of the store: ``StoreWriter``, one atomic transaction (from
``Store.write()``). Everything written through one writer commits together or not at all, which
is what makes a block, its state and the head pointer that moves to it crash-consistent.
"""

import threading
from collections.abc import Iterable, Mapping, Sequence
from typing import TYPE_CHECKING

from ethrex import rlp
from ethrex.errors import InternalError
from ethrex.primitives import keccak256
from ethrex.storage.backend import WriteBatch
from ethrex.storage.flat import diff_tries
from ethrex.storage.schema import (
    BLOCK_NUMBERS,
    BODIES,
    CANONICAL,
    CODE,
    FLAT_ACCOUNTS,
    FLAT_STORAGE,
    HEADERS,
    META,
    META_CHAIN_CONFIG,
    META_FINALIZED,
    META_FLAT_STATE_BLOCK,
    META_GENESIS,
    META_HEAD,
    META_SAFE,
    RECEIPTS,
    TOTAL_DIFFICULTY,
    TRIE_NODES,
    TX_LOCATIONS,
    encode_chain_config,
    encode_uint,
    number_key,
    slot_key,
)
from ethrex.trie import EMPTY_ROOT, Trie
from ethrex.types.account import Account, decode_account, encode_account
from ethrex.types.block import Block, EncodedBlock, encode_block_parts
from ethrex.types.genesis import ChainConfig
from ethrex.types.header import Header, decode_header, encode_header
from ethrex.types.receipt import Receipt, encode_receipt

if TYPE_CHECKING:
    from ethrex.storage.store import Store


class StoreWriter:
    """One atomic write transaction of the store (from ``Store.write()``)."""

    __slots__ = ("store", "batch", "thread")

    def __init__(self, store: "Store", batch: WriteBatch) -> None:
        self.store = store
        self.batch = batch
        self.thread = threading.get_ident()

    # raw access, for callers with their own layout inside the schema's tables
    def put(self, table: str, key: bytes, value: bytes) -> None:
        self.batch.put(table, key, value)

    def delete(self, table: str, key: bytes) -> None:
        self.batch.delete(table, key)

    def get(self, table: str, key: bytes) -> bytes | None:
        return self.batch.get(table, key)

    # -- blocks --------------------------------------------------------------------------------

    def add_header(self, header: Header, total_difficulty: int | None = None) -> bytes:
        """Store a header alone (header-first sync); returns its hash."""
        encoded = encode_header(header)
        block_hash = keccak256(encoded)
        self._put_header(block_hash, encoded, header.number, total_difficulty)
        return block_hash

    def _put_header(self, block_hash: bytes, encoded: bytes, number: int,
                    total_difficulty: int | None) -> None:
        put = self.batch.put
        put(HEADERS, block_hash, encoded)
        put(BLOCK_NUMBERS, block_hash, number_key(number))
        if total_difficulty is not None:
            put(TOTAL_DIFFICULTY, block_hash, encode_uint(total_difficulty))

    def add_block(
        self,
        block: Block,
        receipts: Iterable[Receipt],
        total_difficulty: int,
        trie_nodes: Mapping[bytes, bytes] | None = None,
        code: Mapping[bytes, bytes] | Iterable[bytes] | None = None,
        make_head: bool = False,
    ) -> bytes:
        """Store a validated block with its receipts, total difficulty, new trie nodes and new
        code (``hash -> code``, or just the codes); ``make_head`` also makes it the canonical
        head. Returns the block hash."""
        return self.add_encoded_block(
            encode_block_parts(block), block.header.number, [encode_receipt(r) for r in receipts],
            total_difficulty, trie_nodes, code, make_head)

    def add_encoded_block(
        self,
        block: EncodedBlock,
        number: int,
        receipts: Sequence[bytes],
        total_difficulty: int,
        trie_nodes: Mapping[bytes, bytes] | None = None,
        code: Mapping[bytes, bytes] | Iterable[bytes] | None = None,
        make_head: bool = False,
    ) -> bytes:
        """``add_block`` from the encodings an import made already (``encode_receipt`` for the
        receipts): nothing is encoded twice on the way to the disk."""
        block_hash = block.hash()
        self._put_header(block_hash, block.header, number, total_difficulty)
        put = self.batch.put
        put(BODIES, block_hash, block.body)
        put(RECEIPTS, block_hash, rlp.encode(receipts))
        for index, tx in enumerate(block.transactions):
            put(TX_LOCATIONS, keccak256(tx) + block_hash, encode_uint(index))
        if trie_nodes:
            self.put_trie_nodes(trie_nodes)
        if code:
            self.put_code(code)
        if make_head:
            self.set_canonical_head(block_hash)
        return block_hash

    def put_trie_nodes(self, nodes: Mapping[bytes, bytes]) -> None:
        put = self.batch.put
        for node_hash, encoded in nodes.items():
            put(TRIE_NODES, node_hash, encoded)

    def put_code(self, code: Mapping[bytes, bytes] | Iterable[bytes]) -> None:
        """Store bytecode by hash: a ``hash -> code`` mapping, or codes to hash here."""
        put = self.batch.put
        if isinstance(code, Mapping):
            for code_hash, bytecode in code.items():
                put(CODE, code_hash, bytecode)
        else:
            for bytecode in code:
                put(CODE, keccak256(bytecode), bytecode)

    # -- canonical chain and fork choice -------------------------------------------------------

    def set_canonical(self, hashes: Mapping[int, bytes], drop_above: int | None = None) -> None:
        """Set ``number -> hash`` canonical entries; with ``drop_above``, unset every entry
        above that number first (a reorg to a shorter chain)."""
        if drop_above is not None:
            self._drop_canonical_above(drop_above)
        put = self.batch.put
        for number, block_hash in hashes.items():
            put(CANONICAL, number_key(number), block_hash)

    def _drop_canonical_above(self, number: int) -> None:
        get, delete = self.batch.get, self.batch.delete
        n = number + 1
        while get(CANONICAL, number_key(n)) is not None:
            delete(CANONICAL, number_key(n))
            n += 1

    def set_canonical_head(self, block_hash: bytes) -> None:
        """Make ``block_hash`` the head and its ancestors canonical, unsetting entries above it
        and rewriting the index back to the common ancestor with the old canonical chain."""
        get, put = self.batch.get, self.batch.put
        header_rlp = get(HEADERS, block_hash)
        if header_rlp is None:
            raise InternalError(f"head {block_hash.hex()} is not stored")
        header = decode_header(header_rlp)
        self._drop_canonical_above(header.number)
        current, current_hash = header, block_hash
        while get(CANONICAL, number_key(current.number)) != current_hash:
            put(CANONICAL, number_key(current.number), current_hash)
            if current.number == 0:
                put(META, META_GENESIS, current_hash)
                break
            parent_rlp = get(HEADERS, current.parent_hash)
            if parent_rlp is None:
                raise InternalError(
                    f"ancestor {current.parent_hash.hex()} of head {block_hash.hex()} is missing"
                )
            current_hash, current = current.parent_hash, decode_header(parent_rlp)
        put(META, META_HEAD, block_hash)

    def set_head(self, block_hash: bytes) -> None:
        """Move the head pointer only (the canonical index is the caller's)."""
        self.batch.put(META, META_HEAD, block_hash)

    def set_safe(self, block_hash: bytes) -> None:
        self.batch.put(META, META_SAFE, block_hash)

    def set_finalized(self, block_hash: bytes) -> None:
        self.batch.put(META, META_FINALIZED, block_hash)

    def set_chain_config(self, config: ChainConfig) -> None:
        self.batch.put(META, META_CHAIN_CONFIG, encode_chain_config(config))

    def add_genesis(
        self,
        block: Block,
        config: ChainConfig,
        trie_nodes: Mapping[bytes, bytes] | None = None,
        code: Mapping[bytes, bytes] | Iterable[bytes] | None = None,
    ) -> bytes:
        """Store block 0 as head, safe and finalized, with the chain config."""
        block_hash = self.add_block(block, (), block.header.difficulty, trie_nodes, code, True)
        self.set_safe(block_hash)
        self.set_finalized(block_hash)
        self.set_chain_config(config)
        return block_hash

    # -- flat state ----------------------------------------------------------------------------

    def apply_state_diff(
        self,
        block_hash: bytes,
        accounts: Mapping[bytes, Account | None],
        storage: Mapping[bytes, Mapping[int, int]],
        cleared: Iterable[bytes] = (),
    ) -> None:
        """Move the flat state to the post-state of ``block_hash``: wipe the storage of the
        ``cleared`` accounts, write ``storage`` (0 deletes), then ``accounts`` (None deletes the
        account and its storage)."""
        batch = self.batch
        put, delete = batch.put, batch.delete
        for address in cleared:
            batch.delete_prefix(FLAT_STORAGE, keccak256(address))
        encode = rlp.encode
        for address, slots in storage.items():
            address_hash = keccak256(address)
            for slot, value in slots.items():
                key = slot_key(address_hash, slot)
                if value:
                    put(FLAT_STORAGE, key, encode(value))
                else:
                    delete(FLAT_STORAGE, key)
        for address, account in accounts.items():
            address_hash = keccak256(address)
            if account is None:
                delete(FLAT_ACCOUNTS, address_hash)
                batch.delete_prefix(FLAT_STORAGE, address_hash)
            else:
                put(FLAT_ACCOUNTS, address_hash, encode_account(account))
        put(META, META_FLAT_STATE_BLOCK, block_hash)

    def rebuild_flat_state(self, block_hash: bytes) -> None:
        """Refill the flat tables from the state trie of ``block_hash`` (after a reorg that no
        diff can undo). The flat keys are the secure-trie paths, so leaves copy across as is."""
        header = self.store.get_header(block_hash)
        if header is None:
            raise InternalError(f"block {block_hash.hex()} is not stored")
        batch = self.batch
        put = batch.put
        batch.delete_prefix(FLAT_ACCOUNTS, b"")
        batch.delete_prefix(FLAT_STORAGE, b"")
        nodes = self.store.nodes
        for address_hash, leaf in Trie(nodes, header.state_root, secure=True).items():
            put(FLAT_ACCOUNTS, address_hash, leaf)
            storage_root = decode_account(leaf).storage_root
            if storage_root != EMPTY_ROOT:
                for slot_hash, value in Trie(nodes, storage_root, secure=True).items():
                    put(FLAT_STORAGE, address_hash + slot_hash, value)
        put(META, META_FLAT_STATE_BLOCK, block_hash)

    def move_flat_state(self, block_hash: bytes) -> None:
        """Move the flat tables from whatever state they hold to the post-state of
        ``block_hash`` (any stored block: a reorg, or a jump back), touching only what differs
        between the two state tries. Rebuilds from scratch when there is no flat state yet."""
        target = self.store.get_header(block_hash)
        if target is None:
            raise InternalError(f"block {block_hash.hex()} is not stored")
        current_hash = self.batch.get(META, META_FLAT_STATE_BLOCK)
        current = None if current_hash is None else self.store.get_header(current_hash)
        if current is None:
            self.rebuild_flat_state(block_hash)
            return
        batch = self.batch
        put, delete = batch.put, batch.delete
        nodes = self.store.nodes
        for path, old, new in diff_tries(nodes, current.state_root, target.state_root):
            address_hash = bytes.fromhex(path)
            if new is None:
                delete(FLAT_ACCOUNTS, address_hash)
                batch.delete_prefix(FLAT_STORAGE, address_hash)
                continue
            put(FLAT_ACCOUNTS, address_hash, new)
            old_root = EMPTY_ROOT if old is None else decode_account(old).storage_root
            new_root = decode_account(new).storage_root
            for slot_path, _, value in diff_tries(nodes, old_root, new_root):
                key = address_hash + bytes.fromhex(slot_path)
                if value is None:
                    delete(FLAT_STORAGE, key)
                else:
                    put(FLAT_STORAGE, key, value)
        batch.put(META, META_FLAT_STATE_BLOCK, block_hash)
