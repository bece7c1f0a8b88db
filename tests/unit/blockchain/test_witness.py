"""Execution witnesses recorded from the store, and stateless execution from them alone.

A small dev chain exercises what a witness must carry: a storage deletion that collapses a
branch into its last child (the sibling node is needed only for the post-state root), an
empty account that EIP-161 deletes, contract code, BLOCKHASH of ancestors before a batch and
of blocks inside it, and a rollup's execution hooks.
"""

import subprocess
import sys
from dataclasses import dataclass, replace

import pytest

from ethrex.blockchain.blockchain import Blockchain
from ethrex.blockchain.payload import PayloadAttributes, build_payload
from ethrex.blockchain.witness import record_witness
from ethrex.dev import DEV_CHAIN_ID, dev_accounts, dev_genesis
from ethrex.errors import InvalidBlock
from ethrex.evm.env import BlockEnv
from ethrex.execution.hooks import L1Hooks, TxPlan
from ethrex.execution.stateless import execute_stateless
from ethrex.forks import ForkRules
from ethrex.primitives import keccak256
from ethrex.rlp import encode as rlp_encode
from ethrex.state import StateDB
from ethrex.state.witness import (
    ExecutionWitness,
    InvalidWitness,
    MissingWitnessCode,
    MissingWitnessHeader,
    MissingWitnessNode,
    decode_witness,
    encode_witness,
    witness_from_json,
    witness_to_json,
)
from ethrex.storage import Store
from ethrex.trie import Trie, ordered_root
from ethrex.types.block import Block
from ethrex.types.genesis import GenesisAccount
from ethrex.types.header import decode_header, encode_header
from ethrex.types.receipt import encode_receipt
from ethrex.types.transactions import FeeMarketTransaction, Transaction, sign_transaction

STORE = b"\x5a" * 20  # for each 64-byte (key, value) pair of the calldata: SSTORE(key, value)
STORE_CODE = bytes.fromhex("60005b8036111560185780602001358135556040016002565b00")
HASHER = b"\x5b" * 20  # n = calldata[0:32]; SSTORE(n, BLOCKHASH(n))
HASHER_CODE = bytes.fromhex("5f3580409055" "00")
EMPTY = b"\x5c" * 20  # an empty account: a zero-value call touches it and EIP-161 deletes it
VAULT = b"\xfe" * 20
# keccak(slot 0) starts with nibble 2, keccak(slot 1) with nibble b: STORE's storage trie is a
# branch with two hashed leaves, and clearing slot 0 collapses it into slot 1's leaf.
SLOT_A, SLOT_B = 0, 1


def _slot(n: int) -> bytes:
    return n.to_bytes(32, "big")


class VaultHooks(L1Hooks):
    """A rollup-like fee rule: the base fee goes to a vault instead of being burned."""

    def pay_fees(self, state: StateDB, env: BlockEnv, plan: TxPlan, gas_used: int,
                 rules: ForkRules) -> None:
        super().pay_fees(state, env, plan, gas_used, rules)
        state.add_balance(VAULT, gas_used * env.base_fee_per_gas)


@dataclass
class DevChain:
    chain: Blockchain
    blocks: list[Block]
    nonce: int = 0

    def call(self, to: bytes, data: bytes = b"", value: int = 0) -> Transaction:
        key = dev_accounts()[0][1]
        tx = sign_transaction(FeeMarketTransaction(DEV_CHAIN_ID, self.nonce, 10**9, 10**11,
                                                   200_000, to, value, data, (), 0, 0, 0), key)
        self.nonce += 1
        return tx

    def add(self, *txs: Transaction) -> Block:
        parent = self.chain.head_header()
        attrs = PayloadAttributes(parent.timestamp + 12, b"\x22" * 32, b"\x33" * 20, (),
                                  b"\x11" * 32)
        block = build_payload(self.chain, parent, attrs, forced=list(txs)).block
        self.chain.add_block(block, make_head=True)
        self.blocks.append(block)
        return block


def _dev_chain(hooks: L1Hooks | None = None) -> DevChain:
    genesis = dev_genesis()
    alloc = dict(genesis.alloc)
    alloc[STORE] = GenesisAccount(code=STORE_CODE, storage={_slot(SLOT_A): 7, _slot(SLOT_B): 8})
    alloc[HASHER] = GenesisAccount(code=HASHER_CODE)
    alloc[EMPTY] = GenesisAccount()
    chain = Blockchain.open(Store.in_memory(), replace(genesis, alloc=alloc), hooks)
    genesis_block = chain.store.get_block(chain.genesis_hash())
    assert genesis_block is not None
    return DevChain(chain, [genesis_block])


@pytest.fixture(scope="module")
def dev() -> DevChain:
    """Genesis and blocks 1..4: a deletion and a touched empty account, BLOCKHASH of block 1
    (inside a batch of 1..3), of the genesis, and a new contract that block 4 calls."""
    dev = _dev_chain()
    dev.add(dev.call(STORE, _slot(SLOT_A) + _slot(0)), dev.call(EMPTY))
    dev.add(dev.call(HASHER, _slot(1)))
    hash_genesis = dev.call(HASHER, _slot(0))
    created = keccak256(rlp_encode([dev_accounts()[0][0], dev.nonce]))[12:]
    dev.add(hash_genesis, dev.call(b"", _init_code(STORE_CODE + b"\x00")))
    dev.add(dev.call(created, _slot(5) + _slot(6)))
    store = dev.chain.store
    assert store.get_storage_at(dev.blocks[1].header.state_root, STORE, SLOT_A) == 0
    assert store.get_account_at(dev.blocks[0].header.state_root, EMPTY) is not None
    assert store.get_account_at(dev.blocks[1].header.state_root, EMPTY) is None
    assert store.get_storage_at(dev.blocks[2].header.state_root, HASHER, 1) == \
        int.from_bytes(dev.blocks[1].hash(), "big")
    assert store.get_storage_at(dev.blocks[4].header.state_root, created, 5) == 6
    return dev


def _init_code(runtime: bytes) -> bytes:
    n = len(runtime)
    return bytes([0x60, n, 0x60, 12, 0x60, 0, 0x39, 0x60, n, 0x60, 0, 0xF3]) + runtime


def _without(witness: ExecutionWitness, **drop: bytes) -> ExecutionWitness:
    return replace(witness, **{name: tuple(x for x in getattr(witness, name) if x != item)
                               for name, item in drop.items()})


def test_stateless_execution_reaches_each_blocks_roots(dev: DevChain) -> None:
    for block in dev.blocks[1:]:
        witness = record_witness(dev.chain, [block])
        result = execute_stateless(witness, [block], dev.chain.config)
        parent = dev.blocks[block.header.number - 1]
        assert result.initial_state_root == parent.header.state_root
        assert result.final_state_root == block.header.state_root
        (output,) = result.outputs
        assert ordered_root([encode_receipt(r) for r in output.receipts]) == \
            block.header.receipts_root


def test_a_deletion_needs_the_sibling_it_collapses_into(dev: DevChain) -> None:
    block = dev.blocks[1]
    witness = record_witness(dev.chain, [block])
    storage_root = dev.chain.store.get_account_at(dev.blocks[0].header.state_root,
                                                  STORE).storage_root  # type: ignore[union-attr]
    sibling = Trie(dev.chain.store.nodes, storage_root, secure=True).prove(_slot(SLOT_B))[-1]
    assert sibling in witness.state  # slot 1's leaf: never read, only pulled up by the delete
    with pytest.raises(MissingWitnessNode) as info:
        execute_stateless(_without(witness, state=sibling), [block], dev.chain.config)
    assert info.value.node_hash == keccak256(sibling)
    assert keccak256(sibling).hex() in str(info.value)


@pytest.mark.parametrize("number", [1, 2, 3, 4])
def test_every_node_code_and_header_of_a_witness_is_needed(dev: DevChain, number: int) -> None:
    block = dev.blocks[number]
    witness = record_witness(dev.chain, [block])
    assert witness.state and witness.codes
    for node in witness.state:
        with pytest.raises(MissingWitnessNode) as info:
            execute_stateless(_without(witness, state=node), [block], dev.chain.config)
        assert info.value.node_hash == keccak256(node)
    for code in witness.codes:
        with pytest.raises(MissingWitnessCode) as code_info:
            execute_stateless(_without(witness, codes=code), [block], dev.chain.config)
        assert code_info.value.code_hash == keccak256(code)
    for header in witness.headers:
        with pytest.raises(InvalidWitness):
            execute_stateless(_without(witness, headers=header), [block], dev.chain.config)


def test_blockhash_pulls_in_the_ancestor_headers(dev: DevChain) -> None:
    block = dev.blocks[3]  # BLOCKHASH(0)
    witness = record_witness(dev.chain, [block])
    assert [decode_header(h).number for h in witness.headers] == [0, 1, 2]  # oldest first
    assert record_witness(dev.chain, [dev.blocks[1]]).headers == \
        (encode_header(dev.blocks[0].header),)  # no BLOCKHASH: the parent alone
    with pytest.raises(MissingWitnessHeader) as info:
        execute_stateless(_without(witness, headers=witness.headers[0]), [block],
                          dev.chain.config)
    assert info.value.number == 0
    # a forged ancestor breaks the hash chain: it is ignored, so block 0's hash is missing
    forged = encode_header(replace(dev.blocks[0].header, extra_data=b"forged"))
    with pytest.raises(MissingWitnessHeader):
        execute_stateless(replace(witness, headers=(forged, *witness.headers[1:])), [block],
                          dev.chain.config)
    # a forged parent: its hash is not the block's parent hash
    forged_parent = encode_header(replace(dev.blocks[2].header, state_root=b"\x01" * 32))
    with pytest.raises(InvalidWitness, match="parent header"):
        execute_stateless(replace(witness, headers=(*witness.headers[:2], forged_parent)),
                          [block], dev.chain.config)


def test_a_batch_needs_only_the_state_before_it(dev: DevChain) -> None:
    batch = dev.blocks[1:5]
    witness = record_witness(dev.chain, batch)
    result = execute_stateless(witness, batch, dev.chain.config)
    assert result.initial_state_root == dev.blocks[0].header.state_root
    assert result.final_state_root == batch[-1].header.state_root
    assert [o.receipts for o in result.outputs] == \
        [tuple(dev.chain.store.get_receipts(b.hash()) or ()) for b in batch]
    singles = [record_witness(dev.chain, [b]) for b in batch]
    union = set().union(*(w.state for w in singles))
    assert set(witness.state) < union  # the nodes blocks 1..3 made are not pre-state
    # the code deployed in block 3 and called in block 4 comes from the batch, not the witness
    assert STORE_CODE + b"\x00" in singles[3].codes
    assert STORE_CODE + b"\x00" not in witness.codes
    # BLOCKHASH(1) inside the batch is block 1's own hash; the genesis is the only ancestor
    assert [decode_header(h).number for h in witness.headers] == [0]
    for node in witness.state[::3]:
        with pytest.raises(MissingWitnessNode):
            execute_stateless(_without(witness, state=node), batch, dev.chain.config)


def test_a_wrong_root_or_a_broken_batch_is_an_invalid_block(dev: DevChain) -> None:
    block = dev.blocks[2]
    witness = record_witness(dev.chain, [block])
    wrong = replace(block, header=replace(block.header, state_root=b"\x01" * 32))
    with pytest.raises(InvalidBlock, match="state root"):
        execute_stateless(witness, [wrong], dev.chain.config)
    batch_witness = record_witness(dev.chain, dev.blocks[1:4])
    with pytest.raises(InvalidBlock, match="does not follow"):
        execute_stateless(batch_witness, [dev.blocks[1], dev.blocks[3]], dev.chain.config)


def test_the_hooks_of_the_chain_are_a_parameter() -> None:
    dev = _dev_chain(VaultHooks())
    block = dev.add(dev.call(STORE, _slot(9) + _slot(9)))
    witness = record_witness(dev.chain, [block])
    result = execute_stateless(witness, [block], dev.chain.config, hooks=VaultHooks())
    assert result.final_state_root == block.header.state_root
    with pytest.raises(InvalidBlock, match="state root"):  # L1 burns what the vault got
        execute_stateless(witness, [block], dev.chain.config)


def test_witness_codecs_round_trip(dev: DevChain) -> None:
    witness = record_witness(dev.chain, dev.blocks[1:4])
    assert witness.keys and STORE in witness.keys and _slot(SLOT_A) in witness.keys
    assert witness_from_json(witness_to_json(witness)) == witness
    assert decode_witness(encode_witness(witness)) == witness
    assert witness.size() == sum(map(len, witness.state + witness.codes + witness.keys
                                     + witness.headers))
    with pytest.raises(InvalidWitness):
        witness_from_json({"state": ["0xzz"]})
    with pytest.raises(InvalidWitness):
        witness_from_json([])


def test_stateless_execution_needs_no_store_and_no_chain() -> None:
    """The prover's layering rule, transitively: importing the stateless entry point loads
    neither ``ethrex.storage`` nor ``ethrex.blockchain``."""
    code = ("import sys, ethrex.execution.stateless, ethrex.state.witness\n"
            "print(sorted(m for m in sys.modules if m.startswith(('ethrex.storage', "
            "'ethrex.blockchain'))))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True).stdout
    assert out.strip() == "[]"
