"""The eth wire protocol, versions 68 to 72: message ids, the Status handshake and the
encodings that differ between versions (devp2p ``caps/eth.md``).

* eth/69 (EIP-7642) drops the total difficulty from Status and adds the served block range,
  adds BlockRangeUpdate, and sends receipts without their bloom (``[type, status, gas, logs]``).
* eth/70 (EIP-7975) lets GetReceipts start inside the first block and Receipts say that its
  last block's list was cut short (a block's receipts may exceed a message).
* eth/71 (EIP-8159) adds GetBlockAccessLists/BlockAccessLists; before Amsterdam no block has an
  access list, and an unavailable one is the empty string.
* eth/72 (EIP-8070, the sparse blob pool) sends blob transactions without their blobs, adds a
  custody bitmap to announcements, and moves blob data as cells (GetCells/Cells).
"""

from dataclasses import dataclass

from ethrex import rlp
from ethrex.p2p.eth.forkid import ForkId
from ethrex.p2p.wire import as_bytes, as_int, as_list, breach, decode
from ethrex.rlp import Item
from ethrex.types.receipt import Log, Receipt, log_fields, logs_bloom

ETH68 = 68
ETH69 = 69
ETH70 = 70
ETH71 = 71
ETH72 = 72
LENGTHS = {ETH68: 17, ETH69: 18, ETH70: 18, ETH71: 20, ETH72: 22}  # message ids per version

STATUS = 0x00
NEW_BLOCK_HASHES = 0x01  # pre-merge; ignored
TRANSACTIONS = 0x02
GET_BLOCK_HEADERS = 0x03
BLOCK_HEADERS = 0x04
GET_BLOCK_BODIES = 0x05
BLOCK_BODIES = 0x06
NEW_BLOCK = 0x07  # pre-merge; ignored
NEW_POOLED_TRANSACTION_HASHES = 0x08
GET_POOLED_TRANSACTIONS = 0x09
POOLED_TRANSACTIONS = 0x0A
GET_RECEIPTS = 0x0F
RECEIPTS = 0x10
BLOCK_RANGE_UPDATE = 0x11  # eth/69
GET_BLOCK_ACCESS_LISTS = 0x12  # eth/71
BLOCK_ACCESS_LISTS = 0x13
GET_CELLS = 0x14  # eth/72
CELLS = 0x15

CELLS_PER_BLOB = 128  # EIP-7594: cells of an extended blob
DATA_CELLS = 64  # the first half of the cells is the blob itself
CUSTODY_ALL = b"\xff" * 16  # eth/72 custody bitmap with every cell
MAX_MESSAGE_SIZE = 10 * 1024 * 1024  # go-ethereum's cap on one eth message


@dataclass(frozen=True, slots=True)
class Status:
    """A Status message of either version (``total_difficulty`` only in eth/68, the block range
    only in eth/69)."""

    version: int
    network_id: int
    genesis: bytes
    fork_id: ForkId
    head_hash: bytes
    head_number: int = 0  # eth/69 latest block
    earliest: int = 0  # eth/69
    total_difficulty: int = 0  # eth/68


def encode_status(s: Status) -> bytes:
    fork = [s.fork_id.hash, s.fork_id.next]
    if s.version == ETH68:
        return rlp.encode([s.version, s.network_id, s.total_difficulty, s.head_hash, s.genesis,
                           fork])
    return rlp.encode([s.version, s.network_id, s.genesis, fork, s.earliest, s.head_number,
                       s.head_hash])


def _fork_id(item: Item) -> ForkId:
    fields = as_list(item, "fork id", 2)
    return ForkId(as_bytes(fields[0], "fork hash", 4), as_int(fields[1], "fork next"))


def decode_status(payload: bytes, version: int) -> Status:
    item = decode(payload, "Status")
    if version == ETH68:
        f = as_list(item, "Status", 6)
        return Status(as_int(f[0], "version", 32), as_int(f[1], "network id"),
                      as_bytes(f[4], "genesis", 32), _fork_id(f[5]),
                      as_bytes(f[3], "head hash", 32),
                      total_difficulty=as_int(f[2], "total difficulty", 256))
    f = as_list(item, "Status", 7)
    status = Status(as_int(f[0], "version", 32), as_int(f[1], "network id"),
                    as_bytes(f[2], "genesis", 32), _fork_id(f[3]), as_bytes(f[6], "head hash", 32),
                    head_number=as_int(f[5], "latest block"), earliest=as_int(f[4], "earliest"))
    if status.earliest > status.head_number:
        raise breach(f"Status range {status.earliest}..{status.head_number} is empty")
    return status


def decode_block_range(payload: bytes) -> tuple[int, int, bytes]:
    """BlockRangeUpdate ``[earliest, latest, latest hash]``; an inverted range is a breach."""
    f = as_list(decode(payload, "BlockRangeUpdate"), "BlockRangeUpdate", 3)
    earliest, latest = as_int(f[0], "earliest"), as_int(f[1], "latest")
    if earliest > latest:
        raise breach(f"BlockRangeUpdate range {earliest}..{latest} is empty")
    return earliest, latest, as_bytes(f[2], "latest hash", 32)


def receipt_fields(r: Receipt, version: int) -> Item | bytes:
    """One receipt as the ``Receipts`` message carries it in ``version``."""
    first: object = r.post_state if r.post_state is not None else (1 if r.succeeded else 0)
    logs = [log_fields(x) for x in r.logs]
    if version >= ETH69:
        return [r.tx_type, first, r.cumulative_gas_used, logs]  # type: ignore[list-item]
    payload = rlp.encode([first, r.cumulative_gas_used, r.bloom, logs])
    if r.tx_type == 0:
        return rlp.decode(payload)
    return bytes((r.tx_type,)) + payload


def decode_eth69_receipt(item: Item) -> Receipt:
    """``[tx-type, status or post-state, cumulative gas, logs]``; the bloom is recomputed."""
    f = as_list(item, "receipt", 4)
    tx_type = as_int(f[0], "receipt type", 8)
    first = as_bytes(f[1], "receipt status")
    logs = tuple(_log(x) for x in as_list(f[3], "receipt logs"))
    succeeded: bool | None = None
    post_state: bytes | None = None
    if len(first) == 32:
        post_state = first
    elif first in (b"", b"\x01"):
        succeeded = first == b"\x01"
    else:
        raise breach("receipt status is neither 0, 1 nor a state root")
    return Receipt(tx_type, succeeded, post_state, as_int(f[2], "cumulative gas"),
                   logs_bloom(logs), logs)


def _log(item: Item) -> Log:
    f = as_list(item, "log", 3)
    topics = tuple(as_bytes(t, "log topic", 32) for t in as_list(f[1], "log topics"))
    return Log(as_bytes(f[0], "log address", 20), topics, as_bytes(f[2], "log data"))
