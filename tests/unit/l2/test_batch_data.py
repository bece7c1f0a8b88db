"""A batch's published data: blocks -> compressed payload -> blobs and back, the versioned
hashes and data commitment, and every way read-back data can be wrong failing with
``BatchDataError``."""

import random
import zlib
from concurrent.futures import ThreadPoolExecutor

import pytest

from ethrex import rlp
from ethrex.blockchain.blockchain import Blockchain
from ethrex.crypto import kzg
from ethrex.l2.abi import encode_call
from ethrex.l2.genesis import l2_genesis
from ethrex.l2.rollup.batch_data import (
    DATA_PER_BLOB,
    MAX_PAYLOAD,
    BatchDataError,
    batch_blob_versioned_hashes,
    blob_versioned_hashes,
    blobs_to_payload,
    check_blobs,
    data_commitment,
    decode_payload,
    encode_payload,
    payload_to_blobs,
    versioned_hashes_commitment,
)
from ethrex.l2.rollup.hooks import L2Hooks
from ethrex.l2.rollup.messages import L2_BRIDGE
from ethrex.l2.sequencer.block_producer import produce_block
from ethrex.l2.store import Deposit, RollupStore
from ethrex.primitives import keccak256
from ethrex.rpc.context import node_context
from ethrex.storage import Store
from ethrex.types.block import Block, encode_block
from ethrex.types.transactions import PrivilegedL2Transaction

CHAIN_ID = 65536999


@pytest.fixture(scope="module")
def blocks() -> list[Block]:
    """Three L2 blocks: one with two deposits, two empty."""
    chain = Blockchain.open(Store.in_memory(), l2_genesis(CHAIN_ID), hooks=L2Hooks())
    rollup = RollupStore(chain.store)
    deposits = [PrivilegedL2Transaction(CHAIN_ID, i, 0, 0, 100_000, L2_BRIDGE, 10**18,
                                        encode_call("mintETH(address)", b"\x11" * 20), (),
                                        L2_BRIDGE) for i in range(2)]
    rollup.store_deposits([Deposit(tx, 5, b"\x01" * 32) for tx in deposits], (5, b"\x02" * 32))
    executor = ThreadPoolExecutor(1)
    ctx = node_context(chain, executor, network="l2")
    out = []
    for n in range(3):
        block = produce_block(ctx, rollup, bytes(20), now=1000 + n)
        assert block is not None
        out.append(block)
    executor.shutdown()
    assert len(out[0].transactions) == 2
    return out


def test_blocks_round_trip_through_blobs(blocks: list[Block]) -> None:
    payload = encode_payload(blocks)
    assert len(payload) < sum(len(encode_block(b)) for b in blocks)  # compressed
    blobs = payload_to_blobs(payload)
    assert len(blobs) == 1 and len(blobs[0]) == kzg.BYTES_PER_BLOB
    assert all(blobs[0][i] == 0 for i in range(0, kzg.BYTES_PER_BLOB, 32))  # canonical
    assert blobs_to_payload(blobs) == payload
    assert decode_payload(blobs_to_payload(blobs)) == blocks
    hashes = batch_blob_versioned_hashes(blocks)
    assert hashes == blob_versioned_hashes(blobs) and hashes[0][0] == 1
    check_blobs(blobs, hashes)
    assert data_commitment(blocks) == versioned_hashes_commitment(hashes) == \
        keccak256(b"".join(hashes))
    assert data_commitment(blocks, validium=True) == keccak256(payload)


def test_a_payload_spans_as_many_blobs_as_it_needs() -> None:
    rng = random.Random(1)
    for size in (0, 1, DATA_PER_BLOB - 4, DATA_PER_BLOB - 3, 2 * DATA_PER_BLOB, MAX_PAYLOAD):
        payload = rng.randbytes(size)
        blobs = payload_to_blobs(payload)
        assert len(blobs) == -(-(size + 4) // DATA_PER_BLOB)
        assert blobs_to_payload(blobs) == payload
    with pytest.raises(BatchDataError, match="more than 6 blobs"):
        payload_to_blobs(bytes(MAX_PAYLOAD + 1))


def test_blobs_not_written_by_this_encoding_are_refused(blocks: list[Block]) -> None:
    (blob,) = payload_to_blobs(encode_payload(blocks))
    with pytest.raises(BatchDataError, match="no blobs"):
        blobs_to_payload([])
    with pytest.raises(BatchDataError, match="blob 0 is 100000 bytes"):
        blobs_to_payload([blob[:100_000]])
    with pytest.raises(BatchDataError, match="top byte"):
        blobs_to_payload([blob[:64] + b"\x01" + blob[65:]])
    with pytest.raises(BatchDataError, match="say .* bytes of data but hold 1"):
        blobs_to_payload([b"\x00\xff" + blob[2:]])  # a length beyond the blob
    with pytest.raises(BatchDataError, match="after their data"):
        blobs_to_payload([blob[:-1] + b"\x01"])
    with pytest.raises(BatchDataError, match="hold 2"):  # a needless second blob
        blobs_to_payload([blob, bytes(kzg.BYTES_PER_BLOB)])


def test_blobs_must_match_the_versioned_hashes(blocks: list[Block]) -> None:
    (blob,) = payload_to_blobs(encode_payload(blocks))
    other = payload_to_blobs(encode_payload(blocks[1:]))[0]
    hashes = blob_versioned_hashes([blob])
    with pytest.raises(BatchDataError, match="L1 recorded 0x" + hashes[0].hex()):
        check_blobs([other], hashes)
    with pytest.raises(BatchDataError, match="2 blobs for 1 versioned hashes"):
        check_blobs([blob, other], hashes)
    with pytest.raises(BatchDataError, match="blob 0 is 5 bytes"):
        check_blobs([b"short"], hashes)
    with pytest.raises(BatchDataError, match="not a valid blob"):
        check_blobs([b"\xff" * kzg.BYTES_PER_BLOB], hashes)  # elements above the modulus


def test_payloads_that_are_not_blocks_are_refused(blocks: list[Block]) -> None:
    payload = encode_payload(blocks)
    with pytest.raises(BatchDataError, match="unknown batch data version 02"):
        decode_payload(b"\x02" + payload[1:])
    with pytest.raises(BatchDataError, match="version none"):
        decode_payload(b"")
    with pytest.raises(BatchDataError, match="does not decompress"):
        decode_payload(b"\x01garbage")
    with pytest.raises(BatchDataError, match="truncated"):
        decode_payload(payload[:-5])
    with pytest.raises(BatchDataError, match="truncated or has bytes after"):
        decode_payload(payload + b"\x00")
    with pytest.raises(BatchDataError, match="not a list of blocks"):
        decode_payload(b"\x01" + zlib.compress(rlp.encode(b"x")))
    with pytest.raises(BatchDataError, match="malformed block"):
        decode_payload(b"\x01" + zlib.compress(rlp.encode([b"\xc0"])))
