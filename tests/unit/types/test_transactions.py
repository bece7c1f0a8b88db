"""Transactions: known vectors (EIP-155, BasicTests, the rpc-compat chain), round trips of all
five types, strict decoding and EIP-7702 authorizations."""

import json
from dataclasses import replace

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ethrex import rlp
from ethrex.crypto.secp256k1 import SECP256K1N, SECP256K1N_HALF, private_key_to_address
from ethrex.errors import InvalidTransaction, RLPDecodingError
from ethrex.primitives import hex_to_bytes, hex_to_int, keccak256
from ethrex.types.transactions import (
    AccessListTransaction,
    Authorization,
    BlobTransaction,
    FeeMarketTransaction,
    LegacyTransaction,
    SetCodeTransaction,
    Transaction,
    authorization_signing_hash,
    decode_transaction,
    decode_transaction_item,
    encode_transaction,
    legacy_chain_id,
    max_fee_per_gas,
    max_priority_fee_per_gas,
    recover_authority,
    recover_sender,
    sign_authorization,
    sign_transaction,
    signing_hash,
    transaction_hash,
)
from tests.fixtures_root import fixtures_root
from tests.unit.types.rpc_compat import chain_blocks, exchange

KEY = bytes([0x46]) * 32
SENDER = private_key_to_address(KEY)
TO = bytes([0x35]) * 20

# EIP-155 example (chain 1): the signing payload, its hash and the signed transaction.
EIP155_TX = LegacyTransaction(9, 20 * 10**9, 21000, TO, 10**18, b"", 0, 0, 0)
EIP155_SIGNING_PAYLOAD = bytes.fromhex(
    "ec098504a817c800825208943535353535353535353535353535353535353535880de0b6b3a764000080018080"
)
EIP155_SIGNED = bytes.fromhex(
    "f86c098504a817c800825208943535353535353535353535353535353535353535880de0b6b3a76400008025a028"
    "ef61340bd939bc2195fe537567866003e1a15d3c71ff63e1590620aa636276a067cbe9d8997f761aecb703304b38"
    "00ccf555c9f3dc64214b297fb1966a3b6d83"
)


def test_eip155_example() -> None:
    signed = sign_transaction(EIP155_TX, KEY, chain_id=1)
    assert isinstance(signed, LegacyTransaction)
    assert signed.v == 37 and legacy_chain_id(signed) == 1
    assert signing_hash(signed) == keccak256(EIP155_SIGNING_PAYLOAD)
    assert encode_transaction(signed) == EIP155_SIGNED
    assert decode_transaction(EIP155_SIGNED) == signed
    assert recover_sender(signed) == SENDER
    assert transaction_hash(signed) == keccak256(EIP155_SIGNED)


def test_basic_tests_txtest_vectors() -> None:
    with open(fixtures_root() / "ethereum-tests/BasicTests/txtest.json") as f:
        vectors = json.load(f)
    assert vectors
    for v in vectors:
        key = bytes.fromhex(v["key"])
        tx = LegacyTransaction(v["nonce"], v["gasprice"], v["startgas"], bytes.fromhex(v["to"]),
                               v["value"], bytes.fromhex(v["data"]), 0, 0, 0)
        assert rlp.encode([*[tx.nonce, tx.gas_price, tx.gas, tx.to, tx.value, tx.data], b"",
                           b"", b""]) == bytes.fromhex(v["unsigned"])
        # The vectors' ECDSA nonces are not RFC 6979's, so compare what a signature binds.
        decoded = decode_transaction(bytes.fromhex(v["signed"]))
        assert isinstance(decoded, LegacyTransaction) and decoded.v in (27, 28)
        assert (decoded.nonce, decoded.gas_price, decoded.gas, decoded.to, decoded.value,
                decoded.data) == (tx.nonce, tx.gas_price, tx.gas, tx.to, tx.value, tx.data)
        assert recover_sender(decoded) == private_key_to_address(key)
        signed = sign_transaction(tx, key)  # pre-EIP-155: v is 27/28
        assert signed.v in (27, 28) and signing_hash(signed) == signing_hash(decoded)
        assert recover_sender(signed) == private_key_to_address(key)


@pytest.mark.parametrize(
    "name",
    ["get-access-list", "get-dynamic-fee", "get-legacy-input", "get-legacy-tx", "get-setcode-tx"],
)
def test_rpc_compat_transactions(name: str) -> None:
    """The chain's transactions hash and recover to what a reference client reported."""
    _, response = exchange("eth_getTransactionByHash", name)
    expected = response["result"]
    block = chain_blocks()[hex_to_int(expected["blockNumber"]) - 1]
    tx = block.transactions[hex_to_int(expected["transactionIndex"])]
    assert transaction_hash(tx) == hex_to_bytes(expected["hash"])
    assert recover_sender(tx) == hex_to_bytes(expected["from"])
    assert tx.TYPE == hex_to_int(expected["type"])
    assert tx.nonce == hex_to_int(expected["nonce"]) and tx.gas == hex_to_int(expected["gas"])
    assert tx.data == hex_to_bytes(expected["input"])
    if "maxFeePerGas" in expected:
        assert max_fee_per_gas(tx) == hex_to_int(expected["maxFeePerGas"])
        assert max_priority_fee_per_gas(tx) == hex_to_int(expected["maxPriorityFeePerGas"])
    if isinstance(tx, SetCodeTransaction):
        auths = expected["authorizationList"]
        assert len(auths) == len(tx.authorization_list)
        for auth, obj in zip(tx.authorization_list, auths):
            assert auth.address == hex_to_bytes(obj["address"])
            assert auth.nonce == hex_to_int(obj["nonce"])


def test_every_chain_transaction_round_trips_and_recovers() -> None:
    count = 0
    for block in chain_blocks():
        for tx in block.transactions:
            encoded = encode_transaction(tx)
            assert decode_transaction(encoded) == tx
            recover_sender(tx)
            count += 1
    assert count > 200


# --- Property: every type round-trips through its encoding -----------------------------------

u256 = st.integers(min_value=0, max_value=2**256 - 1)
u64 = st.integers(min_value=0, max_value=2**64 - 1)
address = st.binary(min_size=20, max_size=20)
to = st.one_of(st.just(b""), address)
hash32 = st.binary(min_size=32, max_size=32)
access_list = st.lists(
    st.tuples(address, st.lists(hash32, max_size=3).map(tuple)), max_size=3
).map(tuple)
authorization = st.builds(Authorization, u256, address, u64,
                          st.integers(min_value=0, max_value=255), u256, u256)

transactions = st.one_of(
    st.builds(LegacyTransaction, u64, u256, u64, to, u256, st.binary(max_size=64), u256, u256,
              u256),
    st.builds(AccessListTransaction, u256, u64, u256, u64, to, u256, st.binary(max_size=64),
              access_list, u256, u256, u256),
    st.builds(FeeMarketTransaction, u256, u64, u256, u256, u64, to, u256, st.binary(max_size=64),
              access_list, u256, u256, u256),
    st.builds(BlobTransaction, u256, u64, u256, u256, u64, to, u256, st.binary(max_size=64),
              access_list, u256, st.lists(hash32, max_size=4).map(tuple), u256, u256, u256),
    st.builds(SetCodeTransaction, u256, u64, u256, u256, u64, to, u256, st.binary(max_size=64),
              access_list, st.lists(authorization, max_size=3).map(tuple), u256, u256, u256),
)


@settings(max_examples=300, deadline=None)
@given(transactions)
def test_round_trip(tx: Transaction) -> None:
    encoded = encode_transaction(tx)
    assert decode_transaction(encoded) == tx
    assert transaction_hash(tx) == keccak256(encoded)
    if tx.TYPE:
        assert encoded[0] == tx.TYPE
        assert decode_transaction_item(encoded) == tx
    else:
        assert decode_transaction_item(rlp.decode(encoded)) == tx


@settings(max_examples=50, deadline=None)
@given(transactions, st.integers(min_value=1, max_value=2**64))
def test_sign_then_recover(tx: Transaction, chain_id: int) -> None:
    signed = sign_transaction(tx, KEY, chain_id=chain_id)
    assert recover_sender(signed) == SENDER
    assert recover_sender(decode_transaction(encode_transaction(signed))) == SENDER


# --- Strict decoding -------------------------------------------------------------------------

LEGACY_FIELDS: list[object] = [9, 20 * 10**9, 21000, TO, 10**18, b"", 37, 1, 1]


def _legacy_with(index: int, value: object) -> bytes:
    fields = list(LEGACY_FIELDS)
    fields[index] = value
    return rlp.encode(fields)


@pytest.mark.parametrize(
    "data",
    [
        rlp.encode(LEGACY_FIELDS[:8]),  # too few fields
        rlp.encode([*LEGACY_FIELDS, 0]),  # too many fields
        _legacy_with(0, b"\x00\x09"),  # nonce with a leading zero
        _legacy_with(0, 2**64),  # nonce wider than 64 bits
        _legacy_with(2, [b"\x01"]),  # gas given as a list
        _legacy_with(3, TO[:19]),  # 19-byte recipient
        _legacy_with(3, TO + b"\x00"),  # 21-byte recipient
        _legacy_with(4, 2**256),  # value wider than 256 bits
        _legacy_with(7, b"\x00" + bytes(31) + b"\x01"),  # r with a leading zero
        EIP155_SIGNED + b"\x00",  # trailing byte
        b"",
        b"\x80",  # a string, neither list nor type
        b"\x05" + rlp.encode([]),  # unknown type
        b"\x02" + rlp.encode([1] * 11),  # fee market tx with 11 fields
        b"\x02" + rlp.encode([1, 0, 1, 1, 21000, TO, 0, b"", [[TO + b"\x00", []]], 0, 1, 1]),
        b"\x02" + rlp.encode([1, 0, 1, 1, 21000, TO, 0, b"", [[TO, [bytes(31)]]], 0, 1, 1]),
        b"\x03" + rlp.encode([1, 0, 1, 1, 21000, TO, 0, b"", [], 1, [bytes(33)], 0, 1, 1]),
        b"\x04" + rlp.encode([1, 0, 1, 1, 21000, TO, 0, b"", [], [[1, TO, 2**64, 0, 1, 1]],
                              0, 1, 1]),  # EIP-7702: authorization nonce must fit 64 bits
        b"\x04" + rlp.encode([1, 0, 1, 1, 21000, TO, 0, b"", [], [[1, TO, 0, 256, 1, 1]],
                              0, 1, 1]),  # EIP-7702: y_parity must fit 8 bits
    ],
)
def test_strict_decoding_rejects(data: bytes) -> None:
    with pytest.raises((RLPDecodingError, InvalidTransaction)):
        decode_transaction(data)


def test_block_body_rejects_legacy_wrapped_in_a_string() -> None:
    with pytest.raises(RLPDecodingError):
        decode_transaction_item(EIP155_SIGNED)


def test_recover_sender_rejects_bad_v() -> None:
    signed = decode_transaction(EIP155_SIGNED)
    assert isinstance(signed, LegacyTransaction)
    for v in (0, 26, 29, 34):
        with pytest.raises(InvalidTransaction):
            recover_sender(replace(signed, v=v))


# --- EIP-7702 authorizations -----------------------------------------------------------------


def test_authorization_signing_hash_follows_eip7702() -> None:
    auth = Authorization(1, TO, 7, 0, 0, 0)
    assert authorization_signing_hash(auth) == keccak256(b"\x05" + rlp.encode([1, TO, 7]))


def test_authorization_recovery() -> None:
    auth = sign_authorization(1, TO, 7, KEY)
    assert recover_authority(auth) == SENDER
    assert recover_authority(Authorization(2, TO, 7, auth.y_parity, auth.r, auth.s)) != SENDER
    bad = [
        Authorization(1, TO, 7, 2, auth.r, auth.s),  # y_parity not 0/1
        Authorization(1, TO, 7, auth.y_parity, auth.r, SECP256K1N - auth.s),  # high s
        Authorization(1, TO, 7, auth.y_parity, 0, auth.s),
        Authorization(1, TO, 7, auth.y_parity, SECP256K1N, auth.s),
    ]
    assert SECP256K1N - auth.s > SECP256K1N_HALF
    for b in bad:
        assert recover_authority(b) is None
