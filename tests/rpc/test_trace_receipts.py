"""``debug_traceTransaction`` of a mined transaction reproduces its receipt: the gas it used,
its status and its logs, for the transactions of the execution-spec-tests blockchain fixtures
of Cancun, Prague and Osaka.

Each chosen case is imported through the node's own ``Blockchain`` (in-memory store), then
every transaction of every block it accepted is traced through the RPC handler with
``callTracer`` and ``withLog`` (the top frame's ``gasUsed``, its ``error`` and the logs of the
call tree in execution order) and compared with the stored receipt.

All 13,000 cases would take about ten minutes on two cores, so the choice is a deterministic
sample: every case whose transactions include an EIP-7702 set-code transaction, every case
about collisions (``collision`` in its name: CREATE2 over an existing account), plus every
case whose name hashes into the first 1/12 (sha256 of the file and case name, so the sample
is stable and spreads over every EIP folder). The EEST files of these forks hold no top-level
creation over an existing account (EIP-684/EIP-7610), so the two ethereum-tests blockchain
files that do are traced too, all their cases. The counts of blocks, transactions,
delegations and collisions traced are checked, so the sample cannot shrink unnoticed.
"""

import hashlib
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

from ethrex.errors import InvalidBlock, InvalidTransaction, RLPDecodingError
from ethrex.evm.opcodes.system import compute_create_address
from ethrex.fixtures import fixture_files, load_fixture
from ethrex.fixtures.blockchain_tests import fixture_chain, import_fixture_block
from ethrex.primitives import hex_to_bytes, hex_to_int
from ethrex.rpc.chainview import ChainView
from ethrex.rpc.context import node_context
from ethrex.rpc.debug import DebugHandlers
from ethrex.types.block import decode_block
from ethrex.types.receipt import Receipt
from ethrex.types.transactions import SetCodeTransaction, transaction_hash
from tests.fixtures_root import fixtures_root

FORKS = ("cancun", "prague", "osaka")
# Top-level creations over an account with code or storage (EIP-684/EIP-7610).
COLLISION_FILES = ("create2collisionwithSelfdestructSameBlock.json", "suicideStorageCheck.json")
SAMPLE_ONE_IN = 12
CALL_TRACER = {"tracer": "callTracer", "tracerConfig": {"withLog": True}}


def _collides(case: dict[str, Any]) -> bool:
    """Whether a top-level creation in the case targets an account of ``pre`` with code, a
    nonce or storage (the sender's nonce counted from ``pre`` and its earlier creations)."""
    pre = case["pre"]
    nonces: dict[bytes, int] = {}
    for block in case["blocks"]:
        for tx in block.get("transactions", ()):
            sender = hex_to_bytes(tx.get("sender", "0x" + "00" * 20))
            nonce = hex_to_int(tx["nonce"])
            nonces[sender] = nonce + 1
            if tx.get("to") not in (None, "", "0x"):
                continue
            target = "0x" + compute_create_address(sender, nonce).hex()
            account = pre.get(target)
            if account and (hex_to_int(account.get("nonce", "0x0")) or account.get("storage")
                            or account.get("code", "0x") != "0x"):
                return True
    return False


def _delegates(case: dict[str, Any]) -> bool:
    return any(tx.get("type") == "0x04" or "authorizationList" in tx
               for block in case["blocks"] for tx in block.get("transactions", ()))


def _sampled(file_id: str, name: str) -> bool:
    digest = hashlib.sha256(f"{file_id}::{name}".encode()).digest()
    return digest[0] < 256 // SAMPLE_ONE_IN


def _flat_logs(node: dict[str, Any]) -> list[tuple[str, list[str], str]]:
    """The call tree's logs in execution order (each log sits before the calls made after
    it: ``position`` counts the frame's calls before the log)."""
    out: list[tuple[str, list[str], str]] = []
    calls = node.get("calls", [])
    logs = sorted(node.get("logs", []), key=lambda log: int(log["position"], 16))
    done = 0
    for log in logs:
        position = int(log["position"], 16)
        for child in calls[done:position]:
            out.extend(_flat_logs(child))
        done = max(done, position)
        out.append((log["address"], log["topics"], log["data"]))
    for child in calls[done:]:
        out.extend(_flat_logs(child))
    return out


def _receipt_logs(receipt: Receipt) -> list[tuple[str, list[str], str]]:
    return [("0x" + log.address.hex(), ["0x" + t.hex() for t in log.topics],
             "0x" + log.data.hex()) for log in receipt.logs]


def _check_case(case: dict[str, Any], executor: ThreadPoolExecutor,
                counts: dict[str, int]) -> list[str]:
    chain = fixture_chain(case)
    for entry in case["blocks"]:
        try:
            import_fixture_block(chain, hex_to_bytes(entry["rlp"]))
        except (InvalidBlock, InvalidTransaction, RLPDecodingError):
            continue
    debug = DebugHandlers(ChainView(node_context(chain, executor)))
    store = chain.store
    problems = []
    for entry in case["blocks"]:
        if "expectException" in entry:
            continue
        block = decode_block(hex_to_bytes(entry["rlp"]))
        block_hash = block.header.hash()
        receipts = store.get_receipts(block_hash)
        if receipts is None:
            continue  # a valid block on a side chain that lost: not stored as canonical
        counts["blocks"] += 1
        previous = 0
        for index, (tx, receipt) in enumerate(zip(block.transactions, receipts)):
            gas = receipt.cumulative_gas_used - previous
            previous = receipt.cumulative_gas_used
            tx_hash = transaction_hash(tx)
            location = store.get_transaction_location(tx_hash)
            if location != (block_hash, index):
                continue  # the same transaction mined again elsewhere: traced there
            trace = debug.trace_transaction("0x" + tx_hash.hex(), CALL_TRACER)
            counts["transactions"] += 1
            counts["delegations"] += isinstance(tx, SetCodeTransaction)
            counts["top-level collisions"] += trace.get("error") == "contract address collision"
            traced = (int(trace["gasUsed"], 16), "error" not in trace, _flat_logs(trace))
            mined = (gas, bool(receipt.succeeded), _receipt_logs(receipt))
            if traced != mined:
                problems.append(f"block {block.header.number} tx {index}: traced "
                                f"(gas, ok, {len(traced[2])} logs) {traced[:2]} != receipt "
                                f"{mined[:2]} ({len(mined[2])} logs)")
    return problems


def test_traces_reproduce_the_receipts() -> None:
    root = fixtures_root()
    eest = [root / "eest" / "blockchain_tests" / fork for fork in FORKS]
    collisions = [root / "ethereum-tests" / "BlockchainTests" / "ValidBlocks" / "bcStateTests" / f
                  for f in COLLISION_FILES]
    counts = {"cases": 0, "blocks": 0, "transactions": 0, "delegations": 0,
              "collision cases": 0, "top-level collisions": 0}
    problems: list[str] = []
    with ThreadPoolExecutor(1) as executor:  # the context wants one; tracing never uses it
        for path in fixture_files(eest + collisions):
            file_id = str(Path(path).relative_to(root))
            for name, case in load_fixture(path).items():
                collision = "collision" in name.lower() or _collides(case)
                if not (collision or _delegates(case) or _sampled(file_id, name)):
                    continue
                counts["cases"] += 1
                counts["collision cases"] += collision
                problems.extend(f"{file_id}::{name}: {p}"
                                for p in _check_case(case, executor, counts))
    assert not problems, "\n".join(problems[:20])
    assert counts["blocks"] >= 500 and counts["transactions"] >= 800, counts
    assert counts["delegations"] >= 100 and counts["collision cases"] >= 40, counts
    assert counts["top-level collisions"] >= 1, counts
