"""Snap sync (devp2p ``caps/snap.md``, "Synchronization algorithm"): download the state of a
recent pivot block by ranges instead of executing the whole chain, then execute the tail.

1. Headers from the target back to genesis (as full sync), bodies and receipts up to the
   pivot (``PIVOT_DISTANCE`` blocks below the target), stored without execution.
2. Accounts of the pivot state in ``ACCOUNT_CHUNKS`` hash ranges, each answer checked by its
   range proof against the pivot's state root, written to the flat tables (which are keyed by
   hash, as snap delivers them).
3. Storage of every account with a non-empty storage root (a complete range must hash to the
   account's storage root; a partial one comes with a proof and is continued), then the
   bytecodes (each must hash to its code hash).
4. The tries are built from the flat tables; if the state root differs from the pivot's (the
   data came from states that moved on, or a run was interrupted half-way), the tries are
   healed from the pivot root down with GetTrieNodes, and the flat tables rebuilt from them.
5. The pivot becomes the head; the blocks after it are executed as in full sync.

Progress (phase, account range cursors, storage cursor) is committed with the data it
describes, so a killed node resumes where it was.
"""

import asyncio
import json
import logging
import time
from collections.abc import Callable
from typing import Any

from ethrex.blockchain.blockchain import Blockchain
from ethrex.p2p.eth import protocol as eth
from ethrex.p2p.peer import Peer
from ethrex.p2p.snap import protocol as snap
from ethrex.p2p.sync.blocks import check_bodies, check_receipts, receipts_request
from ethrex.p2p.sync.fetch import Fetcher, NoPeers, Unavailable, task_group
from ethrex.p2p.sync.full import Progress, download_headers, execute_blocks
from ethrex.p2p.wire import as_bytes, as_list, breach
from ethrex.primitives import EMPTY_HASH, keccak256
from ethrex.storage.schema import FLAT_ACCOUNTS, FLAT_STORAGE, META, META_FLAT_STATE_BLOCK
from ethrex.trie import EMPTY_ROOT, Trie
from ethrex.trie.nibbles import encode_hex_prefix
from ethrex.trie.nodes import Branch, Extension, Leaf, decode_node
from ethrex.trie.proof import InvalidProof
from ethrex.trie.ranges import verify_range_proof
from ethrex.types.account import decode_account
from ethrex.types.header import Header

log = logging.getLogger("ethrex.sync")

PIVOT_DISTANCE = 64
ACCOUNT_CHUNKS = 16
ACCOUNT_BYTES = 512 * 1024
STORAGE_BYTES = 512 * 1024
STORAGE_ACCOUNTS = 128  # accounts per GetStorageRanges
CODES_PER_REQUEST = 64
CODE_BYTES = 1024 * 1024
TRIE_NODES_PER_REQUEST = 256
BLOCKS_PER_REQUEST = 128
PARALLEL = 4
STATE_ATTEMPTS = 8  # tries before a state request gives up (the pivot may have moved on)
PROGRESS_KEY = b"snap_sync"  # META entry: this module's progress record
NO_FLAT_STATE = b"\x00" * 32  # META_FLAT_STATE_BLOCK while the flat tables hold partial data
MAX_HASH = 2**256


def _chunks() -> list[list[int]]:
    step = MAX_HASH // ACCOUNT_CHUNKS
    return [[i * step, MAX_HASH - 1 if i == ACCOUNT_CHUNKS - 1 else (i + 1) * step - 1]
            for i in range(ACCOUNT_CHUNKS)]


def _h(n: int) -> bytes:
    return n.to_bytes(32, "big")


class SnapSync:
    """One node's snap sync; ``sync(target, progress)`` runs (or resumes) it."""

    def __init__(self, chain: Blockchain, fetcher: Fetcher, write: Callable[..., Any]) -> None:
        self.chain = chain
        self.store = chain.store
        self.fetcher = fetcher
        self.write = write  # runs a function on the node's writer thread
        self.state: dict[str, Any] = {}
        self.progress: Progress | None = None

    # -- progress record -------------------------------------------------------------------

    def _load_state(self) -> dict[str, Any] | None:
        raw = self.store.backend.get(META, PROGRESS_KEY)
        return None if raw is None else json.loads(raw)

    def _put_state(self, tx: Any) -> None:
        tx.put(META, PROGRESS_KEY, json.dumps(self.state).encode())

    # -- the run ---------------------------------------------------------------------------

    async def sync(self, target: Header, progress: Progress) -> None:
        self.progress = progress
        headers = await download_headers(self.chain, self.fetcher, self.write, target, progress)
        by_number = {h.number: h for h in headers}
        saved = self._load_state()
        pivot: Header | None = None
        if saved is not None:
            candidate = self.store.get_header(bytes.fromhex(saved["pivot"]))
            if candidate is not None and by_number.get(candidate.number) == candidate:
                pivot, self.state = candidate, saved
                log.info("snap sync: resuming at pivot #%d (phase %s)", pivot.number,
                         saved["phase"])
        if pivot is None:
            pivot = by_number[max(1, target.number - PIVOT_DISTANCE)]
            self.state = {"pivot": pivot.hash().hex(), "phase": "accounts",
                          "chunks": [[str(a), str(b)] for a, b in _chunks()],
                          "storage_cursor": None, "accounts": 0, "bytes": 0}
            await self.write(self._begin)
        log.info("snap sync: pivot #%d root 0x%s", pivot.number, pivot.state_root.hex()[:16])
        started = time.monotonic()
        async with task_group() as group:
            group.create_task(self._history([h for h in headers if h.number <= pivot.number]))
            pivot = await self._state_moving(pivot, by_number[max(1, target.number -
                                                                  PIVOT_DISTANCE)])
        await self._history([h for h in headers if h.number <= pivot.number])
        elapsed = time.monotonic() - started
        log.info("snap sync: state of %d accounts, %.1f MB in %.1fs (%.0f accounts/s, "
                 "%.2f MB/s), history to #%d", self.state["accounts"], self.state["bytes"] / 1e6,
                 elapsed, self.state["accounts"] / elapsed, self.state["bytes"] / 1e6 / elapsed,
                 pivot.number)
        await self.write(self._finish, pivot)
        progress.current = pivot.number
        tail = [h for h in headers if h.number > pivot.number]
        await execute_blocks(self.chain, self.fetcher, self.write, tail, progress)

    def _begin(self) -> None:
        """Clear the flat tables (they held genesis state) and mark them partial."""
        with self.store.write() as tx:
            tx.batch.delete_prefix(FLAT_ACCOUNTS, b"")
            tx.batch.delete_prefix(FLAT_STORAGE, b"")
            tx.put(META, META_FLAT_STATE_BLOCK, NO_FLAT_STATE)
            self._put_state(tx)

    def _finish(self, pivot: Header) -> None:
        """The pivot with its state becomes the canonical head."""
        pivot_hash = pivot.hash()
        with self.store.write() as tx:
            tx.put(META, META_FLAT_STATE_BLOCK, pivot_hash)
            tx.set_canonical_head(pivot_hash)
            tx.delete(META, PROGRESS_KEY)

    async def _state_moving(self, pivot: Header, newest: Header) -> Header:
        """The state of ``pivot``; when no peer serves it any more (the chain moved on past
        the states peers keep), the pivot moves to ``newest`` and what was downloaded so far
        becomes the base that healing completes (geth's pivot move). Returns the pivot used."""
        while True:
            try:
                await self._state(pivot)
                return pivot
            except NoPeers:
                if newest.number <= pivot.number:
                    raise
                log.info("snap sync: no peer serves the state of #%d any more, moving the "
                         "pivot to #%d", pivot.number, newest.number)
                pivot = newest
                self.state["pivot"] = pivot.hash().hex()
                if self.state["phase"] != "heal":
                    await self._set_phase("tries")

    async def _ask(self, code: int, fields: list[Any], check: Callable[..., Any]) -> Any:
        """A snap request to a snap peer; a state nobody serves gives up after a few tries."""
        return await self.fetcher.request("snap", code, fields, check,
                                          suitable=lambda p: p.has_snap,
                                          attempts=STATE_ATTEMPTS)

    async def _state(self, pivot: Header) -> None:
        root = pivot.state_root
        assert self.progress is not None
        if self.state["phase"] == "accounts":
            self.progress.phase = "accounts"
            await self._accounts(root)
            await self._set_phase("storage")
        if self.state["phase"] == "storage":
            self.progress.phase = "storage"
            await self._storage(root)
            await self._set_phase("codes")
        if self.state["phase"] == "codes":
            self.progress.phase = "codes"
            await self._codes()
            await self._set_phase("tries")
        if self.state["phase"] in ("tries", "heal"):
            self.progress.phase = "tries"
            built = await self.write(self._build_tries) \
                if self.state["phase"] == "tries" else None
            if built != root:
                log.info("snap sync: state root differs from the pivot's, healing")
                await self._set_phase("heal")
                self.progress.phase = "heal"
                await self._heal(root)
                await self.write(self._rebuild_flat, pivot)

    async def _set_phase(self, phase: str) -> None:
        log.info("snap sync: %s done, %s next", self.state["phase"], phase)
        self.state["phase"] = phase

        def commit() -> None:
            with self.store.write() as tx:
                self._put_state(tx)
        await self.write(commit)

    # -- history (bodies and receipts up to the pivot, no execution) -------------------------

    async def _history(self, headers: list[Header]) -> None:
        todo = [h for h in headers if not self.store.has_block(h.hash())]
        batches = [todo[i:i + BLOCKS_PER_REQUEST] for i in range(0, len(todo), BLOCKS_PER_REQUEST)]
        semaphore = asyncio.Semaphore(PARALLEL)

        async def one(batch: list[Header]) -> None:
            async with semaphore:
                while batch:
                    blocks = await self.fetcher.request(
                        "eth", eth.GET_BLOCK_BODIES, [[h.hash() for h in batch]],
                        lambda _p, items, b=batch: check_bodies(items, b))
                    got = batch[:len(blocks)]
                    hashes = [h.hash() for h in got]

                    def fields(peer: Peer, h: list[bytes] = hashes) -> list[object]:
                        return receipts_request(peer.eth_version, h)

                    receipts = await self.fetcher.request(
                        "eth", eth.GET_RECEIPTS, fields,
                        lambda p, items, b=got: check_receipts(items, b, p.eth_version))
                    blocks = blocks[:len(receipts)]
                    await self.write(self._store_blocks, blocks, receipts)
                    batch = batch[len(blocks):]

        async with task_group() as group:
            for batch in batches:
                group.create_task(one(batch))
        log.info("snap sync: history (bodies and receipts) up to the pivot stored")

    def _store_blocks(self, blocks: list[Any], receipts: list[Any]) -> None:
        store = self.store
        with store.write() as tx:
            for block, block_receipts in zip(blocks, receipts):
                header = block.header
                parent_td = store.get_total_difficulty(header.parent_hash)
                td = (parent_td or 0) + header.difficulty
                tx.add_block(block, block_receipts, td)

    # -- accounts ----------------------------------------------------------------------------

    async def _accounts(self, root: bytes) -> None:
        chunks = self.state["chunks"]
        async with task_group() as group:
            for index, chunk in enumerate(chunks):
                if int(chunk[0]) <= int(chunk[1]):
                    group.create_task(self._account_chunk(root, index))

    async def _account_chunk(self, root: bytes, index: int) -> None:
        chunk = self.state["chunks"][index]
        while int(chunk[0]) <= int(chunk[1]):
            origin, limit = _h(int(chunk[0])), _h(int(chunk[1]))
            accounts, more = await self._ask(
                snap.GET_ACCOUNT_RANGE, [root, origin, limit, ACCOUNT_BYTES],
                lambda _p, items, o=origin: self._check_accounts(root, o, items))
            last = int.from_bytes(accounts[-1][0], "big") if accounts else MAX_HASH - 1
            done = not more or last >= int(chunk[1])
            next_start = str(int(chunk[1]) + 1) if done else str(last + 1)
            await self.write(self._store_accounts, index, accounts, next_start)
            chunk = self.state["chunks"][index]

    def _check_accounts(self, root: bytes, origin: bytes, items: list[Any]
                        ) -> tuple[list[tuple[bytes, bytes]], bool]:
        entries = as_list(items[0], "accounts")
        proof = [as_bytes(n, "proof node") for n in as_list(items[1], "proof")]
        if not entries and not proof:
            raise Unavailable("state not served")
        if len(proof) > snap.MAX_PROOF_NODES:
            raise breach(f"proof of {len(proof)} nodes")
        keys, leaves = [], []
        for entry in entries:
            pair = as_list(entry, "account entry", 2)
            keys.append(as_bytes(pair[0], "account hash", 32))
            leaves.append(snap.leaf_of(snap.full_from_slim(pair[1])))
        try:
            more = verify_range_proof(root, origin, keys, leaves, proof)
        except InvalidProof as exc:
            raise breach(f"AccountRange: {exc}") from None
        if not keys and more:
            raise breach("AccountRange: empty, yet the proof shows accounts after the origin")
        return list(zip(keys, leaves)), more

    def _store_accounts(self, index: int, accounts: list[tuple[bytes, bytes]],
                        next_start: str) -> None:
        with self.store.write() as tx:
            for key, leaf in accounts:
                tx.put(FLAT_ACCOUNTS, key, leaf)
            self.state["chunks"][index][0] = next_start
            self.state["accounts"] += len(accounts)
            self.state["bytes"] += sum(32 + len(leaf) for _, leaf in accounts)
            self._put_state(tx)
        assert self.progress is not None
        self.progress.accounts = self.state["accounts"]
        self.progress.bytes = self.state["bytes"]
        self.progress.maybe_log()

    # -- storage -----------------------------------------------------------------------------

    def _storage_accounts(self) -> list[tuple[bytes, bytes]]:
        """``(account hash, storage root)`` of every account with storage past the cursor."""
        cursor = self.state["storage_cursor"]
        after = bytes.fromhex(cursor) if cursor else b""
        out = []
        for key, leaf in self.store.iter_flat_accounts():
            if key <= after and after:
                continue
            storage_root = decode_account(leaf).storage_root
            if storage_root != EMPTY_ROOT:
                out.append((key, storage_root))
        return out

    async def _storage(self, root: bytes) -> None:
        accounts = await asyncio.to_thread(self._storage_accounts)
        batches = [accounts[i:i + STORAGE_ACCOUNTS]
                   for i in range(0, len(accounts), STORAGE_ACCOUNTS)]
        # Batches are fetched in parallel but committed in order, so that the cursor only
        # ever passes accounts whose storage is complete.
        semaphore = asyncio.Semaphore(PARALLEL)
        results: list[asyncio.Future[list[tuple[bytes, list[tuple[bytes, bytes]]]]]] = []

        async def fetch(batch: list[tuple[bytes, bytes]]) -> list[Any]:
            async with semaphore:
                return await self._storage_batch(root, batch)

        async with task_group() as group:
            results = [group.create_task(fetch(b)) for b in batches]
            for batch, task in zip(batches, results):
                slots = await task
                await self.write(self._store_storage, slots, batch[-1][0])

    async def _storage_batch(self, root: bytes, batch: list[tuple[bytes, bytes]]
                             ) -> list[tuple[bytes, list[tuple[bytes, bytes]]]]:
        out: list[tuple[bytes, list[tuple[bytes, bytes]]]] = []
        pending = list(batch)
        while pending:
            got = await self._ask(
                snap.GET_STORAGE_RANGES, [root, [a for a, _ in pending], b"", b"", STORAGE_BYTES],
                lambda _p, items, p=pending: self._check_storage(p, items))
            for i, (slots, more) in enumerate(got):
                account, storage_root = pending[i]
                if more:  # the last range was cut: continue this account on its own
                    slots = slots + await self._storage_tail(root, account, storage_root,
                                                             slots[-1][0])
                out.append((account, slots))
            pending = pending[len(got):]
        return out

    async def _storage_tail(self, root: bytes, account: bytes, storage_root: bytes,
                            last: bytes) -> list[tuple[bytes, bytes]]:
        slots: list[tuple[bytes, bytes]] = []
        while True:
            origin = _h(int.from_bytes(last, "big") + 1)
            got = await self._ask(
                snap.GET_STORAGE_RANGES, [root, [account], origin, b"", STORAGE_BYTES],
                lambda _p, items, o=origin: self._check_storage([(account, storage_root)],
                                                                 items, o))
            part, more = got[0]
            slots.extend(part)
            if not more or not part:
                return slots
            last = part[-1][0]

    def _check_storage(self, accounts: list[tuple[bytes, bytes]], items: list[Any],
                       origin: bytes = b"") -> list[tuple[list[tuple[bytes, bytes]], bool]]:
        lists = as_list(items[0], "storage ranges")
        proof = [as_bytes(n, "proof node") for n in as_list(items[1], "proof")]
        if not lists and not proof:
            raise Unavailable("storage not served")
        if len(lists) > len(accounts) or len(proof) > snap.MAX_PROOF_NODES:
            raise breach("StorageRanges: more ranges than accounts, or a huge proof")
        out = []
        for i, entries in enumerate(lists):
            keys, values = [], []
            for entry in as_list(entries, "slots"):
                pair = as_list(entry, "slot", 2)
                keys.append(as_bytes(pair[0], "slot hash", 32))
                values.append(as_bytes(pair[1], "slot value"))
            storage_root = accounts[i][1]
            last = i == len(lists) - 1
            try:
                if last and (proof or origin):
                    more = verify_range_proof(storage_root, origin or bytes(32), keys, values,
                                              proof)
                else:
                    more = verify_range_proof(storage_root, bytes(32), keys, values, [])
            except InvalidProof as exc:
                raise breach(f"StorageRanges: {exc}") from None
            out.append((list(zip(keys, values)), more))
        if not out:
            raise Unavailable("no storage ranges")
        return out

    def _store_storage(self, slots: list[tuple[bytes, list[tuple[bytes, bytes]]]],
                       cursor: bytes) -> None:
        with self.store.write() as tx:
            for account, entries in slots:
                for key, value in entries:
                    tx.put(FLAT_STORAGE, account + key, value)
            self.state["storage_cursor"] = cursor.hex()
            self.state["bytes"] += sum(64 + len(v) for _, e in slots for _, v in e)
            self._put_state(tx)
        assert self.progress is not None
        self.progress.bytes = self.state["bytes"]
        self.progress.maybe_log()

    # -- bytecodes ---------------------------------------------------------------------------

    def _missing_codes(self) -> list[bytes]:
        wanted: dict[bytes, None] = {}
        for _, leaf in self.store.iter_flat_accounts():
            code_hash = decode_account(leaf).code_hash
            if code_hash != EMPTY_HASH and self.store.get_code(code_hash) is None:
                wanted[code_hash] = None
        return list(wanted)

    async def _codes(self) -> None:
        await self._fetch_codes(await asyncio.to_thread(self._missing_codes))

    async def _fetch_codes(self, missing: list[bytes]) -> None:
        """Download and store the codes of ``missing`` hashes, a batch at a time."""
        while missing:
            batch = missing[:CODES_PER_REQUEST]
            codes = await self._ask(snap.GET_BYTE_CODES, [batch, CODE_BYTES],
                                    lambda _p, items, b=batch: self._check_codes(b, items))
            await self.write(self._store_codes, codes)
            missing = [h for h in missing if h not in codes]

    @staticmethod
    def _check_codes(wanted: list[bytes], items: list[Any]) -> dict[bytes, bytes]:
        codes = [as_bytes(c, "code") for c in as_list(items[0], "codes")]
        if not codes:
            raise Unavailable("no codes")
        asked = set(wanted)
        out = {}
        for code in codes:
            code_hash = keccak256(code)
            if code_hash not in asked:
                raise breach("ByteCodes: unrequested code")
            out[code_hash] = code
        return out

    def _store_codes(self, codes: dict[bytes, bytes]) -> None:
        with self.store.write() as tx:
            tx.put_code(codes)

    # -- tries -------------------------------------------------------------------------------

    def _build_tries(self) -> bytes:
        """Storage tries, then the account trie, from the flat tables; returns the state root.
        A storage trie that does not match its account's root is left for healing."""
        store = self.store
        nodes: dict[bytes, bytes] = {}
        accounts = Trie(nodes)
        for key, leaf in store.iter_flat_accounts():
            accounts.put(key, leaf)
            storage_root = decode_account(leaf).storage_root
            if storage_root != EMPTY_ROOT:
                storage = Trie(nodes)
                for slot, value in store.iter_flat_storage(key):
                    storage.put(slot, value)
                if storage.root_hash() != storage_root:
                    log.warning("snap sync: storage of 0x%s does not match its root",
                                key.hex()[:16])
            if len(nodes) > 200_000:
                self._flush_nodes(nodes)
        root = accounts.root_hash()
        self._flush_nodes(nodes)
        return root

    def _flush_nodes(self, nodes: dict[bytes, bytes]) -> None:
        with self.store.write() as tx:
            tx.put_trie_nodes(nodes)
        nodes.clear()

    # -- healing -----------------------------------------------------------------------------

    async def _heal(self, root: bytes) -> None:
        """Walk the pivot's tries from the root, fetching every node we lack by its path (and
        the code of every account whose code we lack), until the tries are whole."""
        # (node hash, account path nibbles, storage path nibbles or None)
        queue: list[tuple[bytes, str, str | None]] = [(root, "", None)]
        missing_codes: dict[bytes, None] = {}
        healed = 0
        semaphore = asyncio.Semaphore(PARALLEL)

        async def one(batch: list[tuple[bytes, str, str | None]]) -> dict[bytes, bytes]:
            async with semaphore:
                nodes = await self._fetch_nodes(root, batch)
                await self.write(self._flush_nodes, dict(nodes))
                return nodes

        while queue:
            present: list[tuple[bytes, str, str | None]] = []
            absent: list[tuple[bytes, str, str | None]] = []
            for entry in queue:
                (present if self.store.get_trie_node(entry[0]) is not None else absent).append(
                    entry)
            queue = []
            batches = [absent[i:i + TRIE_NODES_PER_REQUEST]
                       for i in range(0, len(absent), TRIE_NODES_PER_REQUEST)]
            async with task_group() as group:
                tasks = [group.create_task(one(b)) for b in batches]
            for batch, task in zip(batches, tasks):
                nodes = task.result()
                healed += len(nodes)
                present.extend(e for e in batch if e[0] in nodes)
                queue.extend(e for e in batch if e[0] not in nodes)
            for node_hash, account_path, storage_path in present:
                encoded = self.store.get_trie_node(node_hash)
                assert encoded is not None
                queue.extend(self._children(node_hash, encoded, account_path, storage_path,
                                            missing_codes))
        log.info("snap sync: healed %d trie nodes", healed)
        await self._fetch_codes([h for h in missing_codes if self.store.get_code(h) is None])

    def _children(self, node_hash: bytes, encoded: bytes, account_path: str,
                  storage_path: str | None, missing_codes: dict[bytes, None]
                  ) -> list[tuple[bytes, str, str | None]]:
        node = decode_node(encoded, node_hash)
        path = account_path if storage_path is None else storage_path
        out: list[tuple[bytes, str, str | None]] = []
        stack: list[tuple[Any, str]] = [(node, path)]
        while stack:
            current, prefix = stack.pop()
            if isinstance(current, bytes):
                if storage_path is None:
                    out.append((current, prefix, None))
                else:
                    out.append((current, account_path, prefix))
            elif isinstance(current, Branch):
                for i, child in enumerate(current.children):
                    if child is not None:
                        stack.append((child, prefix + "0123456789abcdef"[i]))
            elif isinstance(current, Extension):
                stack.append((current.child, prefix + current.path))
            elif isinstance(current, Leaf) and storage_path is None:
                account = decode_account(current.value)
                full = prefix + current.path
                if account.storage_root != EMPTY_ROOT:
                    out.append((account.storage_root, full, ""))
                if account.code_hash != EMPTY_HASH:
                    missing_codes[account.code_hash] = None
        return out

    async def _fetch_nodes(self, root: bytes, batch: list[tuple[bytes, str, str | None]]
                           ) -> dict[bytes, bytes]:
        path_sets: list[list[bytes]] = []
        for _, account_path, storage_path in batch:
            if storage_path is None:
                path_sets.append([encode_hex_prefix(account_path, False)])
            else:
                path_sets.append([bytes.fromhex(account_path),
                                  encode_hex_prefix(storage_path, False)])
        wanted = {h for h, _, _ in batch}

        def check(_peer: Peer, items: list[Any]) -> dict[bytes, bytes]:
            nodes = [as_bytes(n, "trie node") for n in as_list(items[0], "trie nodes")]
            out = {keccak256(n): n for n in nodes if n}
            if not out:
                raise Unavailable("no trie nodes")
            if any(h not in wanted for h in out):
                raise breach("TrieNodes: a node nobody asked for")
            return out

        nodes: dict[bytes, bytes] = await self._ask(
            snap.GET_TRIE_NODES, [root, path_sets, 512 * 1024], check)
        return nodes

    def _rebuild_flat(self, pivot: Header) -> None:
        with self.store.write() as tx:
            tx.rebuild_flat_state(pivot.hash())
