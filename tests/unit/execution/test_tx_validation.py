"""Intrinsic gas, the EIP-7623 floor and static transaction validity per fork."""

from dataclasses import replace

import pytest

from ethrex.crypto.secp256k1 import SECP256K1N
from ethrex.errors import InvalidTransaction
from ethrex.execution.tx_validation import calldata_floor_gas, intrinsic_gas, validate_transaction
from ethrex.forks import RULES, Fork
from ethrex.types.transactions import (
    AccessListTransaction,
    Authorization,
    BlobTransaction,
    FeeMarketTransaction,
    LegacyTransaction,
    SetCodeTransaction,
    Transaction,
    sign_transaction,
)

KEY = bytes([0x46]) * 32
TO = bytes([0x35]) * 20
FRONTIER, HOMESTEAD = RULES[Fork.FRONTIER], RULES[Fork.HOMESTEAD]
SPURIOUS = RULES[Fork.SPURIOUS_DRAGON]
ISTANBUL, BERLIN, SHANGHAI = RULES[Fork.ISTANBUL], RULES[Fork.BERLIN], RULES[Fork.SHANGHAI]
CANCUN, PRAGUE, OSAKA = RULES[Fork.CANCUN], RULES[Fork.PRAGUE], RULES[Fork.OSAKA]
HASH = b"\x01" + bytes(31)
AUTH = Authorization(1, TO, 0, 0, 1, 1)


def legacy(**kw: object) -> LegacyTransaction:
    tx = sign_transaction(LegacyTransaction(0, 10, 100_000, TO, 1, b"", 0, 0, 0), KEY, chain_id=1)
    assert isinstance(tx, LegacyTransaction)
    return replace(tx, **kw)  # type: ignore[arg-type]


def fee_market(**kw: object) -> FeeMarketTransaction:
    tx = FeeMarketTransaction(1, 0, 1, 10, 100_000, TO, 0, b"", (), 0, 1, 1)
    return replace(tx, **kw)  # type: ignore[arg-type]


def blob(**kw: object) -> BlobTransaction:
    tx = BlobTransaction(1, 0, 1, 10, 100_000, TO, 0, b"", (), 1, (HASH,), 0, 1, 1)
    return replace(tx, **kw)  # type: ignore[arg-type]


def set_code(**kw: object) -> SetCodeTransaction:
    tx = SetCodeTransaction(1, 0, 1, 10, 100_000, TO, 0, b"", (), (AUTH,), 0, 1, 1)
    return replace(tx, **kw)  # type: ignore[arg-type]


def test_intrinsic_gas_components() -> None:
    assert intrinsic_gas(legacy(), FRONTIER) == 21000
    assert intrinsic_gas(legacy(to=b""), FRONTIER) == 21000
    assert intrinsic_gas(legacy(to=b""), HOMESTEAD) == 53000  # EIP-2
    data = b"\x00\x01\x00\x02"
    assert intrinsic_gas(legacy(data=data), FRONTIER) == 21000 + 2 * 4 + 2 * 68
    assert intrinsic_gas(legacy(data=data), ISTANBUL) == 21000 + 2 * 4 + 2 * 16  # EIP-2028
    access = AccessListTransaction(1, 0, 1, 50_000, TO, 0, b"", ((TO, (HASH, HASH)), (TO, ())),
                                   0, 1, 1)
    assert intrinsic_gas(access, BERLIN) == 21000 + 2 * 2400 + 2 * 1900  # EIP-2930
    init = b"\x01" * 33  # two words
    assert intrinsic_gas(fee_market(to=b"", data=init), SHANGHAI) == 53000 + 33 * 16 + 2 * 2
    assert intrinsic_gas(fee_market(to=b"", data=init), BERLIN) == 53000 + 33 * 16  # pre-3860
    assert intrinsic_gas(set_code(authorization_list=(AUTH, AUTH)), PRAGUE) == 21000 + 2 * 25000


def test_calldata_floor() -> None:
    data = b"\x01" * 100 + b"\x00" * 10  # tokens = 10 + 4 * 100
    assert calldata_floor_gas(fee_market(data=data), CANCUN) == 0
    assert calldata_floor_gas(fee_market(data=data), PRAGUE) == 21000 + 10 * 410
    tx = fee_market(data=data, gas=21000 + 1600 + 40 + 100)  # above intrinsic, below floor
    validate_transaction(tx, CANCUN)
    with pytest.raises(InvalidTransaction, match="floor"):
        validate_transaction(tx, PRAGUE)
    validate_transaction(replace(tx, gas=25100), PRAGUE)


VALID: list[tuple[Transaction, object]] = [
    (legacy(), SPURIOUS),
    (legacy(v=27), FRONTIER),
    (fee_market(), CANCUN),
    (blob(), CANCUN),
    (set_code(), PRAGUE),
    (fee_market(gas=2**24), OSAKA),
]


@pytest.mark.parametrize(("tx", "rules"), VALID)
def test_valid_transactions(tx: Transaction, rules: object) -> None:
    validate_transaction(tx, rules, chain_id=1)  # type: ignore[arg-type]


INVALID: list[tuple[str, Transaction, object]] = [
    ("type 2", fee_market(), BERLIN),
    ("type 3", blob(), SHANGHAI),
    ("type 4", set_code(), CANCUN),
    ("EIP-155", legacy(), HOMESTEAD),  # chain-id v before Spurious Dragon
    ("chain 1, not chain 2", legacy(), None),
    ("chain 1, not chain 2", fee_market(), None),
    ("y_parity", fee_market(y_parity=2), CANCUN),
    ("above secp256k1n/2", legacy(v=27, s=SECP256K1N - 1), HOMESTEAD),
    ("r", fee_market(r=0), CANCUN),
    ("s", fee_market(s=SECP256K1N), CANCUN),
    ("v 29", legacy(v=29), SPURIOUS),
    ("intrinsic", fee_market(gas=20999), CANCUN),
    ("EIP-7825", fee_market(gas=2**24 + 1), OSAKA),
    ("EIP-3860", fee_market(to=b"", data=bytes(49153), gas=10**7), SHANGHAI),
    ("EIP-2681", fee_market(nonce=2**64 - 1), CANCUN),
    ("max_priority_fee_per_gas", fee_market(max_priority_fee_per_gas=11), CANCUN),
    ("value", fee_market(value=2**256), CANCUN),
    ("overflows", fee_market(max_fee_per_gas=2**250, max_priority_fee_per_gas=0), CANCUN),
    ("without blobs", blob(blob_versioned_hashes=()), CANCUN),
    ("version", blob(blob_versioned_hashes=(b"\x02" + bytes(31),)), CANCUN),
    ("create", blob(to=b""), CANCUN),
    ("per-block limit", blob(blob_versioned_hashes=(HASH,) * 7), CANCUN),
    ("per-transaction limit", blob(blob_versioned_hashes=(HASH,) * 7), OSAKA),
    ("empty authorization", set_code(authorization_list=()), PRAGUE),
    ("create", set_code(to=b""), PRAGUE),
]


@pytest.mark.parametrize(("message", "tx", "rules"), INVALID)
def test_invalid_transactions(message: str, tx: Transaction, rules: object) -> None:
    chain_id = 1
    if rules is None:  # the chain-id cases: a chain-2 node sees a chain-1 transaction
        rules, chain_id = CANCUN, 2
    with pytest.raises(InvalidTransaction, match=message):
        validate_transaction(tx, rules, chain_id=chain_id)  # type: ignore[arg-type]


def test_high_s_is_fine_in_frontier() -> None:
    validate_transaction(legacy(v=27, s=SECP256K1N - 1), FRONTIER)


def test_osaka_blob_limit_is_bounded_by_the_block_too() -> None:
    tight = replace(OSAKA, blob_max=2)
    with pytest.raises(InvalidTransaction, match="per-block"):
        validate_transaction(blob(blob_versioned_hashes=(HASH,) * 3), tight)
