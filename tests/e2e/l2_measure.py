"""The rollup's figures, measured against a running sequencer: L2 throughput (transfers/s and
Mgas/s from the first transfer sent to the last one in a block), deposit latency (from the
deposit's L1 receipt to the balance on L2) and the L1 gas of each batch's commit (and of its
verification with the sequencer's exec proof), per batch and per L2 transaction. Used by
tests/e2e/test_l2_measure.py (a small run) and bench/l2.py.
"""

import statistics
import time
from dataclasses import dataclass
from typing import Any

from ethrex.crypto.secp256k1 import private_key_to_address
from ethrex.dev import dev_accounts
from ethrex.l2.abi import encode_call
from ethrex.primitives import keccak256
from ethrex.types.transactions import FeeMarketTransaction, encode_transaction, sign_transaction
from tests.e2e.harness import Rpc

GWEI = 10**9
ETHER = 10**18
SINK = b"\x5b" * 20
L2_MAX_FEE = 10 * GWEI


@dataclass(frozen=True, slots=True)
class L2Report:
    transfers: int
    seconds: float  # first transfer sent -> last one in a block
    blocks: int
    gas: int
    deposit_latency: tuple[float, ...]  # seconds, L1 receipt -> L2 balance
    confirmations: int
    # (number, L2 txs, commit gas, verify gas, blobs, published bytes)
    batches: tuple[tuple[int, int, int, int, int, int], ...]

    def lines(self) -> list[str]:
        lat = sorted(self.deposit_latency)
        commit = [b[2] for b in self.batches]
        txs = sum(b[1] for b in self.batches)
        return [
            f"L2 throughput: {self.transfers} transfers in {self.seconds:.1f}s over "
            f"{self.blocks} blocks: {self.transfers / self.seconds:.0f} transfers/s, "
            f"{self.gas / self.seconds / 1e6:.2f} Mgas/s",
            f"deposit latency (L1 receipt -> L2 balance, {self.confirmations} L1 "
            f"confirmation(s), {len(lat)} deposits): median {statistics.median(lat):.2f}s, "
            f"min {lat[0]:.2f}s, max {lat[-1]:.2f}s",
            f"commit cost: {len(commit)} batches, {statistics.mean(commit):.0f} L1 gas per "
            f"commit (min {min(commit)}, max {max(commit)}), {sum(commit) / max(txs, 1):.0f} "
            f"L1 gas per L2 transaction ({txs} transactions); exec-proof verify "
            f"{statistics.mean(b[3] for b in self.batches):.0f} gas per batch",
            f"blobs per commit: {[b[4] for b in self.batches]} (each 131,072 blob gas on top); "
            f"published data {sum(b[5] for b in self.batches) / max(txs, 1):.1f} bytes per "
            f"L2 transaction (compressed blocks)",
        ]


def _l2_key(i: int) -> bytes:
    return keccak256(b"ethrex l2 measure " + i.to_bytes(4, "big"))


def _signed(key: bytes, chain_id: int, nonce: int, to: bytes, value: int, data: bytes = b"",
            gas: int = 21_000, fee_cap: int = L2_MAX_FEE) -> str:
    tx = FeeMarketTransaction(chain_id, nonce, GWEI, fee_cap, gas, to, value, data, (), 0, 0, 0)
    return "0x" + encode_transaction(sign_transaction(tx, key)).hex()


def _wait(what: str, check: Any, timeout: float, every: float = 0.05) -> Any:
    deadline = time.monotonic() + timeout
    while True:
        value = check()
        if value:
            return value
        if time.monotonic() > deadline:
            raise TimeoutError(f"{what} not done after {timeout}s")
        time.sleep(every)


def fund_by_deposits(l1: Rpc, l2: Rpc, bridge: str, addresses: list[bytes],
                     amount: int) -> list[float]:
    """Deposit ``amount`` to each address from the dev accounts 0-7; the latency of each."""
    funders = [key for _, key in dev_accounts()[:8]]
    l1_chain = int(l1.call("eth_chainId"), 16)
    base_fee = int(l1.call("eth_getBlockByNumber", "latest", False)["baseFeePerGas"], 16)
    nonces = [int(l1.call("eth_getTransactionCount", "0x" + private_key_to_address(k).hex(),
                          "pending"), 16) for k in funders]
    pending: dict[str, bytes] = {}
    for i, address in enumerate(addresses):
        f = i % len(funders)
        raw = _signed(funders[f], l1_chain, nonces[f] + i // len(funders),
                      bytes.fromhex(bridge[2:]), amount, encode_call("deposit(address)", address),
                      150_000, 4 * base_fee + GWEI)
        pending[l1.call("eth_sendRawTransaction", raw)] = address
    seen_l1: dict[bytes, float] = {}
    latency: dict[bytes, float] = {}
    deadline = time.monotonic() + 120
    while len(latency) < len(addresses):
        for tx_hash, address in pending.items():
            if address not in seen_l1 and l1.call("eth_getTransactionReceipt", tx_hash):
                seen_l1[address] = time.monotonic()
        for address, at in seen_l1.items():
            if address not in latency and int(l2.call(
                    "eth_getBalance", "0x" + address.hex(), "latest"), 16) >= amount:
                latency[address] = time.monotonic() - at
        if time.monotonic() > deadline:
            raise TimeoutError(f"{len(addresses) - len(latency)} deposits not on L2 after 120s")
        time.sleep(0.05)
    return list(latency.values())


def measure(l1_url: str, l2_url: str, bridge: str, senders: int, per_sender: int,
            confirmations: int, batch: int = 250) -> L2Report:
    """Fund ``senders`` L2 accounts by deposit, flood ``senders * per_sender`` transfers,
    wait for every one and for the batches holding them to be verified."""
    l1, l2 = Rpc(l1_url), Rpc(l2_url)
    chain_id = int(l2.call("eth_chainId"), 16)
    keys = [_l2_key(i) for i in range(senders)]
    addresses = [private_key_to_address(k) for k in keys]
    latency = fund_by_deposits(l1, l2, bridge, addresses,
                               (per_sender + 1) * 21_000 * L2_MAX_FEE + per_sender)
    raws = [_signed(keys[s], chain_id, n, SINK, 1) for n in range(per_sender)
            for s in range(senders)]
    first_block = int(l2.call("eth_blockNumber"), 16) + 1
    start = time.monotonic()
    for at in range(0, len(raws), batch):
        for reply in l2.batch([("eth_sendRawTransaction", [raw]) for raw in raws[at:at + batch]]):
            assert "result" in reply, reply
    last = "0x" + keccak256(bytes.fromhex(raws[-1][2:])).hex()
    _wait("the last transfer", lambda: l2.call("eth_getTransactionReceipt", last), 600)

    def all_in() -> bool:
        nonces = l2.batch([("eth_getTransactionCount", ["0x" + a.hex(), "latest"])
                           for a in addresses])
        return all(int(n["result"], 16) == per_sender for n in nonces)

    _wait("every transfer", all_in, 600)
    seconds = time.monotonic() - start
    last_block = int(l2.call("eth_blockNumber"), 16)
    blocks = gas = transfers = 0
    for number in range(first_block, last_block + 1):
        block = l2.call("eth_getBlockByNumber", hex(number), False)
        if block["transactions"]:
            blocks += 1
            gas += int(block["gasUsed"], 16)
            transfers += len(block["transactions"])
    assert transfers == len(raws), (transfers, len(raws))

    def batch_of(number: int) -> Any:
        return l2.call("ethrex_getBatchByNumber", hex(number))

    # the batches of the flood's blocks, once verified on L1
    def covered() -> int:
        n = int(l2.call("ethrex_batchNumber"), 16)
        record = batch_of(n) if n else None
        return n if record and int(record["lastBlock"], 16) >= last_block else 0

    top = _wait("the flood's batches", covered, 300, 0.5)
    _wait("the flood's batches verified", lambda: batch_of(top)["status"] == "verified", 300,
          0.5)
    batches = []
    for number in range(1, top + 1):
        record = batch_of(number)
        if int(record["lastBlock"], 16) < first_block:
            continue
        verify = l1.call("eth_getTransactionReceipt", record["verifyTransaction"])
        commit = l1.call("eth_getTransactionByHash", record["commitTransaction"])
        batches.append((number, int(record["transactions"], 16),
                        int(record["commitGasUsed"], 16), int(verify["gasUsed"], 16),
                        len(commit.get("blobVersionedHashes") or ()),
                        len(l2.call("ethrex_getBatchData", hex(number))) // 2 - 1))
    return L2Report(len(raws), seconds, blocks, gas, tuple(latency), confirmations,
                    tuple(batches))
