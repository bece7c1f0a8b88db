"""Block 0 from a genesis file: its state root and its header, shaped by the forks active at
genesis (London base fee, Shanghai withdrawals root, Cancun blob fields, Prague requests hash)."""

import hashlib

from ethrex import rlp
from ethrex.execution.fee_market import INITIAL_BASE_FEE
from ethrex.forks import rules_at
from ethrex.primitives import EMPTY_LIST_HASH, keccak256
from ethrex.trie import EMPTY_ROOT, secure_root
from ethrex.types.account import Account, encode_account
from ethrex.types.block import Block
from ethrex.types.genesis import Genesis, GenesisAccount
from ethrex.types.header import Header

EMPTY_REQUESTS_HASH = hashlib.sha256(b"").digest()  # EIP-7685: no requests at genesis


def storage_root(storage: dict[bytes, int]) -> bytes:
    """Root of an account's storage trie: ``keccak(slot) -> rlp(value)``, zero slots absent."""
    return secure_root({slot: rlp.encode(value) for slot, value in storage.items() if value})


def genesis_account(account: GenesisAccount) -> Account:
    """The state-trie record of a genesis ``alloc`` entry."""
    return Account(account.nonce, account.balance, storage_root(account.storage),
                   keccak256(account.code))


def genesis_state_root(alloc: dict[bytes, GenesisAccount]) -> bytes:
    """The state root after allocating ``alloc``."""
    return secure_root({
        address: encode_account(genesis_account(account)) for address, account in alloc.items()
    })


def genesis_header(genesis: Genesis, state_root: bytes | None = None) -> Header:
    """The header of block 0, with each optional field set iff its fork is active at genesis
    (``state_root`` when the caller computed it already)."""
    rules = rules_at(genesis.config, genesis.number, genesis.timestamp)
    base_fee = withdrawals_root = blob_gas_used = excess_blob_gas = beacon_root = None
    requests_hash = None
    if rules.has_base_fee:  # EIP-1559: the initial base fee unless the file sets one
        base_fee = genesis.base_fee_per_gas
        if base_fee is None:
            base_fee = INITIAL_BASE_FEE
    if rules.has_withdrawals:  # EIP-4895
        withdrawals_root = EMPTY_ROOT
    if rules.has_blobs:  # EIP-4844, EIP-4788
        blob_gas_used = genesis.blob_gas_used or 0
        excess_blob_gas = genesis.excess_blob_gas or 0
        beacon_root = bytes(32)
    if rules.has_requests:  # EIP-7685
        requests_hash = EMPTY_REQUESTS_HASH
    return Header(
        parent_hash=genesis.parent_hash,
        ommers_hash=EMPTY_LIST_HASH,
        coinbase=genesis.coinbase,
        state_root=genesis_state_root(genesis.alloc) if state_root is None else state_root,
        transactions_root=EMPTY_ROOT,
        receipts_root=EMPTY_ROOT,
        logs_bloom=bytes(256),
        difficulty=genesis.difficulty,
        number=genesis.number,
        gas_limit=genesis.gas_limit,
        gas_used=genesis.gas_used,
        timestamp=genesis.timestamp,
        extra_data=genesis.extra_data,
        prev_randao=genesis.mix_hash,
        nonce=genesis.nonce.to_bytes(8, "big"),
        base_fee_per_gas=base_fee,
        withdrawals_root=withdrawals_root,
        blob_gas_used=blob_gas_used,
        excess_blob_gas=excess_blob_gas,
        parent_beacon_block_root=beacon_root,
        requests_hash=requests_hash,
    )


def genesis_block(genesis: Genesis, state_root: bytes | None = None) -> Block:
    """Block 0: the genesis header, no transactions or ommers, and empty withdrawals from
    Shanghai."""
    header = genesis_header(genesis, state_root)
    withdrawals = () if header.withdrawals_root is not None else None
    return Block(header, (), (), withdrawals)
