"""L2-to-L1 messages and their Merkle tree: how withdrawals reach L1.

``L2ToL1Messenger`` (at 0xfffe on L2) emits ``L1Message(sender, data, messageId)`` for each
message; a withdrawal is the L2 bridge's message ``keccak256(receiver ++ amount)``. A batch
commits to the Merkle root of its messages' leaves ``keccak256(sender ++ data ++ messageId)``
(in block, transaction and log order) and L1 checks a claim against it with OpenZeppelin's
``MerkleProof``: pairs are hashed sorted (``keccak256(min ++ max)``) and an odd node at the end
of a level moves up unchanged. A batch without messages commits to zero.
"""

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from ethrex.primitives import hex_to_bytes, keccak256
from ethrex.types.receipt import Receipt

L1_MESSENGER = hex_to_bytes("0x000000000000000000000000000000000000fffe")
L2_BRIDGE = hex_to_bytes("0x000000000000000000000000000000000000ffff")
L1_MESSAGE_TOPIC = keccak256(b"L1Message(address,bytes32,uint256)")
ZERO_ROOT = bytes(32)


@dataclass(frozen=True, slots=True)
class L1Message:
    """One message to L1: who sent it on L2, its 32 bytes and its id (from 1, global)."""

    sender: bytes
    data: bytes
    message_id: int

    def leaf(self) -> bytes:
        return keccak256(self.sender + self.data + self.message_id.to_bytes(32, "big"))


def withdrawal_data(receiver: bytes, amount: int) -> bytes:
    """The data of an ETH withdrawal message of the L2 bridge."""
    return keccak256(receiver + amount.to_bytes(32, "big"))


def receipt_messages(receipt: Receipt) -> list[L1Message]:
    """The messages a transaction sent (the messenger's ``L1Message`` logs)."""
    out = []
    for log in receipt.logs:
        if log.address == L1_MESSENGER and len(log.topics) == 4 \
                and log.topics[0] == L1_MESSAGE_TOPIC:
            out.append(L1Message(log.topics[1][12:], log.topics[2],
                                 int.from_bytes(log.topics[3], "big")))
    return out


def batch_messages(receipts: Iterable[Sequence[Receipt]]) -> list[L1Message]:
    """Every message of a batch, given each block's receipts in order."""
    return [m for block in receipts for r in block for m in receipt_messages(r)]


def _pair(a: bytes, b: bytes) -> bytes:
    return keccak256(a + b if a < b else b + a)


def _levels(leaves: Sequence[bytes]) -> list[list[bytes]]:
    levels = [list(leaves)]
    while len(levels[-1]) > 1:
        level = levels[-1]
        up = [_pair(level[i], level[i + 1]) for i in range(0, len(level) - 1, 2)]
        if len(level) % 2:
            up.append(level[-1])
        levels.append(up)
    return levels


def merkle_root(leaves: Sequence[bytes]) -> bytes:
    """The root of ``leaves`` (zero for none)."""
    if not leaves:
        return ZERO_ROOT
    return _levels(leaves)[-1][0]


def merkle_proof(leaves: Sequence[bytes], index: int) -> list[bytes]:
    """The sibling hashes from leaf ``index`` up to the root."""
    if not 0 <= index < len(leaves):
        raise IndexError(f"leaf {index} of {len(leaves)}")
    proof = []
    for level in _levels(leaves)[:-1]:
        sibling = index ^ 1
        if sibling < len(level):
            proof.append(level[sibling])
        index //= 2
    return proof


def verify_proof(proof: Sequence[bytes], root: bytes, leaf: bytes) -> bool:
    """What ``MerkleProof.verify`` answers on L1."""
    node = leaf
    for sibling in proof:
        node = _pair(node, sibling)
    return node == root
