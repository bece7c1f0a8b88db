"""A batch's data as the rollup publishes it: its blocks, compressed, packed into EIP-4844 blobs.

What is published is enough to rebuild the L2 from L1 alone (``ethrex l2 reconstruct``):
the batch's blocks, each in its RLP encoding, re-executed from the previous batch's state. We
publish blocks rather than state diffs: on the bench workloads the compressed blocks cost
about as much per transaction as compressed state diffs would (docs/l2.md, "Data
availability", has the figures), and blocks let a rebuilt node hold the whole chain (headers
for BLOCKHASH, receipts, history) and check every block against its header, where state diffs
would give only a state.

- The payload: ``version || zlib(rlp([block_1, ..., block_n]))`` (each block its RLP bytes),
  ``PAYLOAD_VERSION`` 1; zlib (in the standard library) at level 9.
- The blobs: ``len(payload)`` as 4 bytes, the payload, zero padding, cut into 31-byte chunks;
  each chunk is one field element's low 31 bytes (its top byte zero keeps it below the BLS
  modulus), 4096 field elements a blob (126,976 bytes of data). EIP-4844.
- The versioned hashes: ``0x01 || sha256(KZG commitment)[1:]`` for each blob, what
  ``BLOBHASH`` reads in ``OnChainProposer.commitBatch``.
- The data commitment, one word a batch that L1 stores and a proof's public inputs carry:
  ``keccak256(versioned hash 1 ++ ... ++ versioned hash n)`` with blobs, or
  ``keccak256(payload)`` for a validium (the data kept off L1).
"""

import zlib
from collections.abc import Sequence

from ethrex import rlp
from ethrex.crypto import kzg
from ethrex.errors import EthrexError, RLPDecodingError
from ethrex.primitives import keccak256
from ethrex.types.block import Block, decode_block, encode_block

PAYLOAD_VERSION = 1
COMPRESSION_LEVEL = 9
BYTES_PER_ELEMENT = 31  # a field element's top byte stays zero
DATA_PER_BLOB = BYTES_PER_ELEMENT * kzg.FIELD_ELEMENTS_PER_BLOB  # 126,976
LENGTH_BYTES = 4
MAX_BLOBS_PER_BATCH = 6  # EIP-7594's per-transaction limit (Osaka); Prague allows 9 a block
MAX_PAYLOAD = MAX_BLOBS_PER_BATCH * DATA_PER_BLOB - LENGTH_BYTES
MAX_DECOMPRESSED = 64 * 1024 * 1024  # a payload that inflates beyond this is refused


class BatchDataError(EthrexError):
    """Published batch data that cannot be read back: not blobs this encoding wrote, a blob
    that does not match its versioned hash, or a payload that is not a batch's blocks."""


def encode_payload(blocks: Sequence[Block]) -> bytes:
    """The batch's published payload (see the module docstring)."""
    raw = rlp.encode([encode_block(block) for block in blocks])
    return bytes((PAYLOAD_VERSION,)) + zlib.compress(raw, COMPRESSION_LEVEL)


def decode_payload(payload: bytes) -> list[Block]:
    """The blocks of a payload; ``BatchDataError`` when it is not one."""
    if payload[:1] != bytes((PAYLOAD_VERSION,)):
        raise BatchDataError(f"unknown batch data version {payload[:1].hex() or 'none'}")
    inflater = zlib.decompressobj()
    try:
        raw = inflater.decompress(payload[1:], MAX_DECOMPRESSED)
    except zlib.error as exc:
        raise BatchDataError(f"batch data does not decompress: {exc}") from None
    if inflater.unconsumed_tail:
        raise BatchDataError(f"batch data inflates beyond {MAX_DECOMPRESSED} bytes")
    if not inflater.eof or inflater.unused_data:
        raise BatchDataError("batch data is truncated or has bytes after its end")
    try:
        items = rlp.decode(raw)
        if not isinstance(items, list) or not items:
            raise BatchDataError("batch data is not a list of blocks")
        return [decode_block(item) for item in items]  # type: ignore[arg-type]
    except RLPDecodingError as exc:
        raise BatchDataError(f"batch data holds a malformed block: {exc}") from None


def payload_to_blobs(payload: bytes) -> list[bytes]:
    """Pack a payload into as few blobs as hold it."""
    if len(payload) > MAX_PAYLOAD:
        raise BatchDataError(f"batch data of {len(payload)} bytes needs more than "
                             f"{MAX_BLOBS_PER_BATCH} blobs")
    data = len(payload).to_bytes(LENGTH_BYTES, "big") + payload
    count = -(-len(data) // DATA_PER_BLOB)
    data = data.ljust(count * DATA_PER_BLOB, b"\0")
    blobs = []
    for start in range(0, len(data), DATA_PER_BLOB):
        chunk = data[start:start + DATA_PER_BLOB]
        blobs.append(b"".join(b"\0" + chunk[i:i + BYTES_PER_ELEMENT]
                              for i in range(0, DATA_PER_BLOB, BYTES_PER_ELEMENT)))
    return blobs


def blobs_to_payload(blobs: Sequence[bytes]) -> bytes:
    """The payload packed in ``blobs``; ``BatchDataError`` when they were not packed so."""
    if not blobs:
        raise BatchDataError("no blobs")
    parts = []
    for i, blob in enumerate(blobs):
        if len(blob) != kzg.BYTES_PER_BLOB:
            raise BatchDataError(f"blob {i} is {len(blob)} bytes, not {kzg.BYTES_PER_BLOB}")
        for start in range(0, kzg.BYTES_PER_BLOB, 32):
            if blob[start]:
                raise BatchDataError(f"blob {i}: field element {start // 32} uses its top "
                                     "byte (not packed by this encoding)")
            parts.append(blob[start + 1:start + 32])
    data = b"".join(parts)
    length = int.from_bytes(data[:LENGTH_BYTES], "big")
    end = LENGTH_BYTES + length
    if end > len(data) or -(-end // DATA_PER_BLOB) != len(blobs):
        raise BatchDataError(f"blobs say {length} bytes of data but hold {len(blobs)} blob(s)")
    if any(data[end:]):
        raise BatchDataError("blobs carry bytes after their data")
    return data[LENGTH_BYTES:end]


def blob_versioned_hashes(blobs: Sequence[bytes]) -> list[bytes]:
    """Each blob's EIP-4844 versioned hash (its KZG commitment hashed)."""
    return [kzg.kzg_to_versioned_hash(kzg.blob_to_commitment(blob)) for blob in blobs]


def batch_blob_versioned_hashes(blocks: Sequence[Block]) -> list[bytes]:
    """The versioned hashes of the blobs that carry ``blocks``: what ``commitBatch`` records
    with BLOBHASH. The prover recomputes them from the blocks it executed, which ties the
    published data to the proven state transition."""
    return blob_versioned_hashes(payload_to_blobs(encode_payload(blocks)))


def data_commitment(blocks: Sequence[Block], validium: bool = False) -> bytes:
    """The one word ``OnChainProposer`` stores for a batch's data (``batchDataCommitment``):
    ``keccak256`` of the blobs' versioned hashes, or of the payload for a validium."""
    payload = encode_payload(blocks)
    if validium:
        return keccak256(payload)
    return versioned_hashes_commitment(blob_versioned_hashes(payload_to_blobs(payload)))


def versioned_hashes_commitment(hashes: Sequence[bytes]) -> bytes:
    """``keccak256(abi.encodePacked(hashes))``, as ``commitBatch`` computes it."""
    return keccak256(b"".join(hashes))


def check_blobs(blobs: Sequence[bytes], hashes: Sequence[bytes]) -> None:
    """The blobs are the ones L1 recorded: ``BatchDataError`` otherwise."""
    if len(blobs) != len(hashes):
        raise BatchDataError(f"{len(blobs)} blobs for {len(hashes)} versioned hashes")
    for i, (blob, want) in enumerate(zip(blobs, hashes)):
        if len(blob) != kzg.BYTES_PER_BLOB:
            raise BatchDataError(f"blob {i} is {len(blob)} bytes, not {kzg.BYTES_PER_BLOB}")
        try:
            got = kzg.kzg_to_versioned_hash(kzg.blob_to_commitment(blob))
        except (RuntimeError, ValueError) as exc:  # ckzg: not a blob (a non-canonical element)
            raise BatchDataError(f"blob {i} is not a valid blob: {exc}") from None
        if got != want:
            raise BatchDataError(f"blob {i} hashes to 0x{got.hex()}, L1 recorded 0x{want.hex()}")
