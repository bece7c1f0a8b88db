"""eth serving: header queries (by hash and number, skip, reverse, limits), bodies and
receipts in both receipt encodings, and the sync-side checks that accept exactly what was
served."""

import pytest

from ethrex import rlp
from ethrex.p2p.errors import PeerError
from ethrex.p2p.eth import protocol as eth
from ethrex.p2p.eth.forkid import ForkId
from ethrex.p2p.eth.serve import get_block_bodies, get_block_headers, get_receipts
from ethrex.p2p.sync.blocks import check_backward_headers, check_bodies, check_receipts
from ethrex.p2p.sync.fetch import Unavailable
from ethrex.types.header import decode_header
from tests.unit.p2p.chain import small_chain


def numbers(encoded: list[bytes]) -> list[int]:
    return [decode_header(h).number for h in encoded]


def test_header_queries() -> None:
    chain, blocks = small_chain()
    store = chain.store
    assert numbers(get_block_headers(store, 5, 3, 0, False)) == [5, 6, 7]
    assert numbers(get_block_headers(store, 10, 4, 2, False)) == [10, 13, 16, 19]
    assert numbers(get_block_headers(store, 10, 4, 2, True)) == [10, 7, 4, 1]
    assert numbers(get_block_headers(store, blocks[9].hash(), 3, 0, True)) == [10, 9, 8]
    assert numbers(get_block_headers(store, 58, 10, 0, False)) == [58, 59, 60]
    assert numbers(get_block_headers(store, 1, 5, 0, True)) == [1, 0]
    assert get_block_headers(store, 2**64 - 1, 1, 0, False) == []
    assert get_block_headers(store, b"\x13" * 32, 1, 0, False) == []
    assert get_block_headers(store, 0, 0, 0, False) == []
    assert len(get_block_headers(store, 0, 5000, 0, False)) == 61  # capped by the chain


def test_bodies_and_receipts_round_trip() -> None:
    chain, blocks = small_chain()
    store = chain.store
    headers = [b.header for b in blocks[10:20]]
    hashes = [h.hash() for h in headers]
    served = get_block_bodies(store, hashes[:3] + [b"\x01" * 32] + hashes[3:])
    assert len(served) == 10  # the unknown hash is skipped
    got = check_bodies([[rlp.decode(b) for b in served]], headers)
    assert [b.hash() for b in got] == hashes
    for version in (eth.ETH68, eth.ETH69, eth.ETH70):
        receipts, incomplete = get_receipts(store, hashes, version)
        assert not incomplete
        lists = [rlp.decode(r) for r in receipts]
        items = [b"", lists] if version >= eth.ETH70 else [lists]
        checked = check_receipts(items, headers, version)
        assert checked == [store.get_receipts(h) for h in hashes]
    # eth/70: the first block's list may start inside it; the lists stop at an unknown block
    (tail,), _ = get_receipts(store, hashes[:1], eth.ETH70, first_index=1)
    assert len(rlp.decode(tail)) == len(store.get_receipts(hashes[0])) - 1
    assert len(get_receipts(store, hashes[:2] + [b"\x01" * 32] + hashes[2:], 69)[0]) == 2


def test_checks_refuse_what_does_not_match() -> None:
    chain, blocks = small_chain()
    headers = [b.header for b in blocks[10:13]]
    bodies = [rlp.decode(b) for b in get_block_bodies(chain.store, [h.hash() for h in headers])]
    with pytest.raises(PeerError):
        check_bodies([bodies[::-1]], headers)  # bodies of other blocks
    with pytest.raises(Unavailable):
        check_bodies([[]], headers)
    encoded = get_block_headers(chain.store, 13, 3, 0, True)  # headers are blocks 11..13
    items = [[rlp.decode(h) for h in encoded]]
    assert [h.number for h in check_backward_headers(items, headers[2].hash(), 3)] == [13, 12, 11]
    with pytest.raises(PeerError):
        check_backward_headers(items, headers[1].hash(), 3)  # not the requested ancestors


def test_status_round_trips() -> None:
    fork = ForkId(b"\x01\x02\x03\x04", 99)
    for version in (eth.ETH68, eth.ETH69):
        old = version == eth.ETH68  # eth/68 has the total difficulty, eth/69 the range
        status = eth.Status(version, 1337, b"\x11" * 32, fork, b"\x22" * 32,
                            head_number=0 if old else 7, earliest=0 if old else 2,
                            total_difficulty=5 if old else 0)
        assert eth.decode_status(eth.encode_status(status), version) == status
    with pytest.raises(PeerError):
        eth.decode_status(rlp.encode([69, 1, b"\x11" * 32, [b"\x01\x02\x03\x04", 0], 9, 8,
                                      b"\x22" * 32]), eth.ETH69)  # earliest after latest
