"""Block context ops (0x40-0x4a): BLOCKHASH, COINBASE ... BLOBHASH (EIP-4844), BLOBBASEFEE."""

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


def op_coinbase(f: Frame) -> None:
    f.stack.append(int.from_bytes(f.ctx.block.coinbase, "big"))


def op_timestamp(f: Frame) -> None:
    f.stack.append(f.ctx.block.timestamp)


def op_number(f: Frame) -> None:
    f.stack.append(f.ctx.block.number)


def op_difficulty(f: Frame) -> None:
    """0x44: DIFFICULTY, and PREVRANDAO after the merge (EIP-4399)."""
    block = f.ctx.block
    if f.rules.is_pos:
        f.stack.append(int.from_bytes(block.prev_randao, "big"))
    else:
        f.stack.append(block.difficulty)


def op_gaslimit(f: Frame) -> None:
    f.stack.append(f.ctx.block.gas_limit)


def op_chainid(f: Frame) -> None:
    f.stack.append(f.ctx.block.chain_id)


def op_basefee(f: Frame) -> None:
    f.stack.append(f.ctx.block.base_fee_per_gas)


def op_blobhash(f: Frame) -> None:
    s = f.stack
    i = s[-1]
    hashes = f.ctx.tx.blob_versioned_hashes
    s[-1] = int.from_bytes(hashes[i], "big") if i < len(hashes) else 0


def op_blobbasefee(f: Frame) -> None:
    f.stack.append(f.ctx.blob_base_fee)
