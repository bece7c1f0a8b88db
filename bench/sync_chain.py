"""A deterministic post-merge chain with contract state, for the p2p tests and sync benchmarks.

    python -m bench.sync_chain OUT [--blocks 1100] [--scale 1]

Every block is built by ethrex's own payload builder on ethrex's own chain (the same code that
serves ``engine_getPayload``): transfers to fresh accounts (the state grows), a contract that
writes and clears storage slots, contract deployments with distinct code, legacy, access-list
and EIP-1559 transactions, withdrawals. Forks: everything through Prague at genesis, Osaka at
block ``OSAKA_BLOCK``, so fork ids change along the chain. Keys come from a fixed seed and
timestamps from a fixed start, so the same arguments give the same bytes.

OUT receives ``genesis.json`` (geth's format, which geth and ethrex both load), ``chain.rlp``
(blocks 1..N) and the files the devp2p eth/snap suites read besides those: ``headstate.json``
(geth's state dump of the head), ``accounts.json`` (funded keys no block ever used, so their
nonces are 0 at the head as the suite assumes), ``txinfo.json`` and ``headfcu.json``.
``cached_chain()`` builds OUT once per version under the system temp folder.
"""

import argparse
import json
import os
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from ethrex import rlp
from ethrex.blockchain.blockchain import Blockchain
from ethrex.blockchain.payload import PayloadAttributes, build_payload
from ethrex.crypto.secp256k1 import private_key_to_address
from ethrex.dev import SYSTEM_CONTRACTS
from ethrex.primitives import EMPTY_HASH, keccak256
from ethrex.storage import Store
from ethrex.trie import EMPTY_ROOT, Trie
from ethrex.types.account import decode_account
from ethrex.types.block import encode_block
from ethrex.types.genesis import load_genesis
from ethrex.types.transactions import (
    AccessListTransaction,
    FeeMarketTransaction,
    LegacyTransaction,
    Transaction,
    sign_transaction,
)
from ethrex.types.withdrawal import Withdrawal

VERSION = 1  # bump when the generated chain changes: the cache key
CHAIN_ID = 1337
GENESIS_TIME = 1_700_000_000
BLOCK_TIME = 12
OSAKA_BLOCK = 600
GAS_LIMIT = 30_000_000
GWEI = 10**9
SEED = b"ethrex p2p sync chain"
SENDERS = 8  # keys that send the chain's transactions
SUITE_ACCOUNTS = 8  # funded keys the devp2p suites sign with (never used in the chain)

# Runtime: for each 64-byte (key, value) pair of the calldata, SSTORE(key, value).
STORAGE_RUNTIME = bytes.fromhex("60005b8036111560185780602001358135556040016002565b00")


def init_code(runtime: bytes) -> bytes:
    """Creation code that returns ``runtime``."""
    n = len(runtime)
    return bytes([0x60, n, 0x60, 12, 0x60, 0, 0x39, 0x60, n, 0x60, 0, 0xF3]) + runtime


def key(label: str, i: int) -> bytes:
    return keccak256(SEED + label.encode() + i.to_bytes(4, "big"))


def genesis_json(osaka_block: int = OSAKA_BLOCK) -> dict[str, Any]:
    alloc: dict[str, Any] = {}
    for label, count in (("sender", SENDERS), ("suite", SUITE_ACCOUNTS)):
        for i in range(count):
            address = private_key_to_address(key(label, i))
            alloc["0x" + address.hex()] = {"balance": hex(10**24)}
    for address, code in SYSTEM_CONTRACTS.items():
        alloc[address] = {"balance": "0x0", "nonce": "0x1", "code": "0x" + "".join(code)}
    forks = {f"{name}Block": 0 for name in (
        "homestead", "eip150", "eip155", "eip158", "byzantium", "constantinople", "petersburg",
        "istanbul", "muirGlacier", "berlin", "london", "arrowGlacier", "grayGlacier",
        "mergeNetsplit")}
    return {
        "config": {
            "chainId": CHAIN_ID, **forks,
            "terminalTotalDifficulty": 0,
            "shanghaiTime": 0, "cancunTime": 0, "pragueTime": 0,
            "osakaTime": GENESIS_TIME + osaka_block * BLOCK_TIME,
            "depositContractAddress": "0x0000000000000000000000000000000000000000",
            "blobSchedule": {
                "cancun": {"target": 3, "max": 6, "baseFeeUpdateFraction": 3338477},
                "prague": {"target": 6, "max": 9, "baseFeeUpdateFraction": 5007716},
                "osaka": {"target": 6, "max": 9, "baseFeeUpdateFraction": 5007716},
            },
        },
        "nonce": "0x0", "timestamp": hex(GENESIS_TIME), "extraData": "0x",
        "gasLimit": hex(GAS_LIMIT), "difficulty": "0x0", "baseFeePerGas": hex(GWEI),
        "mixHash": "0x" + "00" * 32, "coinbase": "0x" + "00" * 20, "alloc": alloc,
    }


class _Senders:
    """The chain's senders with their next nonces."""

    def __init__(self) -> None:
        self.keys = [key("sender", i) for i in range(SENDERS)]
        self.nonces = [0] * SENDERS
        self.turn = 0

    def next(self) -> tuple[bytes, int]:
        i = self.turn % SENDERS
        self.turn += 1
        nonce = self.nonces[i]
        self.nonces[i] += 1
        return self.keys[i], nonce


def _transactions(number: int, senders: _Senders, storage_contract: bytes, scale: int
                  ) -> Iterator[Transaction]:
    fee = dict(chain_id=CHAIN_ID, max_priority_fee_per_gas=GWEI, max_fee_per_gas=100 * GWEI)
    if number == 1:
        k, nonce = senders.next()
        yield sign_transaction(FeeMarketTransaction(
            nonce=nonce, gas=200_000, to=b"", value=0, data=init_code(STORAGE_RUNTIME),
            access_list=(), y_parity=0, r=0, s=0, **fee), k)
        return
    for j in range(2 * scale):  # value to fresh accounts: the state grows
        k, nonce = senders.next()
        to = keccak256(b"fresh" + number.to_bytes(4, "big") + j.to_bytes(2, "big"))[:20]
        yield sign_transaction(FeeMarketTransaction(
            nonce=nonce, gas=21_000, to=to, value=10**15 + number, data=b"", access_list=(),
            y_parity=0, r=0, s=0, **fee), k)
    # three new slots each block, and every fifth block clears an old one (trie deletions)
    pairs = b""
    for j in range(3 * scale):
        pairs += keccak256(b"slot" + number.to_bytes(4, "big") + bytes([j])) + \
            (number * 1000 + j).to_bytes(32, "big")
    if number % 5 == 0 and number > 10:
        pairs += keccak256(b"slot" + (number - 10).to_bytes(4, "big") + bytes([0])) + bytes(32)
    k, nonce = senders.next()
    yield sign_transaction(FeeMarketTransaction(
        nonce=nonce, gas=100_000 + 30_000 * scale * 3, to=storage_contract, value=0,
        data=pairs, access_list=(), y_parity=0, r=0, s=0, **fee), k)
    if number % 20 == 0:  # a contract with code of its own
        k, nonce = senders.next()
        runtime = STORAGE_RUNTIME + number.to_bytes(4, "big")
        yield sign_transaction(FeeMarketTransaction(
            nonce=nonce, gas=200_000, to=b"", value=0, data=init_code(runtime), access_list=(),
            y_parity=0, r=0, s=0, **fee), k)
    if number % 7 == 0:
        k, nonce = senders.next()
        yield sign_transaction(LegacyTransaction(
            nonce=nonce, gas_price=100 * GWEI, gas=21_000, to=bytes(19) + b"\x77",
            value=number, data=b"", v=0, r=0, s=0), k, CHAIN_ID)
    if number % 11 == 0:
        k, nonce = senders.next()
        yield sign_transaction(AccessListTransaction(
            chain_id=CHAIN_ID, nonce=nonce, gas_price=100 * GWEI, gas=40_000,
            to=storage_contract, value=0, data=b"",
            access_list=((storage_contract, (bytes(32),)),), y_parity=0, r=0, s=0), k)


def build_chain(blocks: int, scale: int = 1, genesis_file: Path | None = None
                ) -> tuple[Blockchain, list[Any], set[bytes]]:
    """The chain in memory: the Blockchain, its blocks 1..N and every address it touched."""
    genesis_obj = genesis_json()
    if genesis_file is None:
        with tempfile.TemporaryDirectory() as tmp:
            genesis_file = Path(tmp) / "genesis.json"
            genesis_file.write_text(json.dumps(genesis_obj))
            genesis = load_genesis(genesis_file)
    else:
        genesis_file.write_text(json.dumps(genesis_obj, indent=1))
        genesis = load_genesis(genesis_file)
    chain = Blockchain.open(Store.in_memory(), genesis)
    senders = _Senders()
    creator = private_key_to_address(senders.keys[0])
    storage_contract = keccak256(rlp.encode([creator, 0]))[12:]
    parent = chain.head_header()
    withdrawal_index = 0
    addresses = {bytes.fromhex(a[2:]) for a in genesis_obj["alloc"]}
    addresses.add(bytes(19) + b"\xfe")
    built_blocks = []
    for number in range(1, blocks + 1):
        txs = list(_transactions(number, senders, storage_contract, scale))
        withdrawals = []
        if number % 10 == 0:
            for j in range(2):
                withdrawals.append(Withdrawal(withdrawal_index, j, key("validator", j)[:20],
                                              GWEI + number))
                withdrawal_index += 1
        attrs = PayloadAttributes(
            timestamp=GENESIS_TIME + number * BLOCK_TIME,
            prev_randao=keccak256(b"randao" + number.to_bytes(4, "big")),
            fee_recipient=bytes(19) + b"\xfe", withdrawals=tuple(withdrawals),
            parent_beacon_block_root=keccak256(b"beacon" + number.to_bytes(4, "big")))
        for tx in txs:
            if tx.to:
                addresses.add(tx.to)
        addresses.update(w.address for w in withdrawals)
        built = build_payload(chain, parent, attrs, forced=txs, gas_limit=GAS_LIMIT)
        chain.add_block(built.block, make_head=True)
        built_blocks.append(built.block)
        parent = built.block.header
    for i, k in enumerate(senders.keys):  # every contract the senders created
        for nonce in range(senders.nonces[i]):
            addresses.add(keccak256(rlp.encode([private_key_to_address(k), nonce]))[12:])
    return chain, built_blocks, addresses


def generate(out: Path, blocks: int = 1100, scale: int = 1) -> None:
    """Write the chain files into ``out`` (created)."""
    out.mkdir(parents=True, exist_ok=True)
    started = time.perf_counter()
    chain, built, addresses = build_chain(blocks, scale, out / "genesis.json")
    with open(out / "chain.rlp.tmp", "wb") as chain_file:
        chain_file.writelines(encode_block(block) for block in built)
    os.replace(out / "chain.rlp.tmp", out / "chain.rlp")
    _write_suite_files(out, chain, addresses)
    print(f"generated {blocks} blocks in {time.perf_counter() - started:.1f}s into {out}",
          file=sys.stderr)


def _write_suite_files(out: Path, chain: Blockchain, addresses: set[bytes]) -> None:
    head = chain.head_header()
    store = chain.store
    accounts: dict[str, Any] = {}
    preimages = {keccak256(a): a for a in addresses}
    state = Trie(store.nodes, head.state_root, secure=True)
    for address_hash, leaf in state.items():
        account = decode_account(leaf)
        entry: dict[str, Any] = {
            "balance": str(account.balance), "nonce": account.nonce,
            "root": "0x" + account.storage_root.hex(), "codeHash": "0x" + account.code_hash.hex(),
            "key": "0x" + address_hash.hex()}
        if account.code_hash != EMPTY_HASH:
            entry["code"] = "0x" + (store.get_code(account.code_hash) or b"").hex()
        if account.storage_root != EMPTY_ROOT:
            entry["storage"] = {"0x" + k.hex(): rlp.decode(v).hex() for k, v in  # type: ignore
                                Trie(store.nodes, account.storage_root, secure=True).items()}
        address = preimages.get(address_hash)
        if address is None:
            raise AssertionError(f"no address known for state key {address_hash.hex()}")
        name = "0x" + address.hex()
        entry["address"] = name
        accounts[name] = entry
    (out / "headstate.json").write_text(json.dumps(
        {"root": head.state_root.hex(), "accounts": accounts}, indent=1))
    suite = {"0x" + private_key_to_address(key("suite", i)).hex(): {"key": "0x" + key("suite", i).hex()}
             for i in range(SUITE_ACCOUNTS)}
    (out / "accounts.json").write_text(json.dumps(suite, indent=1))
    (out / "txinfo.json").write_text("{}\n")
    head_hash = "0x" + head.hash().hex()
    (out / "headfcu.json").write_text(json.dumps({
        "jsonrpc": "2.0", "id": "fcu", "method": "engine_forkchoiceUpdatedV3",
        "params": [{"headBlockHash": head_hash, "safeBlockHash": head_hash,
                    "finalizedBlockHash": head_hash}, None]}, indent=1))


def cached_chain(blocks: int = 1100, scale: int = 1) -> Path:
    """The chain of these arguments, generated once under the temp folder and reused."""
    folder = Path(tempfile.gettempdir()) / f"ethrex-sync-chain-v{VERSION}-{blocks}-{scale}"
    if not (folder / "headfcu.json").exists():
        tmp = folder.with_name(folder.name + f".tmp{os.getpid()}")
        generate(tmp, blocks, scale)
        try:
            os.replace(tmp, folder)
        except OSError:  # another process made it meanwhile
            pass
    return folder


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.sync_chain")
    parser.add_argument("out", type=Path)
    parser.add_argument("--blocks", type=int, default=1100)
    parser.add_argument("--scale", type=int, default=1, help="transactions per block factor")
    args = parser.parse_args(argv)
    generate(args.out, args.blocks, args.scale)
    return 0


if __name__ == "__main__":
    sys.exit(main())
