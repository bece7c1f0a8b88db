"""Execution witnesses over every block of the execution-spec-tests blockchain fixtures
(Cancun, Prague, Osaka) and of ethereum/tests' valid-block and transition suites (Frontier to
Cancun: per-transaction state roots before Byzantium, the DAO fork, ommers, side chains, the
merge at a total difficulty): each valid block is imported through ``Blockchain.add_block``,
its witness recorded from the store, and the block re-executed from the witness alone
(``execute_stateless``) to the header's state root and receipts root.

A block whose post-state root needs a node that execution never read (a sibling that a
deletion pulls up into its parent) loses that node; every ``SAMPLE_EVERY``-th block (and the
first of every case) also loses a node read during execution and a code. Each run must fail
with the error that names what is missing, never reach a root.
"""

from pathlib import Path
from typing import Any

import pytest

from ethrex.blockchain.blockchain import Blockchain
from ethrex.blockchain.witness import record_witness
from ethrex.execution.block import apply_block
from ethrex.execution.stateless import execute_stateless
from ethrex.fixtures import load_fixture
from ethrex.fixtures.blockchain_tests import fixture_chain, import_fixture_block
from ethrex.primitives import hex_to_bytes, keccak256
from ethrex.state import StateDB
from ethrex.state.trie_backend import TrieBackend
from ethrex.state.witness import (
    ExecutionWitness,
    MissingWitnessCode,
    MissingWitnessNode,
    WitnessTable,
)
from ethrex.trie import ordered_root
from ethrex.types.block import Block, decode_block
from ethrex.types.receipt import encode_receipt
from tests.ef.harness import file_id, files_under

FILES = [*files_under("eest/blockchain_tests/cancun"), *files_under("eest/blockchain_tests/prague"),
         *files_under("eest/blockchain_tests/osaka"),
         *files_under("ethereum-tests/BlockchainTests/ValidBlocks"),
         *files_under("ethereum-tests/BlockchainTests/TransitionTests")]
SAMPLE_EVERY = 4
# Files whose tries are big enough for a deletion to pull a hashed sibling up (most fixture
# tries are a few inlined nodes): the check above must have run there.
COLLAPSING = {"eest/blockchain_tests/prague/eip7002_el_triggerable_withdrawals/"
              "withdrawal_requests/withdrawal_requests.json.xz"}


class _ReadLog(WitnessTable):
    """A witness' nodes that logs which of its own entries execution read."""

    __slots__ = ("own", "reads")

    def __init__(self, witness: ExecutionWitness) -> None:
        super().__init__(witness.state, MissingWitnessNode)
        self.own = set(self.entries)
        self.reads: set[bytes] = set()

    def get(self, key: bytes, /) -> bytes:
        if key in self.own:
            self.reads.add(key)
        return super().get(key)


def _post_root_only(chain: Blockchain, block: Block, witness: ExecutionWitness) -> set[bytes]:
    """Hashes of the witness nodes that only the post-state root needs (not execution)."""
    parent = chain.store.get_header(block.header.parent_hash)
    assert parent is not None
    nodes = _ReadLog(witness)
    codes = WitnessTable(witness.codes, MissingWitnessCode)
    state = StateDB(TrieBackend(nodes, codes, parent.state_root))
    apply_block(state, block, chain.rules_for(block.header), chain.block_context(parent))
    during = set(nodes.reads)
    state.state_root()
    assert nodes.reads == nodes.own, "the witness holds a node no step read"
    return nodes.own - during


def _parent_td(chain: Blockchain, block: Block) -> int | None:
    """What picks the rules of a block around a merge at a terminal total difficulty."""
    return chain.store.get_total_difficulty(block.header.parent_hash)


def _fails_without_node(chain: Blockchain, block: Block, witness: ExecutionWitness,
                        node_hash: bytes) -> None:
    state = tuple(n for n in witness.state if keccak256(n) != node_hash)
    with pytest.raises(MissingWitnessNode) as info:
        execute_stateless(ExecutionWitness(state, witness.codes, witness.keys, witness.headers),
                          [block], chain.config, parent_total_difficulty=_parent_td(chain, block))
    assert info.value.node_hash == node_hash


def _fails_without_code(chain: Blockchain, block: Block, witness: ExecutionWitness,
                        code: bytes) -> None:
    codes = tuple(c for c in witness.codes if c != code)
    with pytest.raises(MissingWitnessCode) as info:
        execute_stateless(ExecutionWitness(witness.state, codes, witness.keys, witness.headers),
                          [block], chain.config, parent_total_difficulty=_parent_td(chain, block))
    assert info.value.code_hash == keccak256(code)


def _run_case(case: dict[str, Any], counts: dict[str, int]) -> None:
    chain = fixture_chain(case)
    for index, entry in enumerate(case["blocks"]):
        if entry.get("expectException"):
            continue  # rejected at import: no state, no witness (the blockchain suite checks it)
        raw = hex_to_bytes(entry["rlp"])
        import_fixture_block(chain, raw)
        block = decode_block(raw)
        witness = record_witness(chain, [block])
        result = execute_stateless(witness, [block], chain.config,
                                   parent_total_difficulty=_parent_td(chain, block))
        assert result.final_state_root == block.header.state_root
        (output,) = result.outputs
        assert ordered_root([encode_receipt(r) for r in output.receipts]) == \
            block.header.receipts_root
        counts["blocks"] += 1
        post_only = sorted(_post_root_only(chain, block, witness))
        if post_only:  # every block whose post-state root needs a node execution did not read
            _fails_without_node(chain, block, witness, post_only[0])
            counts["post_root_nodes"] += 1
        if index == 0 or counts["blocks"] % SAMPLE_EVERY == 0:
            read = sorted({keccak256(n) for n in witness.state} - set(post_only))
            if read:
                _fails_without_node(chain, block, witness, read[len(read) // 2])
                counts["nodes"] += 1
            if witness.codes:
                _fails_without_code(chain, block, witness, sorted(witness.codes)[0])
                counts["codes"] += 1


@pytest.mark.ef
@pytest.mark.parametrize("path", FILES, ids=file_id)
def test_witness_reexecutes_every_fixture_block(path: Path) -> None:
    counts = {"blocks": 0, "nodes": 0, "post_root_nodes": 0, "codes": 0}
    cases = load_fixture(path)
    assert cases, f"{path} holds no case"
    for name, case in cases.items():
        try:
            _run_case(case, counts)
        except Exception as exc:
            raise AssertionError(f"{name}: {type(exc).__name__}: {exc}") from exc
    if file_id(path) in COLLAPSING:
        assert counts["post_root_nodes"], "no block needed a node only for its post-state root"
