"""System contracts: the calls a block makes as ``SYSTEM_ADDRESS`` and the requests it collects.

EIP-4788 stores the parent beacon root and EIP-2935 the parent hash before the transactions;
after them, EIP-7002 (withdrawals) and EIP-7251 (consolidations) are dequeued by calling their
contracts, and EIP-6110 deposits are read from the deposit contract's logs. EIP-7685 hashes
the typed requests into the header's ``requests_hash``.
"""

from collections.abc import Iterable
from hashlib import sha256

from ethrex.errors import InvalidBlock
from ethrex.evm.env import BlockEnv, TxEnv
from ethrex.evm.frame import Frame
from ethrex.evm.vm import make_context, process_message
from ethrex.forks import ForkRules
from ethrex.primitives import hex_to_bytes
from ethrex.state import StateDB
from ethrex.types.receipt import Receipt

SYSTEM_ADDRESS = hex_to_bytes("0xfffffffffffffffffffffffffffffffffffffffe")
SYSTEM_TRANSACTION_GAS = 30_000_000
BEACON_ROOTS_ADDRESS = hex_to_bytes("0x000f3df6d732807ef1319fb7b8bb8522d0beac02")  # EIP-4788
HISTORY_STORAGE_ADDRESS = hex_to_bytes("0x0000f90827f1c53a10cb7a02335b175320002935")  # EIP-2935
WITHDRAWAL_REQUEST_ADDRESS = hex_to_bytes("0x00000961ef480eb55e80d19ad83579a64c007002")  # 7002
CONSOLIDATION_REQUEST_ADDRESS = hex_to_bytes("0x0000bbddc7ce488642fb579f8b00f3a590007251")  # 7251
MAINNET_DEPOSIT_CONTRACT = hex_to_bytes("0x00000000219ab540356cbb839cbe05303d7705fa")  # EIP-6110
DEPOSIT_EVENT_TOPIC = hex_to_bytes(
    "0x649bbc62d0e31342afea4e5cd82d4049e7e1ee912fc0889aa790803be39038c5"
)  # keccak("DepositEvent(bytes,bytes,bytes,bytes,bytes)")
DEPOSIT_REQUEST_TYPE = b"\x00"  # EIP-6110
WITHDRAWAL_REQUEST_TYPE = b"\x01"  # EIP-7002
CONSOLIDATION_REQUEST_TYPE = b"\x02"  # EIP-7251

# The ABI layout of DepositEvent's data: five dynamic byte strings, each (offset, size).
_DEPOSIT_EVENT_SIZE = 576
_DEPOSIT_FIELDS = ((0, 160, 48), (32, 256, 32), (64, 320, 8), (96, 384, 96), (128, 512, 8))


def _system_call(
    state: StateDB, env: BlockEnv, rules: ForkRules, target: bytes, data: bytes
) -> tuple[bool, bytes]:
    """Run ``target``'s code as a message from ``SYSTEM_ADDRESS``: no fee, no nonce, no value
    transfer, 30M gas that nobody pays for. Return (success, output); the changes are
    committed."""
    state.begin_transaction()
    ctx = make_context(state, rules, env, TxEnv(SYSTEM_ADDRESS, 0))
    frame = Frame(ctx, SYSTEM_ADDRESS, target, target, 0, data, state.get_code(target),
                  SYSTEM_TRANSACTION_GAS, 0, False, False)
    process_message(frame)
    state.finalize_transaction(False)
    return frame.error is None, frame.output


def process_beacon_root(state: StateDB, env: BlockEnv, rules: ForkRules, root: bytes) -> None:
    """EIP-4788: store the parent beacon block root (nothing happens without the contract)."""
    if state.get_code(BEACON_ROOTS_ADDRESS):
        _system_call(state, env, rules, BEACON_ROOTS_ADDRESS, root)


def process_parent_hash(state: StateDB, env: BlockEnv, rules: ForkRules, parent: bytes) -> None:
    """EIP-2935: store the parent hash in the history contract (if deployed)."""
    if state.get_code(HISTORY_STORAGE_ADDRESS):
        _system_call(state, env, rules, HISTORY_STORAGE_ADDRESS, parent)


def _checked_system_call(
    state: StateDB, env: BlockEnv, rules: ForkRules, target: bytes
) -> bytes:
    """EIP-7002/7251: the request contracts must exist and must not fail."""
    if not state.get_code(target):
        raise InvalidBlock(f"system contract {target.hex()} has no code")
    ok, output = _system_call(state, env, rules, target, b"")
    if not ok:
        raise InvalidBlock(f"system contract {target.hex()} call failed")
    return output


def parse_deposit_data(data: bytes) -> bytes:
    """EIP-6110: pubkey ‖ withdrawal_credentials ‖ amount ‖ signature ‖ index from the ABI
    encoded DepositEvent data; a layout other than the deposit contract's is invalid."""
    if len(data) != _DEPOSIT_EVENT_SIZE:
        raise InvalidBlock(f"deposit event data of {len(data)} bytes, expected 576")
    out = bytearray()
    for head, offset, size in _DEPOSIT_FIELDS:
        if int.from_bytes(data[head : head + 32], "big") != offset:
            raise InvalidBlock("invalid deposit event layout: bad offset")
        if int.from_bytes(data[offset : offset + 32], "big") != size:
            raise InvalidBlock("invalid deposit event layout: bad size")
        out += data[offset + 32 : offset + 32 + size]
    return bytes(out)


def collect_deposits(receipts: Iterable[Receipt], deposit_contract: bytes) -> bytes:
    """EIP-6110: the concatenated deposit requests in the logs of the block's receipts."""
    out = bytearray()
    for receipt in receipts:
        for log in receipt.logs:
            if log.address == deposit_contract and log.topics[:1] == (DEPOSIT_EVENT_TOPIC,):
                out += parse_deposit_data(log.data)
    return bytes(out)


def process_requests(
    state: StateDB,
    env: BlockEnv,
    rules: ForkRules,
    receipts: Iterable[Receipt],
    deposit_contract: bytes,
) -> list[bytes]:
    """EIP-7685: the block's typed requests in type order; empty ones are left out."""
    requests = []
    deposits = collect_deposits(receipts, deposit_contract)
    if deposits:
        requests.append(DEPOSIT_REQUEST_TYPE + deposits)
    for request_type, address in (
        (WITHDRAWAL_REQUEST_TYPE, WITHDRAWAL_REQUEST_ADDRESS),
        (CONSOLIDATION_REQUEST_TYPE, CONSOLIDATION_REQUEST_ADDRESS),
    ):
        output = _checked_system_call(state, env, rules, address)
        if output:
            requests.append(request_type + output)
    return requests


def compute_requests_hash(requests: Iterable[bytes]) -> bytes:
    """EIP-7685: sha256 over the sha256 of each non-empty typed request."""
    outer = sha256()
    for request in requests:
        if len(request) > 1:
            outer.update(sha256(request).digest())
    return outer.digest()
