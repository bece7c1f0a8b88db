"""Ommer (uncle) rules: at most two, each a valid header whose parent is a recent ancestor,
neither an ancestor nor already included, and at most six generations back."""

from collections.abc import Callable

from ethrex.blockchain.validation import validate_header
from ethrex.errors import InvalidBlock
from ethrex.forks import ForkRules
from ethrex.types.block import Block
from ethrex.types.header import Header

MAX_OMMERS = 2
MAX_OMMER_DEPTH = 6


def validate_ommers(
    block: Block,
    ancestors: list[Block],
    rules_for: Callable[[Header], ForkRules],
    dao_fork_block: int | None = None,
) -> None:
    """Check ``block``'s ommers; ``ancestors`` are its parent first, then older blocks (at
    least ``MAX_OMMER_DEPTH + 1`` of them when the chain is that long)."""
    if not block.ommers:
        return
    if len(block.ommers) > MAX_OMMERS:
        raise InvalidBlock(f"{len(block.ommers)} ommers, at most {MAX_OMMERS}")
    header = block.header
    recent = ancestors[: MAX_OMMER_DEPTH + 1]
    recent_by_hash = {b.header.hash(): b.header for b in recent}
    recent_ommers = {o.hash() for b in recent for o in b.ommers}
    block_hash = header.hash()
    seen: set[bytes] = set()
    for ommer in block.ommers:
        h = ommer.hash()
        if h in seen:
            raise InvalidBlock("duplicate ommer")
        seen.add(h)
        if h == block_hash or h in recent_by_hash:
            raise InvalidBlock("ommer is an ancestor (or the block itself)")
        if h in recent_ommers:
            raise InvalidBlock("ommer already included in a recent block")
        age = header.number - ommer.number
        if not 1 <= age <= MAX_OMMER_DEPTH:
            raise InvalidBlock(f"ommer at depth {age}, allowed 1..{MAX_OMMER_DEPTH}")
        ommer_parent = recent_by_hash.get(ommer.parent_hash)
        if ommer_parent is None:
            raise InvalidBlock("ommer's parent is not a recent ancestor")
        if ommer.parent_hash == header.parent_hash:
            raise InvalidBlock("ommer is a sibling of the block")
        try:
            validate_header(ommer, ommer_parent, rules_for(ommer), rules_for(ommer_parent),
                            dao_fork_block)
        except InvalidBlock as exc:
            raise InvalidBlock(f"invalid ommer header: {exc}") from exc
