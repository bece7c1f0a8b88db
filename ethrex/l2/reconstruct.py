"""``ethrex l2 reconstruct``: the L2 rebuilt from what L1 committed and the published data.

For each batch ``OnChainProposer`` committed, in order: its record on L1 (block range, state
root, messages root, rolling hash, last block hash) and what it recorded of the data (the
blobs' versioned hashes, or a validium's data commitment); then the data itself, from blob
files (``0x<versioned hash>.blob``, as the committer keeps them or as fetched from a blob
archive), a validium's data files (``0x<commitment>.data``), an L1 node's Engine API
(``engine_getBlobsV2``/``V1``: blobs it still keeps, as our node does for recent blob
transactions), or a sequencer's ``ethrex_getBatchData``. Whatever the source, the data must hash to what L1 recorded (blobs by
their KZG commitment) before it is used. The batch's blocks are imported with the one block
pipeline (each re-executed and checked against its header) and the batch's commitment must
equal L1's. The datadir then holds the chain and the batch records, and ``ethrex l2`` starts
from it.
"""

from collections.abc import Callable
from dataclasses import dataclass

from ethrex.blockchain.blockchain import Blockchain
from ethrex.errors import EthrexError
from ethrex.l2.abi import decode, encode_call
from ethrex.l2.client import ClientError, EthClient
from ethrex.l2.rollup.batch import batch_commitment, privileged_transactions
from ethrex.l2.rollup.batch_data import (
    BatchDataError,
    blobs_to_payload,
    check_blobs,
    decode_payload,
    payload_to_blobs,
)
from ethrex.l2.rollup.privileged import ZERO_HASH
from ethrex.l2.sequencer.committer import BLOB_SUFFIX, DATA_SUFFIX, BatchFiles
from ethrex.l2.store import COMMITTED, VERIFIED, BatchRecord, RollupStore
from ethrex.primitives import hex_to_bytes, keccak256
from ethrex.types.block import Block


class ReconstructError(EthrexError):
    """The L2 cannot be rebuilt: data missing or not what L1 recorded, or a batch that does
    not reach its committed state."""


@dataclass(frozen=True, slots=True)
class L1Batch:
    """What ``OnChainProposer`` holds for a committed batch."""

    number: int
    state_root: bytes
    messages_root: bytes
    rolling_hash: bytes
    last_block_hash: bytes
    first_block: int
    last_block: int
    blob_hashes: tuple[bytes, ...]
    data_commitment: bytes


async def _call(l1: EthClient, proposer: bytes, signature: str, *args: object) -> bytes:
    out = await l1.eth_call(proposer, encode_call(signature, *args))
    if not out:
        raise ReconstructError(f"the L1 contract at 0x{proposer.hex()} has no {signature}: "
                               "not an OnChainProposer with batch data")
    return out


async def read_l1_batch(l1: EthClient, proposer: bytes, number: int) -> L1Batch:
    fields = decode(["bytes32", "bytes32", "bytes32", "bytes32", "uint64", "uint64"],
                    await _call(l1, proposer, "batches(uint256)", number))
    (hashes,) = decode(["bytes32[]"], await _call(l1, proposer, "batchBlobHashes(uint256)",
                                                  number))
    commitment = await _call(l1, proposer, "batchDataCommitment(uint256)", number)
    return L1Batch(number, *fields, tuple(hashes), commitment)


class DataSource:
    """Where a batch's published data comes from: a directory of blob and data files, or a
    sequencer's RPC."""

    def __init__(self, files: BatchFiles | None = None, l2: EthClient | None = None,
                 engine: EthClient | None = None) -> None:
        self.files = files
        self.l2 = l2
        self.engine = engine

    async def _from_engine(self, batch: L1Batch) -> list[bytes]:
        """The batch's blobs from an L1 node's Engine API (V2, then V1 for Cancun nodes)."""
        assert self.engine is not None
        hashes = ["0x" + h.hex() for h in batch.blob_hashes]
        found: list[bytes | None] = [None] * len(hashes)
        for method in ("engine_getBlobsV2", "engine_getBlobsV1"):
            try:
                answer = await self.engine.call(method, hashes)
            except ClientError:
                continue  # not served (a fork's version): the other one
            for i, item in enumerate(answer or []):
                if item is not None and found[i] is None:
                    found[i] = hex_to_bytes(item["blob"])
        missing = [h for h, b in zip(hashes, found) if b is None]
        if missing:
            raise ReconstructError(f"batch {batch.number}: the L1 node does not have blob "
                                   f"{missing[0]} (engine_getBlobs serves recent blobs only): "
                                   "read blob files with --blobs")
        return [b for b in found if b is not None]

    async def _from_l2(self, number: int) -> bytes:
        assert self.l2 is not None
        try:
            result = await self.l2.call("ethrex_getBatchData", hex(number))
        except ClientError as exc:
            raise ReconstructError(f"batch {number}: the L2 node refused: {exc}") from None
        if result is None:
            raise ReconstructError(f"batch {number}: the L2 node has no data for it")
        return hex_to_bytes(result)

    async def payload(self, batch: L1Batch, validium: bool) -> bytes:
        """The batch's payload, checked against what L1 recorded."""
        n = batch.number
        if validium:
            if self.engine is not None:
                raise ReconstructError("a validium's data is not on L1: read it with --blobs "
                                       "(data files) or --from-l2")
            data = self.files.read(batch.data_commitment, DATA_SUFFIX) if self.files \
                else await self._from_l2(n)
            if data is None:
                raise ReconstructError(f"batch {n}: no data file 0x{batch.data_commitment.hex()}"
                                       f"{DATA_SUFFIX} in {self.files and self.files.directory}")
            if keccak256(data) != batch.data_commitment:
                raise ReconstructError(f"batch {n}: the data hashes to 0x{keccak256(data).hex()}"
                                       f", L1 committed to 0x{batch.data_commitment.hex()}")
            return data
        try:
            if self.engine is not None:
                blobs = await self._from_engine(batch)
            elif self.files is None:
                blobs = payload_to_blobs(await self._from_l2(n))
            else:
                found = [self.files.read(h, BLOB_SUFFIX) for h in batch.blob_hashes]
                missing = [h for h, b in zip(batch.blob_hashes, found) if b is None]
                if missing:
                    raise ReconstructError(
                        f"batch {n}: no blob file 0x{missing[0].hex()}{BLOB_SUFFIX} in "
                        f"{self.files.directory}")
                blobs = [b for b in found if b is not None]
            check_blobs(blobs, batch.blob_hashes)
            return blobs_to_payload(blobs)
        except BatchDataError as exc:
            raise ReconstructError(f"batch {n}: {exc}") from None


def apply_batch(chain: Blockchain, rollup: RollupStore, batch: L1Batch, blocks: list[Block],
                verified: bool) -> BatchRecord:
    """Import the batch's blocks and record the batch; ``ReconstructError`` when they are not
    the ones L1 committed."""
    n = batch.number
    numbers = [b.header.number for b in blocks]
    if numbers != list(range(batch.first_block, batch.last_block + 1)):
        raise ReconstructError(f"batch {n}: the data holds blocks {numbers[0]}..{numbers[-1]}, "
                               f"L1 committed {batch.first_block}..{batch.last_block}")
    last = blocks[-1].header
    if last.hash() != batch.last_block_hash or last.state_root != batch.state_root:
        raise ReconstructError(f"batch {n}: the data's last block is not the one L1 committed")
    previous = rollup.get_batch(n - 1)
    rolling = previous.commitment.privileged_rolling_hash if previous else ZERO_HASH
    next_deposit = rollup.next_deposit()
    with chain.store.write() as tx:
        for block in blocks:
            chain.add_block(block, make_head=True)  # re-executed; InvalidBlock if it differs
        rollup.set_next_deposit(tx, next_deposit + len(privileged_transactions(blocks)))
    receipts = [chain.store.get_receipts(b.header.hash()) or [] for b in blocks]
    commitment = batch_commitment(n, blocks, receipts, rolling)
    if (commitment.messages_root, commitment.privileged_rolling_hash) != \
            (batch.messages_root, batch.rolling_hash):
        raise ReconstructError(f"batch {n}: its messages root or rolling hash differs from L1's")
    record = BatchRecord(commitment, sum(len(b.transactions) for b in blocks),
                         VERIFIED if verified else COMMITTED)
    rollup.put_batch(record)
    return record


async def reconstruct(chain: Blockchain, l1: EthClient, proposer: bytes, source: DataSource,
                      report: Callable[[str], None]) -> int:
    """Rebuild every committed batch not in ``chain`` yet; returns the last batch."""
    rollup = RollupStore(chain.store)
    genesis = await _call(l1, proposer, "batches(uint256)", 0)
    if genesis[:32] != chain.store.get_header_by_number(0).state_root:  # type: ignore[union-attr]
        raise ReconstructError(f"the OnChainProposer at 0x{proposer.hex()} starts from another "
                               "genesis (another L2 chain id?)")
    validium = bool(int.from_bytes(await _call(l1, proposer, "validium()"), "big"))
    last = int.from_bytes(await _call(l1, proposer, "lastCommittedBatch()"), "big")
    verified = int.from_bytes(await _call(l1, proposer, "lastVerifiedBatch()"), "big")
    for number in range(rollup.last_batch() + 1, last + 1):
        batch = await read_l1_batch(l1, proposer, number)
        payload = await source.payload(batch, validium)
        try:
            blocks = decode_payload(payload)
        except BatchDataError as exc:
            raise ReconstructError(f"batch {number}: {exc}") from None
        record = apply_batch(chain, rollup, batch, blocks, number <= verified)
        report(f"batch {number}: blocks {batch.first_block}..{batch.last_block}, "
               f"{record.tx_count} transactions, {len(payload)} bytes of data"
               f"{'' if validium else f' in {len(batch.blob_hashes)} blob(s)'}, state root "
               f"0x{batch.state_root.hex()}")
    return last
