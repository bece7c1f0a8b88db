"""ethrex's execution witnesses against geth v1.17.10's ``debug_executionWitness`` for the same
blocks of the same chain (``make tools`` builds geth): the same set of trie nodes, the same
codes and the same ancestor headers, block by block.

Two chains, both built by ethrex and imported by geth (``geth init`` + ``geth import``; geth
serves witnesses only where it holds the parent's state, the last 128 blocks):

* the p2p tests' 1,100-block chain (transfers to fresh accounts, a contract with thousands of
  slots written and cleared, deployments, three transaction types, withdrawals, the Osaka
  fork at block 600), ethrex serving its witnesses from the command line;
* a short chain aimed at the hard cases: a storage deletion that collapses a branch into a
  sibling nothing else reads, an empty account EIP-161 deletes, BLOCKHASH of the genesis and
  of recent blocks, a contract created and self-destructed in one transaction (EIP-6780),
  EXTCODESIZE/EXTCODEHASH of a contract that does not run, a call to a missing account,
  withdrawals, and the Prague-to-Osaka transition.

Differences would be listed per block; geth serves headers as JSON objects and ``keys`` as
null, so headers are compared by hash and keys not at all. geth's witnesses also re-execute
statelessly in ethrex (with the RLP of the same headers).
"""

import json
from pathlib import Path
from typing import Any

from bench.sync_chain import GENESIS_TIME, genesis_json, key
from ethrex.blockchain.blockchain import Blockchain
from ethrex.blockchain.payload import PayloadAttributes, build_payload
from ethrex.blockchain.witness import record_witness
from ethrex.crypto.secp256k1 import private_key_to_address
from ethrex.execution.stateless import execute_stateless
from ethrex.primitives import keccak256
from ethrex.rlp import encode as rlp_encode
from ethrex.state.witness import ExecutionWitness, witness_from_json
from ethrex.storage import Store
from ethrex.types.block import Block, decode_block, encode_block
from ethrex.types.genesis import load_genesis
from ethrex.types.header import decode_header
from ethrex.types.transactions import FeeMarketTransaction, Transaction, sign_transaction
from ethrex.types.withdrawal import Withdrawal
from tests.e2e.harness import Rpc
from tests.p2p.harness import (
    EthrexNode,
    GethNode,
    chain_dir,
    chain_head,
    imported_datadir,
    require_tools,
    running,
    workspace,
)

STORE = b"\x5a" * 20  # SSTORE(key, value) for each 64-byte pair of the calldata
STORE_CODE = bytes.fromhex("60005b8036111560185780602001358135556040016002565b00")
HASHER = b"\x5b" * 20  # n = calldata[0:32]; SSTORE(n, BLOCKHASH(n))
HASHER_CODE = bytes.fromhex("5f358040905500")
PROBE = b"\x5d" * 20  # a = calldata[0:32]; SSTORE(0, EXTCODESIZE(a)); SSTORE(1, EXTCODEHASH(a))
PROBE_CODE = bytes.fromhex("5f35803b5f553f60015500")
EMPTY = b"\x5c" * 20  # an empty account: a zero-value call touches it, EIP-161 deletes it
CHAIN_ID = 1337
BLOCK_TIME = 12


def _slots(*pairs: tuple[int, int]) -> bytes:
    return b"".join(k.to_bytes(32, "big") + v.to_bytes(32, "big") for k, v in pairs)


def _init_code(runtime: bytes) -> bytes:
    n = len(runtime)
    return bytes([0x60, n, 0x60, 12, 0x60, 0, 0x39, 0x60, n, 0x60, 0, 0xF3]) + runtime


class _Builder:
    """A chain of ethrex's own payloads on the given genesis, one sender."""

    def __init__(self, genesis_file: Path) -> None:
        self.chain = Blockchain.open(Store.in_memory(), load_genesis(genesis_file))
        self.key = key("sender", 0)
        self.sender = private_key_to_address(self.key)
        self.nonce = 0
        self.blocks: list[Block] = []

    def tx(self, to: bytes, data: bytes = b"", value: int = 0) -> Transaction:
        tx = sign_transaction(FeeMarketTransaction(CHAIN_ID, self.nonce, 10**9, 10**11,
                                                   3_000_000, to, value, data, (), 0, 0, 0),
                              self.key)
        self.nonce += 1
        return tx

    def created(self, nonce: int) -> bytes:
        return keccak256(rlp_encode([self.sender, nonce]))[12:]

    def add(self, *txs: Transaction, withdrawals: tuple[Withdrawal, ...] = ()) -> None:
        parent = self.chain.head_header()
        number = parent.number + 1
        attrs = PayloadAttributes(GENESIS_TIME + number * BLOCK_TIME,
                                  keccak256(b"randao" + bytes([number])), b"\xfe" * 20,
                                  withdrawals, keccak256(b"beacon" + bytes([number])))
        block = build_payload(self.chain, parent, attrs, forced=list(txs)).block
        self.chain.add_block(block, make_head=True)
        self.blocks.append(block)


def _hard_cases_chain(folder: Path) -> _Builder:
    folder.mkdir(parents=True)
    genesis = genesis_json(osaka_block=4)
    alloc = genesis["alloc"]
    alloc["0x" + STORE.hex()] = {"balance": "0x0", "code": "0x" + STORE_CODE.hex(),
                                 "storage": {"0x00": "0x07", "0x01": "0x08"}}
    alloc["0x" + HASHER.hex()] = {"balance": "0x0", "code": "0x" + HASHER_CODE.hex()}
    alloc["0x" + PROBE.hex()] = {"balance": "0x0", "code": "0x" + PROBE_CODE.hex()}
    alloc["0x" + EMPTY.hex()] = {"balance": "0x0"}
    (folder / "genesis.json").write_text(json.dumps(genesis))
    b = _Builder(folder / "genesis.json")
    big = b.created(0)
    b.add(b.tx(b"", _init_code(STORE_CODE + b"\x00")), b.tx(STORE, _slots((0, 0))),
          b.tx(EMPTY), b.tx(keccak256(b"fresh")[:20], value=10**15))
    b.add(b.tx(big, _slots(*((k, k + 1) for k in range(64)))), b.tx(HASHER, _slots((1, 0))))
    b.add(b.tx(big, _slots(*((k, 0) for k in range(0, 64, 6)))), b.tx(HASHER, _slots((0, 0))),
          b.tx(b"", bytes.fromhex("33ff")))  # CALLER SELFDESTRUCT in the init code
    b.add(b.tx(PROBE, big.rjust(32, b"\x00")), b.tx(b"\x5e" * 20),
          withdrawals=(Withdrawal(0, 1, EMPTY, 0), Withdrawal(1, 2, b"\x5f" * 20, 5)))
    b.add(b.tx(big, _slots((1, 0), (2, 0), (3, 0), (4, 0), (5, 0))),
          b.tx(HASHER, _slots((4, 0))))  # Osaka from here on
    (folder / "chain.rlp").write_bytes(b"".join(encode_block(x) for x in b.blocks))
    return b


def _geth_witness(geth: Rpc, number: int) -> ExecutionWitness:
    """geth's witness in ethrex's form: its headers (JSON objects there) as their RLP."""
    reply = geth.call("debug_executionWitness", hex(number))
    headers = [geth.call("debug_getRawHeader", h["hash"]) for h in reply["headers"]]
    return witness_from_json({**reply, "headers": headers})


def _differences(ours: ExecutionWitness, theirs: ExecutionWitness) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for name in ("state", "codes"):
        mine, geths = set(getattr(ours, name)), set(getattr(theirs, name))
        if mine != geths:
            out[name] = {"only ethrex": sorted("0x" + keccak256(x).hex() for x in mine - geths),
                         "only geth": sorted("0x" + keccak256(x).hex() for x in geths - mine)}
    ours_h = [decode_header(h).hash() for h in ours.headers]
    theirs_h = [decode_header(h).hash() for h in theirs.headers]
    if ours_h != theirs_h:
        out["headers"] = {"ethrex": [h.hex() for h in ours_h], "geth": [h.hex() for h in theirs_h]}
    return out


def test_witnesses_match_geth_on_the_hard_cases(tmp_path: Path) -> None:
    require_tools()
    built = _hard_cases_chain(tmp_path / "chain")
    geth = GethNode(tmp_path, tmp_path / "chain", "geth", import_chain=True)
    with running(geth):
        rpc = geth.start().rpc()
        head = rpc.call("eth_getBlockByNumber", "latest", False)
        assert head["hash"] == "0x" + built.blocks[-1].hash().hex(), "geth did not import it all"
        differences = {}
        for block in built.blocks:
            ours = record_witness(built.chain, [block])
            theirs = _geth_witness(rpc, block.header.number)
            found = _differences(ours, theirs)
            if found:
                differences[block.header.number] = found
            result = execute_stateless(theirs, [block], built.chain.config)
            assert result.final_state_root == block.header.state_root
    assert not differences, json.dumps(differences, indent=1)
    headers = [decode_header(h).number for h in record_witness(built.chain,
                                                                [built.blocks[2]]).headers]
    assert headers == [0, 1, 2]  # BLOCKHASH(0) in block 3 pulled the ancestry in


def test_witnesses_match_geth_on_the_sync_chain() -> None:
    require_tools()
    chain = chain_dir()
    with workspace("ethrex-witness-geth-") as tmp:
        geth = GethNode(tmp, chain, "geth", import_chain=True)
        node = EthrexNode(tmp, chain, "ethrex", extra=["--nodiscover"],
                          datadir_from=imported_datadir(chain))
        with running(geth, node):
            geth.start()
            node.start()
            head_hash = chain_head(chain)
            assert node.head()["hash"] == head_hash
            assert geth.rpc().call("eth_getBlockByNumber", "latest", False)["hash"] == head_hash
            head = int(node.head()["number"], 16)
            ethrex_rpc, geth_rpc = node.rpc(), geth.rpc()
            config = load_genesis(chain / "genesis.json").config
            differences = {}
            for number in range(head - 127, head + 1):  # geth keeps the last 128 states
                ours = witness_from_json(ethrex_rpc.call("debug_executionWitness", hex(number)))
                theirs = _geth_witness(geth_rpc, number)
                found = _differences(ours, theirs)
                if found:
                    differences[number] = found
                if number % 16 == 0:
                    block = decode_block(bytes.fromhex(
                        ethrex_rpc.call("debug_getRawBlock", hex(number))[2:]))
                    result = execute_stateless(theirs, [block], config)
                    assert result.final_state_root == block.header.state_root
            assert not differences, json.dumps(differences, indent=1)
