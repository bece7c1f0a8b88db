"""The proof coordinator: hands each committed batch to prover clients and keeps their proofs.

Provers (``ethrex l2 prover``, any number, of any backend) connect over TCP
(``ethrex.l2.prover.protocol``) and ask for work. A prover of backend B gets the lowest
committed, unverified batch that has no stored proof of type B and is not leased to another
prover of B: its blocks, its execution witness (``record_witness`` over the L2's archive
state) and the public inputs the sequencer expects (``batch_inputs`` of its stored
commitment, with the commitment to the data it published, ``batch_data.data_commitment``).
The lease ends after ``lease`` seconds, so the batch of a prover that died goes to the next
one that asks. A returned proof is checked (an exec proof must be the expected inputs, an
attestation must be signed by an attester the L1 proposer knows), stored durably in the rollup
store, and only then acknowledged; ``proof_sender`` sends stored proofs to L1 in order.
"""

import asyncio
import logging
import time
from collections.abc import Awaitable, Callable
from concurrent.futures import Executor
from typing import Any

from ethrex.blockchain.blockchain import Blockchain
from ethrex.blockchain.witness import record_witness
from ethrex.l2.prover.backends import (
    ATTESTED,
    BACKEND_NAMES,
    BACKENDS,
    EXEC,
    attestation_signer,
)
from ethrex.l2.prover.program import ProverInput
from ethrex.l2.prover.protocol import (
    MAX_REQUEST,
    ProtocolError,
    decode_message,
    encode_message,
    hex_field,
    int_field,
)
from ethrex.l2.rollup.batch_data import data_commitment
from ethrex.l2.rollup.inputs import PublicInputs, batch_inputs
from ethrex.l2.rollup.privileged import ZERO_HASH
from ethrex.l2.sequencer.loop import L1_FAILURES
from ethrex.l2.store import COMMITTED, VERIFIED, RollupStore

log = logging.getLogger("ethrex.l2.coordinator")

READ_TIMEOUT = 30.0
LOOKAHEAD = 16  # committed batches a prover may be handed ahead of the first unverified one


class ProofCoordinator:
    """Serves provers on ``host:port`` (see the module docstring). ``is_attester(address)``
    asks the L1 proposer whether it accepts an attester's signatures."""

    def __init__(self, chain: Blockchain, rollup: RollupStore, executor: Executor,
                 host: str, port: int, lease: float,
                 is_attester: Callable[[bytes], Awaitable[bool]], validium: bool = False) -> None:
        self.chain, self.rollup, self.executor = chain, rollup, executor
        self.validium = validium
        self.host, self.port, self.lease = host, port, lease
        self.is_attester = is_attester
        self.leases: dict[tuple[int, int], float] = {}  # (batch, proof type) -> lease end
        self.jobs: dict[int, tuple[bytes, PublicInputs]] = {}  # the last jobs built
        self.server: asyncio.Server | None = None

    async def start(self) -> None:
        self.server = await asyncio.start_server(self._serve, self.host, self.port,
                                                 limit=MAX_REQUEST)

    async def stop(self) -> None:
        if self.server is not None:
            self.server.close()
            await self.server.wait_closed()

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            try:
                line = await asyncio.wait_for(reader.readline(), READ_TIMEOUT)
                answer = await self.answer(decode_message(line))
            except (ProtocolError, ValueError, TimeoutError, LookupError, *L1_FAILURES) as exc:
                # ValueError: a line over the limit; LookupError: a batch's blocks not stored;
                # an L1 failure: the attester could not be looked up (the prover retries)
                answer = {"type": "error", "reason": str(exc) or type(exc).__name__}
            writer.write(encode_message(answer))
            await writer.drain()
        except ConnectionError:
            pass  # the prover went away; its lease runs out
        finally:
            writer.close()

    async def _run(self, fn: Callable[..., Any], *args: Any) -> Any:
        return await asyncio.get_running_loop().run_in_executor(self.executor, fn, *args)

    async def answer(self, request: dict[str, Any]) -> dict[str, Any]:
        kind = request["type"]
        backend = request.get("backend")
        if backend not in BACKENDS:
            raise ProtocolError(f"unknown backend {backend!r} (known: {', '.join(BACKENDS)})")
        proof_type = BACKENDS[backend]
        if kind == "next":
            return await self._next(proof_type)
        number = int_field(request, "batch")
        if kind == "proof":
            return await self._proof(number, proof_type, hex_field(request, "proof"))
        if kind == "failed":
            log.error("batch %d: the %s prover could not prove it: %s", number, backend,
                      str(request.get("reason"))[:500])
            return {"type": "noted"}
        raise ProtocolError(f"unknown request {kind!r}")

    async def _next(self, proof_type: int) -> dict[str, Any]:
        now = time.monotonic()
        first = await self._run(self._first_unverified)
        for number in range(first, first + LOOKAHEAD):
            record = self.rollup.get_batch(number)
            if record is None or record.status != COMMITTED:
                break
            if self.rollup.get_proof(number, proof_type) is not None \
                    or self.leases.get((number, proof_type), 0.0) > now:
                continue
            self.leases[(number, proof_type)] = now + self.lease
            raw, expected = await self._job(number)
            log.info("batch %d handed to a %s prover", number,
                     BACKEND_NAMES[proof_type])
            return {"type": "job", "batch": number, "chainId": self.chain.config.chain_id,
                    "input": "0x" + raw.hex(), "expected": "0x" + expected.encode().hex()}
        return {"type": "idle"}

    def _first_unverified(self) -> int:
        number = 1
        while (record := self.rollup.get_batch(number)) is not None \
                and record.status == VERIFIED:
            number += 1
        return number

    async def _job(self, number: int) -> tuple[bytes, PublicInputs]:
        job = self.jobs.get(number)
        if job is None:
            # a reader thread, as debug_executionWitness: the writer keeps producing blocks
            job = self.jobs[number] = await asyncio.to_thread(self.build_job, number)
            for old in [n for n in self.jobs if n < number - LOOKAHEAD]:
                del self.jobs[old]
        return job

    def build_job(self, number: int) -> tuple[bytes, PublicInputs]:
        """Batch ``number``'s prover input (RLP) and expected public inputs (reads only)."""
        record = self.rollup.get_batch(number)
        previous = self.rollup.get_batch(number - 1)
        if record is None:
            raise KeyError(f"batch {number} is not sealed")
        c = record.commitment
        store = self.chain.store
        blocks = []
        for n in range(c.first_block, c.last_block + 1):
            block = store.get_block_by_number(n)
            if block is None:
                raise LookupError(f"L2 block {n} of batch {number} is not stored")
            blocks.append(block)
        parent = store.get_header(blocks[0].header.parent_hash)
        if parent is None:
            raise LookupError(f"the parent of batch {number} is not stored")
        previous_rolling = previous.commitment.privileged_rolling_hash if previous else ZERO_HASH
        job = ProverInput(number, tuple(blocks), record_witness(self.chain, blocks),
                          previous_rolling, self.validium)
        expected = batch_inputs(self.chain.config.chain_id, c, parent.state_root,
                                previous_rolling, data_commitment(blocks, self.validium))
        return job.encode(), expected

    async def _proof(self, number: int, proof_type: int, proof: bytes) -> dict[str, Any]:
        record = self.rollup.get_batch(number)
        if record is None or record.status < COMMITTED:
            return {"type": "rejected", "reason": f"batch {number} is not committed"}
        if record.status == VERIFIED or self.rollup.get_proof(number, proof_type) is not None:
            return {"type": "stored"}  # proven meanwhile by another prover
        _, expected = await self._job(number)
        if proof_type == EXEC and proof != expected.encode():
            return {"type": "rejected", "reason": "the exec proof is not the batch's public "
                                                  "inputs"}
        if proof_type == ATTESTED:
            signer = attestation_signer(expected, proof)
            if signer is None or not await self.is_attester(signer):
                who = "a malformed signature" if signer is None else f"0x{signer.hex()}"
                log.warning("batch %d: attestation by %s refused: not a registered attester",
                            number, who)
                self.leases.pop((number, proof_type), None)  # for the next prover
                return {"type": "rejected", "reason": f"the attestation is signed by {who}, "
                                                      "not a registered attester"}
        await self._run(self.rollup.put_proof, number, proof_type, proof)
        self.leases.pop((number, proof_type), None)
        log.info("batch %d: %s proof stored", number,
                 BACKEND_NAMES[proof_type])
        return {"type": "stored"}
