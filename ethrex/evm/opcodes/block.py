"""Block context ops (0x40-0x4a): BLOCKHASH, COINBASE ... BLOBHASH (EIP-4844), BLOBBASEFEE.

The ``*_word`` functions give values fixed for the whole block: the run loop pushes them itself,
each computed once per frame (``table.FRAME_WORDS``)."""

from ethrex.evm.frame import Frame


def op_blockhash(f: Frame) -> None:
    """Only the 256 most recent complete blocks are visible; others read as zero."""
    s = f.stack
    number = s[-1]
    current = f.ctx.block.number
    if current - 256 <= number < current:
        h = f.ctx.block.block_hash(number)
        s[-1] = int.from_bytes(h, "big") if h else 0
    else:
        s[-1] = 0


def coinbase_word(f: Frame) -> int:
    return int.from_bytes(f.ctx.block.coinbase, "big")


def timestamp_word(f: Frame) -> int:
    return f.ctx.block.timestamp


def number_word(f: Frame) -> int:
    return f.ctx.block.number


def difficulty_word(f: Frame) -> int:
    """0x44: DIFFICULTY, and PREVRANDAO after the merge (EIP-4399)."""
    block = f.ctx.block
    if f.rules.is_pos:
        return int.from_bytes(block.prev_randao, "big")
    return block.difficulty


def gaslimit_word(f: Frame) -> int:
    return f.ctx.block.gas_limit


def chainid_word(f: Frame) -> int:
    return f.ctx.block.chain_id


def basefee_word(f: Frame) -> int:
    return f.ctx.block.base_fee_per_gas


def op_blobhash(f: Frame) -> None:
    s = f.stack
    i = s[-1]
    hashes = f.ctx.tx.blob_versioned_hashes
    s[-1] = int.from_bytes(hashes[i], "big") if i < len(hashes) else 0


def blobbasefee_word(f: Frame) -> int:
    return f.ctx.blob_base_fee
