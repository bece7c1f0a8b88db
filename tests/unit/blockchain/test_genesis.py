"""Block 0 from genesis.json: the rpc-compat chain's block 1 names its hash as parent."""

import hashlib
from dataclasses import replace

from ethrex import rlp
from ethrex.blockchain.genesis import (
    EMPTY_REQUESTS_HASH,
    genesis_block,
    genesis_state_root,
    storage_root,
)
from ethrex.execution.fee_market import INITIAL_BASE_FEE
from ethrex.primitives import EMPTY_LIST_HASH, keccak256
from ethrex.trie import EMPTY_ROOT, Trie
from ethrex.types.account import Account, encode_account
from ethrex.types.block import decode_blocks
from ethrex.types.genesis import Genesis, GenesisAccount, load_genesis
from tests.fixtures_root import fixtures_root


def _rpc_compat_genesis() -> Genesis:
    return load_genesis(fixtures_root() / "rpc-compat" / "genesis.json")


def test_rpc_compat_genesis_hash_is_block_1_parent() -> None:
    genesis = _rpc_compat_genesis()
    block = genesis_block(genesis)
    first = decode_blocks((fixtures_root() / "rpc-compat" / "chain.rlp").read_bytes())[0]
    assert first.header.number == 1
    assert block.hash() == first.header.parent_hash
    # Homestead at genesis: none of the optional header fields.
    assert block.header.base_fee_per_gas is None and block.withdrawals is None
    assert block.header.ommers_hash == EMPTY_LIST_HASH
    assert block.header.transactions_root == block.header.receipts_root == EMPTY_ROOT


def test_state_root_agrees_with_an_incremental_trie() -> None:
    alloc = {
        bytes([1]) * 20: GenesisAccount(balance=10**18),
        bytes([2]) * 20: GenesisAccount(balance=1, nonce=3, code=b"\x60\x00",
                                        storage={bytes(31) + b"\x01": 5, bytes(32): 0}),
    }
    storage = Trie(secure=True)
    storage.put(bytes(31) + b"\x01", rlp.encode(5))
    assert storage_root(alloc[bytes([2]) * 20].storage) == storage.root_hash()
    state = Trie(secure=True)
    state.put(bytes([1]) * 20, encode_account(Account(0, 10**18)))
    state.put(bytes([2]) * 20, encode_account(Account(3, 1, storage.root_hash(),
                                                      keccak256(b"\x60\x00"))))
    assert genesis_state_root(alloc) == state.root_hash()
    assert genesis_state_root({}) == EMPTY_ROOT


def test_post_merge_genesis_fields_follow_the_active_forks() -> None:
    genesis = _rpc_compat_genesis()
    config = replace(genesis.config, london_block=0, merge_netsplit_block=0, shanghai_time=0,
                     cancun_time=0, prague_time=0)
    header = genesis_block(replace(genesis, config=config)).header
    assert header.base_fee_per_gas == INITIAL_BASE_FEE
    assert header.withdrawals_root == EMPTY_ROOT
    assert header.blob_gas_used == header.excess_blob_gas == 0
    assert header.parent_beacon_block_root == bytes(32)
    assert header.requests_hash == EMPTY_REQUESTS_HASH == hashlib.sha256(b"").digest()
    shanghai_only = replace(config, cancun_time=None, prague_time=None)
    header = genesis_block(replace(genesis, config=shanghai_only, base_fee_per_gas=7)).header
    assert header.base_fee_per_gas == 7
    assert header.withdrawals_root == EMPTY_ROOT and header.excess_blob_gas is None
