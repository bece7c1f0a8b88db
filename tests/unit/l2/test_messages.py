"""L2-to-L1 messages: read from receipts, and their Merkle tree as OpenZeppelin's MerkleProof
checks it on L1 (sorted pairs, an odd node moves up). The e2e tests claim against the real
contract; here every leaf of trees of 1 to 17 leaves proves, and nothing else does."""

import pytest

from ethrex.l2.rollup.messages import (
    L1_MESSAGE_TOPIC,
    L1_MESSENGER,
    L2_BRIDGE,
    ZERO_ROOT,
    L1Message,
    batch_messages,
    merkle_proof,
    merkle_root,
    verify_proof,
    withdrawal_data,
)
from ethrex.primitives import keccak256
from ethrex.types.receipt import Log, Receipt


def _leaves(n: int) -> list[bytes]:
    return [keccak256(i.to_bytes(4, "big")) for i in range(n)]


@pytest.mark.parametrize("n", range(1, 18))
def test_every_leaf_proves_and_only_it(n: int) -> None:
    leaves = _leaves(n)
    root = merkle_root(leaves)
    for i, leaf in enumerate(leaves):
        proof = merkle_proof(leaves, i)
        assert len(proof) <= max(1, (n - 1).bit_length())
        assert verify_proof(proof, root, leaf)
        assert not verify_proof(proof, root, keccak256(leaf))


def test_small_trees() -> None:
    a, b, c = _leaves(3)
    pair = keccak256(min(a, b) + max(a, b))
    assert merkle_root([]) == ZERO_ROOT
    assert merkle_root([a]) == a and merkle_proof([a], 0) == []
    assert merkle_root([a, b]) == merkle_root([b, a]) == pair
    assert merkle_root([a, b, c]) == keccak256(min(pair, c) + max(pair, c))
    assert merkle_proof([a, b, c], 2) == [pair]
    with pytest.raises(IndexError):
        merkle_proof([a], 1)


def test_messages_come_from_the_messenger_logs_in_order() -> None:
    data = withdrawal_data(b"\x33" * 20, 5 * 10**17)
    assert data == keccak256(b"\x33" * 20 + (5 * 10**17).to_bytes(32, "big"))

    def message_log(sender: bytes, payload: bytes, message_id: int,
                    address: bytes = L1_MESSENGER) -> Log:
        return Log(address, (L1_MESSAGE_TOPIC, bytes(12) + sender, payload,
                             message_id.to_bytes(32, "big")), b"")

    first = Receipt(2, True, None, 1, bytes(256), (message_log(L2_BRIDGE, data, 1),))
    forged = Receipt(2, True, None, 2, bytes(256), (
        message_log(L2_BRIDGE, data, 9, address=b"\x44" * 20),  # not the messenger
        message_log(b"\x55" * 20, data, 2)))
    messages = batch_messages([[first], [forged]])
    assert messages == [L1Message(L2_BRIDGE, data, 1), L1Message(b"\x55" * 20, data, 2)]
    assert messages[0].leaf() == keccak256(L2_BRIDGE + data + (1).to_bytes(32, "big"))
