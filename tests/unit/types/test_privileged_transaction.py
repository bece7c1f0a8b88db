"""The rollup's privileged transaction (type 0x7e): its encoding and hash, its sender named by
a field, strict decoding, its receipt type, its JSON form, and L1 refusing it."""

import pytest

from ethrex import rlp
from ethrex.errors import InvalidTransaction, RLPDecodingError
from ethrex.execution.transaction import apply_transaction
from ethrex.evm.env import BlockEnv
from ethrex.forks import RULES, Fork
from ethrex.primitives import keccak256
from ethrex.rpc.types import transaction_json
from ethrex.state import DictBackend, StateDB
from ethrex.types.receipt import Receipt, decode_receipt, encode_receipt
from ethrex.types.transactions import (
    PrivilegedL2Transaction,
    decode_transaction,
    decode_transaction_item,
    encode_transaction,
    encode_transaction_item,
    recover_sender,
    transaction_hash,
)

BRIDGE = bytes(18) + b"\xff\xff"
TX = PrivilegedL2Transaction(65536999, 7, 0, 0, 100_000, BRIDGE, 10**18, b"\x01\x02", (),
                             BRIDGE)


def test_encoding_is_the_type_then_the_ten_fields() -> None:
    encoded = encode_transaction(TX)
    assert encoded[0] == 0x7E
    assert rlp.decode(encoded[1:]) == [
        rlp.encode_int(65536999), b"\x07", b"", b"", rlp.encode_int(100_000), BRIDGE,
        rlp.encode_int(10**18), b"\x01\x02", [], BRIDGE]
    assert decode_transaction(encoded) == TX
    assert decode_transaction_item(encode_transaction_item(TX)) == TX  # a block body's form
    assert transaction_hash(TX) == keccak256(encoded)


def test_the_sender_is_a_field_not_a_signature() -> None:
    assert recover_sender(TX) == BRIDGE


@pytest.mark.parametrize("payload", [
    [b"", b"", b"", b"", b"", b"", b"", b"", []],  # nine fields
    [b"", b"", b"", b"", b"", b"", b"", b"", [], b"\x01" * 19],  # a 19-byte sender
    [b"", b"", b"", b"", b"", b"\x01" * 21, b"", b"", [], BRIDGE],  # a 21-byte recipient
    [b"\x00", b"", b"", b"", b"", b"", b"", b"", [], BRIDGE],  # a non-canonical integer
])
def test_malformed_privileged_transactions_do_not_decode(payload: list[object]) -> None:
    with pytest.raises(RLPDecodingError):
        decode_transaction(b"\x7e" + rlp.encode(payload))


def test_its_receipt_keeps_the_type() -> None:
    receipt = Receipt(0x7E, True, None, 21000, bytes(256), ())
    assert encode_receipt(receipt)[0] == 0x7E
    assert decode_receipt(encode_receipt(receipt)) == receipt


def test_json_names_the_sender_and_a_zero_signature() -> None:
    out = transaction_json(TX)
    assert out["type"] == "0x7e" and out["from"] == "0x" + BRIDGE.hex()
    assert out["nonce"] == "0x7" and out["value"] == hex(10**18) and out["input"] == "0x0102"
    assert out["v"] == out["r"] == out["s"] == out["yParity"] == "0x0"
    assert out["hash"] == "0x" + transaction_hash(TX).hex()


def test_no_l1_fork_runs_it() -> None:
    state = StateDB(DictBackend())
    env = BlockEnv(chain_id=65536999, coinbase=bytes(20), number=1, timestamp=1,
                   gas_limit=30_000_000, base_fee_per_gas=7)
    with pytest.raises(InvalidTransaction, match="not enabled"):
        apply_transaction(state, env, TX, RULES[Fork.OSAKA])
    assert state.get_balance(BRIDGE) == 0
