"""Receipts, logs and the bloom: raw receipts and receipt JSON recorded from a reference client."""

import pytest

from ethrex import rlp
from ethrex.errors import RLPDecodingError
from ethrex.primitives import hex_to_bytes, hex_to_int
from ethrex.trie import ordered_root
from ethrex.types.receipt import Log, Receipt, decode_receipt, encode_receipt, logs_bloom
from tests.unit.types.rpc_compat import chain_blocks, exchange


def test_raw_receipts_round_trip_and_match_the_header() -> None:
    request, response = exchange("debug_getRawReceipts", "get-block-n")
    number = hex_to_int(request["params"][0])
    raw = [hex_to_bytes(r) for r in response["result"]]
    assert raw
    receipts = [decode_receipt(r) for r in raw]
    for data, receipt in zip(raw, receipts):
        assert encode_receipt(receipt) == data
        assert receipt.bloom == logs_bloom(receipt.logs)
        assert receipt.post_state is not None and receipt.succeeded is None  # pre-Byzantium
    assert any(r.logs for r in receipts)
    assert ordered_root(raw) == chain_blocks()[number - 1].header.receipts_root


@pytest.mark.parametrize(
    "name", ["get-access-list", "get-dynamic-fee", "get-legacy-receipt", "get-setcode-tx",
             "get-legacy-contract", "get-legacy-input"]
)
def test_receipt_json_bloom_and_encoding(name: str) -> None:
    _, response = exchange("eth_getTransactionReceipt", name)
    obj = response["result"]
    logs = tuple(Log(hex_to_bytes(x["address"]), tuple(hex_to_bytes(t) for t in x["topics"]),
                     hex_to_bytes(x["data"])) for x in obj["logs"])
    assert logs_bloom(logs) == hex_to_bytes(obj["logsBloom"])
    status = obj.get("status")
    receipt = Receipt(
        hex_to_int(obj["type"]),
        None if status is None else status == "0x1",
        None if status is not None else hex_to_bytes(obj["root"]),
        hex_to_int(obj["cumulativeGasUsed"]),
        hex_to_bytes(obj["logsBloom"]),
        logs,
    )
    encoded = encode_receipt(receipt)
    assert decode_receipt(encoded) == receipt
    if receipt.tx_type:
        assert encoded[0] == receipt.tx_type
    block = chain_blocks()[hex_to_int(obj["blockNumber"]) - 1]
    if len(block.transactions) == 1:  # the whole receipts trie is this one receipt
        assert ordered_root([encoded]) == block.header.receipts_root


def test_empty_bloom() -> None:
    assert logs_bloom(()) == bytes(256)


def test_bloom_sets_three_bits_per_item() -> None:
    bloom = int.from_bytes(logs_bloom([Log(bytes(20), (), b"")]), "big")
    assert 1 <= bin(bloom).count("1") <= 3


@pytest.mark.parametrize(
    "data",
    [
        b"",
        rlp.encode([b"\x02", 0, bytes(256), []]),  # status 2
        rlp.encode([b"\x01", 0, bytes(255), []]),  # short bloom
        rlp.encode([b"\x01", 0, bytes(256)]),  # three fields
        b"\x05" + rlp.encode([b"\x01", 0, bytes(256), []]),  # unknown type
        rlp.encode([b"\x01", 0, bytes(256), [[bytes(20), [bytes(31)], b""]]]),  # short topic
    ],
)
def test_malformed_receipts_are_rejected(data: bytes) -> None:
    with pytest.raises(RLPDecodingError):
        decode_receipt(data)


def test_failed_status_encodes_as_empty() -> None:
    receipt = Receipt(2, False, None, 21000, bytes(256), ())
    assert encode_receipt(receipt) == b"\x02" + rlp.encode([b"", 21000, bytes(256), []])
    assert decode_receipt(encode_receipt(receipt)) == receipt
