"""The account record stored as a leaf of the state trie."""

from dataclasses import dataclass

from ethrex import rlp
from ethrex.primitives import EMPTY_HASH
from ethrex.types._fields import read_bytes, read_list, read_uint

# keccak256(rlp(b"")): the root of an empty trie, also ethrex.trie.EMPTY_ROOT (types sit below
# the trie, so the constant is spelled out here).
EMPTY_TRIE_ROOT = bytes.fromhex("56e81f171bcc55a6ff8345e692c0f86e5b48e01b996cadc001622fb5e363b421")


@dataclass(frozen=True, slots=True)
class Account:
    """Nonce, balance, storage root and code hash of an account."""

    nonce: int = 0
    balance: int = 0
    storage_root: bytes = EMPTY_TRIE_ROOT
    code_hash: bytes = EMPTY_HASH


EMPTY_ACCOUNT = Account()


def encode_account(a: Account) -> bytes:
    """``rlp([nonce, balance, storage_root, code_hash])``: the state trie leaf value."""
    return rlp.encode([a.nonce, a.balance, a.storage_root, a.code_hash])


def decode_account(data: bytes) -> Account:
    """Decode a state trie leaf value."""
    nonce, balance, storage_root, code_hash = read_list(rlp.decode(data), "account", 4)
    return Account(
        read_uint(nonce, "account nonce", 64),
        read_uint(balance, "account balance"),
        read_bytes(storage_root, "account storage_root", 32),
        read_bytes(code_hash, "account code_hash", 32),
    )
