"""Chain files: blocks as concatenated RLP items, the format of ``geth export`` and of the
seed's ``chain.rlp``.

``ChainFile`` checks the framing of the whole file when it opens, so a truncated file is refused
up front and leaves the store untouched; that reads only the RLP length prefixes. Blocks are
then read one at a time, so an import holds one block of the file in memory, not the file (an
export of a long chain runs to gigabytes, and the importer and its sender worker each read it).
"""

import os
from collections.abc import Iterable, Iterator
from pathlib import Path
from types import TracebackType
from typing import BinaryIO

from ethrex.errors import EthrexError
from ethrex.types.block import Block, encode_block

_PREFIX = 9  # the longest RLP list prefix: 0xf7 + n and an 8-byte length


class ChainFileError(EthrexError):
    """The chain file is not a sequence of whole RLP lists."""


def _item_span(head: bytes, pos: int, size: int) -> int:
    """End offset of the RLP list at ``pos`` whose first bytes are ``head``, in a file of
    ``size`` bytes; raises ``ChainFileError``."""
    first = head[0]
    if first < 0xC0:
        raise ChainFileError(f"byte {pos}: expected an RLP list (a block), found 0x{first:02x}")
    if first <= 0xF7:
        end = pos + 1 + first - 0xC0
    else:
        width = first - 0xF7
        if pos + 1 + width > size:
            raise ChainFileError(f"byte {pos}: file truncated inside a block's length prefix")
        length = int.from_bytes(head[1 : 1 + width], "big")
        end = pos + 1 + width + length
    if end > size:
        raise ChainFileError(
            f"byte {pos}: truncated block: needs {end - pos} bytes, {size - pos} left in the file"
        )
    return end


class ChainFile:
    """``with ChainFile(path) as blocks:`` then ``blocks.block(i)``, the RLP of the ``i``-th of
    the ``len(blocks)`` blocks; ``spans`` holds each one's ``(start, end)`` in the file.
    Raises ``ChainFileError`` for a malformed (or empty) file, ``OSError`` for a missing one."""

    __slots__ = ("spans", "_file")

    def __init__(self, path: str | Path) -> None:
        self._file = open(path, "rb", buffering=1 << 16)  # seeks inside its buffer are free
        try:
            self.spans = self._scan()
        except BaseException:
            self._file.close()
            raise

    def _scan(self) -> list[tuple[int, int]]:
        file = self._file
        size = os.fstat(file.fileno()).st_size
        if not size:
            raise ChainFileError("the chain file is empty")
        spans = []
        pos = 0
        while pos < size:
            file.seek(pos)
            end = _item_span(file.read(_PREFIX), pos, size)
            spans.append((pos, end))
            pos = end
        return spans

    def __len__(self) -> int:
        return len(self.spans)

    def block(self, index: int) -> bytes:
        """The RLP of block ``index``; ``ChainFileError`` when the file shrank meanwhile."""
        start, end = self.spans[index]
        data = os.pread(self._file.fileno(), end - start, start)
        if len(data) != end - start:
            raise ChainFileError(f"byte {start}: the file was truncated during the import")
        return data

    def forget(self, index: int) -> None:
        """Block ``index`` is done with: its pages may leave the page cache (an import reads
        each block once; the cache is better spent on the store)."""
        start, end = self.spans[index]
        os.posix_fadvise(self._file.fileno(), start, end - start, os.POSIX_FADV_DONTNEED)

    def close(self) -> None:
        self._file.close()

    def __enter__(self) -> "ChainFile":
        return self

    def __exit__(self, kind: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        self.close()


def write_blocks(out: BinaryIO, blocks: Iterable[Block]) -> Iterator[Block]:
    """Write each block's RLP to ``out``; yields the blocks as they are written."""
    for block in blocks:
        out.write(encode_block(block))
        yield block
