"""The five transaction types: their canonical encoding, hashes, signing hashes and senders.

Type 0 is the legacy RLP list (EIP-155 folds the chain id into ``v``); types 1-4 are EIP-2718
envelopes ``type || rlp(fields)``: access lists (EIP-2930), fee market (EIP-1559), blobs
(EIP-4844) and set-code authorizations (EIP-7702). Dataclass fields are in RLP order.

Type 0x7e is the rollup's privileged transaction (an L1-to-L2 message such as a deposit): it
has no signature, it names its sender. No L1 fork enables it (``ForkRules.tx_types``); an L2
runs it through its execution hooks (``ethrex.l2.rollup.hooks``). It is known here so that L2
blocks are stored, read and served like any other.

Decoding checks shape only (field counts, sizes, canonical integers); whether a transaction is
valid under a fork is ``ethrex.execution.tx_validation``'s job.
"""

from dataclasses import dataclass, replace
from collections.abc import Callable
from typing import ClassVar, Union

from ethrex import rlp
from ethrex.crypto.secp256k1 import SECP256K1N_HALF, recover_address, sign, try_recover_address
from ethrex.errors import InvalidTransaction, RLPDecodingError
from ethrex.primitives import keccak256
from ethrex.rlp import Item
from ethrex.types._fields import read_bytes, read_hashes, read_list, read_to, read_uint

AccessList = tuple[tuple[bytes, tuple[bytes, ...]], ...]

SET_CODE_AUTH_MAGIC = b"\x05"  # EIP-7702 MAGIC prefix of the authorization signing hash


@dataclass(frozen=True, slots=True)
class LegacyTransaction:
    """A pre-EIP-2718 transaction; ``v`` is 27/28 or, with EIP-155, ``chain_id * 2 + 35/36``."""

    TYPE: ClassVar[int] = 0
    nonce: int
    gas_price: int
    gas: int
    to: bytes  # b"" for a contract creation
    value: int
    data: bytes
    v: int
    r: int
    s: int


@dataclass(frozen=True, slots=True)
class AccessListTransaction:
    """EIP-2930: a transaction that declares the addresses and slots it touches."""

    TYPE: ClassVar[int] = 1
    chain_id: int
    nonce: int
    gas_price: int
    gas: int
    to: bytes
    value: int
    data: bytes
    access_list: AccessList
    y_parity: int
    r: int
    s: int


@dataclass(frozen=True, slots=True)
class FeeMarketTransaction:
    """EIP-1559: a transaction paying a base fee plus a priority fee."""

    TYPE: ClassVar[int] = 2
    chain_id: int
    nonce: int
    max_priority_fee_per_gas: int
    max_fee_per_gas: int
    gas: int
    to: bytes
    value: int
    data: bytes
    access_list: AccessList
    y_parity: int
    r: int
    s: int


@dataclass(frozen=True, slots=True)
class BlobTransaction:
    """EIP-4844: a fee-market transaction that carries blobs (by versioned hash)."""

    TYPE: ClassVar[int] = 3
    chain_id: int
    nonce: int
    max_priority_fee_per_gas: int
    max_fee_per_gas: int
    gas: int
    to: bytes
    value: int
    data: bytes
    access_list: AccessList
    max_fee_per_blob_gas: int
    blob_versioned_hashes: tuple[bytes, ...]
    y_parity: int
    r: int
    s: int


@dataclass(frozen=True, slots=True)
class Authorization:
    """EIP-7702: a signed permission to set an account's code to a delegation to ``address``."""

    chain_id: int
    address: bytes
    nonce: int
    y_parity: int
    r: int
    s: int


@dataclass(frozen=True, slots=True)
class SetCodeTransaction:
    """EIP-7702: a fee-market transaction carrying code-delegation authorizations."""

    TYPE: ClassVar[int] = 4
    chain_id: int
    nonce: int
    max_priority_fee_per_gas: int
    max_fee_per_gas: int
    gas: int
    to: bytes
    value: int
    data: bytes
    access_list: AccessList
    authorization_list: tuple[Authorization, ...]
    y_parity: int
    r: int
    s: int


@dataclass(frozen=True, slots=True)
class PrivilegedL2Transaction:
    """A rollup's L1-to-L2 transaction: the L1 bridge sets ``sender`` and numbers it with
    ``nonce`` (its id on L1); only the sequencer includes it, so it carries no signature.
    The field layout is ethrex's (type 0x7e, ``from`` last)."""

    TYPE: ClassVar[int] = 0x7E
    chain_id: int
    nonce: int
    max_priority_fee_per_gas: int
    max_fee_per_gas: int
    gas: int
    to: bytes
    value: int
    data: bytes
    access_list: AccessList
    sender: bytes


Transaction = Union[
    LegacyTransaction,
    AccessListTransaction,
    FeeMarketTransaction,
    BlobTransaction,
    SetCodeTransaction,
    PrivilegedL2Transaction,
]
TypedTransaction = Union[
    AccessListTransaction, FeeMarketTransaction, BlobTransaction, SetCodeTransaction,
    PrivilegedL2Transaction,
]


# --- Fee helpers: one view of the fee fields across types ------------------------------------


def max_fee_per_gas(tx: Transaction) -> int:
    """The most the sender pays per gas: ``gas_price`` before EIP-1559 types."""
    if isinstance(tx, (LegacyTransaction, AccessListTransaction)):
        return tx.gas_price
    return tx.max_fee_per_gas


def max_priority_fee_per_gas(tx: Transaction) -> int:
    """The tip cap: ``gas_price`` before EIP-1559 types (all of it may go to the coinbase)."""
    if isinstance(tx, (LegacyTransaction, AccessListTransaction)):
        return tx.gas_price
    return tx.max_priority_fee_per_gas


def legacy_chain_id(tx: LegacyTransaction) -> int | None:
    """The EIP-155 chain id folded into ``v``, or None for an unprotected signature."""
    return (tx.v - 35) // 2 if tx.v >= 35 else None


def transaction_chain_id(tx: Transaction) -> int | None:
    """The chain a transaction is bound to, None for a pre-EIP-155 legacy transaction."""
    if isinstance(tx, LegacyTransaction):
        return legacy_chain_id(tx)
    return tx.chain_id


# --- Encoding --------------------------------------------------------------------------------


def _auth_fields(auth: Authorization) -> list[object]:
    return [auth.chain_id, auth.address, auth.nonce, auth.y_parity, auth.r, auth.s]


def _unsigned_fields(tx: Transaction) -> list[object]:
    """The fields a signature covers, in RLP order (the typed ones without the type byte)."""
    if isinstance(tx, LegacyTransaction):
        return [tx.nonce, tx.gas_price, tx.gas, tx.to, tx.value, tx.data]
    if isinstance(tx, AccessListTransaction):
        return [tx.chain_id, tx.nonce, tx.gas_price, tx.gas, tx.to, tx.value, tx.data,
                tx.access_list]
    head = [tx.chain_id, tx.nonce, tx.max_priority_fee_per_gas, tx.max_fee_per_gas, tx.gas,
            tx.to, tx.value, tx.data, tx.access_list]
    if isinstance(tx, FeeMarketTransaction):
        return head
    if isinstance(tx, BlobTransaction):
        head.append(tx.max_fee_per_blob_gas)
        head.append(tx.blob_versioned_hashes)
        return head
    if isinstance(tx, SetCodeTransaction):
        head.append([_auth_fields(a) for a in tx.authorization_list])
        return head
    if isinstance(tx, PrivilegedL2Transaction):
        head.append(tx.sender)
        return head
    raise TypeError(f"not a transaction: {type(tx).__name__}")


def transaction_fields(tx: Transaction) -> list[object]:
    """All fields of a transaction in RLP order (for typed ones, the payload after the type)."""
    fields = _unsigned_fields(tx)
    if isinstance(tx, LegacyTransaction):
        fields += [tx.v, tx.r, tx.s]
    elif isinstance(tx, PrivilegedL2Transaction):
        pass  # unsigned: the sender is a field
    else:
        fields += [tx.y_parity, tx.r, tx.s]
    return fields


def encode_transaction(tx: Transaction) -> bytes:
    """The canonical (block body) encoding: an RLP list, or ``type || rlp(fields)`` (EIP-2718)."""
    payload = rlp.encode(transaction_fields(tx))
    if isinstance(tx, LegacyTransaction):
        return payload
    return bytes((tx.TYPE,)) + payload


def encode_transaction_item(tx: Transaction) -> object:
    """A transaction as an element of a block body's list: a list (legacy) or a byte string."""
    if isinstance(tx, LegacyTransaction):
        return transaction_fields(tx)
    return encode_transaction(tx)


# --- Decoding --------------------------------------------------------------------------------


def _read_access_list(item: Item) -> AccessList:
    entries = []
    for entry in read_list(item, "access_list"):
        address, keys = read_list(entry, "access_list entry", 2)
        entries.append(
            (read_bytes(address, "access_list address", 20),
             read_hashes(keys, "access_list storage key"))
        )
    return tuple(entries)


def _read_authorization(item: Item) -> Authorization:
    # EIP-7702 bounds: chain_id and r, s < 2**256, nonce < 2**64, y_parity < 2**8.
    chain_id, address, nonce, y_parity, r, s = read_list(item, "authorization", 6)
    return Authorization(
        read_uint(chain_id, "authorization chain_id"),
        read_bytes(address, "authorization address", 20),
        read_uint(nonce, "authorization nonce", 64),
        read_uint(y_parity, "authorization y_parity", 8),
        read_uint(r, "authorization r"),
        read_uint(s, "authorization s"),
    )


def _decode_legacy(fields: list[Item]) -> LegacyTransaction:
    nonce, gas_price, gas, to, value, data, v, r, s = read_list(fields, "legacy transaction", 9)
    return LegacyTransaction(
        read_uint(nonce, "nonce", 64),  # EIP-2681 bounds the nonce to 64 bits
        read_uint(gas_price, "gas_price"),
        read_uint(gas, "gas", 64),
        read_to(to),
        read_uint(value, "value"),
        read_bytes(data, "data"),
        read_uint(v, "v"),
        read_uint(r, "r"),
        read_uint(s, "s"),
    )


def _decode_access_list_tx(item: Item) -> AccessListTransaction:
    (chain_id, nonce, gas_price, gas, to, value, data, access_list, y_parity, r,
     s) = read_list(item, "access list transaction", 11)
    return AccessListTransaction(
        read_uint(chain_id, "chain_id"), read_uint(nonce, "nonce", 64),
        read_uint(gas_price, "gas_price"), read_uint(gas, "gas", 64), read_to(to),
        read_uint(value, "value"), read_bytes(data, "data"), _read_access_list(access_list),
        read_uint(y_parity, "y_parity"), read_uint(r, "r"), read_uint(s, "s"),
    )


def _decode_fee_market_tx(item: Item) -> FeeMarketTransaction:
    (chain_id, nonce, tip, fee_cap, gas, to, value, data, access_list, y_parity, r,
     s) = read_list(item, "fee market transaction", 12)
    return FeeMarketTransaction(
        read_uint(chain_id, "chain_id"), read_uint(nonce, "nonce", 64),
        read_uint(tip, "max_priority_fee_per_gas"), read_uint(fee_cap, "max_fee_per_gas"),
        read_uint(gas, "gas", 64), read_to(to), read_uint(value, "value"),
        read_bytes(data, "data"), _read_access_list(access_list),
        read_uint(y_parity, "y_parity"), read_uint(r, "r"), read_uint(s, "s"),
    )


def decode_blob_transaction_fields(item: Item) -> BlobTransaction:
    """Decode the field list of a blob transaction (also the body of its network form)."""
    (chain_id, nonce, tip, fee_cap, gas, to, value, data, access_list, blob_fee_cap, hashes,
     y_parity, r, s) = read_list(item, "blob transaction", 14)
    return BlobTransaction(
        read_uint(chain_id, "chain_id"), read_uint(nonce, "nonce", 64),
        read_uint(tip, "max_priority_fee_per_gas"), read_uint(fee_cap, "max_fee_per_gas"),
        read_uint(gas, "gas", 64), read_to(to), read_uint(value, "value"),
        read_bytes(data, "data"), _read_access_list(access_list),
        read_uint(blob_fee_cap, "max_fee_per_blob_gas"),
        read_hashes(hashes, "blob_versioned_hashes"),
        read_uint(y_parity, "y_parity"), read_uint(r, "r"), read_uint(s, "s"),
    )


def _decode_set_code_tx(item: Item) -> SetCodeTransaction:
    (chain_id, nonce, tip, fee_cap, gas, to, value, data, access_list, auths, y_parity, r,
     s) = read_list(item, "set code transaction", 13)
    return SetCodeTransaction(
        read_uint(chain_id, "chain_id"), read_uint(nonce, "nonce", 64),
        read_uint(tip, "max_priority_fee_per_gas"), read_uint(fee_cap, "max_fee_per_gas"),
        read_uint(gas, "gas", 64), read_to(to), read_uint(value, "value"),
        read_bytes(data, "data"), _read_access_list(access_list),
        tuple(_read_authorization(a) for a in read_list(auths, "authorization_list")),
        read_uint(y_parity, "y_parity"), read_uint(r, "r"), read_uint(s, "s"),
    )


def _decode_privileged_tx(item: Item) -> PrivilegedL2Transaction:
    (chain_id, nonce, tip, fee_cap, gas, to, value, data, access_list,
     sender) = read_list(item, "privileged transaction", 10)
    return PrivilegedL2Transaction(
        read_uint(chain_id, "chain_id"), read_uint(nonce, "nonce", 64),
        read_uint(tip, "max_priority_fee_per_gas"), read_uint(fee_cap, "max_fee_per_gas"),
        read_uint(gas, "gas", 64), read_to(to), read_uint(value, "value"),
        read_bytes(data, "data"), _read_access_list(access_list),
        read_bytes(sender, "from", 20),
    )


_TYPED_DECODERS: dict[int, Callable[[Item], TypedTransaction]] = {
    1: _decode_access_list_tx,
    2: _decode_fee_market_tx,
    3: decode_blob_transaction_fields,
    4: _decode_set_code_tx,
    PrivilegedL2Transaction.TYPE: _decode_privileged_tx,
}


def _decode_typed(tx_type: int, payload: bytes) -> TypedTransaction:
    decoder = _TYPED_DECODERS.get(tx_type)
    if decoder is None:
        raise InvalidTransaction(f"unknown transaction type {tx_type:#04x}")
    return decoder(rlp.decode(payload))


def decode_transaction(data: bytes) -> Transaction:
    """Decode the canonical encoding; raises ``RLPDecodingError`` / ``InvalidTransaction``."""
    if not data:
        raise RLPDecodingError("empty transaction")
    first = data[0]
    if first >= 0xC0:
        return _decode_legacy(read_list(rlp.decode(data), "legacy transaction"))
    if first <= 0x7F:  # EIP-2718: a type byte, then the payload
        return _decode_typed(first, data[1:])
    raise RLPDecodingError(f"transaction starts with {first:#04x}: neither a list nor a type")


def decode_transaction_item(item: Item) -> Transaction:
    """Decode one element of a block body's transaction list (a list, or typed bytes)."""
    if isinstance(item, list):
        return _decode_legacy(item)
    if not item or item[0] >= 0x80:  # a legacy transaction must not be wrapped in a string
        raise RLPDecodingError("typed transaction in a block body must start with its type")
    return _decode_typed(item[0], item[1:])


# --- Hashes and signatures -------------------------------------------------------------------


def transaction_hash(tx: Transaction) -> bytes:
    """keccak256 of the canonical encoding (EIP-2718)."""
    return keccak256(encode_transaction(tx))


def signing_hash(tx: Transaction) -> bytes:
    """The hash the sender signs; for legacy, EIP-155 appends ``[chain_id, 0, 0]``."""
    if isinstance(tx, LegacyTransaction):
        fields = _unsigned_fields(tx)
        if tx.v >= 35:
            fields += [(tx.v - 35) // 2, 0, 0]
        return keccak256(rlp.encode(fields))
    return keccak256(bytes((tx.TYPE,)) + rlp.encode(_unsigned_fields(tx)))


def _y_parity(tx: Transaction) -> int:
    if isinstance(tx, LegacyTransaction):
        v = tx.v
        if v == 27 or v == 28:
            return v - 27
        if v >= 35:  # EIP-155
            return (v - 35) & 1
        raise InvalidTransaction(f"legacy v {v} is neither 27/28 nor EIP-155 (>= 35)")
    return tx.y_parity


def recover_sender(tx: Transaction) -> bytes:
    """The 20-byte address that signed ``tx`` (a privileged transaction names it); raises
    ``InvalidTransaction`` if none does."""
    if isinstance(tx, PrivilegedL2Transaction):
        return tx.sender
    return recover_address(signing_hash(tx), _y_parity(tx), tx.r, tx.s)


def authorization_signing_hash(auth: Authorization) -> bytes:
    """EIP-7702: ``keccak(0x05 || rlp([chain_id, address, nonce]))``."""
    return keccak256(SET_CODE_AUTH_MAGIC + rlp.encode([auth.chain_id, auth.address, auth.nonce]))


def recover_authority(auth: Authorization) -> bytes | None:
    """The account an EIP-7702 authorization speaks for, or None if its signature is invalid
    (y_parity not 0/1, s above secp256k1n/2, or no key recovers)."""
    if auth.y_parity > 1 or auth.s > SECP256K1N_HALF:
        return None
    return try_recover_address(authorization_signing_hash(auth), auth.y_parity, auth.r, auth.s)


def sign_transaction(
    tx: Transaction, private_key: bytes, chain_id: int | None = None
) -> Transaction:
    """Return ``tx`` signed with ``private_key``.

    A legacy transaction gets an EIP-155 ``v`` when ``chain_id`` is given, else 27/28; typed
    transactions sign over their own ``chain_id``.
    """
    if isinstance(tx, LegacyTransaction):
        # The signing hash depends on v only through the chain id; set it before hashing.
        unsigned = replace(tx, v=27 if chain_id is None else chain_id * 2 + 35, r=0, s=0)
        parity, r, s = sign(signing_hash(unsigned), private_key)
        return replace(unsigned, v=unsigned.v + parity, r=r, s=s)
    parity, r, s = sign(signing_hash(tx), private_key)
    return replace(tx, y_parity=parity, r=r, s=s)


def sign_authorization(
    chain_id: int, address: bytes, nonce: int, private_key: bytes
) -> Authorization:
    """An EIP-7702 authorization for ``address`` signed with ``private_key``."""
    unsigned = Authorization(chain_id, address, nonce, 0, 0, 0)
    parity, r, s = sign(authorization_signing_hash(unsigned), private_key)
    return Authorization(chain_id, address, nonce, parity, r, s)
