"""EIP-6110 deposit-log parsing and the EIP-7685 requests hash."""

from hashlib import sha256

import pytest

from ethrex.errors import InvalidBlock
from ethrex.execution.system_calls import (
    DEPOSIT_EVENT_TOPIC,
    MAINNET_DEPOSIT_CONTRACT,
    collect_deposits,
    compute_requests_hash,
    parse_deposit_data,
)
from ethrex.types.receipt import Log, Receipt


def _word(n: int) -> bytes:
    return n.to_bytes(32, "big")


def _deposit_event(pubkey: bytes, creds: bytes, amount: bytes, sig: bytes, index: bytes) -> bytes:
    """The ABI encoding of DepositEvent(bytes,bytes,bytes,bytes,bytes) the contract emits."""
    head = b"".join(_word(o) for o in (160, 256, 320, 384, 512))
    body = b""
    for value in (pubkey, creds, amount, sig, index):
        padded = value + bytes(-len(value) % 32)
        body += _word(len(value)) + padded
    return head + body


FIELDS = (b"\x01" * 48, b"\x02" * 32, b"\x03" * 8, b"\x04" * 96, b"\x05" * 8)


def test_parse_deposit_data_concatenates_the_fields() -> None:
    data = _deposit_event(*FIELDS)
    assert len(data) == 576
    assert parse_deposit_data(data) == b"".join(FIELDS)


def test_parse_deposit_data_rejects_other_layouts() -> None:
    data = bytearray(_deposit_event(*FIELDS))
    data[31] = 161  # the pubkey offset moved
    with pytest.raises(InvalidBlock):
        parse_deposit_data(bytes(data))
    with pytest.raises(InvalidBlock):
        parse_deposit_data(_deposit_event(*FIELDS) + bytes(32))


def test_collect_deposits_only_from_the_deposit_contract() -> None:
    data = _deposit_event(*FIELDS)
    logs = (
        Log(MAINNET_DEPOSIT_CONTRACT, (DEPOSIT_EVENT_TOPIC,), data),
        Log(bytes(20), (DEPOSIT_EVENT_TOPIC,), data),  # another contract: ignored
    )
    receipt = Receipt(2, True, None, 21000, bytes(256), logs)
    assert collect_deposits([receipt], MAINNET_DEPOSIT_CONTRACT) == b"".join(FIELDS)


def test_requests_hash_skips_empty_requests() -> None:
    # EIP-7685: sha256 of the concatenated sha256 of each request with data.
    assert compute_requests_hash([]) == sha256(b"").digest()
    assert compute_requests_hash([b"\x01"]) == sha256(b"").digest()
    expected = sha256(sha256(b"\x00abc").digest() + sha256(b"\x02d").digest()).digest()
    assert compute_requests_hash([b"\x00abc", b"\x01", b"\x02d"]) == expected
