"""``StateDB``: the account and storage cache execution works on, with one journal for undo.

Every change (accounts, storage, transient storage, warm sets, touched and created accounts,
self-destructs, the refund counter, logs) appends the old value to ``journal``; a snapshot is the
journal length, and ``revert(snapshot)`` replays the entries backwards. No copies per call frame.
"""

from typing import Any

from ethrex.primitives import EMPTY_HASH, keccak256
from ethrex.state.backend import AccountInfo, StateBackend

RIPEMD160_ADDRESS = b"\x00" * 19 + b"\x03"

# Journal entry kinds (first item of each entry tuple).
_ACCOUNT, _STORAGE, _WIPE, _TOUCH, _WARM_ADDR, _WARM_SLOT = 0, 1, 2, 3, 4, 5
_TRANSIENT, _CREATED, _DESTRUCT, _REFUND, _LOG = 6, 7, 8, 9, 10


class StateDB:
    """Accounts are ``(nonce, balance, code_hash)`` tuples; storage keys and values are ints."""

    __slots__ = (
        "backend",
        "accounts",
        "storage",
        "cleared",
        "codes",
        "journal",
        "original",
        "touched",
        "warm_addresses",
        "warm_slots",
        "transient",
        "created",
        "destructed",
        "refund",
        "logs",
    )

    def __init__(self, backend: StateBackend) -> None:
        self.backend = backend
        self.accounts: dict[bytes, AccountInfo | None] = {}
        self.storage: dict[bytes, dict[int, int]] = {}
        self.cleared: set[bytes] = set()  # storage wiped here: the backend's slots are gone
        self.codes: dict[bytes, bytes] = {}
        self.journal: list[tuple[Any, ...]] = []
        self.original: dict[bytes, dict[int, int]] = {}
        self.touched: set[bytes] = set()
        self.warm_addresses: set[bytes] = set()
        self.warm_slots: set[tuple[bytes, int]] = set()
        self.transient: dict[tuple[bytes, int], int] = {}
        self.created: set[bytes] = set()
        self.destructed: set[bytes] = set()
        self.refund = 0
        self.logs: list[tuple[bytes, tuple[bytes, ...], bytes]] = []

    # -- transaction scope -------------------------------------------------------------------

    def begin_transaction(self) -> None:
        """Reset what lives for one transaction only (EIP-2929, 1153, 2200, 6780, 161)."""
        self.journal = []
        self.original = {}
        self.touched = set()
        self.warm_addresses = set()
        self.warm_slots = set()
        self.transient = {}
        self.created = set()
        self.destructed = set()
        self.refund = 0
        self.logs = []

    def snapshot(self) -> int:
        return len(self.journal)

    def revert(self, snapshot: int) -> None:
        """Undo every change after ``snapshot``, newest first."""
        journal = self.journal
        while len(journal) > snapshot:
            entry = journal.pop()
            kind = entry[0]
            if kind == _ACCOUNT:
                self.accounts[entry[1]] = entry[2]
            elif kind == _STORAGE:
                self.storage[entry[1]][entry[2]] = entry[3]
            elif kind == _WARM_SLOT:
                self.warm_slots.discard(entry[1])
            elif kind == _WARM_ADDR:
                self.warm_addresses.discard(entry[1])
            elif kind == _TOUCH:
                # The RIPEMD-160 precompile stays touched when its call fails: mainnet block
                # 2675119 deleted it that way, and later consensus keeps the quirk.
                if entry[1] != RIPEMD160_ADDRESS:
                    self.touched.discard(entry[1])
            elif kind == _TRANSIENT:
                self.transient[entry[1]] = entry[2]
            elif kind == _REFUND:
                self.refund = entry[1]
            elif kind == _LOG:
                self.logs.pop()
            elif kind == _WIPE:
                self.storage[entry[1]] = entry[2]
                if not entry[3]:
                    self.cleared.discard(entry[1])
            elif kind == _CREATED:
                self.created.discard(entry[1])
            elif kind == _DESTRUCT:
                self.destructed.discard(entry[1])

    # -- accounts ----------------------------------------------------------------------------

    def get_account(self, address: bytes) -> AccountInfo | None:
        try:
            return self.accounts[address]
        except KeyError:
            info = self.backend.get_account(address)
            self.accounts[address] = info
            return info

    def account_exists(self, address: bytes) -> bool:
        return self.get_account(address) is not None

    def is_empty(self, address: bytes) -> bool:
        """EIP-161 empty: no nonce, no balance, no code (a missing account is empty too)."""
        info = self.get_account(address)
        return info is None or (info[0] == 0 and info[1] == 0 and info[2] == EMPTY_HASH)

    def is_alive(self, address: bytes) -> bool:
        """Exists and is not empty (EIP-161 "dead" is the opposite)."""
        info = self.get_account(address)
        return info is not None and (info[0] != 0 or info[1] != 0 or info[2] != EMPTY_HASH)

    def _put(self, address: bytes, info: AccountInfo | None) -> None:
        old = self.get_account(address)
        self.journal.append((_ACCOUNT, address, old))
        self.accounts[address] = info

    def get_balance(self, address: bytes) -> int:
        info = self.get_account(address)
        return 0 if info is None else info[1]

    def get_nonce(self, address: bytes) -> int:
        info = self.get_account(address)
        return 0 if info is None else info[0]

    def set_balance(self, address: bytes, balance: int) -> None:
        info = self.get_account(address)
        if info is None:
            self._put(address, (0, balance, EMPTY_HASH))
        else:
            self._put(address, (info[0], balance, info[2]))

    def add_balance(self, address: bytes, amount: int) -> None:
        self.set_balance(address, self.get_balance(address) + amount)

    def transfer(self, sender: bytes, recipient: bytes, amount: int) -> None:
        """Move wei; callers check the sender can afford it."""
        self.set_balance(sender, self.get_balance(sender) - amount)
        self.set_balance(recipient, self.get_balance(recipient) + amount)

    def set_nonce(self, address: bytes, nonce: int) -> None:
        info = self.get_account(address)
        if info is None:
            self._put(address, (nonce, 0, EMPTY_HASH))
        else:
            self._put(address, (nonce, info[1], info[2]))

    def increment_nonce(self, address: bytes) -> None:
        info = self.get_account(address)
        if info is None:
            self._put(address, (1, 0, EMPTY_HASH))
        else:
            self._put(address, (info[0] + 1, info[1], info[2]))

    def get_code(self, address: bytes) -> bytes:
        info = self.get_account(address)
        if info is None or info[2] == EMPTY_HASH:
            return b""
        return self.get_code_by_hash(info[2])

    def get_code_by_hash(self, code_hash: bytes) -> bytes:
        code = self.codes.get(code_hash)
        if code is None:
            code = self.backend.get_code(code_hash)
            self.codes[code_hash] = code
        return code

    def get_code_hash(self, address: bytes) -> bytes:
        info = self.get_account(address)
        return EMPTY_HASH if info is None else info[2]

    def set_code(self, address: bytes, code: bytes) -> None:
        code_hash = keccak256(code) if code else EMPTY_HASH
        self.codes[code_hash] = code
        info = self.get_account(address)
        if info is None:
            self._put(address, (0, 0, code_hash))
        else:
            self._put(address, (info[0], info[1], code_hash))

    def destroy_account(self, address: bytes) -> None:
        """Remove the account and its storage (SELFDESTRUCT, EIP-161 clearing)."""
        self._put(address, None)
        self.wipe_storage(address)

    # -- storage -----------------------------------------------------------------------------

    def get_storage(self, address: bytes, key: int) -> int:
        slots = self.storage.get(address)
        if slots is None:
            slots = self.storage[address] = {}
        elif key in slots:
            return slots[key]
        value = 0 if address in self.cleared else self.backend.get_storage(address, key)
        slots[key] = value
        return value

    def get_original_storage(self, address: bytes, key: int) -> int:
        """The value at the start of the transaction (EIP-1283/2200 net gas metering); an
        account created in this transaction had no storage."""
        if address in self.created:
            return 0
        slots = self.original.get(address)
        if slots is not None and key in slots:
            return slots[key]
        return self.get_storage(address, key)

    def set_storage(self, address: bytes, key: int, value: int) -> None:
        old = self.get_storage(address, key)
        original = self.original.get(address)
        if original is None:
            original = self.original[address] = {}
        if key not in original:
            original[key] = old
        self.journal.append((_STORAGE, address, key, old))
        self.storage[address][key] = value

    def wipe_storage(self, address: bytes) -> None:
        """Forget every slot of ``address`` (destruction, or creation over leftover storage)."""
        self.journal.append((_WIPE, address, self.storage.get(address, {}), address in self.cleared))
        self.storage[address] = {}
        self.cleared.add(address)

    def has_storage(self, address: bytes) -> bool:
        """Whether any slot is non-zero (EIP-7610 creation collision)."""
        slots = self.storage.get(address, {})
        if any(slots.values()):
            return True
        if address in self.cleared:
            return False
        # Slots zeroed in this transaction still count: a rare case that only makes a create
        # fail, as the committed state would say.
        return self.backend.has_storage(address)

    # -- transient storage (EIP-1153) --------------------------------------------------------

    def get_transient(self, address: bytes, key: int) -> int:
        return self.transient.get((address, key), 0)

    def set_transient(self, address: bytes, key: int, value: int) -> None:
        slot = (address, key)
        self.journal.append((_TRANSIENT, slot, self.transient.get(slot, 0)))
        self.transient[slot] = value

    # -- per-transaction sets ----------------------------------------------------------------

    def warm_address(self, address: bytes) -> bool:
        """Mark ``address`` warm (EIP-2929); return whether it was cold."""
        if address in self.warm_addresses:
            return False
        self.warm_addresses.add(address)
        self.journal.append((_WARM_ADDR, address))
        return True

    def warm_slot(self, address: bytes, key: int) -> bool:
        """Mark a storage slot warm (EIP-2929); return whether it was cold."""
        slot = (address, key)
        if slot in self.warm_slots:
            return False
        self.warm_slots.add(slot)
        self.journal.append((_WARM_SLOT, slot))
        return True

    def touch(self, address: bytes) -> None:
        """EIP-161: a touched account that ends the transaction empty is deleted."""
        if address not in self.touched:
            self.touched.add(address)
            self.journal.append((_TOUCH, address))

    def mark_created(self, address: bytes) -> None:
        if address not in self.created:
            self.created.add(address)
            self.journal.append((_CREATED, address))

    def mark_destructed(self, address: bytes) -> None:
        if address not in self.destructed:
            self.destructed.add(address)
            self.journal.append((_DESTRUCT, address))

    def add_refund(self, amount: int) -> None:
        self.journal.append((_REFUND, self.refund))
        self.refund += amount

    def add_log(self, address: bytes, topics: tuple[bytes, ...], data: bytes) -> None:
        self.journal.append((_LOG,))
        self.logs.append((address, topics, data))

    # -- end of transaction ------------------------------------------------------------------

    def finalize_transaction(self, clear_empty: bool) -> None:
        """Delete self-destructed accounts and, under EIP-161, touched accounts left empty."""
        for address in self.destructed:
            self.destroy_account(address)
        if clear_empty:
            for address in self.touched:
                if self.account_exists(address) and self.is_empty(address):
                    self.destroy_account(address)
        self.journal = []

    def copy(self, cls: "type[StateDB] | None" = None) -> "StateDB":
        """A new ``StateDB`` (of class ``cls``, a subclass, when given) over the same backend
        with this one's changes so far; the two then change independently (re-runs of a call:
        gas estimation, traces)."""
        other = (cls or StateDB)(self.backend)
        other.accounts = dict(self.accounts)
        other.storage = {address: dict(slots) for address, slots in self.storage.items()}
        other.cleared = set(self.cleared)
        other.codes = dict(self.codes)
        return other

    def state_root(self) -> bytes:
        """The state root of the backend with this cache applied."""
        for address in self.storage:
            self.get_account(address)
        return self.backend.compute_state_root(self.accounts, self.storage, self.cleared)
