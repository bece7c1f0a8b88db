"""Validator withdrawals pushed from the consensus layer (EIP-4895)."""

from dataclasses import dataclass

from ethrex import rlp
from ethrex.rlp import Item
from ethrex.types._fields import read_bytes, read_list, read_uint


@dataclass(frozen=True, slots=True)
class Withdrawal:
    """A withdrawal of ``amount`` Gwei to ``address``."""

    index: int
    validator_index: int
    address: bytes
    amount: int  # in Gwei


def withdrawal_fields(w: Withdrawal) -> list[object]:
    """The withdrawal as the list RLP encodes."""
    return [w.index, w.validator_index, w.address, w.amount]


def encode_withdrawal(w: Withdrawal) -> bytes:
    """The RLP encoding (the leaf value of the withdrawals trie)."""
    return rlp.encode(withdrawal_fields(w))


def decode_withdrawal_item(item: Item) -> Withdrawal:
    """Decode an already RLP-decoded withdrawal."""
    index, validator_index, address, amount = read_list(item, "withdrawal", 4)
    return Withdrawal(
        read_uint(index, "withdrawal index", 64),
        read_uint(validator_index, "withdrawal validator_index", 64),
        read_bytes(address, "withdrawal address", 20),
        read_uint(amount, "withdrawal amount", 64),
    )


def decode_withdrawal(data: bytes) -> Withdrawal:
    """Decode an RLP-encoded withdrawal."""
    return decode_withdrawal_item(rlp.decode(data))
