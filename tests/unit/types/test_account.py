"""The state-trie account record."""

import pytest

from ethrex import rlp
from ethrex.errors import RLPDecodingError
from ethrex.primitives import EMPTY_HASH, keccak256
from ethrex.trie import EMPTY_ROOT
from ethrex.types.account import EMPTY_TRIE_ROOT, Account, decode_account, encode_account


def test_empty_trie_root_agrees_with_the_trie() -> None:
    assert EMPTY_TRIE_ROOT == EMPTY_ROOT == keccak256(b"\x80")


def test_round_trip_and_layout() -> None:
    a = Account(3, 10**18, bytes([1]) * 32, bytes([2]) * 32)
    assert encode_account(a) == rlp.encode([3, 10**18, a.storage_root, a.code_hash])
    assert decode_account(encode_account(a)) == a
    assert Account() == Account(0, 0, EMPTY_ROOT, EMPTY_HASH)


@pytest.mark.parametrize(
    "fields",
    [[0, 0, bytes(32)], [0, 0, bytes(31), bytes(32)], [b"\x00\x01", 0, bytes(32), bytes(32)]],
)
def test_malformed_accounts_are_rejected(fields: list[object]) -> None:
    with pytest.raises(RLPDecodingError):
        decode_account(rlp.encode(fields))
