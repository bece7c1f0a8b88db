"""snap/1 (devp2p ``caps/snap.md``): message ids, the slim account encoding and the limits
go-ethereum applies when serving.

Accounts travel "slim": ``[nonce, balance, storage root, code hash]`` with the empty-trie root
and the empty-code hash replaced by empty strings.
"""

from ethrex import rlp
from ethrex.p2p.wire import as_bytes, as_int, as_list, breach
from ethrex.primitives import EMPTY_HASH
from ethrex.rlp import Item
from ethrex.trie import EMPTY_ROOT
from ethrex.types.account import Account, decode_account, encode_account

VERSION = 1
LENGTH = 8

GET_ACCOUNT_RANGE = 0x00
ACCOUNT_RANGE = 0x01
GET_STORAGE_RANGES = 0x02
STORAGE_RANGES = 0x03
GET_BYTE_CODES = 0x04
BYTE_CODES = 0x05
GET_TRIE_NODES = 0x06
TRIE_NODES = 0x07

SOFT_RESPONSE_LIMIT = 2 * 1024 * 1024
STATE_LOOKUP_SLACK = 0.1  # a storage response may overshoot by this much mid-trie
MAX_CODE_LOOKUPS = 1024
MAX_TRIE_NODE_LOOKUPS = 1024
MAX_TRIE_NODE_SECONDS = 5.0
MAX_PROOF_NODES = 128  # go-ethereum refuses longer proofs
SERVED_STATES = 128  # the state of the last 128 blocks is served, as go-ethereum serves it


def slim(account: Account) -> bytes:
    return rlp.encode([account.nonce, account.balance,
                       b"" if account.storage_root == EMPTY_ROOT else account.storage_root,
                       b"" if account.code_hash == EMPTY_HASH else account.code_hash])


def slim_from_leaf(leaf: bytes) -> bytes:
    """A state-trie leaf (full account RLP) in its slim form."""
    return slim(decode_account(leaf))


def full_from_slim(item: Item) -> Account:
    """A slim account from a peer; a malformed one is a breach."""
    f = as_list(item, "slim account", 4)
    root = as_bytes(f[2], "storage root")
    code = as_bytes(f[3], "code hash")
    if len(root) not in (0, 32) or len(code) not in (0, 32):
        raise breach("slim account root or code hash of a bad length")
    return Account(as_int(f[0], "nonce"), as_int(f[1], "balance", 256), root or EMPTY_ROOT,
                   code or EMPTY_HASH)


def leaf_of(account: Account) -> bytes:
    return encode_account(account)
