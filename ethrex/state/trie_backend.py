"""A ``StateBackend`` that reads only tries: the state at one root over any node store.

This is how a block runs without the chain store's flat tables: over a witness
(``state.witness.WitnessTable``: stateless execution, the prover) or over the store through a
``RecordingTable`` (building that witness). Both run the same reads and the same trie edits
in the same order, so a recorded witness holds exactly what a stateless run loads.

``compute_state_root`` writes the new root's nodes into the node store and returns the root;
the next block of a batch opens a ``TrieBackend`` on that root over the same stores.
"""

from ethrex import rlp
from ethrex.errors import InternalError
from ethrex.primitives import EMPTY_HASH
from ethrex.state.backend import AccountInfo
from ethrex.trie import EMPTY_ROOT, Trie
from ethrex.trie.nodes import NodeStore
from ethrex.types.account import Account, decode_account, encode_account

_MISSING = object()


class TrieBackend:
    """The state with root ``state_root`` over ``nodes``; contract code from ``codes`` (both
    ``hash -> bytes`` stores that may raise on a miss, as a witness does)."""

    __slots__ = ("nodes", "codes", "state_root", "_trie", "_accounts", "_slots",
                 "_storage_tries")

    def __init__(self, nodes: NodeStore, codes: NodeStore, state_root: bytes) -> None:
        self.nodes = nodes
        self.codes = codes
        self.state_root = state_root
        self._trie = Trie(nodes, state_root, secure=True)
        self._accounts: dict[bytes, Account | None] = {}  # committed records read so far
        self._slots: dict[bytes, dict[int, int]] = {}  # committed slot values read so far
        self._storage_tries: dict[bytes, Trie] = {}

    def get_record(self, address: bytes) -> Account | None:
        """The full account record (with its storage root), or None."""
        try:
            return self._accounts[address]
        except KeyError:
            pass
        leaf = self._trie.get(address)
        account = None if leaf is None else decode_account(leaf)
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
        code = self.codes.get(code_hash)
        if code is None:
            raise InternalError(f"code 0x{code_hash.hex()} is not stored")
        return code

    def get_storage(self, address: bytes, key: int) -> int:
        slots = self._slots.get(address)
        if slots is None:
            slots = self._slots[address] = {}
        elif key in slots:
            return slots[key]
        account = self.get_record(address)
        value = 0
        if account is not None and account.storage_root != EMPTY_ROOT:
            trie = self._storage_tries.get(address)
            if trie is None:
                trie = self._storage_tries[address] = Trie(
                    self.nodes, account.storage_root, secure=True)
            data = trie.get(key.to_bytes(32, "big"))
            if data is not None:
                value = rlp.decode_int(rlp.decode(data))
        slots[key] = value
        return value

    def has_storage(self, address: bytes) -> bool:
        account = self.get_record(address)
        return account is not None and account.storage_root != EMPTY_ROOT

    def compute_state_root(
        self,
        accounts: dict[bytes, AccountInfo | None],
        storage: dict[bytes, dict[int, int]],
        cleared: set[bytes],
    ) -> bytes:
        """Root of this state with the changes applied; the new nodes go to ``nodes``. Only the
        paths that change are edited, so the nodes loaded are the changed paths and the
        siblings a deletion collapses into their parent."""
        nodes = self.nodes
        state = Trie(nodes, self.state_root, secure=True)
        for address, info in accounts.items():
            old = self.get_record(address)
            if info is None:
                if old is not None:
                    state.delete(address)
                continue
            wiped = address in cleared
            root = EMPTY_ROOT if (wiped or old is None) else old.storage_root
            writes = storage.get(address)
            if writes:
                committed = {} if wiped else self._slots.get(address, {})
                trie: Trie | None = None
                for key, value in writes.items():
                    if not wiped and committed.get(key, _MISSING) == value:
                        continue  # only read, or written back to its committed value
                    if trie is None:
                        trie = Trie(nodes, root, secure=True)
                    slot = key.to_bytes(32, "big")
                    if value:
                        trie.put(slot, rlp.encode(value))
                    else:
                        trie.delete(slot)
                if trie is not None:
                    root = trie.root_hash()
            record = Account(info[0], info[1], root, info[2])
            if record != old:
                state.put(address, encode_account(record))
        return state.root_hash()
