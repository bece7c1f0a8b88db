"""Headers and blocks: the rpc-compat chain (Frontier to BPO2 layouts), mainnet genesis, strict
decoding of field counts and sizes."""

import json
from dataclasses import replace

import pytest

from ethrex import rlp
from ethrex.errors import RLPDecodingError
from ethrex.primitives import hex_to_bytes, hex_to_int, keccak256
from ethrex.trie import ordered_root
from ethrex.types.block import Block, decode_block, decode_blocks, encode_block
from ethrex.types.header import Header, decode_header, encode_header, header_fields
from ethrex.types.transactions import encode_transaction
from ethrex.types.withdrawal import (
    Withdrawal,
    decode_withdrawal,
    encode_withdrawal,
)
from tests.fixtures_root import fixtures_root
from tests.unit.types.rpc_compat import chain_blocks, exchange, rpc_compat_dir


def test_chain_rlp_round_trips_byte_for_byte() -> None:
    data = (rpc_compat_dir() / "chain.rlp").read_bytes()
    blocks = decode_blocks(data)
    assert b"".join(encode_block(b) for b in blocks) == data


def test_chain_links_and_layouts() -> None:
    blocks = chain_blocks()
    layouts = set()
    for parent, child in zip(blocks, blocks[1:]):
        assert child.header.parent_hash == parent.hash()
        assert child.header.number == parent.header.number + 1
    for block in blocks:
        layouts.add(len(header_fields(block.header)))
        assert decode_header(encode_header(block.header)) == block.header
        assert (block.withdrawals is None) == (block.header.withdrawals_root is None)
    assert layouts == {15, 16, 17, 20, 21}  # every header layout from Frontier to Prague


def test_roots_of_the_chain_bodies() -> None:
    """Transactions and withdrawals roots rebuilt from the decoded bodies match the headers."""
    for block in chain_blocks():
        txs = [encode_transaction(tx) for tx in block.transactions]
        assert ordered_root(txs) == block.header.transactions_root
        if block.withdrawals is not None:
            encoded = [encode_withdrawal(w) for w in block.withdrawals]
            assert ordered_root(encoded) == block.header.withdrawals_root


def test_raw_header_and_block_by_number() -> None:
    request, response = exchange("debug_getRawHeader", "get-block-n")
    number = hex_to_int(request["params"][0])
    header = decode_header(hex_to_bytes(response["result"]))
    assert header == chain_blocks()[number - 1].header
    _, response = exchange("eth_getBlockByNumber", "get-block-shanghai-fork")
    result = response["result"]
    block = chain_blocks()[hex_to_int(result["number"]) - 1]
    assert block.hash() == hex_to_bytes(result["hash"])
    assert block.withdrawals is not None
    assert [(w.index, w.validator_index, w.address, w.amount) for w in block.withdrawals] == [
        (hex_to_int(w["index"]), hex_to_int(w["validatorIndex"]), hex_to_bytes(w["address"]),
         hex_to_int(w["amount"])) for w in result["withdrawals"]]


def test_mainnet_genesis_hash() -> None:
    with open(fixtures_root() / "ethereum-tests/BasicTests/genesishashestest.json") as f:
        vector = json.load(f)
    data = bytes.fromhex(vector["genesis_rlp_hex"])
    block = decode_block(data)
    assert encode_block(block) == data
    assert block.hash() == bytes.fromhex(vector["genesis_hash"])
    assert block.header.state_root == bytes.fromhex(vector["genesis_state_root"])
    assert block.header.nonce == bytes.fromhex("0000000000000042")


def _header() -> Header:
    return chain_blocks()[-1].header  # a Prague-layout header (21 fields)


@pytest.mark.parametrize("count", [14, 18, 19, 22])
def test_unknown_field_counts_are_rejected(count: int) -> None:
    fields = header_fields(_header())
    fields = (fields + [0] * 5)[:count]
    with pytest.raises(RLPDecodingError):
        decode_header(rlp.encode(fields))


@pytest.mark.parametrize(
    ("index", "value"),
    [
        (0, bytes(31)),  # parent hash
        (2, bytes(21)),  # coinbase
        (6, bytes(255)),  # bloom
        (8, b"\x00\x01"),  # number with a leading zero
        (9, 2**64),  # gas limit past 64 bits
        (13, bytes(33)),  # prev_randao
        (14, bytes(7)),  # nonce
        (16, bytes(20)),  # withdrawals root
        (20, [b""]),  # requests hash given as a list
    ],
)
def test_bad_header_fields_are_rejected(index: int, value: object) -> None:
    fields = header_fields(_header())
    fields[index] = value
    with pytest.raises(RLPDecodingError):
        decode_header(rlp.encode(fields))


def test_optional_fields_must_be_contiguous() -> None:
    with pytest.raises(ValueError):
        encode_header(replace(_header(), withdrawals_root=None))


def test_header_hash_is_keccak_of_encoding() -> None:
    header = _header()
    assert header.hash() == keccak256(encode_header(header))


def test_block_field_count_and_body_types() -> None:
    block = chain_blocks()[-1]
    fields = rlp.decode(encode_block(block))
    assert isinstance(fields, list)
    with pytest.raises(RLPDecodingError):
        decode_block(rlp.encode(fields + [[]]))
    with pytest.raises(RLPDecodingError):
        decode_block(rlp.encode(fields[:2]))
    with pytest.raises(RLPDecodingError):
        decode_block(rlp.encode([fields[0], b"", fields[2]]))
    empty = Block(block.header, (), (), ())
    assert decode_block(encode_block(empty)) == empty


def test_withdrawal_round_trip_and_strictness() -> None:
    w = Withdrawal(1, 2, bytes([7]) * 20, 10**9)
    assert decode_withdrawal(encode_withdrawal(w)) == w
    with pytest.raises(RLPDecodingError):
        decode_withdrawal(rlp.encode([1, 2, bytes(19), 3]))
    with pytest.raises(RLPDecodingError):
        decode_withdrawal(rlp.encode([1, 2, bytes(20)]))
