"""The committer: seals L2 blocks into batches and commits them to L1, in order.

A batch is sealed when its blocks' RLP reaches ``max_bytes`` (what one blob carries), when it
has ``max_blocks`` blocks, or when it holds a transaction and its first block is ``max_age``
seconds old; empty blocks wait for the next batch with a transaction (or for ``max_blocks``).
Sealing stores the batch's commitment (``ethrex.l2.rollup.batch``) once, so a restarted
sequencer commits exactly what it sealed. Committing sends ``OnChainProposer.commitBatch``
unless L1 already has the batch (a commit mined just before a crash): L1's
``lastCommittedBatch`` is read before every send.

A batch's data (``ethrex.l2.rollup.batch_data``: its blocks, compressed) goes with the commit
as the blobs of a type-3 transaction, which ``commitBatch`` records by versioned hash; a
validium sends no blobs and commits to ``keccak256(payload)`` instead. Either way the data is
written first to the data directory (``BatchFiles``): each blob as ``0x<versioned hash>.blob``,
a validium's payload as ``0x<commitment>.data``, which ``ethrex l2 reconstruct`` reads and the
L2 RPC serves (``ethrex_getBatchData``).
"""

import asyncio
import logging
import time
from collections.abc import Callable
from concurrent.futures import Executor
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from ethrex.blockchain.blockchain import Blockchain
from ethrex.l2.abi import encode_call
from ethrex.l2.client import ClientError
from ethrex.l2.errors import L2ConfigError
from ethrex.l2.rollup.batch import BatchCommitment, batch_commitment
from ethrex.l2.rollup.batch_data import encode_payload, payload_to_blobs
from ethrex.l2.rollup.privileged import ZERO_HASH
from ethrex.l2.sender import Blobs, TxSender
from ethrex.l2.sequencer.loop import run_forever
from ethrex.l2.store import COMMITTED, SEALED, BatchRecord, RollupStore
from ethrex.primitives import keccak256
from ethrex.types.block import Block, encode_block

log = logging.getLogger("ethrex.l2.committer")

COMMIT_BATCH = ("commitBatch(uint256,uint256,uint256,bytes32,bytes32,uint256,bytes32,"
                "bytes32,bytes32)")
BLOB_SUFFIX, DATA_SUFFIX = ".blob", ".data"


@dataclass(frozen=True, slots=True)
class BatchPolicy:
    """When a batch is sealed (see the module docstring)."""

    max_blocks: int = 1000
    max_bytes: int = 120_000
    max_age: float = 10.0


def commit_calldata(c: BatchCommitment, validium_commitment: bytes = bytes(32)) -> bytes:
    return encode_call(COMMIT_BATCH, c.number, c.first_block, c.last_block, c.state_root,
                       c.messages_root, c.privileged_count, c.privileged_rolling_hash,
                       c.last_block_hash, validium_commitment)


class BatchFiles:
    """Published batch data kept as files named by what L1 records: ``0x<versioned
    hash>.blob`` (a blob's 131,072 bytes) and ``0x<keccak256>.data`` (a validium's payload)."""

    __slots__ = ("directory",)

    def __init__(self, directory: Path) -> None:
        self.directory = directory

    def path(self, name: bytes, suffix: str) -> Path:
        return self.directory / f"0x{name.hex()}{suffix}"

    def write(self, name: bytes, suffix: str, data: bytes) -> None:
        """Written whole or not at all (a temporary file renamed)."""
        self.directory.mkdir(parents=True, exist_ok=True)
        path = self.path(name, suffix)
        tmp = path.with_name(path.name + ".tmp")
        tmp.write_bytes(data)
        tmp.replace(path)

    def read(self, name: bytes, suffix: str) -> bytes | None:
        try:
            return self.path(name, suffix).read_bytes()
        except FileNotFoundError:
            return None


class Sealer:
    """Cuts the chain into batches; remembers the sizes of the blocks it has looked at."""

    def __init__(self, chain: Blockchain, rollup: RollupStore, policy: BatchPolicy) -> None:
        self.chain = chain
        self.rollup = rollup
        self.policy = policy
        self._sizes: dict[int, tuple[int, int]] = {}  # block number -> (RLP bytes, txs)

    def _size(self, number: int) -> tuple[int, int]:
        size = self._sizes.get(number)
        if size is None:
            block = self.block(number)
            size = self._sizes[number] = (len(encode_block(block)), len(block.transactions))
        return size

    def block(self, number: int) -> Block:
        block = self.chain.store.get_block_by_number(number)
        if block is None:
            raise LookupError(f"L2 block {number} is not stored")
        return block

    def seal(self, now: float | None = None) -> BatchRecord | None:
        """Seal the next batch if the policy says so (on the executor thread)."""
        policy = self.policy
        number = self.rollup.last_batch() + 1
        previous = self.rollup.get_batch(number - 1)
        first = previous.commitment.last_block + 1 if previous else 1
        head = self.chain.head_header().number
        last, size, txs, full = first - 1, 0, 0, False
        for n in range(first, head + 1):
            block_size, block_txs = self._size(n)
            if n > first and (size + block_size > policy.max_bytes
                              or n - first >= policy.max_blocks):
                full = True
                break
            last, size, txs = n, size + block_size, txs + block_txs
        if last < first:
            return None
        full = full or size >= policy.max_bytes or last - first + 1 >= policy.max_blocks
        if not full:
            age = (time.time() if now is None else now) - self.block(first).header.timestamp
            if txs == 0 or age < policy.max_age:
                return None
        blocks = [self.block(n) for n in range(first, last + 1)]
        receipts = [self.chain.store.get_receipts(b.header.hash()) or [] for b in blocks]
        rolling = previous.commitment.privileged_rolling_hash if previous else ZERO_HASH
        record = BatchRecord(batch_commitment(number, blocks, receipts, rolling), txs)
        self.rollup.put_batch(record)
        for n in range(first, last + 1):
            self._sizes.pop(n, None)
        return record


async def last_batch_on_l1(sender: TxSender, proposer: bytes, getter: str) -> int:
    """``lastCommittedBatch()`` or ``lastVerifiedBatch()`` of the proposer."""
    out = await sender.client.eth_call(proposer, encode_call(getter))
    if len(out) != 32:
        raise ClientError(getter, 0, f"the proposer at 0x{proposer.hex()} answered {out.hex()!r}")
    return int.from_bytes(out, "big")


async def _on_executor(executor: Executor, fn: Callable[..., Any], *args: Any) -> Any:
    return await asyncio.get_running_loop().run_in_executor(executor, fn, *args)


class DeploymentMismatch(L2ConfigError):
    """The L1 contracts are not this L2's (another genesis, or not an OnChainProposer)."""


class Committer:
    """Commits sealed batches to the proposer at ``proposer`` on L1, in order.
    ``wrong_state_root_batch`` is a test hook (a faulty sequencer): that batch's first commit
    carries a state root its blocks do not reach (0: none)."""

    def __init__(self, sealer: Sealer, sender: TxSender, executor: Executor,
                 proposer: bytes, files: BatchFiles, validium: bool = False,
                 wrong_state_root_batch: int = 0) -> None:
        self.sealer = sealer
        self.files = files
        self.validium = validium
        self.rollup = sealer.rollup
        self.sender = sender
        self.executor = executor
        self.proposer = proposer
        self.next = 1  # no batch before it waits for a commit
        self.checked = False
        self.wrong_state_root_batch = wrong_state_root_batch

    async def check_deployment(self) -> None:
        """The proposer's batch 0 must be this chain's genesis."""
        out = await self.sender.client.eth_call(self.proposer, encode_call("batches(uint256)", 0))
        genesis = self.sealer.chain.store.get_header_by_number(0)
        if len(out) < 32:
            raise DeploymentMismatch(f"no OnChainProposer at 0x{self.proposer.hex()} on L1")
        if genesis is None or out[:32] != genesis.state_root:
            raise DeploymentMismatch(
                f"the OnChainProposer at 0x{self.proposer.hex()} starts from state root "
                f"0x{out[:32].hex()}, this L2's genesis has another: deployed for another "
                f"chain id?")
        flag = await self.sender.client.eth_call(self.proposer, encode_call("validium()"))
        if bool(int.from_bytes(flag, "big")) != self.validium:
            raise DeploymentMismatch(
                f"the OnChainProposer at 0x{self.proposer.hex()} is "
                f"{'a validium' if not self.validium else 'not a validium'}: run the sequencer "
                f"{'with' if not self.validium else 'without'} --validium")
        self.checked = True

    async def step(self) -> bool:
        """Seal what the policy says, then commit the next sealed batch; True when more
        wait."""
        if not self.checked:
            await self.check_deployment()
        while await _on_executor(self.executor, self.sealer.seal) is not None:
            pass  # a backlog may fill several batches
        record = self.rollup.get_batch(self.next)
        while record is not None and record.status != SEALED:
            self.next += 1
            record = self.rollup.get_batch(self.next)
        if record is None:
            return await self.check_l1_behind()
        if await self.commit(record):
            self.next += 1
        return True

    async def check_l1_behind(self) -> bool:
        """With nothing to commit: if L1 lost committed batches (a reorg, or batches reverted
        with ``revertBatches``), mark them sealed again to commit them anew; True when it did."""
        if self.next <= 1:
            return False
        on_l1 = await last_batch_on_l1(self.sender, self.proposer, "lastCommittedBatch()")
        if on_l1 >= self.next - 1:
            return False
        await self._commit_again(on_l1, self.next - 1)
        return True

    async def _commit_again(self, on_l1: int, ours: int) -> None:
        log.warning("L1 has batches up to %d, this sequencer committed up to %d (an L1 reorg, "
                    "or batches reverted): committing again from batch %d", on_l1, ours,
                    on_l1 + 1)
        await _on_executor(self.executor, self.rollup.reopen, on_l1 + 1, ours, SEALED)
        self.next = on_l1 + 1

    async def commit(self, record: BatchRecord) -> bool:
        """Commit ``record`` unless L1 has it; False when L1 turned out to be behind."""
        number = record.commitment.number
        on_l1 = await last_batch_on_l1(self.sender, self.proposer, "lastCommittedBatch()")
        if on_l1 >= number:  # committed before a restart
            await _on_executor(self.executor, lambda: self.rollup.mark(number, status=COMMITTED))
            return True
        if on_l1 < number - 1:  # an L1 reorg dropped commits: they are sent again
            await self._commit_again(on_l1, number - 1)
            return False
        c = record.commitment
        if number == self.wrong_state_root_batch:
            log.warning("batch %d: committing a wrong state root (test hook)", number)
            c = replace(c, state_root=keccak256(c.state_root))
            self.wrong_state_root_batch = 0
        payload = await _on_executor(self.executor, self.payload, c)
        if self.validium:
            commitment = keccak256(payload)
            await asyncio.to_thread(self.files.write, commitment, DATA_SUFFIX, payload)
            mined = await self.sender.send(self.proposer, commit_calldata(c, commitment))
            published = f"{len(payload)} bytes of data kept off L1"
        else:
            blobs = await asyncio.to_thread(Blobs.of, payload_to_blobs(payload))
            for blob, versioned_hash in zip(blobs.blobs, blobs.versioned_hashes):
                await asyncio.to_thread(self.files.write, versioned_hash, BLOB_SUFFIX, blob)
            mined = await self.sender.send(self.proposer, commit_calldata(c), blobs=blobs)
            published = f"{len(payload)} bytes in {len(blobs.blobs)} blob(s)"
        await _on_executor(self.executor, lambda: self.rollup.mark(
            number, status=COMMITTED, commit_tx=mined.tx_hash, commit_gas=mined.gas_used))
        log.info("batch %d committed (blocks %d..%d, %d transactions, %d privileged, %s, "
                 "%d L1 gas)", number, c.first_block, c.last_block, record.tx_count,
                 c.privileged_count, published, mined.gas_used)
        return True

    def payload(self, c: BatchCommitment) -> bytes:
        """The batch's published data (on the executor thread)."""
        return encode_payload([self.sealer.block(n)
                               for n in range(c.first_block, c.last_block + 1)])


async def run_committer(committer: Committer, poll: float) -> None:
    """Seal and commit until cancelled."""
    await run_forever("committer", poll, committer.step)
