"""``ethrex l2 prover``: a prover client of the sequencer's proof coordinator.

It asks for the next batch its backend has not proven, re-executes it from its witness on a
worker thread (``program.batch_public_inputs``), checks the public inputs against the ones the
sequencer expects, proves them with its backend and hands the proof back; then asks again.
The coordinator down or restarting is retried every ``poll`` seconds (a proof made meanwhile is
kept until it is delivered); a batch that does not re-execute (a bad witness, a block that
disagrees with its header) is reported as failed, never proven.
"""

import asyncio
import logging
import time
from collections.abc import Callable
from typing import Any

from ethrex.errors import InvalidBlock, RLPDecodingError
from ethrex.l2.prover.backends import prove
from ethrex.l2.prover.program import ProverInput, batch_public_inputs
from ethrex.l2.prover.protocol import ProtocolError, exchange, hex_field, int_field
from ethrex.state.witness import InvalidWitness
from ethrex.types.genesis import ChainConfig

log = logging.getLogger("ethrex.l2.prover")


class BatchRejected(Exception):
    """The batch does not prove: its inputs differ from the expected ones."""


class ProverClient:
    """One prover of ``backend`` (a name of ``backends.BACKENDS``) for the coordinator at
    ``host:port``; ``config_for(chain_id)`` gives the L2's chain configuration."""

    def __init__(self, host: str, port: int, backend: str, backend_type: int,
                 key: bytes | None, config_for: Callable[[int], ChainConfig],
                 poll: float = 1.0, hold: float = 0.0) -> None:
        self.host, self.port = host, port
        self.hold = hold  # a test hook: seconds a proof waits before it is delivered
        self.backend, self.backend_type, self.key = backend, backend_type, key
        self.config_for = config_for
        self.poll = poll
        self.proven = 0

    def prove_job(self, chain_id: int, raw: bytes, expected: bytes) -> tuple[int, bytes, float]:
        """Re-execute and prove one job (on a worker thread): the batch number, the proof and
        the seconds it took. Raises ``BatchRejected`` when it does not prove."""
        start = time.perf_counter()
        try:
            job = ProverInput.decode(raw)
        except (RLPDecodingError, ValueError) as exc:
            raise BatchRejected(f"malformed job: {exc}") from None
        try:
            inputs = batch_public_inputs(job, self.config_for(chain_id))
        except (InvalidWitness, InvalidBlock) as exc:
            raise BatchRejected(f"batch {job.number}: {type(exc).__name__}: {exc}") from None
        if inputs.encode() != expected:
            raise BatchRejected(f"batch {job.number}: re-executed to public inputs "
                                f"0x{inputs.encode().hex()}, the sequencer expects "
                                f"0x{expected.hex()}")
        return job.number, prove(self.backend_type, inputs, self.key), \
            time.perf_counter() - start

    async def _send(self, request: dict[str, Any]) -> dict[str, Any]:
        """Deliver ``request``, retrying while the coordinator is unreachable."""
        warned = False
        while True:
            try:
                return await exchange(self.host, self.port, request)
            except OSError as exc:
                if not warned:
                    log.warning("coordinator %s:%d: %s (retrying every %.1fs)", self.host,
                                self.port, exc or type(exc).__name__, self.poll)
                    warned = True
                await asyncio.sleep(self.poll)

    async def step(self) -> bool:
        """Prove one batch if the coordinator has one; True when it did."""
        answer = await self._send({"type": "next", "backend": self.backend})
        if answer["type"] == "idle":
            return False
        if answer["type"] != "job":
            raise ProtocolError(f"unexpected answer {answer['type']!r}")
        chain_id = int_field(answer, "chainId")
        raw, expected = hex_field(answer, "input"), hex_field(answer, "expected")
        try:
            number, proof, took = await asyncio.to_thread(self.prove_job, chain_id, raw,
                                                          expected)
        except BatchRejected as exc:
            log.error("%s", exc)
            number = int_field(answer, "batch")
            await self._send({"type": "failed", "backend": self.backend, "batch": number,
                              "reason": str(exc)})
            return False
        if self.hold:
            log.info("batch %d proven, holding the proof %.1fs (test hook)", number, self.hold)
            await asyncio.sleep(self.hold)
        answer = await self._send({"type": "proof", "backend": self.backend, "batch": number,
                                   "proof": "0x" + proof.hex()})
        if answer["type"] == "stored":
            self.proven += 1
            log.info("batch %d proven (%s, %.2fs)", number, self.backend, took)
        else:
            log.error("batch %d: the coordinator refused the %s proof: %s", number,
                      self.backend, answer.get("reason"))
        return True


async def run_prover(client: ProverClient) -> None:
    """Prove until cancelled."""
    while True:
        try:
            while await client.step():
                pass
        except ProtocolError as exc:
            log.error("coordinator %s:%d: %s", client.host, client.port, exc)
        await asyncio.sleep(client.poll)
