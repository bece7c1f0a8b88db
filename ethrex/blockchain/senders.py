"""Senders recovered ahead of execution, in a worker process (what geth's sender cacher does on
its own threads).

A transaction's sender costs its signing hash and a secp256k1 public-key recovery, some 50 µs
in all, a tenth of a bulk import's time, and needs nothing but the transaction. So while the
importer executes one block, a worker process reads the next ones from the chain file and
recovers their senders. A process, not a thread: the recovery holds the GIL between its C
calls, so a thread would only take turns with execution. The worker is a plain
``python -c`` child on two pipes (not ``multiprocessing``, which would import the caller's
main script again in it), and the importer has no helper thread (one would take the GIL from
execution too): it asks for a block by its index in the file, a few blocks ahead, and reads
the answers in order.

What the worker returns is a head start, never a verdict: a transaction whose signature
recovers no key comes back as None and execution recovers it again itself, so a bad block is
refused by the same code, with the same error, with or without the worker. A worker that dies
costs only the head start; one whose importer dies sees its pipe close and ends.
"""

import os
import signal
import subprocess
import sys
from collections import deque
from pathlib import Path
from types import TracebackType
from typing import BinaryIO

import ethrex
from ethrex.blockchain.chainfile import ChainFile, ChainFileError
from ethrex.errors import InvalidTransaction, RLPDecodingError
from ethrex.types.block import decode_block
from ethrex.types.transactions import recover_sender

AHEAD = 4  # blocks asked for ahead of the one executing
MIN_BLOCKS = 64  # fewer blocks than this are not worth starting a process for
_ADDRESS = 20
# The worker imports the parent's own ethrex package (a compiled copy, a checkout), whatever
# the working directory holds.
_WORKER = ("import sys; sys.path.insert(0, {root!r}); "
           "from ethrex.blockchain.senders import serve; serve(sys.argv[1])")


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


def _read(stream: BinaryIO, size: int) -> bytes:
    data = stream.read(size)
    if len(data) != size:
        raise EOFError("the other end closed its pipe")
    return data


def serve(path: str) -> None:
    """The worker (``python -c``): for each block index read from stdin (4 bytes), write its
    senders to stdout (4 bytes of length, 4 of index, ``_pack``) until stdin closes, as it
    does when the importer ends or dies. Ctrl-C reaches the whole process group; the
    importer handles it."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    blocks = ChainFile(path)
    requests, answers = sys.stdin.buffer, sys.stdout.buffer
    try:
        while True:
            index = int.from_bytes(_read(requests, 4), "big")
            answer = index.to_bytes(4, "big") + _pack(block_senders(blocks.block(index)))
            answers.write(len(answer).to_bytes(4, "big") + answer)
            answers.flush()
    except (EOFError, OSError, ChainFileError):  # the importer is done or gone (or the file)
        os._exit(0)  # at once: a flush of the broken stdout at exit would only complain


class SenderPrefetch:
    """``with SenderPrefetch(path, count) as prefetch:`` then ``prefetch.senders(i)`` for the
    blocks ``i`` (indices among the ``count`` blocks of the chain file ``path``) in increasing
    order: the senders the worker recovered, or None when it has none (the caller recovers
    them)."""

    __slots__ = ("_path", "_count", "_process", "_asked", "_next")

    def __init__(self, path: str | Path, count: int) -> None:
        self._path = str(path)
        self._count = count
        self._process: subprocess.Popen[bytes] | None = None  # None: no worker (any more)
        self._asked: deque[int] = deque()  # indices asked for and not yet answered, in order
        self._next = 0  # the lowest index not asked for yet

    @staticmethod
    def worthwhile(count: int) -> bool:
        """A worker pays for its start-up on a long import with a spare CPU."""
        return count >= MIN_BLOCKS and (os.cpu_count() or 1) > 1

    def __enter__(self) -> "SenderPrefetch":
        root = str(Path(ethrex.__file__).resolve().parent.parent)
        self._process = subprocess.Popen(
            [sys.executable, "-c", _WORKER.format(root=root), self._path],
            stdin=subprocess.PIPE, stdout=subprocess.PIPE)
        return self

    def __exit__(self, kind: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        self._stop()

    def _stop(self) -> None:
        process, self._process = self._process, None
        if process is None:
            return
        for stream in (process.stdin, process.stdout):
            try:
                stream.close()  # type: ignore[union-attr]
            except OSError:  # a broken pipe on the last flush
                pass
        try:
            process.wait(5)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()

    def senders(self, index: int) -> list[bytes | None] | None:
        """The recovered senders of block ``index``, or None (recover them in the caller)."""
        process = self._process
        if process is None:
            return None
        requests, answers = process.stdin, process.stdout
        assert requests is not None and answers is not None
        asked = self._asked
        try:
            last = min(index + AHEAD, self._count - 1)
            wanted = range(max(self._next, index), last + 1)
            if wanted:
                requests.write(b"".join(i.to_bytes(4, "big") for i in wanted))
                requests.flush()
                asked.extend(wanted)
                self._next = last + 1
            while asked and asked[0] <= index:
                answer = _read(answers, int.from_bytes(_read(answers, 4), "big"))
                got = asked.popleft()
                if int.from_bytes(answer[:4], "big") != got:
                    raise OSError("the sender worker answered out of order")
                if got == index:  # the ones before it were skipped (known blocks)
                    return _unpack(answer[4:]) or None
        except (EOFError, OSError, ValueError):  # the worker died: carry on without it
            self._stop()
        return None
