"""Sending transactions from one key over JSON-RPC until they are mined: nonces, fees, bumps.

``TxSender.send`` signs an EIP-1559 transaction with the account's mined nonce (so that a
transaction left pending by an earlier run is replaced, not queued behind), waits for its
receipt and, when none comes within ``bump_after`` seconds, sends it again with both fee caps
raised by a quarter (nodes replace a pending transaction only for at least 10% more). A node
that says the nonce is used already means one of the versions was mined: its receipt is
looked up (so is a send the node took too long to answer: it may have taken it).
Transactions from one sender go one at a time (a lock), so that two loops sharing a key never
race for a nonce. A mined transaction that reverted raises ``TxReverted`` with the
reason (the call replayed at its block).

With ``blobs`` the transaction is an EIP-4844 blob transaction (type 3) sent in the network
form with its sidecar: Osaka's (EIP-7594 cell proofs) first, Cancun's (a proof per blob) when
the node refuses that, and the form that worked is kept. A blob transaction is replaced only
for twice its fees (geth's blob pool), so its bumps double them.
"""

import asyncio
import logging
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from ethrex.crypto import kzg
from ethrex.crypto.secp256k1 import private_key_to_address
from ethrex.errors import EthrexError
from ethrex.l2.client import ClientError, EthClient, NodeUnreachable, hex_int
from ethrex.types.network_transactions import (
    WRAPPER_VERSION_CELL_PROOFS,
    BlobTransactionNetwork,
    encode_network_transaction,
)
from ethrex.types.transactions import (
    BlobTransaction,
    FeeMarketTransaction,
    encode_transaction,
    sign_transaction,
    transaction_hash,
)

log = logging.getLogger("ethrex.l2.sender")

GWEI = 10**9
DEFAULT_TIP = GWEI
BUMP_PERCENT = 25
BLOB_BUMP_PERCENT = 100
GAS_MARGIN_PERCENT = 25  # over the estimate: state may change between estimate and inclusion


class TxReverted(EthrexError):
    """A transaction was mined but failed."""

    def __init__(self, tx_hash: bytes, reason: str) -> None:
        self.tx_hash, self.reason = tx_hash, reason
        super().__init__(f"transaction 0x{tx_hash.hex()} reverted: {reason}")


class TxNotMined(EthrexError):
    """No version of a transaction was mined after every fee bump."""


@dataclass(frozen=True, slots=True)
class Mined:
    """A mined transaction: its hash, block and gas."""

    tx_hash: bytes
    block_number: int
    gas_used: int
    receipt: dict[str, Any]


@dataclass(frozen=True, slots=True)
class Blobs:
    """A blob transaction's sidecar, both forms: Osaka's cell proofs and Cancun's blob
    proofs (each computed when first needed)."""

    blobs: tuple[bytes, ...]
    commitments: tuple[bytes, ...]
    versioned_hashes: tuple[bytes, ...]

    @classmethod
    def of(cls, blobs: Sequence[bytes]) -> "Blobs":
        commitments = tuple(kzg.blob_to_commitment(b) for b in blobs)
        return cls(tuple(blobs), commitments,
                   tuple(kzg.kzg_to_versioned_hash(c) for c in commitments))

    def proofs(self, version: int) -> tuple[bytes, ...]:
        if version == WRAPPER_VERSION_CELL_PROOFS:
            return tuple(p for b in self.blobs for p in kzg.compute_cells_and_kzg_proofs(b)[1])
        return tuple(kzg.compute_blob_proof(b, c) for b, c in zip(self.blobs, self.commitments))


def _is_nonce_used(message: str) -> bool:
    text = message.lower()
    return "nonce too low" in text or "nonce is too low" in text or "already used" in text


def _is_known(message: str) -> bool:
    text = message.lower()
    return "already known" in text or "already imported" in text or "already in" in text


def _is_underpriced(message: str) -> bool:
    return "underpriced" in message.lower()


class TxSender:
    """Sends transactions from ``key`` through ``client``."""

    def __init__(self, client: EthClient, key: bytes, bump_after: float = 12.0,
                 max_bumps: int = 8, poll: float = 0.25) -> None:
        self.client = client
        self.key = key
        self.address = private_key_to_address(key)
        self.bump_after = bump_after
        self.max_bumps = max_bumps
        self.poll = poll
        self.lock = asyncio.Lock()
        self._chain_id: int | None = None
        self.blob_form = WRAPPER_VERSION_CELL_PROOFS  # the sidecar form the node took last

    async def chain_id(self) -> int:
        if self._chain_id is None:
            self._chain_id = await self.client.chain_id()
        return self._chain_id

    async def fees(self) -> tuple[int, int]:
        """(tip, fee cap): the node's suggested tip and twice the latest base fee on top."""
        try:
            tip = hex_int(await self.client.call("eth_maxPriorityFeePerGas"))
        except ClientError:  # not every node serves it
            tip = DEFAULT_TIP
        block = await self.client.get_block("latest")
        base_fee = hex_int(block["baseFeePerGas"]) if block and "baseFeePerGas" in block else 0
        tip = max(tip, 1)
        return tip, 2 * base_fee + tip

    async def estimate(self, to: bytes | None, data: bytes, value: int = 0,
                       blob_hashes: Sequence[bytes] = ()) -> int:
        """Gas for the transaction with a margin; a revert raises ``ClientError`` (its
        ``reason()`` says why) before anything is sent."""
        gas = await self.client.estimate_gas(self.address, to, data, value, blob_hashes)
        return gas + gas * GAS_MARGIN_PERCENT // 100

    async def send(self, to: bytes | None, data: bytes, value: int = 0,
                   gas: int | None = None, blobs: Blobs | None = None) -> Mined:
        """Send and wait until mined (``to`` None creates a contract); with ``blobs``, as a
        blob transaction carrying them."""
        async with self.lock:
            hashes = blobs.versioned_hashes if blobs else ()
            if gas is None:
                gas = await self.estimate(to, data, value, hashes)
            chain_id = await self.chain_id()
            nonce = await self.client.nonce(self.address, "latest")
            tip, cap = await self.fees()
            blob_cap = 2 * await self.client.blob_base_fee() + GWEI if blobs else 0
            bump = BLOB_BUMP_PERCENT if blobs else BUMP_PERCENT
            proofs: dict[int, tuple[bytes, ...]] = {}
            sent: list[bytes] = []
            for attempt in range(self.max_bumps + 1):
                tx: FeeMarketTransaction | BlobTransaction
                if blobs is None:
                    tx = sign_transaction(FeeMarketTransaction(
                        chain_id, nonce, tip, cap, gas, to or b"", value, data, (), 0, 0, 0),
                        self.key)
                else:
                    tx = sign_transaction(BlobTransaction(
                        chain_id, nonce, tip, cap, gas, to or b"", value, data, (), blob_cap,
                        hashes, 0, 0, 0), self.key)
                tx_hash = transaction_hash(tx)
                try:
                    if blobs is None:
                        await self.client.send_raw(encode_transaction(tx))
                    else:
                        await self._send_blob_tx(tx, blobs, proofs)
                    sent.append(tx_hash)
                except NodeUnreachable as exc:  # the node may have taken it all the same
                    log.info("no answer to sending nonce %d (%s): waiting for a receipt",
                             nonce, exc)
                    sent.append(tx_hash)
                except ClientError as exc:
                    if _is_known(exc.message):
                        sent.append(tx_hash)
                    elif _is_nonce_used(exc.message):
                        mined = await self._find_mined(sent)
                        if mined is not None:
                            return mined
                        nonce = await self.client.nonce(self.address, "latest")
                        continue  # another transaction took the nonce: a fresh one
                    elif not _is_underpriced(exc.message):
                        raise
                mined = await self._wait(sent, self.bump_after)
                if mined is not None:
                    return mined
                tip += max(tip * bump // 100, 1)
                cap += max(cap * bump // 100, 1)
                blob_cap += blob_cap * bump // 100
                log.info("no receipt for nonce %d after %.0fs: fees bumped to tip %d, cap %d",
                         nonce, self.bump_after, tip, cap)
            raise TxNotMined(f"nonce {nonce} not mined after {self.max_bumps} fee bumps")

    async def _send_blob_tx(self, tx: BlobTransaction, blobs: Blobs,
                            proofs: dict[int, tuple[bytes, ...]]) -> None:
        """Send in the sidecar form the node took last, else in the other one."""
        forms = (self.blob_form, 1 - self.blob_form)
        for form in forms:
            if form not in proofs:  # KZG proofs take a second a blob: off the event loop
                proofs[form] = await asyncio.to_thread(blobs.proofs, form)
            raw = encode_network_transaction(BlobTransactionNetwork(
                tx, blobs.blobs, blobs.commitments, proofs[form], form))
            try:
                await self.client.send_raw(raw)
            except ClientError as exc:
                if form != forms[0] or _is_known(exc.message) or _is_nonce_used(exc.message) \
                        or _is_underpriced(exc.message):
                    raise
                log.info("L1 refused the blob sidecar form %d (%s): trying form %d", form,
                         exc.message, forms[1])
                continue
            self.blob_form = form
            return

    async def _find_mined(self, hashes: list[bytes]) -> Mined | None:
        for tx_hash in hashes:
            receipt = await self.client.receipt(tx_hash)
            if receipt is not None:
                return await self._mined(tx_hash, receipt)
        return None

    async def _wait(self, hashes: list[bytes], seconds: float) -> Mined | None:
        loop = asyncio.get_running_loop()
        deadline = loop.time() + seconds
        while True:
            mined = await self._find_mined(hashes)
            if mined is not None or loop.time() >= deadline:
                return mined
            await asyncio.sleep(self.poll)

    async def _mined(self, tx_hash: bytes, receipt: dict[str, Any]) -> Mined:
        block = hex_int(receipt["blockNumber"])
        if hex_int(receipt.get("status", "0x1")) != 1:
            raise TxReverted(tx_hash, await self._revert_reason(tx_hash, block))
        return Mined(tx_hash, block, hex_int(receipt["gasUsed"]), receipt)

    async def _revert_reason(self, tx_hash: bytes, block: int) -> str:
        """Replay the transaction as a call at its block's parent state to learn why."""
        try:
            tx = await self.client.call("eth_getTransactionByHash", "0x" + tx_hash.hex())
            call = {"from": tx["from"], "data": tx["input"], "value": tx["value"],
                    "gas": tx["gas"]}
            if tx.get("to"):
                call["to"] = tx["to"]
            await self.client.call("eth_call", call, hex(block - 1))
        except ClientError as exc:
            return exc.reason()
        except (NodeUnreachable, KeyError, TypeError):
            return "unknown (the replay failed)"
        return "out of gas or a failure that the replay does not repeat"
