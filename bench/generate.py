"""Deterministic workloads of the four benchmark kinds, filled with the reference spec.

    python -m bench.generate OUT [--scale small|full]     # in bench/.venv-spec

Transactions are built and signed here (keys derived from a fixed seed), then every block is
executed by ``ethereum-execution``'s own ``apply_body`` to obtain its roots, bloom and gas, so
the output is a Cancun blockchain-test fixture that any engine can import and check.
"""

import argparse
import json
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from bench import contracts

CHAIN_ID = 1
GWEI = 10**9
GENESIS_BASE_FEE = GWEI
MAX_FEE = 100 * GWEI
TIP = GWEI
SECONDS_PER_BLOCK = 12
FUNDS = 10**24  # wei per sender, and token units per ERC20 holder
SECP256K1N = 0xFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFEBAAEDCE6AF48A03BBFD25E8CD0364141


@dataclass(frozen=True)
class Scale:
    """How big a generated workload is."""

    blocks: int
    gas_limit: int
    compute_gas_limit: int
    accounts: int
    storage_slots: int      # slots the storage contract already holds
    sstores_per_tx: int
    compute_tx_gas: int


SCALES = {
    "full": Scale(10, 30_000_000, 3_000_000, 2_000, 10_000, 100, 1_000_000),
    "small": Scale(2, 1_000_000, 1_000_000, 40, 200, 20, 300_000),
}
KINDS = ("eth_transfers", "erc20_transfers", "compute", "storage_heavy")
ERC20 = bytes.fromhex("00000000000000000000000000000000000e7c20")
COMPUTE = bytes.fromhex("000000000000000000000000000000000000c0de")
STORAGE = bytes.fromhex("0000000000000000000000000000000000005707")


def _hex(value: int) -> str:
    """A quantity as the fixtures write it: even-length hex (``0x00``, ``0x0100``)."""
    digits = f"{int(value):x}"
    return "0x" + ("0" * (len(digits) % 2)) + digits


def _data(value: bytes) -> str:
    return "0x" + value.hex()


class Filler:
    """Builds, signs and executes blocks on the spec's Cancun state."""

    def __init__(self, scale: Scale, gas_limit: int, seed: bytes) -> None:
        from ethereum.crypto.hash import keccak256
        from ethereum.forks.cancun import blocks, fork, state, transactions, trie, vm
        from ethereum.forks.cancun.bloom import logs_bloom

        self.keccak = lambda b: bytes(keccak256(b))
        self.blocks, self.fork, self.state_mod = blocks, fork, state
        self.tx_mod, self.trie, self.vm, self.logs_bloom = transactions, trie, vm, logs_bloom
        self.scale, self.gas_limit = scale, gas_limit
        self.keys = [self.private_key(seed, i) for i in range(scale.accounts)]
        self.senders = [self.address(k) for k in self.keys]
        self.nonces = [0] * scale.accounts
        self.pre: dict[bytes, dict[str, Any]] = {
            a: {"nonce": 0, "balance": FUNDS, "code": b"", "storage": {}} for a in self.senders
        }
        self.pre[contracts.BEACON_ROOTS_ADDRESS] = {
            "nonce": 1, "balance": 0, "code": contracts.BEACON_ROOTS_CODE, "storage": {}}

    def private_key(self, seed: bytes, index: int) -> bytes:
        key = int.from_bytes(self.keccak(seed + index.to_bytes(4, "big")), "big") % SECP256K1N
        return (key or 1).to_bytes(32, "big")

    def address(self, key: bytes) -> bytes:
        from coincurve import PrivateKey

        return self.keccak(PrivateKey(key).public_key.format(compressed=False)[1:])[12:]

    def sign(self, sender: int, to: bytes, data: bytes, value: int, gas: int) -> Any:
        """A signed EIP-1559 transaction from ``senders[sender]`` at its next nonce."""
        from coincurve import PrivateKey
        from ethereum_types.numeric import U64, U256, Uint

        tx_mod = self.tx_mod
        fields = dict(chain_id=U64(CHAIN_ID), nonce=U256(self.nonces[sender]),
                      max_priority_fee_per_gas=Uint(TIP), max_fee_per_gas=Uint(MAX_FEE),
                      gas=Uint(gas), to=to, value=U256(value), data=data, access_list=())
        unsigned = tx_mod.FeeMarketTransaction(**fields, y_parity=U256(0), r=U256(0), s=U256(0))
        sig = PrivateKey(self.keys[sender]).sign_recoverable(
            bytes(tx_mod.signing_hash_1559(unsigned)), hasher=None)
        self.nonces[sender] += 1
        return tx_mod.FeeMarketTransaction(
            **fields, y_parity=U256(sig[64]), r=U256(int.from_bytes(sig[:32], "big")),
            s=U256(int.from_bytes(sig[32:64], "big")))

    def fill(self, name: str, make_block_txs: Any, comment: str) -> dict[str, Any]:
        """Genesis from ``pre``, then ``scale.blocks`` blocks of ``make_block_txs(number)``."""
        from ethereum_rlp import rlp
        from ethereum_types.bytes import Bytes8, Bytes32
        from ethereum_types.numeric import U64, U256, Uint

        b, st = self.blocks, self.state_mod
        state = st.State()
        for address, acc in self.pre.items():
            st.set_account(state, address, self.fork.Account(
                nonce=Uint(acc["nonce"]), balance=U256(acc["balance"]), code=acc["code"]))
            for slot, value in acc["storage"].items():
                st.set_storage(state, address, Bytes32(slot.to_bytes(32, "big")), U256(value))
        empty_root = self.trie.root(self.trie.Trie(False, None))
        genesis = b.Header(
            parent_hash=Bytes32(bytes(32)), ommers_hash=self.keccak(rlp.encode(())),
            coinbase=bytes(20), state_root=st.state_root(state), transactions_root=empty_root,
            receipt_root=empty_root, bloom=bytes(256), difficulty=Uint(0), number=Uint(0),
            gas_limit=Uint(self.gas_limit), gas_used=Uint(0), timestamp=U256(0), extra_data=b"",
            prev_randao=Bytes32(bytes(32)), nonce=Bytes8(bytes(8)),
            base_fee_per_gas=Uint(GENESIS_BASE_FEE), withdrawals_root=empty_root,
            blob_gas_used=U64(0), excess_blob_gas=U64(0),
            parent_beacon_block_root=Bytes32(bytes(32)))
        chain = self.fork.BlockChain(blocks=[b.Block(genesis, (), (), ())], state=state,
                                     chain_id=U64(CHAIN_ID))
        out_blocks = []
        coinbase = bytes.fromhex("2adc25665018aa1fe0e6bc666dac8fc2697ff9ba")
        for number in range(1, self.scale.blocks + 1):
            parent = chain.blocks[-1].header
            base_fee = self.fork.calculate_base_fee_per_gas(
                parent.gas_limit, parent.gas_limit, parent.gas_used, parent.base_fee_per_gas)
            beacon_root = self.keccak(b"beacon" + number.to_bytes(8, "big"))
            txs = make_block_txs(number)
            env = self.vm.BlockEnvironment(
                chain_id=chain.chain_id, state=state, block_gas_limit=parent.gas_limit,
                block_hashes=self.fork.get_last_256_block_hashes(chain), coinbase=coinbase,
                number=Uint(number), base_fee_per_gas=base_fee,
                time=U256(number * SECONDS_PER_BLOCK), prev_randao=Bytes32(bytes(32)),
                excess_blob_gas=U64(0), parent_beacon_block_root=Bytes32(beacon_root))
            encoded = tuple(self.tx_mod.encode_transaction(tx) for tx in txs)
            output = self.fork.apply_body(block_env=env, transactions=encoded, withdrawals=())
            header = b.Header(
                parent_hash=self.keccak(rlp.encode(parent)), ommers_hash=genesis.ommers_hash,
                coinbase=coinbase, state_root=st.state_root(state),
                transactions_root=self.trie.root(output.transactions_trie),
                receipt_root=self.trie.root(output.receipts_trie),
                bloom=self.logs_bloom(output.block_logs), difficulty=Uint(0),
                number=Uint(number), gas_limit=parent.gas_limit, gas_used=output.block_gas_used,
                timestamp=U256(number * SECONDS_PER_BLOCK), extra_data=b"",
                prev_randao=Bytes32(bytes(32)), nonce=Bytes8(bytes(8)),
                base_fee_per_gas=base_fee, withdrawals_root=empty_root,
                blob_gas_used=U64(0), excess_blob_gas=U64(0),
                parent_beacon_block_root=Bytes32(beacon_root))
            block = b.Block(header, encoded, (), ())
            chain.blocks.append(block)  # apply_body already moved chain.state on
            out_blocks.append((block, txs))
        return self.fixture(name, chain, genesis, out_blocks, comment)

    def header_json(self, header: Any) -> dict[str, str]:
        from ethereum_rlp import rlp

        return {
            "parentHash": _data(header.parent_hash), "uncleHash": _data(header.ommers_hash),
            "coinbase": _data(header.coinbase), "stateRoot": _data(header.state_root),
            "transactionsTrie": _data(header.transactions_root),
            "receiptTrie": _data(header.receipt_root), "bloom": _data(header.bloom),
            "difficulty": _hex(header.difficulty), "number": _hex(header.number),
            "gasLimit": _hex(header.gas_limit), "gasUsed": _hex(header.gas_used),
            "timestamp": _hex(header.timestamp), "extraData": _data(header.extra_data),
            "mixHash": _data(header.prev_randao), "nonce": _data(header.nonce),
            "baseFeePerGas": _hex(header.base_fee_per_gas),
            "withdrawalsRoot": _data(header.withdrawals_root),
            "blobGasUsed": _hex(header.blob_gas_used),
            "excessBlobGas": _hex(header.excess_blob_gas),
            "parentBeaconBlockRoot": _data(header.parent_beacon_block_root),
            "hash": _data(self.keccak(rlp.encode(header))),
        }

    def fixture(self, name: str, chain: Any, genesis: Any, blocks: list, comment: str
                ) -> dict[str, Any]:
        from ethereum_rlp import rlp

        def account_json(acc: dict[str, Any]) -> dict[str, Any]:
            return {"nonce": _hex(acc["nonce"]), "balance": _hex(acc["balance"]),
                    "code": _data(acc["code"]),
                    "storage": {_hex(k): _hex(v) for k, v in sorted(acc["storage"].items())}}

        post = {}
        state = chain.state
        for address, account in state._main_trie._data.items():
            storage = state._storage_tries.get(address)
            slots = {int.from_bytes(k, "big"): int(v)
                     for k, v in (storage._data.items() if storage else ())}
            post["0x" + bytes(address).hex()] = account_json(
                {"nonce": int(account.nonce), "balance": int(account.balance),
                 "code": bytes(account.code), "storage": slots})
        gas = sum(int(block.header.gas_used) for block, _ in blocks)
        ntx = sum(len(txs) for _, txs in blocks)
        return {f"bench_{name}_Cancun": {
            "_info": {"comment": comment, "generated-by": "bench/generate.py (filled with "
                      "ethereum-execution)", "blocks": len(blocks), "total-gas": gas,
                      "total-txs": ntx},
            "network": "Cancun",
            "genesisBlockHeader": self.header_json(genesis),
            "genesisRLP": _data(rlp.encode(chain_genesis(chain, genesis, self.blocks))),
            "pre": {"0x" + a.hex(): account_json(acc) for a, acc in sorted(self.pre.items())},
            "blocks": [{
                "blockHeader": self.header_json(block.header),
                "blocknumber": str(int(block.header.number)),
                "rlp": _data(rlp.encode(block)),
                "transactions": [self.transaction_json(tx) for tx in txs],
                "uncleHeaders": [], "withdrawals": [],
            } for block, txs in blocks],
            "postState": dict(sorted(post.items())),
            "lastblockhash": _data(self.keccak(rlp.encode(blocks[-1][0].header))),
            "sealEngine": "NoProof",
            "config": {"network": "Cancun", "chainid": _hex(CHAIN_ID)},
        }}

    def transaction_json(self, tx: Any) -> dict[str, Any]:
        sender = self.tx_mod.recover_sender(CHAIN_ID, tx)
        return {
            "type": "0x02", "chainId": _hex(tx.chain_id), "nonce": _hex(tx.nonce),
            "maxPriorityFeePerGas": _hex(tx.max_priority_fee_per_gas),
            "maxFeePerGas": _hex(tx.max_fee_per_gas), "gasLimit": _hex(tx.gas),
            "to": _data(tx.to), "value": _hex(tx.value), "data": _data(tx.data),
            "accessList": [], "v": _hex(tx.y_parity), "r": _hex(tx.r), "s": _hex(tx.s),
            "sender": _data(sender),
        }


def chain_genesis(chain: Any, genesis: Any, blocks_mod: Any) -> Any:
    return blocks_mod.Block(genesis, (), (), ())


def fresh_address(seed: bytes, index: int, keccak: Any) -> bytes:
    return keccak(seed + b"fresh" + index.to_bytes(4, "big"))[12:]


def make_workload(kind: str, scale: Scale) -> dict[str, Any]:
    """One workload fixture (``kind`` from KINDS) at ``scale``."""
    seed = b"ethrex-bench-" + kind.encode()
    gas_limit = scale.compute_gas_limit if kind == "compute" else scale.gas_limit
    f = Filler(scale, gas_limit, seed)
    n = scale.accounts
    counter = {"tx": 0}

    def next_sender() -> int:
        i = counter["tx"] % n
        counter["tx"] += 1
        return i

    if kind == "eth_transfers":
        def txs(number: int) -> list:
            out = []
            for j in range(gas_limit // 21_000):
                i = next_sender()
                to = (fresh_address(seed, counter["tx"], f.keccak) if counter["tx"] % 2
                      else f.senders[(i + 1) % n])
                out.append(f.sign(i, to, b"", 1 + counter["tx"], 21_000))
            return out
        comment = "21k-gas value transfers, half to fresh addresses"
    elif kind == "erc20_transfers":
        f.pre[ERC20] = {"nonce": 1, "balance": 0, "storage": {},
                        "code": contracts.erc20(f.keccak(b"Transfer(address,address,uint256)"))}
        for holder in f.senders:
            slot = int.from_bytes(f.keccak(bytes(12) + holder + bytes(32)), "big")
            f.pre[ERC20]["storage"][slot] = FUNDS

        def txs(number: int) -> list:
            out = []
            # A transfer to a fresh holder uses about 51k gas, to a known one about 34k: the
            # 55k limits must fit in what is left of the block (EIP-1559 block gas check).
            for _ in range((gas_limit - 55_000) // 39_000 + 1):
                i = next_sender()
                to = (fresh_address(seed, counter["tx"], f.keccak) if counter["tx"] % 5 == 0
                      else f.senders[(i + 7) % n])
                data = (bytes.fromhex("a9059cbb") + bytes(12) + to
                        + (1000 + counter["tx"]).to_bytes(32, "big"))
                out.append(f.sign(i, ERC20, data, 0, 55_000))
            return out
        comment = "transfer() on a minimal ERC20 (Solidity slot layout, LOG3), 20% to fresh"
    elif kind == "compute":
        f.pre[COMPUTE] = {"nonce": 1, "balance": 0, "storage": {},
                          "code": contracts.compute_loop()}
        rounds = (scale.compute_tx_gas - 30_000) // contracts.COMPUTE_ROUND_GAS

        def txs(number: int) -> list:
            return [f.sign(next_sender(), COMPUTE, (rounds - k).to_bytes(32, "big"), 0,
                           scale.compute_tx_gas + 20_000)
                    for k in range(gas_limit // (scale.compute_tx_gas + 20_000))]
        comment = "interpreter-bound loop of KECCAK256, MUL, XOR, MSTORE, SUB, JUMPI"
    elif kind == "storage_heavy":
        f.pre[STORAGE] = {"nonce": 1, "balance": 0, "code": contracts.storage_writer(),
                          "storage": {s: s + 1 for s in range(scale.storage_slots)}}
        k = scale.sstores_per_tx
        per_tx = 21_000 + k * 22_200 + 5_000

        def txs(number: int) -> list:
            out = []
            for _ in range(gas_limit // per_tx):
                base = 10**6 + counter["tx"] * k
                data = base.to_bytes(32, "big") + k.to_bytes(32, "big")
                out.append(f.sign(next_sender(), STORAGE, data, 0, per_tx))
            return out
        comment = f"{k} fresh SSTOREs per transaction into a contract holding slots already"
    else:
        raise ValueError(f"unknown workload kind {kind!r}; expected one of {KINDS}")
    return f.fill(kind, txs, comment)


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="python -m bench.generate")
    p.add_argument("out", type=Path)
    p.add_argument("--scale", choices=sorted(SCALES), default="small")
    p.add_argument("--kinds", default=",".join(KINDS))
    a = p.parse_args(argv)
    a.out.mkdir(parents=True, exist_ok=True)
    for kind in a.kinds.split(","):
        fixture = make_workload(kind, SCALES[a.scale])
        path = a.out / f"{kind}.json"
        path.write_text(json.dumps(fixture, indent=1) + "\n")
        info = next(iter(fixture.values()))["_info"]
        print(f"{path}: {info['blocks']} blocks, {info['total-txs']} txs, "
              f"{info['total-gas']:,} gas", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
