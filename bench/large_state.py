"""Large-state import workloads: a genesis of N accounts and a chain of blocks over it.

    python -m bench.large_state OUT --accounts 10000 [--blocks 1000]   # in ethrex's venv

A tenth of the accounts are contracts holding storage (five slots per account on average, so
5M slots at 1M accounts; one contract in a hundred holds twenty times the average), the rest
are externally owned accounts whose keys derive from a fixed seed. Every block carries the
mix below, with senders, recipients, tokens, holders and slots drawn at random across the
whole state, about 15M gas each (half the 30M limit: the EIP-1559 target, so the base fee
stays put).

| kind (share of txs) | what it does                                                       |
|---------------------|--------------------------------------------------------------------|
| transfer (45%)      | ETH to an existing account, or (one in ten) to a fresh address      |
| erc20 (38%)         | ``transfer`` of a token by one of its holders (one in ten: to a new  |
|                     | holder)                                                            |
| storage (15%)       | eight existing slots of a contract updated and two new ones written |
| compute (2%)        | a KECCAK256/MUL/XOR loop of 500-700 rounds, its result stored       |

The fork is Osaka from genesis (post-merge: ``terminalTotalDifficulty`` 0, every time fork at
0, the blob schedule), with the EIP-4788/2935/7002/7251 system contracts in the ``alloc`` so
that geth accepts the same files. ethrex builds the blocks (its payload builder, then its
import), so the output is also a check: geth must import it to the same head.

Output: ``genesis.json``, ``chain.rlp`` (blocks 1..N, no genesis) and ``meta.json`` (what
was made and the head it reached). Everything is a function of the account count, the
block count and the seed: two runs write the same bytes.
"""

import argparse
import json
import shutil
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TextIO

from bench import contracts
from ethrex.blockchain.blockchain import Blockchain
from ethrex.blockchain.payload import PayloadAttributes, build_payload
from ethrex.crypto.secp256k1 import private_key_to_address
from ethrex.primitives import keccak256
from ethrex.dev import SYSTEM_CONTRACTS
from ethrex.storage import Store
from ethrex.types.block import encode_block
from ethrex.types.genesis import load_genesis
from ethrex.types.transactions import FeeMarketTransaction, sign_transaction

GENERATOR_VERSION = 1
CHAIN_ID = 1337
GAS_LIMIT = 30_000_000
GAS_TARGET = GAS_LIMIT // 2
SECONDS_PER_BLOCK = 12
GWEI = 10**9
BASE_FEE = GWEI
MAX_FEE = 20 * GWEI
TIP = GWEI // 10
EOA_BALANCE = 10**21  # 1000 ETH
TOKEN_BALANCE = 10**24
SLOTS_PER_ACCOUNT = 5
CONTRACT_EVERY = 10  # one account in ten is a contract
FEE_RECIPIENT = bytes.fromhex("00000000000000000000000000000000c0ffee00")
DEPOSIT_CONTRACT = "0x00000000219ab540356cbb839cbe05303d7705fa"
SEED = b"ethrex-import-bench"

TRANSFER_TOPIC = keccak256(b"Transfer(address,address,uint256)")
TOKEN_CODE = contracts.erc20(TRANSFER_TOPIC)
STORE_CODE = contracts.storage_toucher()
COMPUTE_CODE = contracts.compute_loop()
TOKEN, STORE, COMPUTE = 0, 1, 2
CODES = {TOKEN: TOKEN_CODE, STORE: STORE_CODE, COMPUTE: COMPUTE_CODE}

# Gas each kind uses (ethrex measures the real figure; these only fill a block to the target).
EXPECTED_GAS = {"transfer": 21_000, "erc20": 40_000, "storage": 115_000, "compute": 75_000}
UPDATED_SLOTS, NEW_SLOTS = 8, 2


def config_json() -> dict[str, Any]:
    """Every fork through Osaka at genesis, as geth and ethrex both read it."""
    blocks = ("homesteadBlock", "eip150Block", "eip155Block", "eip158Block", "byzantiumBlock",
              "constantinopleBlock", "petersburgBlock", "istanbulBlock", "muirGlacierBlock",
              "berlinBlock", "londonBlock", "arrowGlacierBlock", "grayGlacierBlock",
              "mergeNetsplitBlock")
    config: dict[str, Any] = {"chainId": CHAIN_ID, **{key: 0 for key in blocks}}
    config.update(terminalTotalDifficulty=0, shanghaiTime=0, cancunTime=0, pragueTime=0,
                  osakaTime=0, depositContractAddress=DEPOSIT_CONTRACT)
    config["blobSchedule"] = {
        "cancun": {"target": 3, "max": 6, "baseFeeUpdateFraction": 3338477},
        "prague": {"target": 6, "max": 9, "baseFeeUpdateFraction": 5007716},
        "osaka": {"target": 6, "max": 9, "baseFeeUpdateFraction": 5007716},
    }
    return config


def mix64(value: int) -> int:
    """splitmix64's finaliser: a well-spread 64-bit hash of an int."""
    z = (value + 0x9E3779B97F4A7C15) & 0xFFFFFFFFFFFFFFFF
    z = ((z ^ (z >> 30)) * 0xBF58476D1CE4E5B9) & 0xFFFFFFFFFFFFFFFF
    z = ((z ^ (z >> 27)) * 0x94D049BB133111EB) & 0xFFFFFFFFFFFFFFFF
    return z ^ (z >> 31)


class Rng:
    """A deterministic stream of ints (splitmix64): the same on every Python version."""

    __slots__ = ("state",)

    def __init__(self, seed: int) -> None:
        self.state = seed

    def below(self, n: int) -> int:
        self.state = (self.state + 1) & 0xFFFFFFFFFFFFFFFF
        return mix64(self.state) % n


@dataclass(frozen=True)
class Layout:
    """Who is who in a state of ``accounts`` accounts."""

    accounts: int

    @property
    def contracts(self) -> int:
        return self.accounts // CONTRACT_EVERY

    @property
    def eoas(self) -> int:
        return self.accounts - self.contracts

    @staticmethod
    def kind(c: int) -> int:
        if c % 50 == 49:
            return COMPUTE
        return TOKEN if c % 2 == 0 else STORE

    @staticmethod
    def contract_address(c: int) -> bytes:
        return keccak256(SEED + b"contract" + c.to_bytes(4, "big"))[12:]

    @staticmethod
    def private_key(i: int) -> bytes:
        return keccak256(SEED + b"key" + i.to_bytes(4, "big"))

    def slot_counts(self) -> list[int]:
        """Slots of each contract: ``SLOTS_PER_ACCOUNT * accounts`` in all, one compute slot
        each, the rest spread by weight (20 for one contract in a hundred, else 1)."""
        n = self.contracts
        total = SLOTS_PER_ACCOUNT * self.accounts
        weights = [0 if self.kind(c) == COMPUTE else (20 if c % 100 == 0 else 1)
                   for c in range(n)]
        spread = total - weights.count(0)
        unit = spread / sum(weights)
        counts = [1 if w == 0 else max(1, int(unit * w)) for w in weights]
        short = total - sum(counts)
        c = 0
        while short > 0:
            if weights[c % n]:
                counts[c % n] += 1
                short -= 1
            c += 1
        return counts

    def holder(self, c: int, j: int) -> int:
        """The ``j``-th holder (an EOA index) of token ``c``: a run of EOAs from a random
        start, so a token's holders are distinct."""
        return (mix64(c) + j) % self.eoas


def token_slot(holder: bytes) -> bytes:
    """Solidity's slot of ``balances[holder]`` for a mapping at slot 0."""
    return keccak256(bytes(12) + holder + bytes(32))


def _even_hex(value: int) -> str:
    digits = f"{value:x}"
    return "0x" + "0" * (len(digits) % 2) + digits


def derive_addresses(layout: Layout, cache: Path, log: Any) -> list[bytes]:
    """The EOA addresses (about 60 us each to derive), cached in ``cache``."""
    n = layout.eoas
    if cache.is_file() and cache.stat().st_size == 20 * n:
        data = cache.read_bytes()
        return [data[i * 20 : i * 20 + 20] for i in range(n)]
    log(f"deriving {n:,} addresses ...")
    out = [private_key_to_address(layout.private_key(i)) for i in range(n)]
    cache.write_bytes(b"".join(out))
    return out


def write_genesis(out: TextIO, layout: Layout, eoas: list[bytes], slots: list[int]) -> None:
    """The genesis file, written as a stream (the 1M-account one is some 300 MB)."""
    head = {"config": config_json(), "nonce": "0x0", "timestamp": "0x0", "extraData": "0x",
            "gasLimit": _even_hex(GAS_LIMIT), "difficulty": "0x0", "mixHash": "0x" + "00" * 32,
            "coinbase": "0x" + "00" * 20, "baseFeePerGas": _even_hex(BASE_FEE)}
    out.write(json.dumps(head)[:-1] + ', "alloc": {\n')
    for address, code in SYSTEM_CONTRACTS.items():
        out.write(f'"{address[2:]}": {{"balance": "0x0", "nonce": "0x1", '
                  f'"code": "0x{"".join(code)}"}},\n')
    balance = _even_hex(EOA_BALANCE)
    for address in eoas:
        out.write(f'"{address.hex()}": {{"balance": "{balance}"}},\n')
    codes = {kind: "0x" + code.hex() for kind, code in CODES.items()}
    token_value = _even_hex(TOKEN_BALANCE)
    for c in range(layout.contracts):
        kind = layout.kind(c)
        if kind == TOKEN:
            storage = ", ".join(
                f'"0x{token_slot(eoas[layout.holder(c, j)]).hex()}": "{token_value}"'
                for j in range(slots[c]))
        elif kind == STORE:
            storage = ", ".join(f'"{_even_hex(j)}": "{_even_hex(j + 1)}"'
                                for j in range(slots[c]))
        else:
            storage = '"0x01": "0x01"'
        sep = ",\n" if c + 1 < layout.contracts else "\n"
        out.write(f'"{layout.contract_address(c).hex()}": {{"balance": "0x0", "nonce": "0x1", '
                  f'"code": "{codes[kind]}", "storage": {{{storage}}}}}{sep}')
    out.write("}}\n")


class TxMaker:
    """Signed transactions of the mix, nonces tracked per sender."""

    def __init__(self, layout: Layout, eoas: list[bytes], slots: list[int]) -> None:
        self.layout = layout
        self.eoas = eoas
        self.slots = slots
        self.rng = Rng(int.from_bytes(keccak256(SEED + layout.accounts.to_bytes(8, "big"))[:8],
                                      "big"))
        self.nonces: dict[int, int] = {}
        self.fresh = 0
        kinds: dict[int, list[int]] = {TOKEN: [], STORE: [], COMPUTE: []}
        for c in range(layout.contracts):
            kinds[layout.kind(c)].append(c)
        self.by_kind = kinds
        self.counts = {"transfer": 0, "erc20": 0, "storage": 0, "compute": 0}

    def _fresh_address(self) -> bytes:
        self.fresh += 1
        return keccak256(SEED + b"fresh" + self.fresh.to_bytes(8, "big"))[12:]

    def _sign(self, sender: int, to: bytes, data: bytes, value: int, gas: int) -> Any:
        nonce = self.nonces.get(sender, 0)
        self.nonces[sender] = nonce + 1
        tx = FeeMarketTransaction(CHAIN_ID, nonce, TIP, MAX_FEE, gas, to, value, data, (),
                                  0, 0, 0)
        return sign_transaction(tx, self.layout.private_key(sender))

    def block(self) -> list[Any]:
        """One block's transactions, about ``GAS_TARGET`` gas."""
        txs = []
        gas = 0
        rng = self.rng
        layout = self.layout
        while gas < GAS_TARGET:
            pick = rng.below(100)
            if pick < 45:
                kind = "transfer"
                to = (self._fresh_address() if rng.below(10) == 0
                      else self.eoas[rng.below(layout.eoas)])
                tx = self._sign(rng.below(layout.eoas), to, b"", 1 + rng.below(10**15), 21_000)
            elif pick < 83:
                kind = "erc20"
                tokens = self.by_kind[TOKEN]
                c = tokens[rng.below(len(tokens))]
                sender = layout.holder(c, rng.below(self.slots[c]))
                to = (self._fresh_address() if rng.below(10) == 0
                      else self.eoas[layout.holder(c, rng.below(self.slots[c]))])
                data = (bytes.fromhex("a9059cbb") + bytes(12) + to
                        + (1 + rng.below(1000)).to_bytes(32, "big"))
                tx = self._sign(sender, layout.contract_address(c), data, 0, 70_000)
            elif pick < 98:
                kind = "storage"
                stores = self.by_kind[STORE]
                c = stores[rng.below(len(stores))]
                n = self.slots[c]
                keys = {rng.below(n) for _ in range(UPDATED_SLOTS)}
                keys.update(2**64 + self._fresh_slot() for _ in range(NEW_SLOTS))
                data = b"".join(k.to_bytes(32, "big") for k in sorted(keys))
                tx = self._sign(rng.below(layout.eoas), layout.contract_address(c), data, 0,
                                160_000)
            else:
                kind = "compute"
                computes = self.by_kind[COMPUTE]
                c = computes[rng.below(len(computes))]
                rounds = 500 + rng.below(200)
                tx = self._sign(rng.below(layout.eoas), layout.contract_address(c),
                                rounds.to_bytes(32, "big"), 0,
                                40_000 + rounds * contracts.COMPUTE_ROUND_GAS)
            self.counts[kind] += 1
            gas += EXPECTED_GAS[kind]
            txs.append(tx)
        return txs

    def _fresh_slot(self) -> int:
        self.fresh += 1
        return self.fresh


def build_chain(genesis_path: Path, chain_path: Path, maker: TxMaker, blocks: int,
                workdir: Path, log: Any) -> dict[str, Any]:
    """Build ``blocks`` blocks with ethrex on a scratch store; returns the head and totals."""
    store = Store.open(workdir)
    try:
        start = time.perf_counter()
        chain = Blockchain.open(store, load_genesis(genesis_path))
        genesis_seconds = time.perf_counter() - start
        log(f"genesis stored in {genesis_seconds:.1f} s")
        parent = chain.head_header()
        gas = txs = 0
        start = time.perf_counter()
        with open(chain_path, "wb") as out:
            for number in range(1, blocks + 1):
                tag = number.to_bytes(8, "big")
                attrs = PayloadAttributes(
                    timestamp=number * SECONDS_PER_BLOCK,
                    prev_randao=keccak256(SEED + b"randao" + tag), fee_recipient=FEE_RECIPIENT,
                    withdrawals=(), parent_beacon_block_root=keccak256(SEED + b"beacon" + tag))
                built = build_payload(chain, parent, attrs, forced=maker.block(),
                                      gas_limit=GAS_LIMIT)
                block = built.block
                chain.add_block(block, make_head=True)
                out.write(encode_block(block))
                parent = block.header
                gas += parent.gas_used
                txs += len(block.transactions)
                if number % 50 == 0 or number == blocks:
                    seconds = time.perf_counter() - start
                    log(f"block {number}/{blocks}: {txs:,} txs, {gas / 1e9:.2f} Ggas, "
                        f"{seconds:.0f} s")
        return {"head_number": parent.number, "head_hash": "0x" + parent.hash().hex(),
                "state_root": "0x" + parent.state_root.hex(), "gas": gas, "txs": txs,
                "genesis_hash": "0x" + chain.genesis_hash().hex()}
    finally:
        store.close()


def generate(out: Path, accounts: int, blocks: int, log: Any = print) -> dict[str, Any]:
    """Write ``genesis.json``, ``chain.rlp`` and ``meta.json`` into ``out`` (skipped when a
    complete set from this generator version is there already)."""
    meta_path = out / "meta.json"
    wanted = {"version": GENERATOR_VERSION, "accounts": accounts, "blocks": blocks}
    if meta_path.is_file():
        meta = json.loads(meta_path.read_text())
        if all(meta.get(k) == v for k, v in wanted.items()):
            return dict(meta)
    out.mkdir(parents=True, exist_ok=True)
    layout = Layout(accounts)
    eoas = derive_addresses(layout, out / "addresses.bin", log)
    slots = layout.slot_counts()
    log(f"writing genesis.json: {layout.eoas:,} EOAs, {layout.contracts:,} contracts, "
        f"{sum(slots):,} slots ...")
    with open(out / "genesis.json", "w") as f:
        write_genesis(f, layout, eoas, slots)
    maker = TxMaker(layout, eoas, slots)
    workdir = Path(tempfile.mkdtemp(prefix="ethrex-gen-", dir=out))
    try:
        head = build_chain(out / "genesis.json", out / "chain.rlp", maker, blocks, workdir, log)
    finally:
        shutil.rmtree(workdir, ignore_errors=True)
    meta = {**wanted, "eoas": layout.eoas, "contracts": layout.contracts, "slots": sum(slots),
            "tx_counts": maker.counts, **head}
    meta_path.write_text(json.dumps(meta, indent=1) + "\n")
    return meta


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="python -m bench.large_state")
    p.add_argument("out", type=Path)
    p.add_argument("--accounts", type=int, default=10_000)
    p.add_argument("--blocks", type=int, default=1000)
    a = p.parse_args(argv)
    meta = generate(a.out, a.accounts, a.blocks,
                    lambda m: print(f"large_state: {m}", file=sys.stderr, flush=True))
    print(json.dumps(meta))
    return 0


if __name__ == "__main__":
    sys.exit(main())
