"""What a rollup batch publishes, per transaction, on the bench workloads (issue 15, item 4):
RLP-encoded blocks against state diffs, compressed (zlib 9, lzma) and not, and the blobs a
blob-sized batch needs.

    .venv/bin/python bench/l2_data.py [--workloads eth_transfers,erc20_transfers]

Each workload's blocks (``../shared/bench``, 30M gas each) are cut into batches of one block.
- blocks: the payload ``ethrex.l2.rollup.batch_data`` publishes (the blocks' RLP).
- state diffs: per block, every account a transaction touched (sender, recipient, the
  coinbase) as ``[address, nonce, balance, [[slot, value], ...]]`` with the ERC20 balance slots
  the transfer wrote (``keccak256(holder ++ 0)``), RLP-encoded. Nonces, balances and slot
  values take their sizes from the fixture's post-state (an estimate of the bytes: the values
  after each block are as long as the final ones).
"""

import argparse
import json
import lzma
import sys
import zlib
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from ethrex import rlp  # noqa: E402
from ethrex.l2.rollup.batch_data import DATA_PER_BLOB, encode_payload  # noqa: E402
from ethrex.primitives import hex_to_bytes, keccak256  # noqa: E402
from ethrex.types.block import decode_block  # noqa: E402

SHARED = Path(__file__).resolve().parents[2] / "shared" / "bench"
TRANSFER = bytes.fromhex("a9059cbb")


def _int(text: str) -> int:
    return int(text, 16)


def state_diff(block_json: dict, post: dict, coinbase: bytes) -> bytes:
    """The RLP state diff of one block (see the module docstring)."""
    accounts: dict[bytes, dict[bytes, bytes]] = {coinbase: {}}
    for tx in block_json["transactions"]:
        sender, to = hex_to_bytes(tx["sender"]), hex_to_bytes(tx["to"])
        data = hex_to_bytes(tx["data"])
        accounts.setdefault(sender, {})
        if data[:4] == TRANSFER:  # ERC20: the sender's and the recipient's balance slots
            slots = accounts.setdefault(to, {})
            for holder in (sender, data[16:36]):
                key = keccak256(holder.rjust(32, b"\0") + bytes(32))
                value = post.get("0x" + to.hex(), {}).get("storage", {}).get(
                    "0x" + key.hex().lstrip("0"), "0x0c9f2c9cd04674edea40000000")
                slots[key] = hex_to_bytes(value).lstrip(b"\0")
        else:
            accounts.setdefault(to, {})
    items = []
    for address, slots in accounts.items():
        account = post.get("0x" + address.hex(), {"nonce": "0x0", "balance": "0x0"})
        items.append([address, _int(account["nonce"]), _int(account["balance"]),
                      [[k, v] for k, v in slots.items()]])
    return rlp.encode(items)


def measure(name: str) -> list[str]:
    (fixture,) = json.loads((SHARED / f"{name}.json").read_text()).values()
    post = fixture["postState"]
    rows = {"blocks": [0, 0, 0], "state diffs": [0, 0, 0]}
    txs = blobs = 0
    for block_json in fixture["blocks"]:
        block = decode_block(hex_to_bytes(block_json["rlp"]))
        txs += len(block.transactions)
        payload = encode_payload([block])
        blobs += -(-len(payload) // DATA_PER_BLOB)
        raw_blocks = rlp.encode([hex_to_bytes(block_json["rlp"])])
        diff = state_diff(block_json, post, block.header.coinbase)
        for key, raw in (("blocks", raw_blocks), ("state diffs", diff)):
            rows[key][0] += len(raw)
            rows[key][1] += len(zlib.compress(raw, 9))
            rows[key][2] += len(lzma.compress(raw, preset=9))
    out = [f"{name}: {txs} transactions in {len(fixture['blocks'])} blocks (batches of one "
           f"block); bytes per transaction: raw / zlib-9 / lzma-9"]
    for key, (raw, z, x) in rows.items():
        out.append(f"  {key:12s} {raw / txs:7.1f} / {z / txs:7.1f} / {x / txs:7.1f}")
    out.append(f"  published payload (blocks, zlib-9): {blobs} blobs for "
               f"{len(fixture['blocks'])} batches, {txs / blobs:.0f} transactions a blob")
    return out


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--workloads", default="eth_transfers,erc20_transfers")
    args = parser.parse_args()
    for name in args.workloads.split(","):
        print("\n".join(measure(name)), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
