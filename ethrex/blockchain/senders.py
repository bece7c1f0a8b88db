"""Senders recovered ahead of execution, in a worker process (what geth's sender cacher does on
its own threads).

A transaction's sender costs its signing hash and a secp256k1 public-key recovery, some 50 µs
in all, a tenth of a bulk import's time, and needs nothing but the transaction. So while the
importer executes one block, a worker process reads the next ones from the chain file and
recovers their senders. A process, not a thread: the recovery holds the GIL between its C
calls, so a thread would only take turns with execution. The importer talks to it over two
pipes without threads of its own (a helper thread would take the GIL from execution too): it
asks for a block by its index in the file, a few blocks ahead, and reads the answers in order.

What the worker returns is a head start, never a verdict: a transaction whose signature
recovers no key comes back as None and execution recovers it again itself, so a bad block is
refused by the same code, with the same error, with or without the worker. A worker that dies
costs only the head start; one whose importer dies sees its pipe close and ends.
"""

import os
import signal
from collections import deque
from multiprocessing import get_context
from multiprocessing.connection import Connection
from multiprocessing.process import BaseProcess
from pathlib import Path
from types import TracebackType

from ethrex.errors import InvalidTransaction, RLPDecodingError
from ethrex.types.block import decode_block
from ethrex.types.transactions import recover_sender

AHEAD = 4  # blocks asked for ahead of the one executing
MIN_BLOCKS = 64  # fewer blocks than this are not worth starting a process for
_ADDRESS = 20


def block_senders(raw: bytes) -> list[bytes | None]:
    """The sender of each transaction of the block ``raw`` (None where its signature recovers
    no key); an empty list when the block does not decode (the importer reports that)."""
    try:
        block = decode_block(raw)
    except (RLPDecodingError, InvalidTransaction):
        return []
    senders: list[bytes | None] = []
    for tx in block.transactions:
        try:
            senders.append(recover_sender(tx))
        except InvalidTransaction:
            senders.append(None)
    return senders


def _pack(senders: list[bytes | None]) -> bytes:
    """21 bytes a sender: 1 and the address, or 0 and zeros for None."""
    return b"".join(b"\x00" + bytes(_ADDRESS) if s is None else b"\x01" + s for s in senders)


def _unpack(data: bytes) -> list[bytes | None]:
    step = _ADDRESS + 1
    return [data[i + 1 : i + step] if data[i] else None for i in range(0, len(data), step)]


def _serve(path: str, spans: list[tuple[int, int]], requests: Connection,
           answers: Connection) -> None:
    """The worker: answer each requested block index with its senders until the importer
    closes its end. Ctrl-C reaches the whole process group; the importer handles it."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    data = Path(path).read_bytes()
    try:
        while True:
            index = int.from_bytes(requests.recv_bytes(), "big")
            start, end = spans[index]
            answers.send_bytes(index.to_bytes(4, "big") + _pack(block_senders(data[start:end])))
    except (EOFError, OSError):  # the importer is done or gone
        return


class SenderPrefetch:
    """``with SenderPrefetch(path, spans) as prefetch:`` then ``prefetch.senders(i)`` for the
    blocks ``i`` (indices into ``spans``, the chain file's blocks) in increasing order: the
    senders the worker recovered, or None when it has none (the caller recovers them)."""

    __slots__ = ("_path", "_spans", "_process", "_requests", "_answers", "_asked", "_next")

    def __init__(self, path: str | Path, spans: list[tuple[int, int]]) -> None:
        self._path = str(path)
        self._spans = spans
        self._process: BaseProcess | None = None
        self._requests: Connection | None = None  # None: no worker (gone, or not started)
        self._answers: Connection | None = None
        self._asked: deque[int] = deque()  # indices asked for and not yet answered, in order
        self._next = 0  # the lowest index not asked for yet

    @staticmethod
    def worthwhile(count: int) -> bool:
        """A worker pays for its start-up on a long import with a spare CPU."""
        return count >= MIN_BLOCKS and (os.cpu_count() or 1) > 1

    def __enter__(self) -> "SenderPrefetch":
        context = get_context("spawn")  # a fresh interpreter: forking would copy the store
        requests_out, requests_in = context.Pipe(duplex=False)
        answers_out, answers_in = context.Pipe(duplex=False)
        process = context.Process(target=_serve, name="ethrex-senders", daemon=True,
                                  args=(self._path, self._spans, requests_out, answers_in))
        process.start()
        requests_out.close()  # the worker's ends: it alone holds them now
        answers_in.close()
        self._process, self._requests, self._answers = process, requests_in, answers_out
        return self

    def __exit__(self, kind: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        self._stop()
        process = self._process
        if process is not None:
            process.join(5)
            if process.is_alive():
                process.kill()
                process.join()

    def _stop(self) -> None:
        for end in (self._requests, self._answers):
            if end is not None:
                end.close()
        self._requests = self._answers = None

    def senders(self, index: int) -> list[bytes | None] | None:
        """The recovered senders of block ``index``, or None (recover them in the caller)."""
        requests, answers = self._requests, self._answers
        if requests is None or answers is None:
            return None
        asked = self._asked
        try:
            last = min(index + AHEAD, len(self._spans) - 1)
            for ask in range(max(self._next, index), last + 1):
                requests.send_bytes(ask.to_bytes(4, "big"))
                asked.append(ask)
            self._next = max(self._next, last + 1)
            while asked and asked[0] <= index:
                answer, got = answers.recv_bytes(), asked.popleft()
                if int.from_bytes(answer[:4], "big") != got:
                    raise OSError("the sender worker answered out of order")
                if got == index:  # the ones before it were skipped (known blocks)
                    return _unpack(answer[4:]) or None
        except (EOFError, OSError):  # the worker died: carry on without it
            self._stop()
        return None
