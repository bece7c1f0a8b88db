"""A ``StateBackend`` over the chain store: the state at one stored state root.

Reads come from the flat tables when they hold exactly this state (the canonical head's, the
common case while importing), else from the state and storage tries (archive: any stored
block). ``compute_state_root`` applies a block's changes to the tries in a ``NodeOverlay``, so
nothing is written: the caller commits ``pending_nodes`` with the block, and ``pending_diff``
moves the flat tables forward when the block becomes the head.

Flat reads are checked against the flat tables' block in the same snapshot: if another thread
moves the flat state (a new head) while this backend is in use, reads fall back to the tries
instead of mixing two states.
"""

from ethrex import rlp
from ethrex.primitives import EMPTY_HASH, keccak256
from ethrex.state.backend import AccountInfo
from ethrex.storage import NodeOverlay, Store
from ethrex.storage.schema import FLAT_ACCOUNTS, FLAT_STORAGE
from ethrex.trie import EMPTY_ROOT, Trie
from ethrex.types.account import Account, decode_account, encode_account

_MISSING = object()


class StateDiff:
    """A block's effect on the state, in the shape ``StoreWriter.apply_state_diff`` takes."""

    __slots__ = ("accounts", "storage", "cleared")

    def __init__(self) -> None:
        self.accounts: dict[bytes, Account | None] = {}
        self.storage: dict[bytes, dict[int, int]] = {}
        self.cleared: set[bytes] = set()


class StoreBackend:
    """The committed state with root ``state_root``; ``flat_block`` names the block whose
    post-state the flat tables hold when that is this state (reads then skip the tries)."""

    __slots__ = (
        "store", "state_root", "flat_block", "_trie", "_accounts", "_slots", "_storage_tries",
        "pending_nodes", "pending_diff",
    )

    def __init__(self, store: Store, state_root: bytes, flat_block: bytes | None = None) -> None:
        self.store = store
        self.state_root = state_root
        self.flat_block = flat_block
        self._trie = Trie(store.nodes, state_root, secure=True)
        self._accounts: dict[bytes, Account | None] = {}  # committed records read so far
        self._slots: dict[bytes, dict[int, int]] = {}  # committed slot values read so far
        self._storage_tries: dict[bytes, Trie] = {}
        self.pending_nodes: dict[bytes, bytes] = {}  # from the last compute_state_root
        self.pending_diff = StateDiff()

    # -- reads -------------------------------------------------------------------------------

    def _flat_get(self, table: str, key: bytes) -> object:
        """The flat value (None when absent), or ``_MISSING`` when the flat tables have moved
        to another state."""
        flat_block = self.flat_block
        if flat_block is None:
            return _MISSING
        current, value = self.store.get_flat_if_at(flat_block, table, key)
        if not current:
            self.flat_block = None
            return _MISSING
        return value

    def get_record(self, address: bytes) -> Account | None:
        """The full account record (with its storage root), or None."""
        try:
            return self._accounts[address]
        except KeyError:
            pass
        leaf: object = _MISSING
        if self.flat_block is not None:
            leaf = self._flat_get(FLAT_ACCOUNTS, keccak256(address))
        if leaf is _MISSING:
            leaf = self._trie.get(address)
        account = None if leaf is None else decode_account(leaf)  # type: ignore[arg-type]
        self._accounts[address] = account
        return account

    def get_account(self, address: bytes) -> AccountInfo | None:
        account = self.get_record(address)
        if account is None:
            return None
        return account.nonce, account.balance, account.code_hash

    def get_code(self, code_hash: bytes) -> bytes:
        if code_hash == EMPTY_HASH:
            return b""
        code = self.store.get_code(code_hash)
        if code is None:
            raise KeyError(f"code {code_hash.hex()} is not stored")
        return code

    def get_storage(self, address: bytes, key: int) -> int:
        slots = self._slots.get(address)
        if slots is None:
            slots = self._slots[address] = {}
        elif key in slots:
            return slots[key]
        account = self.get_record(address)
        if account is None or account.storage_root == EMPTY_ROOT:
            value = 0
        else:
            data: object = _MISSING
            if self.flat_block is not None:
                data = self._flat_get(
                    FLAT_STORAGE, keccak256(address) + keccak256(key.to_bytes(32, "big"))
                )
            if data is _MISSING:
                trie = self._storage_tries.get(address)
                if trie is None:
                    trie = self._storage_tries[address] = Trie(
                        self.store.nodes, account.storage_root, secure=True
                    )
                data = trie.get(key.to_bytes(32, "big"))
            value = 0 if data is None else rlp.decode_int(rlp.decode(data))  # type: ignore[arg-type]
        slots[key] = value
        return value

    def has_storage(self, address: bytes) -> bool:
        account = self.get_record(address)
        return account is not None and account.storage_root != EMPTY_ROOT

    # -- the new root --------------------------------------------------------------------------

    def compute_state_root(
        self,
        accounts: dict[bytes, AccountInfo | None],
        storage: dict[bytes, dict[int, int]],
        cleared: set[bytes],
    ) -> bytes:
        """Root of this state with the changes applied. The new trie nodes land in
        ``pending_nodes`` and the changes in ``pending_diff`` (both replaced on each call)."""
        overlay = NodeOverlay(self.store.nodes)
        state = Trie(overlay, self.state_root, secure=True)
        diff = StateDiff()
        encode = rlp.encode
        for address, info in accounts.items():
            old = self.get_record(address)
            if info is None:
                if old is not None:
                    state.delete(address)
                    diff.accounts[address] = None
                continue
            writes = storage.get(address)
            wiped = address in cleared
            root = EMPTY_ROOT if (wiped or old is None) else old.storage_root
            if wiped and old is not None and old.storage_root != EMPTY_ROOT:
                diff.cleared.add(address)
            if writes:
                committed = {} if wiped else self._slots.get(address, {})
                trie: Trie | None = None
                changed: dict[int, int] = {}
                for key, value in writes.items():
                    if not wiped and committed.get(key, _MISSING) == value:
                        continue  # only read, or written back to its committed value
                    if trie is None:
                        trie = Trie(overlay, root, secure=True)
                    if value:
                        trie.put(key.to_bytes(32, "big"), encode(value))
                    else:
                        trie.delete(key.to_bytes(32, "big"))
                    changed[key] = value
                if trie is not None:
                    root = trie.root_hash()
                    diff.storage[address] = changed
            record = Account(info[0], info[1], root, info[2])
            if record != old:
                state.put(address, encode_account(record))
                diff.accounts[address] = record
        new_root = state.root_hash()
        self.pending_nodes = overlay.pending
        self.pending_diff = diff
        return new_root
