"""Chain files: blocks as concatenated RLP items, the format of ``geth export`` and of the
seed's ``chain.rlp``.

``scan_chain_file`` checks the framing of the whole file before anything is imported, so a
truncated file is refused up front and leaves the store untouched. It reads only the RLP length
prefixes, not the blocks.
"""

from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import BinaryIO

from ethrex.errors import EthrexError
from ethrex.types.block import Block, encode_block


class ChainFileError(EthrexError):
    """The chain file is not a sequence of whole RLP lists."""


def _item_span(data: bytes | memoryview, pos: int) -> int:
    """End offset of the RLP list starting at ``pos``; raises ``ChainFileError``."""
    size = len(data)
    first = data[pos]
    if first < 0xC0:
        raise ChainFileError(f"byte {pos}: expected an RLP list (a block), found 0x{first:02x}")
    if first <= 0xF7:
        end = pos + 1 + first - 0xC0
    else:
        width = first - 0xF7
        if pos + 1 + width > size:
            raise ChainFileError(f"byte {pos}: file truncated inside a block's length prefix")
        length = int.from_bytes(data[pos + 1 : pos + 1 + width], "big")
        end = pos + 1 + width + length
    if end > size:
        raise ChainFileError(
            f"byte {pos}: truncated block: needs {end - pos} bytes, {size - pos} left in the file"
        )
    return end


def scan_chain_file(data: bytes) -> list[tuple[int, int]]:
    """``(start, end)`` of every block in a chain file's bytes; raises ``ChainFileError``."""
    spans = []
    pos = 0
    view = memoryview(data)
    while pos < len(data):
        end = _item_span(view, pos)
        spans.append((pos, end))
        pos = end
    return spans


def read_chain_file(path: str | Path) -> tuple[bytes, list[tuple[int, int]]]:
    """The file's bytes and the spans of its blocks (framing checked, blocks not decoded)."""
    data = Path(path).read_bytes()
    if not data:
        raise ChainFileError("the chain file is empty")
    return data, scan_chain_file(data)


def write_blocks(out: BinaryIO, blocks: Iterable[Block]) -> Iterator[Block]:
    """Write each block's RLP to ``out``; yields the blocks as they are written."""
    for block in blocks:
        out.write(encode_block(block))
        yield block
