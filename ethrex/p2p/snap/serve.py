"""Answering snap/1 requests from the stored tries, as go-ethereum answers them.

Only the states of the last ``SERVED_STATES`` canonical blocks are served (go-ethereum keeps
128 state layers); any other root gets an empty answer. Account and storage ranges walk the
trie from the requested origin, stop past the byte budget or the limit key, and carry the
Merkle proofs of their first and last keys. Synchronous: the handler runs these in a worker
thread (reads only).
"""

import time

from ethrex.p2p.snap import protocol as snap
from ethrex.primitives import EMPTY_HASH
from ethrex.storage import Store
from ethrex.trie import EMPTY_ROOT, Trie
from ethrex.trie.ranges import InlineNode, iter_from, node_at_path
from ethrex.types.account import decode_account

MAX_HASH = b"\xff" * 32


class ServedRoots:
    """Which state roots we serve: those of the last ``SERVED_STATES`` canonical blocks,
    recomputed when the head moves."""

    def __init__(self, store: Store) -> None:
        self.store = store
        self.head: bytes | None = None
        self.roots: set[bytes] = set()

    def __contains__(self, root: bytes) -> bool:
        head = self.store.head()
        if head != self.head:
            self._refresh(head)
        return root in self.roots

    def _refresh(self, head: bytes | None) -> None:
        self.head = head
        roots: set[bytes] = set()
        header = None if head is None else self.store.get_header(head)
        for _ in range(snap.SERVED_STATES):
            if header is None:
                break
            if self.store.has_state(header.state_root):
                roots.add(header.state_root)
            if header.number == 0:
                break
            header = self.store.get_header(header.parent_hash)
        self.roots = roots


def _proof(trie: Trie, keys: list[bytes]) -> list[bytes]:
    """Proof nodes of ``keys``, each node once, in first-seen order."""
    seen: dict[bytes, None] = {}
    for key in keys:
        for node in trie.prove(key):
            seen[node] = None
    return list(seen)


def account_range(store: Store, served: ServedRoots, root: bytes, origin: bytes, limit: bytes,
                  budget: int) -> tuple[list[tuple[bytes, bytes]], list[bytes]]:
    """``([(account hash, slim account)], proof)`` from ``origin``: stops after the first account
    at or past ``limit`` or once ``budget`` bytes are exceeded."""
    if root not in served:
        return [], []
    budget = min(budget, snap.SOFT_RESPONSE_LIMIT)
    accounts: list[tuple[bytes, bytes]] = []
    size = 0
    for key, leaf in iter_from(store.nodes, root, origin):
        body = snap.slim_from_leaf(leaf)
        accounts.append((key, body))
        size += 32 + len(body)
        if key >= limit or size > budget:
            break
    trie = Trie(store.nodes, root)
    keys = [origin] + ([accounts[-1][0]] if accounts else [])
    return accounts, _proof(trie, keys)


def storage_ranges(store: Store, served: ServedRoots, root: bytes, accounts: list[bytes],
                   origin: bytes, limit: bytes, budget: int
                   ) -> tuple[list[list[tuple[bytes, bytes]]], list[bytes]]:
    """Slots of each account in turn; ``origin`` and ``limit`` bound the first account's range
    only. A range cut short (by the limit key or the budget), or starting past zero, carries
    its edge proofs and ends the answer."""
    if root not in served:
        return [], []
    budget = min(budget, snap.SOFT_RESPONSE_LIMIT)
    hard_limit = int(budget * (1 + snap.STATE_LOOKUP_SLACK))
    state = Trie(store.nodes, root)
    slots: list[list[tuple[bytes, bytes]]] = []
    proof: list[bytes] = []
    size = 0
    for i, account_hash in enumerate(accounts):
        if size >= budget:
            break
        start = origin.rjust(32, b"\x00")[:32] if i == 0 and origin else bytes(32)
        end = limit.rjust(32, b"\x00")[:32] if i == 0 and limit else MAX_HASH
        leaf = state.get(account_hash)
        storage_root = EMPTY_ROOT if leaf is None else decode_account(leaf).storage_root
        entries: list[tuple[bytes, bytes]] = []
        aborted = False
        for key, value in iter_from(store.nodes, storage_root, start):
            if size >= hard_limit:
                aborted = True
                break
            entries.append((key, value))
            size += 32 + len(value)
            if key >= end:
                aborted = True
                break
        if entries:
            slots.append(entries)
        if start != bytes(32) or (aborted and entries):
            if leaf is None:
                return [], []
            trie = Trie(store.nodes, storage_root)
            proof = _proof(trie, [start] + ([entries[-1][0]] if entries else []))
            break
    return slots, proof


def byte_codes(store: Store, hashes: list[bytes], budget: int) -> list[bytes]:
    """Codes of the hashes we know, in request order; unknown ones are skipped."""
    budget = min(budget, snap.SOFT_RESPONSE_LIMIT)
    codes: list[bytes] = []
    size = 0
    for code_hash in hashes[:snap.MAX_CODE_LOOKUPS]:
        if code_hash == EMPTY_HASH:
            codes.append(b"")
        else:
            code = store.get_code(code_hash)
            if code:
                codes.append(code)
                size += len(code)
        if size > budget:
            break
    return codes


def compact_to_nibbles(path: bytes) -> str:
    """A hex-prefix encoded snap path as nibbles, read as leniently as go-ethereum reads it
    (the terminator flag dropped, the pad nibble of an even path not checked)."""
    if not path:
        return ""
    text = path.hex()
    return text[1:] if int(text[0], 16) & 1 else text[2:]


class BadRequest(Exception):
    """A GetTrieNodes request with an empty path set: the requester is dropped."""


def trie_nodes(store: Store, served: ServedRoots, root: bytes, path_sets: list[list[bytes]],
               budget: int) -> list[bytes]:
    """Nodes at the requested paths: a one-element set is an account-trie path, a longer one
    an account hash followed by storage-trie paths. A path that leads nowhere gets an empty
    node; one ending at an embedded node gets nothing."""
    if root not in served:
        return []
    budget = min(budget, snap.SOFT_RESPONSE_LIMIT)
    started = time.monotonic()
    nodes: list[bytes] = []
    size = loads = 0
    state = Trie(store.nodes, root)
    for path_set in path_sets:
        if not path_set:
            raise BadRequest("empty path set")
        if len(path_set) == 1:
            loads += 1
            try:
                node = node_at_path(store.nodes, root, compact_to_nibbles(path_set[0]))
            except InlineNode:
                node = None
            else:
                node = node if node is not None else b""
                nodes.append(node)
                size += len(node)
        else:
            loads += 1
            leaf = state.get(path_set[0].rjust(32, b"\x00")[-32:]) \
                if len(path_set[0]) <= 32 else None
            if leaf is None:
                continue
            storage_root = decode_account(leaf).storage_root
            for path in path_set[1:]:
                loads += 1
                try:
                    node = node_at_path(store.nodes, storage_root, compact_to_nibbles(path))
                except InlineNode:
                    break
                node = node if node is not None else b""
                nodes.append(node)
                size += len(node)
                if size > budget or loads > snap.MAX_TRIE_NODE_LOOKUPS or \
                        time.monotonic() - started > snap.MAX_TRIE_NODE_SECONDS:
                    break
        if size > budget or loads > snap.MAX_TRIE_NODE_LOOKUPS or \
                time.monotonic() - started > snap.MAX_TRIE_NODE_SECONDS:
            break
    return nodes


def encode_slots(slots: list[list[tuple[bytes, bytes]]]) -> list[object]:
    return [[[k, v] for k, v in entries] for entries in slots]

