"""The user's commands: ``ethrex l2 deposit | withdraw | claim-withdrawal | balance``, and the
sequencer's ``revert-batch``.

Each checks what it can before sending (a deposit to the zero address, a withdrawal above the
balance, a claim of someone else's withdrawal or of one already paid) and says why in one
line (``CommandError``); the contracts check the same again on chain.
"""

import asyncio
from decimal import Decimal, InvalidOperation
from typing import Any

from ethrex.errors import EthrexError
from ethrex.l2.abi import encode_call
from ethrex.l2.client import ClientError, EthClient, hex_int
from ethrex.l2.rollup.messages import L2_BRIDGE
from ethrex.l2.sender import TxSender
from ethrex.primitives import hex_to_bytes

WEI_PER = {"wei": 1, "gwei": 10**9, "ether": 10**18, "eth": 10**18}
ZERO_ADDRESS = bytes(20)


class CommandError(EthrexError):
    """A command that cannot do what was asked (the message says why)."""


def parse_amount(text: str) -> int:
    """Wei from ``1.5`` (ether), ``1.5ether``, ``20gwei`` or ``100wei``."""
    raw = text.strip().lower()
    unit = next((u for u in sorted(WEI_PER, key=len, reverse=True) if raw.endswith(u)), "ether")
    number = raw[: len(raw) - len(unit)] if raw.endswith(unit) else raw
    try:
        wei = Decimal(number.strip()) * WEI_PER[unit]
    except InvalidOperation:
        raise CommandError(f"not an amount: {text!r} (e.g. 1.5, 1.5ether, 20gwei)") from None
    if wei != wei.to_integral_value() or wei <= 0:
        raise CommandError(f"the amount must be a positive whole number of wei: {text!r}")
    return int(wei)


def format_ether(wei: int) -> str:
    return f"{Decimal(wei) / WEI_PER['ether']:f} ETH"


async def l1_contracts(l2: EthClient) -> tuple[bytes, bytes]:
    """The (bridge, proposer) an L2 node commits to."""
    contracts = await l2.call("ethrex_getL1Contracts")
    return hex_to_bytes(contracts["bridge"]), hex_to_bytes(contracts["onChainProposer"])


async def deposit(l1: EthClient, bridge: bytes, key: bytes, amount: int,
                  to: bytes | None = None) -> tuple[bytes, int]:
    """Deposit ``amount`` wei to ``to`` (default: the key's own address) on L2; returns the
    L1 transaction hash and the deposit's id."""
    sender = TxSender(l1, key)
    recipient = sender.address if to is None else to
    if recipient == ZERO_ADDRESS:
        raise CommandError("deposit to the zero address: the ether would be lost, the bridge "
                           "refuses it")
    data = encode_call("deposit(address)", recipient)
    try:
        mined = await sender.send(bridge, data, amount)
    except ClientError as exc:
        raise CommandError(f"deposit refused: {exc.reason()}") from None
    for log in mined.receipt.get("logs", []):
        if hex_to_bytes(log["address"]) == bridge and len(log["topics"]) == 4:
            return mined.tx_hash, int(log["topics"][3], 16)
    raise CommandError(f"deposit 0x{mined.tx_hash.hex()} mined without a PrivilegedTxSent log")


async def withdraw(l2: EthClient, key: bytes, amount: int,
                   to: bytes | None = None) -> bytes:
    """Withdraw ``amount`` wei to ``to`` on L1 (default: the key's own address); returns the
    L2 transaction hash once it is in a block."""
    sender = TxSender(l2, key)
    receiver = sender.address if to is None else to
    if receiver == ZERO_ADDRESS:
        raise CommandError("withdrawal to the zero address: the ether would be lost")
    balance = await l2.balance(sender.address)
    if amount > balance:
        raise CommandError(f"withdrawal of {format_ether(amount)} is more than the L2 balance "
                           f"{format_ether(balance)} of 0x{sender.address.hex()}")
    try:
        mined = await sender.send(L2_BRIDGE, encode_call("withdraw(address)", receiver), amount)
    except ClientError as exc:
        raise CommandError(f"withdrawal refused: {exc.reason()}") from None
    return mined.tx_hash


async def withdrawal_proof(l2: EthClient, tx_hash: bytes, receiver: bytes,
                           timeout: float) -> dict[str, Any]:
    """The proof of ``receiver``'s withdrawal in L2 transaction ``tx_hash``, once its batch
    is sealed (waits up to ``timeout`` seconds)."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while True:
        proofs = await l2.call("ethrex_getWithdrawalProof", "0x" + tx_hash.hex())
        if proofs is not None:
            break
        if loop.time() > deadline:
            raise CommandError(f"L2 transaction 0x{tx_hash.hex()} is not in a batch after "
                               f"{timeout:.0f}s (unknown to the L2, or not sealed yet)")
        await asyncio.sleep(1)
    withdrawals = [p for p in proofs if "receiver" in p]
    if not withdrawals:
        raise CommandError(f"L2 transaction 0x{tx_hash.hex()} withdrew nothing")
    mine = [p for p in withdrawals if hex_to_bytes(p["receiver"]) == receiver]
    if not mine:
        raise CommandError(f"the withdrawal goes to {withdrawals[0]['receiver']}, not "
                           f"0x{receiver.hex()}: claim it with the receiver's key")
    return mine[0]  # type: ignore[no-any-return]


async def claim_withdrawal(l1: EthClient, l2: EthClient, key: bytes, tx_hash: bytes,
                           timeout: float = 300.0) -> tuple[bytes, int]:
    """Claim on L1 the withdrawal of L2 transaction ``tx_hash``; waits until its batch is
    verified. Returns the L1 transaction hash and the amount."""
    sender = TxSender(l1, key)
    bridge, proposer = await l1_contracts(l2)
    proof = await withdrawal_proof(l2, tx_hash, sender.address, timeout)
    batch, message_id, amount = (hex_int(proof["batchNumber"]), hex_int(proof["messageId"]),
                                 hex_int(proof["amount"]))
    claimed = await l1.eth_call(bridge, encode_call("claimedMessages(uint256)", message_id))
    if claimed and int.from_bytes(claimed, "big"):
        raise CommandError(f"withdrawal {message_id} was claimed already")
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while int.from_bytes(await l1.eth_call(proposer, encode_call("lastVerifiedBatch()")),
                         "big") < batch:
        if loop.time() > deadline:
            raise CommandError(f"batch {batch} is not verified on L1 after {timeout:.0f}s")
        await asyncio.sleep(1)
    data = encode_call("claimWithdrawal(uint256,uint256,uint256,bytes32[])", amount, batch,
                       message_id, [hex_to_bytes(p) for p in proof["proof"]])
    try:
        mined = await sender.send(bridge, data)
    except ClientError as exc:
        raise CommandError(f"claim refused: {exc.reason()}") from None
    return mined.tx_hash, amount


async def revert_batches(l1: EthClient, l2: EthClient, key: bytes, first: int) -> bytes:
    """Revert the committed, unverified batches from ``first`` on (``OnChainProposer.
    revertBatches``, sent with the sequencer's ``key``); the running sequencer then commits
    its own record of them again. Returns the L1 transaction hash."""
    _, proposer = await l1_contracts(l2)
    count = 0  # privileged transactions the batches before ``first`` included
    for number in range(1, first):
        batch = await l2.call("ethrex_getBatchByNumber", hex(number))
        if batch is None:
            raise CommandError(f"the L2 has no batch {number}")
        count += hex_int(batch["privilegedTransactions"])
    try:
        mined = await TxSender(l1, key).send(
            proposer, encode_call("revertBatches(uint256,uint256)", first, count))
    except ClientError as exc:
        raise CommandError(f"revert refused: {exc.reason()}") from None
    return mined.tx_hash
