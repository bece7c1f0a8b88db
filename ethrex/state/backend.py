"""The seam between execution and persistence: what ``StateDB`` reads, and where roots come from.

``DictBackend`` holds a whole state in dicts (state tests); ``store_backend.StoreBackend``
reads the chain store. A stateless witness for the prover implements the same five methods.
"""

from typing import Protocol

from ethrex import rlp
from ethrex.primitives import EMPTY_HASH, keccak256
from ethrex.trie import EMPTY_ROOT, secure_root

# (nonce, balance, code_hash): the account fields execution reads. The storage root stays
# inside the backend.
AccountInfo = tuple[int, int, bytes]


class StateBackend(Protocol):
    """Read access to a committed state, plus the root of that state with changes on top."""

    def get_account(self, address: bytes) -> AccountInfo | None: ...

    def get_code(self, code_hash: bytes) -> bytes: ...

    def get_storage(self, address: bytes, key: int) -> int: ...

    def has_storage(self, address: bytes) -> bool: ...

    def compute_state_root(
        self,
        accounts: dict[bytes, AccountInfo | None],
        storage: dict[bytes, dict[int, int]],
        cleared: set[bytes],
    ) -> bytes:
        """Root after applying ``accounts`` (None deletes), ``storage`` writes (0 deletes) and
        wiping the storage of the ``cleared`` accounts first."""
        ...


def storage_root(slots: dict[int, int]) -> bytes:
    """Storage root of ``key -> value`` slots (zero values are absent)."""
    if not slots:
        return EMPTY_ROOT
    encode = rlp.encode
    return secure_root(
        {key.to_bytes(32, "big"): encode(value) for key, value in slots.items() if value}
    )


def encode_account(nonce: int, balance: int, root: bytes, code_hash: bytes) -> bytes:
    """RLP of an account leaf in the state trie."""
    return rlp.encode([nonce, balance, root, code_hash])


class DictBackend:
    """A whole state in dicts: accounts, codes by hash and storage slots per account."""

    __slots__ = ("accounts", "codes", "storage", "_roots")

    def __init__(self) -> None:
        self.accounts: dict[bytes, AccountInfo] = {}
        self.codes: dict[bytes, bytes] = {EMPTY_HASH: b""}
        self.storage: dict[bytes, dict[int, int]] = {}
        self._roots: dict[bytes, bytes] = {}  # storage roots of the committed slots, lazily

    def set_account(
        self, address: bytes, nonce: int, balance: int, code: bytes, slots: dict[int, int]
    ) -> None:
        """Insert an account (used to build genesis and fixture pre-states)."""
        code_hash = keccak256(code) if code else EMPTY_HASH
        self.codes[code_hash] = code
        self.accounts[address] = (nonce, balance, code_hash)
        live = {k: v for k, v in slots.items() if v}
        if live:
            self.storage[address] = live
        else:
            self.storage.pop(address, None)
        self._roots.pop(address, None)

    def get_account(self, address: bytes) -> AccountInfo | None:
        return self.accounts.get(address)

    def get_code(self, code_hash: bytes) -> bytes:
        return self.codes[code_hash]

    def get_storage(self, address: bytes, key: int) -> int:
        slots = self.storage.get(address)
        return slots.get(key, 0) if slots else 0

    def has_storage(self, address: bytes) -> bool:
        return bool(self.storage.get(address))

    def _committed_root(self, address: bytes) -> bytes:
        root = self._roots.get(address)
        if root is None:
            root = storage_root(self.storage.get(address, {}))
            self._roots[address] = root
        return root

    def compute_state_root(
        self,
        accounts: dict[bytes, AccountInfo | None],
        storage: dict[bytes, dict[int, int]],
        cleared: set[bytes],
    ) -> bytes:
        leaves: dict[bytes, bytes] = {}
        for address, info in self.accounts.items():
            if address not in accounts:
                leaves[address] = encode_account(
                    info[0], info[1], self._committed_root(address), info[2]
                )
        for address, info in accounts.items():
            if info is None:
                continue
            writes = storage.get(address)
            if address in cleared:
                root = storage_root(writes or {})
            elif writes:
                merged = dict(self.storage.get(address, {}))
                merged.update(writes)
                root = storage_root(merged)
            else:
                root = self._committed_root(address)
            leaves[address] = encode_account(info[0], info[1], root, info[2])
        return secure_root(leaves)
