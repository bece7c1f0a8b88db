"""A transaction flood against a running ``ethrex --dev``: many senders, each with a run of
nonces, pushed through ``eth_sendRawTransaction`` in JSON-RPC batches while another connection
times ``eth_blockNumber``. Used by tests/e2e/test_mempool_flood.py (a smaller flood) and
bench/mempool_flood.py (10,000 transactions from 100 senders).

Invalid transactions ride along in the batches (exact duplicates, unfunded senders, a wrong
chain id): each must get a JSON-RPC error and none may reach a block. Every valid transaction
must end in a block, each sender's in nonce order.
"""

import statistics
import threading
import time
from dataclasses import dataclass

from ethrex.crypto.secp256k1 import private_key_to_address
from ethrex.primitives import keccak256
from ethrex.types.transactions import FeeMarketTransaction, encode_transaction, sign_transaction
from tests.e2e.harness import CHAIN_ID, DEV_KEYS, Rpc

GWEI = 10**9
SINK = b"\x5b" * 20  # every flood transfer pays 1 wei here
MAX_FEE = 20 * GWEI  # well above the dev chain's base fee however full the blocks get
TIP = GWEI


@dataclass(frozen=True, slots=True)
class FloodReport:
    senders: int
    valid: int
    invalid: int
    send_seconds: float  # all batches answered
    total_seconds: float  # first batch sent → last valid transaction in a block
    blocks: int
    max_block_txs: int
    latency_ms: tuple[float, float, float]  # eth_blockNumber p50, p99, max during the flood
    latency_samples: int

    @property
    def in_per_second(self) -> float:
        return (self.valid + self.invalid) / self.send_seconds

    @property
    def included_per_second(self) -> float:
        return self.valid / self.total_seconds

    def line(self) -> str:
        p50, p99, worst = self.latency_ms
        return (f"{self.valid} valid + {self.invalid} invalid txs from {self.senders} senders: "
                f"admitted in {self.send_seconds:.1f}s ({self.in_per_second:.0f} tx/s in), all "
                f"included after {self.total_seconds:.1f}s ({self.included_per_second:.0f} tx/s) "
                f"in {self.blocks} blocks (max {self.max_block_txs} txs); eth_blockNumber during "
                f"the flood p50 {p50:.1f} ms, p99 {p99:.1f} ms, max {worst:.1f} ms "
                f"({self.latency_samples} calls)")


def _key(label: bytes, i: int) -> bytes:
    return keccak256(b"ethrex flood " + label + i.to_bytes(4, "big"))


def _transfer(key: bytes, nonce: int, to: bytes, value: int, chain_id: int = CHAIN_ID) -> str:
    tx = FeeMarketTransaction(chain_id=chain_id, nonce=nonce, max_priority_fee_per_gas=TIP,
                              max_fee_per_gas=MAX_FEE, gas=21_000, to=to, value=value, data=b"",
                              access_list=(), y_parity=0, r=0, s=0)
    return "0x" + encode_transaction(sign_transaction(tx, key)).hex()


def _fund(rpc: Rpc, addresses: list[bytes], amount: int, timeout: float) -> None:
    """Pay ``amount`` to each address from the dev accounts; wait until all have it."""
    funders = [bytes.fromhex(k[2:]) for k in DEV_KEYS]
    start_nonces = [int(r["result"], 16) for r in rpc.batch(
        [("eth_getTransactionCount", ["0x" + private_key_to_address(k).hex(), "pending"])
         for k in funders])]
    raws = []
    for i, address in enumerate(addresses):
        f = i % len(funders)
        raws.append(_transfer(funders[f], start_nonces[f] + i // len(funders), address, amount))
    for reply in rpc.batch([("eth_sendRawTransaction", [raw]) for raw in raws]):
        assert "result" in reply, f"funding transaction refused: {reply}"
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        balances = rpc.batch([("eth_getBalance", ["0x" + a.hex(), "latest"]) for a in addresses])
        if all(int(b["result"], 16) >= amount for b in balances):
            return
        time.sleep(0.1)
    raise TimeoutError("the flood senders were not funded in time")


class _LatencyProbe(threading.Thread):
    """Times eth_blockNumber on its own connection until stopped."""

    def __init__(self, url: str, interval: float = 0.02) -> None:
        super().__init__(daemon=True)
        self.rpc = Rpc(url, timeout=30)
        self.interval = interval
        self.stop_event = threading.Event()
        self.samples: list[float] = []
        self.errors: list[str] = []

    def run(self) -> None:
        while not self.stop_event.is_set():
            start = time.perf_counter()
            try:
                self.rpc.call("eth_blockNumber")
            except Exception as exc:  # noqa: BLE001 — recorded and reported by the caller
                self.errors.append(repr(exc))
            self.samples.append((time.perf_counter() - start) * 1000)
            self.stop_event.wait(self.interval)
        self.rpc.close()


def run_flood(url: str, senders: int = 100, per_sender: int = 100, batch: int = 250,
              timeout: float = 300) -> FloodReport:
    """Fund ``senders`` fresh accounts, flood ``senders * per_sender`` transfers (nonces sent
    round-robin across senders) plus invalid ones, wait for every valid one to be included, and
    check the blocks. Raises AssertionError on any broken rule."""
    rpc = Rpc(url, timeout=60)
    keys = [_key(b"sender", i) for i in range(senders)]
    addresses = [private_key_to_address(k) for k in keys]
    _fund(rpc, addresses, (per_sender + 1) * 21_000 * MAX_FEE + 10**15, timeout=60)
    first_block = int(rpc.call("eth_blockNumber"), 16) + 1

    valid = [_transfer(keys[s], n, SINK, 1) for n in range(per_sender) for s in range(senders)]
    valid_hashes = {"0x" + keccak256(bytes.fromhex(raw[2:])).hex() for raw in valid}
    unfunded = [_transfer(_key(b"unfunded", i), 0, SINK, 1) for i in range(max(1, senders // 5))]
    wrong_chain = [_transfer(keys[i], per_sender + 5, SINK, 1, chain_id=CHAIN_ID + 1)
                   for i in range(max(1, senders // 10))]
    # Interleave: each batch of valid transactions is followed by some invalid ones, and the
    # first batch's transactions come again (already known) in the second.
    invalid = unfunded + wrong_chain + valid[: max(1, senders // 5)]
    calls: list[str] = []
    spread = max(1, len(valid) // len(invalid))
    pending_invalid = list(invalid)
    for i, raw in enumerate(valid):
        calls.append(raw)
        if i % spread == spread - 1 and pending_invalid and i >= batch:
            calls.append(pending_invalid.pop())
    calls.extend(pending_invalid)
    invalid_set = set(unfunded) | set(wrong_chain)

    probe = _LatencyProbe(url)
    probe.start()
    start = time.perf_counter()
    seen_valid: set[str] = set()
    rejected = 0
    try:
        for at in range(0, len(calls), batch):
            chunk = calls[at: at + batch]
            replies = rpc.batch([("eth_sendRawTransaction", [raw]) for raw in chunk])
            for raw, reply in zip(chunk, replies):
                if raw in invalid_set or (raw in seen_valid and "error" in reply):
                    assert "error" in reply, f"an invalid transaction was accepted: {reply}"
                    rejected += 1
                else:
                    assert "result" in reply, f"a valid transaction was refused: {reply}"
                    seen_valid.add(raw)
        send_seconds = time.perf_counter() - start
        deadline = time.monotonic() + timeout
        want = per_sender
        while True:
            counts = rpc.batch([("eth_getTransactionCount", ["0x" + a.hex(), "latest"])
                                for a in addresses])
            if all(int(c["result"], 16) == want for c in counts):
                break
            assert time.monotonic() < deadline, "the flood was not included in time"
            time.sleep(0.1)
        total_seconds = time.perf_counter() - start
    finally:
        probe.stop_event.set()
        probe.join()
    assert not probe.errors, f"eth_blockNumber failed during the flood: {probe.errors[:3]}"
    assert rejected == len(invalid), f"{rejected} rejected, {len(invalid)} invalid sent"

    # Every valid transaction is in a block, each sender's in nonce order, nothing else is.
    last_block = int(rpc.call("eth_blockNumber"), 16)
    numbers = list(range(first_block, last_block + 1))
    included: list[tuple[str, str, int]] = []
    block_sizes = []
    for at in range(0, len(numbers), 20):
        replies = rpc.batch([("eth_getBlockByNumber", [hex(n), True])
                             for n in numbers[at: at + 20]])
        for reply in replies:
            txs = reply["result"]["transactions"]
            block_sizes.append(len(txs))
            included.extend((t["hash"], t["from"], int(t["nonce"], 16)) for t in txs)
    rpc.close()
    assert {h for h, _, _ in included} == valid_hashes, "included set != valid set"
    assert len(included) == len(valid_hashes), "a transaction was included twice"
    next_nonce: dict[str, int] = {}
    for _, sender, nonce in included:
        assert nonce == next_nonce.get(sender, 0), f"{sender} nonce {nonce} out of order"
        next_nonce[sender] = nonce + 1
    samples = sorted(probe.samples)
    p99 = samples[min(len(samples) - 1, int(len(samples) * 0.99))]
    return FloodReport(senders, len(valid), len(invalid), send_seconds, total_seconds,
                       sum(1 for s in block_sizes if s), max(block_sizes),
                       (statistics.median(samples), p99, samples[-1]), len(samples))
