"""Static transaction validity: what a transaction must satisfy under a fork before any state is
read (type, signature shape, chain id, gas floor and caps, blob and set-code rules), and its
intrinsic gas. Nonce, balance and fee-versus-base-fee checks need state and live in the
transaction pipeline's check step (``ethrex.execution.transaction.check_transaction``), which
also applies the blob and set-code shape checks to unsigned messages (calls, simulations).
"""

from ethrex.crypto.kzg import VERSIONED_HASH_VERSION_KZG
from ethrex.crypto.secp256k1 import SECP256K1N, SECP256K1N_HALF
from ethrex.errors import InvalidTransaction
from ethrex.forks import ForkRules
from ethrex.primitives import U64_MAX, U256_MAX
from ethrex.types.transactions import (
    AccessListTransaction,
    BlobTransaction,
    LegacyTransaction,
    SetCodeTransaction,
    Transaction,
    max_fee_per_gas,
)

FLOOR_BASE_GAS = 21000  # EIP-7623: the floor starts from the base cost of a transaction


def _data_cost(data: bytes, zero_gas: int, nonzero_gas: int) -> int:
    zeros = data.count(0)
    return zeros * zero_gas + (len(data) - zeros) * nonzero_gas


def intrinsic_gas(tx: Transaction, rules: ForkRules) -> int:
    """Gas charged before execution: base, calldata (EIP-2028), creation (EIP-2) with init-code
    words (EIP-3860), access list (EIP-2930) and authorizations (EIP-7702)."""
    data = tx.data
    gas = rules.tx_base_gas + _data_cost(data, rules.tx_data_zero_gas, rules.tx_data_nonzero_gas)
    if not tx.to:
        gas += rules.tx_create_gas
        if rules.has_init_code_limit:
            gas += rules.init_code_word_gas * ((len(data) + 31) // 32)
    if not isinstance(tx, LegacyTransaction):
        access_list = tx.access_list
        if access_list:
            gas += len(access_list) * rules.tx_access_list_address_gas
            gas += sum(len(keys) for _, keys in access_list) * rules.tx_access_list_storage_key_gas
        if isinstance(tx, SetCodeTransaction):
            gas += len(tx.authorization_list) * rules.per_empty_account_gas
    return gas


def calldata_floor_gas(tx: Transaction, rules: ForkRules) -> int:
    """EIP-7623: ``21000 + 10 * tokens`` with ``tokens = zero_bytes + 4 * nonzero_bytes``; 0
    before Prague."""
    if not rules.has_calldata_floor:
        return 0
    data = tx.data
    zeros = data.count(0)
    tokens = zeros + 4 * (len(data) - zeros)
    return FLOOR_BASE_GAS + rules.calldata_floor_token_gas * tokens


def _check_signature(tx: Transaction, rules: ForkRules, chain_id: int | None) -> None:
    r, s = tx.r, tx.s
    if not 0 < r < SECP256K1N:
        raise InvalidTransaction(f"signature r {r:#x} out of range [1, secp256k1n)")
    if not 0 < s < SECP256K1N:
        raise InvalidTransaction(f"signature s {s:#x} out of range [1, secp256k1n)")
    if rules.has_low_s and s > SECP256K1N_HALF:
        raise InvalidTransaction(f"signature s {s:#x} above secp256k1n/2 (EIP-2)")
    if isinstance(tx, LegacyTransaction):
        v = tx.v
        if v == 27 or v == 28:
            return
        if not rules.has_chain_id_tx:
            raise InvalidTransaction(f"legacy v {v} must be 27 or 28 before EIP-155")
        if v < 35:
            raise InvalidTransaction(f"legacy v {v} is neither 27/28 nor EIP-155 (>= 35)")
        if chain_id is not None and (v - 35) // 2 != chain_id:
            raise InvalidTransaction(
                f"EIP-155 v {v} is for chain {(v - 35) // 2}, not chain {chain_id}"
            )
        return
    if tx.y_parity > 1:
        raise InvalidTransaction(f"y_parity {tx.y_parity} is not 0 or 1")
    if chain_id is not None and tx.chain_id != chain_id:
        raise InvalidTransaction(f"transaction is for chain {tx.chain_id}, not chain {chain_id}")


def _check_fees(tx: Transaction) -> None:
    if isinstance(tx, (LegacyTransaction, AccessListTransaction)):
        if tx.gas_price > U256_MAX:
            raise InvalidTransaction(f"gas_price {tx.gas_price} exceeds 2**256 - 1")
    else:
        if tx.max_fee_per_gas > U256_MAX:
            raise InvalidTransaction(f"max_fee_per_gas {tx.max_fee_per_gas} exceeds 2**256 - 1")
        if tx.max_priority_fee_per_gas > U256_MAX:
            raise InvalidTransaction(
                f"max_priority_fee_per_gas {tx.max_priority_fee_per_gas} exceeds 2**256 - 1"
            )
        if tx.max_priority_fee_per_gas > tx.max_fee_per_gas:  # EIP-1559
            raise InvalidTransaction(
                f"max_priority_fee_per_gas {tx.max_priority_fee_per_gas} exceeds "
                f"max_fee_per_gas {tx.max_fee_per_gas}"
            )
    if tx.value > U256_MAX:
        raise InvalidTransaction(f"value {tx.value} exceeds 2**256 - 1")
    # No balance can pay for gas * price at or above 2**256: reject without looking at state.
    if tx.gas * max_fee_per_gas(tx) > U256_MAX:
        raise InvalidTransaction(f"gas {tx.gas} times its fee cap overflows 256 bits")


def check_blob_shape(tx: BlobTransaction) -> None:
    """EIP-4844: a blob transaction calls an existing address and carries at least one blob,
    each named by a version-1 (KZG) hash."""
    if not tx.to:
        raise InvalidTransaction("blob transaction must not create a contract")
    hashes = tx.blob_versioned_hashes
    if not hashes:
        raise InvalidTransaction("blob transaction without blobs")
    for i, versioned in enumerate(hashes):
        if versioned[:1] != bytes((VERSIONED_HASH_VERSION_KZG,)):
            raise InvalidTransaction(f"blob versioned hash {i} has version {versioned[:1].hex()}")


def check_set_code_shape(tx: SetCodeTransaction) -> None:
    """EIP-7702: a set-code transaction calls an existing address and authorizes something."""
    if not tx.to:
        raise InvalidTransaction("set-code transaction must not create a contract")
    if not tx.authorization_list:
        raise InvalidTransaction("set-code transaction with an empty authorization list")


def _check_blob_limits(tx: BlobTransaction, rules: ForkRules) -> None:
    hashes = tx.blob_versioned_hashes
    if rules.max_blobs_per_tx is not None and len(hashes) > rules.max_blobs_per_tx:  # EIP-7594
        raise InvalidTransaction(
            f"{len(hashes)} blobs exceed the per-transaction limit {rules.max_blobs_per_tx}"
        )
    if len(hashes) > rules.blob_max:
        raise InvalidTransaction(f"{len(hashes)} blobs exceed the per-block limit {rules.blob_max}")
    if tx.max_fee_per_blob_gas > U256_MAX:
        raise InvalidTransaction(
            f"max_fee_per_blob_gas {tx.max_fee_per_blob_gas} exceeds 2**256 - 1"
        )


def validate_transaction(
    tx: Transaction, rules: ForkRules, chain_id: int | None = None
) -> tuple[int, int]:
    """Raise ``InvalidTransaction`` unless ``tx`` is statically valid under ``rules``; return
    its intrinsic gas and EIP-7623 floor.

    ``chain_id``, when given, must match the transaction's (EIP-155 ``v`` or typed
    ``chain_id``); pre-EIP-155 legacy signatures stay valid on every chain.
    """
    if tx.TYPE not in rules.tx_types:  # EIP-2718 and the EIP of each type
        raise InvalidTransaction(f"transaction type {tx.TYPE} is not enabled in {rules.fork.name}")
    if tx.nonce >= U64_MAX:  # EIP-2681: the nonce must leave room for one more increment
        raise InvalidTransaction(f"nonce {tx.nonce} must be below 2**64 - 1 (EIP-2681)")
    if tx.gas > U64_MAX:
        raise InvalidTransaction(f"gas limit {tx.gas} exceeds 2**64 - 1")
    _check_fees(tx)
    _check_signature(tx, rules, chain_id)
    to = tx.to
    if len(to) not in (0, 20):
        raise InvalidTransaction(f"recipient must be 20 bytes or empty, got {len(to)}")
    if not to and rules.has_init_code_limit and len(tx.data) > rules.max_init_code_size:
        raise InvalidTransaction(
            f"init code of {len(tx.data)} bytes exceeds {rules.max_init_code_size} (EIP-3860)"
        )
    intrinsic = intrinsic_gas(tx, rules)
    if tx.gas < intrinsic:
        raise InvalidTransaction(f"gas limit {tx.gas} below intrinsic gas {intrinsic}")
    floor = calldata_floor_gas(tx, rules)
    if tx.gas < floor:
        raise InvalidTransaction(f"gas limit {tx.gas} below calldata floor {floor} (EIP-7623)")
    if rules.tx_gas_cap is not None and tx.gas > rules.tx_gas_cap:
        raise InvalidTransaction(f"gas limit {tx.gas} above the cap {rules.tx_gas_cap} (EIP-7825)")
    if isinstance(tx, BlobTransaction):
        check_blob_shape(tx)
        _check_blob_limits(tx, rules)
    elif isinstance(tx, SetCodeTransaction):
        check_set_code_shape(tx)
    return intrinsic, floor
