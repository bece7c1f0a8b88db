"""The Engine API: how a consensus client drives the node (execution-apis ``src/engine``).

``EngineApi`` holds the synchronous logic (one method per call family, taking the JSON params
positionally); ``engine_handlers(engine, executor)`` wraps it for ``RpcServer``, running each
call on the node's single block-execution thread so the event loop keeps answering.

Statuses follow the spec: VALID after full validation; INVALID with the latest valid ancestor
and the reason; SYNCING when the parent is unknown; ACCEPTED when the ancestors are known but
the parent's state is not, so the payload could not be executed. Each method rejects a payload
or attributes of a fork it does not serve with -38005, and a malformed request with -32602.
"""

import asyncio
from collections.abc import Callable
from concurrent.futures import Executor
from typing import Any

from ethrex.blockchain.blockchain import Blockchain, UnknownBlock
from ethrex.blockchain.mempool import Mempool
from ethrex.blockchain.payload import (
    BuiltPayload,
    PayloadAttributes,
    PayloadJob,
    build_payload,
    compute_payload_id,
)
from ethrex.crypto.kzg import CELLS_PER_EXT_BLOB, compute_cells_and_kzg_proofs
from ethrex.errors import InvalidBlock, InvalidTransaction, RLPDecodingError
from ethrex.execution.fee_market import next_base_fee
from ethrex.execution.system_calls import compute_requests_hash
from ethrex.forks import Fork
from ethrex.rpc.engine_types import (
    ACCEPTED,
    INVALID,
    INVALID_BLOCK_HASH,
    INVALID_FORKCHOICE_STATE,
    INVALID_PAYLOAD_ATTRIBUTES,
    SYNCING,
    TOO_LARGE_REQUEST,
    UNKNOWN_PAYLOAD,
    UNSUPPORTED_FORK,
    VALID,
    ExecutionPayload,
    RpcError,
    blob_versioned_hashes,
    body_json,
    hex_list,
    invalid_params,
    parse_attributes,
    parse_data,
    parse_hash_list,
    parse_list,
    parse_quantity,
    parse_requests,
    payload_json,
    payload_status,
)
from ethrex.trie import ordered_root
from ethrex.types.block import Block
from ethrex.types.header import Header
from ethrex.types.network_transactions import BlobTransactionNetwork
from ethrex.types.transactions import decode_transaction, encode_transaction

MAX_BODIES_REQUEST = 1024  # getPayloadBodies (shanghai.md)
MAX_BLOBS_REQUEST = 128  # getBlobs (cancun.md)
MAX_INVALID_CACHE = 512
MAX_PAYLOAD_JOBS = 64
ZERO_HASH = bytes(32)
CLIENT_CODE = "EX"
CLIENT_NAME = "ethrex"
CLIENT_VERSION = "0.1.0"

ENGINE_METHODS = (
    "engine_exchangeCapabilities",
    "engine_getClientVersionV1",
    "engine_newPayloadV1",
    "engine_newPayloadV2",
    "engine_newPayloadV3",
    "engine_newPayloadV4",
    "engine_newPayloadV5",
    "engine_forkchoiceUpdatedV1",
    "engine_forkchoiceUpdatedV2",
    "engine_forkchoiceUpdatedV3",
    "engine_getPayloadV1",
    "engine_getPayloadV2",
    "engine_getPayloadV3",
    "engine_getPayloadV4",
    "engine_getPayloadV5",
    "engine_getPayloadBodiesByHashV1",
    "engine_getPayloadBodiesByRangeV1",
    "engine_getBlobsV1",
    "engine_getBlobsV2",
)


def _hex(b: bytes) -> str:
    return "0x" + b.hex()


def _unsupported(what: str, fork: Fork) -> RpcError:
    return RpcError(UNSUPPORTED_FORK, "Unsupported fork", f"{what} does not serve {fork.name}")


def _engine_fork(fork: Fork) -> Fork:
    """The fork whose engine methods serve ``fork``: the BPO forks only change blob counts and
    keep Osaka's methods (EIP-7892)."""
    return Fork.OSAKA if fork >= Fork.OSAKA else fork


class EngineApi:
    """Engine API state for one node: payload build jobs and the invalid-block cache. Without
    a ``mempool`` (the fixture runner) payloads are built empty."""

    __slots__ = ("chain", "mempool", "jobs", "invalid", "gas_limit", "extra_data",
                 "on_unknown_head")

    def __init__(self, chain: Blockchain, mempool: Mempool | None = None,
                 gas_limit: int | None = None, extra_data: bytes = b"") -> None:
        self.chain = chain
        self.mempool = mempool
        self.jobs: dict[bytes, PayloadJob] = {}
        # block hash -> (latest valid ancestor, reason): known-bad blocks and their descendants
        self.invalid: dict[bytes, tuple[bytes | None, str]] = {}
        self.gas_limit = gas_limit
        self.extra_data = extra_data
        # Called (on this thread) with a block hash the chain lacks that the consensus client
        # wants as head: the p2p edge syncs towards it while we answer SYNCING.
        self.on_unknown_head: Callable[[bytes], None] | None = None

    # -- helpers ---------------------------------------------------------------------------

    def _fork(self, number: int, timestamp: int) -> Fork:
        return _engine_fork(self.chain.rules_at(number, timestamp, None).fork)

    def _mark_invalid(self, block_hash: bytes, latest_valid: bytes | None, reason: str) -> None:
        if len(self.invalid) >= MAX_INVALID_CACHE:
            self.invalid.pop(next(iter(self.invalid)))
        self.invalid[block_hash] = (latest_valid, reason)

    def _latest_valid(self, parent: Header) -> bytes:
        """The latest valid hash to report for an invalid child of ``parent``: the parent, or
        zero when it is a proof-of-work block (paris.md, terminal block conditions)."""
        return parent.hash() if parent.difficulty == 0 else ZERO_HASH

    # -- newPayload ------------------------------------------------------------------------

    def new_payload(self, version: int, params: list[Any]) -> dict[str, Any]:
        """engine_newPayloadV1-V4 (V5 is Amsterdam's: no fork we run serves it)."""
        expected_params = {1: 1, 2: 1, 3: 3, 4: 4, 5: 4}[version]
        if len(params) != expected_params:
            raise invalid_params(f"newPayloadV{version} takes {expected_params} params")
        payload = ExecutionPayload(params[0])
        has_withdrawals = payload.withdrawals is not None
        has_blob_fields = payload.blob_gas_used is not None or payload.excess_blob_gas is not None
        fork = self._fork(payload.block_number, payload.timestamp)
        if version <= 2:
            if has_blob_fields:
                raise invalid_params(f"newPayloadV{version} takes no blob gas fields")
            if version == 1 and has_withdrawals:
                raise invalid_params("newPayloadV1 takes no withdrawals")
            if fork >= Fork.CANCUN:
                raise _unsupported(f"newPayloadV{version}", fork)
            if version == 2 and has_withdrawals != (fork >= Fork.SHANGHAI):
                raise invalid_params("withdrawals must be present exactly from Shanghai")
        else:
            if not has_withdrawals or payload.blob_gas_used is None \
                    or payload.excess_blob_gas is None:
                raise invalid_params(f"newPayloadV{version} needs withdrawals and blob gas fields")
            if params[1] is None or params[2] is None:
                raise invalid_params("expectedBlobVersionedHashes and parentBeaconBlockRoot "
                                     "are required")
            if version == 3 and fork != Fork.CANCUN:
                raise _unsupported("newPayloadV3", fork)
            if version == 4 and fork < Fork.PRAGUE:
                raise _unsupported("newPayloadV4", fork)
            if version == 5:
                raise _unsupported("newPayloadV5", fork)
        expected_hashes = parse_hash_list(params[1], "expectedBlobVersionedHashes") \
            if version >= 3 else None
        beacon_root = parse_data(params[2], "parentBeaconBlockRoot", 32) if version >= 3 else None
        requests_hash = None
        if version >= 4:
            if params[3] is None:
                raise invalid_params("executionRequests is required")
            requests_hash = compute_requests_hash(parse_requests(params[3]))
        return self._process_payload(version, payload, expected_hashes, beacon_root,
                                     requests_hash)

    def _process_payload(self, version: int, payload: ExecutionPayload,
                         expected_hashes: list[bytes] | None, beacon_root: bytes | None,
                         requests_hash: bytes | None) -> dict[str, Any]:
        """Decode, check the hash, execute. Only a block that decoded, hashed to its
        ``blockHash`` and then failed validation is remembered as invalid (its descendants with
        it), as geth's invalid-ancestor tracking does. A malformed payload is answered INVALID
        and forgotten: its ``blockHash`` may be that of a valid block (a trailing empty
        transaction leaves the transactions root unchanged), which must stay acceptable."""
        store = self.chain.store
        parent = store.get_header(payload.parent_hash)
        try:
            transactions = payload.decode_transactions()
        except (RLPDecodingError, InvalidTransaction) as exc:
            latest = None if parent is None else self._latest_valid(parent)
            return payload_status(INVALID, latest, f"invalid transaction encoding: {exc}")
        # The header of the decoded block: a payload whose raw entries differ from their
        # canonical encoding does not stand for the block that hash names.
        root = ordered_root([encode_transaction(tx) for tx in transactions])
        header = payload.header(beacon_root, requests_hash, root)
        block_hash = header.hash()
        if block_hash != payload.block_hash:
            reason = f"block hash {payload.block_hash.hex()} != computed {block_hash.hex()}"
            # Cancun deprecated INVALID_BLOCK_HASH in favour of INVALID with no valid hash.
            return payload_status(INVALID_BLOCK_HASH if version <= 2 else INVALID, None, reason)
        if expected_hashes is not None:
            actual = blob_versioned_hashes(transactions)
            if actual != expected_hashes:  # EIP-4844: checked first, even while syncing
                return payload_status(INVALID, None, "blob versioned hashes do not match the "
                                      "transactions'")
        known_bad = self.invalid.get(block_hash) or self.invalid.get(header.parent_hash)
        if known_bad is not None:
            if block_hash not in self.invalid:
                self._mark_invalid(block_hash, known_bad[0], "invalid ancestor")
            return payload_status(INVALID, known_bad[0], known_bad[1])
        if store.has_block(block_hash):
            return payload_status(VALID, block_hash)
        if parent is None:
            if self.on_unknown_head is not None:
                self.on_unknown_head(header.parent_hash)
            return payload_status(SYNCING)
        if not store.has_state(parent.state_root):
            return payload_status(ACCEPTED)
        block = Block(header, transactions, (), payload.withdrawals)
        try:
            self.chain.add_block(block, make_head=False)
        except UnknownBlock:  # the parent's state went missing: not the block's fault
            return payload_status(ACCEPTED)
        except InvalidBlock as exc:
            latest = self._latest_valid(parent)
            self._mark_invalid(block_hash, latest, str(exc))
            return payload_status(INVALID, latest, str(exc))
        return payload_status(VALID, block_hash)

    # -- forkchoiceUpdated -----------------------------------------------------------------

    def forkchoice_updated(self, version: int, params: list[Any]) -> dict[str, Any]:
        """engine_forkchoiceUpdatedV1-V3: move the head, then start a build if asked."""
        if not 1 <= len(params) <= 2:
            raise invalid_params("forkchoiceUpdated takes the state and optional attributes")
        state = params[0]
        if not isinstance(state, dict):
            raise invalid_params("forkchoice state: expected an object")
        head = parse_data(state.get("headBlockHash"), "headBlockHash", 32)
        safe = parse_data(state.get("safeBlockHash"), "safeBlockHash", 32)
        finalized = parse_data(state.get("finalizedBlockHash"), "finalizedBlockHash", 32)
        raw_attrs = params[1] if len(params) == 2 else None
        attrs = parse_attributes(raw_attrs) if raw_attrs is not None else None
        if attrs is not None and version <= 2:
            # V1/V2 attributes: structure per version (-32602), fork per timestamp (-38005).
            if attrs.parent_beacon_block_root is not None:
                raise invalid_params(f"forkchoiceUpdatedV{version}: no parentBeaconBlockRoot")
            if version == 1 and attrs.withdrawals is not None:
                raise invalid_params("forkchoiceUpdatedV1: no withdrawals")

        bad = self.invalid.get(head)
        if bad is not None:
            return {"payloadStatus": payload_status(INVALID, bad[0], bad[1]), "payloadId": None}
        store = self.chain.store
        head_header = store.get_header(head)
        if head_header is None or not store.has_block(head) \
                or not store.has_state(head_header.state_root):
            if self.on_unknown_head is not None:
                self.on_unknown_head(head)
            return {"payloadStatus": payload_status(SYNCING), "payloadId": None}
        for name, pointer in (("safe", safe), ("finalized", finalized)):
            if pointer != ZERO_HASH and not self._is_ancestor(pointer, head_header):
                raise RpcError(INVALID_FORKCHOICE_STATE, "Invalid forkchoice state",
                               f"{name} block {pointer.hex()} is not an ancestor of the head")
        old_head = self.chain.head_header()
        try:
            self.chain.forkchoice_update(head, safe if safe != ZERO_HASH else None,
                                         finalized if finalized != ZERO_HASH else None)
        except InvalidBlock as exc:
            raise RpcError(INVALID_FORKCHOICE_STATE, "Invalid forkchoice state", str(exc)) from exc
        self._update_mempool(old_head, head_header)
        status = payload_status(VALID, head)
        if attrs is None:
            return {"payloadStatus": status, "payloadId": None}

        # The head moved; now the attributes (a failure here does not roll it back).
        fork = self._fork(head_header.number + 1, attrs.timestamp)
        if version == 3:
            if attrs.withdrawals is None or attrs.parent_beacon_block_root is None:
                raise RpcError(INVALID_PAYLOAD_ATTRIBUTES, "Invalid payload attributes",
                               "PayloadAttributesV3 needs withdrawals and parentBeaconBlockRoot")
            if fork < Fork.CANCUN:
                raise _unsupported("forkchoiceUpdatedV3", fork)
        else:
            if fork >= Fork.CANCUN:
                raise _unsupported(f"forkchoiceUpdatedV{version}", fork)
            if version == 2 and (attrs.withdrawals is not None) != (fork >= Fork.SHANGHAI):
                raise invalid_params("withdrawals must be present exactly from Shanghai")
        if attrs.timestamp <= head_header.timestamp:
            raise RpcError(INVALID_PAYLOAD_ATTRIBUTES, "Invalid payload attributes",
                           f"timestamp {attrs.timestamp} not after the head's "
                           f"{head_header.timestamp}")
        payload_id = self.start_build(head_header, attrs, version)
        return {"payloadStatus": status, "payloadId": _hex(payload_id)}

    def _is_ancestor(self, block_hash: bytes, head: Header) -> bool:
        """Whether ``block_hash`` is ``head`` or one of its ancestors."""
        store = self.chain.store
        target = store.get_header(block_hash)
        if target is None or target.number > head.number:
            return False
        header: Header | None = head
        while header is not None and header.number > target.number:
            if store.is_canonical(header.hash()):
                return store.get_canonical_hash(target.number) == block_hash
            header = store.get_header(header.parent_hash)
        return header is not None and header.hash() == block_hash

    def _update_mempool(self, old_head: Header, new_head: Header) -> None:
        """Drop the transactions the new chain included; give back those of abandoned
        blocks (a reorg)."""
        mempool = self.mempool
        if mempool is None or old_head.hash() == new_head.hash():
            return
        store = self.chain.store
        added: list[Block] = []
        removed: list[Block] = []
        a: Header | None = new_head
        b: Header | None = old_head
        while a is not None and b is not None and a.hash() != b.hash():
            if a.number >= b.number:
                block = store.get_block(a.hash())
                if block is not None:
                    added.append(block)
                a = store.get_header(a.parent_hash)
            else:
                block = store.get_block(b.hash())
                if block is not None:
                    removed.append(block)
                b = store.get_header(b.parent_hash)
        mempool.on_new_head(self.chain, added, removed)

    def start_build(self, parent: Header, attrs: PayloadAttributes, version: int) -> bytes:
        """Begin (or find) the build process for these attributes; its first payload is built
        right away so getPayload always has one."""
        payload_id = compute_payload_id(parent.hash(), attrs, version)
        job = self.jobs.get(payload_id)
        if job is None:
            if len(self.jobs) >= MAX_PAYLOAD_JOBS:
                self.jobs.pop(next(iter(self.jobs)))
            job = PayloadJob(self.chain, parent, attrs, version, self.extra_data, self.gas_limit)
            self.jobs[payload_id] = job
        self._improve(job)
        return payload_id

    def _improve(self, job: PayloadJob) -> BuiltPayload:
        mempool = self.mempool
        if mempool is None:
            return job.improve({}, None, 0)
        base_fee = self._next_base_fee(job.parent, job.attrs.timestamp)
        return job.improve(mempool.pending(base_fee), mempool.get_sidecar, mempool.version)

    def _next_base_fee(self, parent: Header, timestamp: int) -> int | None:
        """The base fee of the block to build on ``parent`` (None before London: every
        pending transaction can pay it)."""
        rules = self.chain.rules_at(parent.number + 1, timestamp, parent.hash())
        return next_base_fee(parent, rules)

    # -- getPayload ------------------------------------------------------------------------

    def get_payload(self, version: int, params: list[Any]) -> dict[str, Any]:
        """engine_getPayloadV1-V5: the best payload of a build process so far."""
        if len(params) != 1:
            raise invalid_params("getPayload takes a payload id")
        payload_id = parse_data(params[0], "payloadId", 8)
        job = self.jobs.get(payload_id)
        if job is None:
            raise RpcError(UNKNOWN_PAYLOAD, "Unknown payload", payload_id.hex())
        built = self._improve(job)
        return self.payload_response(version, built)

    def payload_response(self, version: int, built: BuiltPayload) -> dict[str, Any]:
        """The getPayloadV``version`` result for ``built``, after the fork check."""
        header = built.block.header
        fork = self._fork(header.number, header.timestamp)
        allowed = {1: fork < Fork.CANCUN, 2: fork < Fork.CANCUN, 3: fork == Fork.CANCUN,
                   4: fork == Fork.PRAGUE, 5: fork >= Fork.OSAKA}[version]
        if not allowed:
            raise _unsupported(f"getPayloadV{version}", fork)
        payload = payload_json(built.block)
        if version == 1:
            return payload
        out: dict[str, Any] = {"executionPayload": payload, "blockValue": hex(built.block_value)}
        if version >= 3:
            out["blobsBundle"] = self._blobs_bundle(built, cell_proofs=version >= 5)
            out["shouldOverrideBuilder"] = False
        if version >= 4:
            out["executionRequests"] = hex_list(built.requests or ())
        return out

    @staticmethod
    def _blobs_bundle(built: BuiltPayload, cell_proofs: bool) -> dict[str, list[str]]:
        """BlobsBundleV1 (a proof per blob) or V2 (EIP-7594 cell proofs per blob)."""
        commitments: list[bytes] = []
        blobs: list[bytes] = []
        proofs: list[bytes] = []
        for sidecar in built.sidecars:
            commitments.extend(sidecar.commitments)
            blobs.extend(sidecar.blobs)
            proofs.extend(_sidecar_proofs(sidecar, cell_proofs))
        return {"commitments": hex_list(commitments), "blobs": hex_list(blobs),
                "proofs": hex_list(proofs)}

    # -- bodies, blobs, capabilities -------------------------------------------------------

    def get_bodies_by_hash(self, params: list[Any]) -> list[dict[str, Any] | None]:
        """engine_getPayloadBodiesByHashV1 (shanghai.md)."""
        if len(params) != 1:
            raise invalid_params("getPayloadBodiesByHashV1 takes an array of hashes")
        hashes = parse_hash_list(params[0], "block hashes")
        if len(hashes) > MAX_BODIES_REQUEST:
            raise RpcError(TOO_LARGE_REQUEST, "Too large request", f"{len(hashes)} hashes")
        out: list[dict[str, Any] | None] = []
        for h in hashes:
            block = self.chain.store.get_block(h)
            out.append(None if block is None else body_json(block))
        return out

    def get_bodies_by_range(self, params: list[Any]) -> list[dict[str, Any] | None]:
        """engine_getPayloadBodiesByRangeV1: canonical bodies, no trailing nulls past the head."""
        if len(params) != 2:
            raise invalid_params("getPayloadBodiesByRangeV1 takes start and count")
        start = parse_quantity(params[0], "start")
        count = parse_quantity(params[1], "count")
        if start < 1 or count < 1:
            raise invalid_params("start and count must be at least 1")
        if count > MAX_BODIES_REQUEST:
            raise RpcError(TOO_LARGE_REQUEST, "Too large request", f"{count} bodies")
        head_number = self.chain.head_header().number
        out: list[dict[str, Any] | None] = []
        for number in range(start, min(start + count, head_number + 1)):
            block = self.chain.store.get_block_by_number(number)
            out.append(None if block is None else body_json(block))
        return out

    def get_blobs(self, version: int, params: list[Any]) -> list[dict[str, Any] | None] | None:
        """engine_getBlobsV1 (blob and proof, per hash or null) and V2 (blob and cell proofs;
        the whole answer is null unless every blob is known)."""
        if len(params) != 1:
            raise invalid_params("getBlobs takes an array of versioned hashes")
        hashes = parse_hash_list(params[0], "versioned hashes")
        if len(hashes) > MAX_BLOBS_REQUEST:
            raise RpcError(TOO_LARGE_REQUEST, "Too large request", f"{len(hashes)} hashes")
        mempool = self.mempool
        out: list[dict[str, Any] | None] = []
        for vh in hashes:
            found = None if mempool is None else mempool.get_blob(vh)
            if found is None:
                if version == 2:
                    return None
                out.append(None)
                continue
            sidecar, index = found
            if version == 1:
                if sidecar.wrapper_version != 0:
                    out.append(None)  # V1 serves per-blob proofs only
                    continue
                out.append({"blob": _hex(sidecar.blobs[index]),
                            "proof": _hex(sidecar.proofs[index])})
            else:
                proofs = _blob_cell_proofs(sidecar, index)
                out.append({"blob": _hex(sidecar.blobs[index]), "proofs": hex_list(proofs)})
        return out

    def exchange_capabilities(self, params: list[Any]) -> list[str]:
        if len(params) != 1:
            raise invalid_params("exchangeCapabilities takes the caller's method list")
        parse_list(params[0], "capabilities")
        return [m for m in ENGINE_METHODS if m != "engine_exchangeCapabilities"]

    def client_version(self, params: list[Any]) -> list[dict[str, str]]:
        if len(params) != 1 or not isinstance(params[0], dict):
            raise invalid_params("getClientVersionV1 takes the caller's ClientVersionV1")
        return [{"code": CLIENT_CODE, "name": CLIENT_NAME, "version": CLIENT_VERSION,
                 "commit": "0x00000000"}]

    def build_block(self, params: list[Any]) -> dict[str, Any]:
        """testing_buildBlockV1: a payload on any parent with exactly the given transactions
        (with ``null``, the mempool's); the chain is left as it is."""
        if not 3 <= len(params) <= 4:
            raise invalid_params("testing_buildBlockV1 takes parent, attributes, "
                                 "transactions and optional extraData")
        parent_hash = parse_data(params[0], "parentBlockHash", 32)
        attrs = parse_attributes(params[1])
        # null transactions: build from the mempool, as a payload job would
        from_pool = params[2] is None
        raw = [] if from_pool else [
            parse_data(t, "transaction") for t in parse_list(params[2], "transactions")]
        extra = b""
        if len(params) == 4 and params[3] is not None:
            extra = parse_data(params[3], "extraData", max_size=32)
        parent = self.chain.store.get_header(parent_hash)
        if parent is None:
            raise invalid_params(f"unknown parent {parent_hash.hex()}")
        try:
            if from_pool and self.mempool is not None:
                base_fee = self._next_base_fee(parent, attrs.timestamp)
                built = build_payload(self.chain, parent, attrs, self.mempool.pending(base_fee),
                                      sidecars=self.mempool.get_sidecar, extra_data=extra,
                                      gas_limit=self.gas_limit)
            else:
                txs = [decode_transaction(r) for r in raw]
                built = build_payload(self.chain, parent, attrs, forced=txs, extra_data=extra,
                                      gas_limit=self.gas_limit)
        except (RLPDecodingError, InvalidTransaction, InvalidBlock) as exc:
            raise invalid_params(f"cannot build the block: {exc}") from exc
        fork = self._fork(built.block.header.number, built.block.header.timestamp)
        version = 5 if fork >= Fork.OSAKA else 4 if fork == Fork.PRAGUE else 3 \
            if fork == Fork.CANCUN else 2
        return self.payload_response(version, built)


def _sidecar_proofs(sidecar: BlobTransactionNetwork, cell_proofs: bool) -> list[bytes]:
    if not cell_proofs:
        return list(sidecar.proofs) if sidecar.wrapper_version == 0 else []
    out: list[bytes] = []
    for i in range(len(sidecar.blobs)):
        out.extend(_blob_cell_proofs(sidecar, i))
    return out


def _blob_cell_proofs(sidecar: BlobTransactionNetwork, index: int) -> list[bytes]:
    """The EIP-7594 cell proofs of one blob: carried by an Osaka sidecar, computed for a
    Cancun one."""
    if sidecar.wrapper_version == 1:
        return list(sidecar.proofs[index * CELLS_PER_EXT_BLOB:(index + 1) * CELLS_PER_EXT_BLOB])
    return compute_cells_and_kzg_proofs(sidecar.blobs[index])[1]


def engine_handlers(engine: EngineApi, executor: Executor) -> dict[str, Callable[..., Any]]:
    """``engine_*`` (and ``testing_buildBlockV1``) handlers for ``RpcServer``; each call runs on
    ``executor``, the node's single block-execution thread (the store's one writer)."""

    def wrap(fn: Callable[[list[Any]], Any]) -> Callable[..., Any]:
        async def handler(*params: Any) -> Any:
            loop = asyncio.get_running_loop()
            return await loop.run_in_executor(executor, fn, list(params))
        return handler

    handlers: dict[str, Callable[..., Any]] = {
        "engine_exchangeCapabilities": wrap(engine.exchange_capabilities),
        "engine_getClientVersionV1": wrap(engine.client_version),
        "engine_getPayloadBodiesByHashV1": wrap(engine.get_bodies_by_hash),
        "engine_getPayloadBodiesByRangeV1": wrap(engine.get_bodies_by_range),
        "testing_buildBlockV1": wrap(engine.build_block),
    }
    for v in range(1, 6):
        handlers[f"engine_newPayloadV{v}"] = wrap(lambda p, v=v: engine.new_payload(v, p))
        handlers[f"engine_getPayloadV{v}"] = wrap(lambda p, v=v: engine.get_payload(v, p))
    for v in range(1, 4):
        handlers[f"engine_forkchoiceUpdatedV{v}"] = wrap(
            lambda p, v=v: engine.forkchoice_updated(v, p))
    for v in (1, 2):
        handlers[f"engine_getBlobsV{v}"] = wrap(lambda p, v=v: engine.get_blobs(v, p))
    return handlers
