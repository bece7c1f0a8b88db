"""Dropping the trie nodes a commit group wrote and superseded before it committed.

Within a group of blocks (``GroupedCommits``) every block rewrites the upper nodes of the
state trie, and of each storage trie it touches, that the block before it wrote. The nodes a
later block of the group replaced belong only to the states of the group's inner blocks. When
those states need not stay readable (a bulk import keeps the state of each group's last block),
the group need not write them: only the new nodes reachable from the state root of the group's
head go to disk. Nothing stored before is touched, so the store never loses a state it had.

An inner block's state then simply is not stored: its root node is gone (every block's root is
new), so ``Store.has_state`` says so and readers get the usual "state not stored" answer, never
a half-readable trie.
"""

from collections.abc import Mapping

from ethrex.storage.schema import HEADERS, META, META_HEAD, TRIE_NODES
from ethrex.storage.writer import StoreWriter
from ethrex.trie.nodes import Branch, Extension, decode_node
from ethrex.types.account import decode_account
from ethrex.types.header import decode_header


def drop_superseded_nodes(writer: StoreWriter) -> int:
    """Remove from ``writer``'s batch the new trie nodes that the head's state (the head the
    batch moves to) does not reach; returns how many were dropped."""
    head = writer.get(META, META_HEAD)
    header_rlp = None if head is None else writer.get(HEADERS, head)
    new = writer.batch.ops.get(TRIE_NODES)
    if header_rlp is None or not new:
        return 0
    live = reachable(new, decode_header(header_rlp).state_root)
    dead = [digest for digest in new if digest not in live]
    for digest in dead:
        del new[digest]
    return len(dead)


def reachable(new: Mapping[bytes, bytes | None], state_root: bytes) -> set[bytes]:
    """The nodes of ``new`` that the state trie at ``state_root`` reaches, through its own
    nodes and the storage tries of its accounts. The walk stops at nodes not in ``new``: those
    were stored before, and everything below them was too."""
    live: set[bytes] = set()
    stack = [(state_root, True)]  # (node hash, is it a node of the account trie)
    pop, push = stack.pop, stack.append
    while stack:
        digest, accounts = pop()
        if digest in live:
            continue
        encoded = new.get(digest)
        if encoded is None:  # stored before this batch (or a deletion: none are issued)
            continue
        live.add(digest)
        node = decode_node(encoded, digest)
        if type(node) is Branch:
            for child in node.children:
                if type(child) is bytes:
                    push((child, accounts))
        elif type(node) is Extension:
            if type(node.child) is bytes:
                push((node.child, accounts))
        elif accounts:  # an account leaf: its storage trie (secure keys: no branch values)
            push((decode_account(node.value).storage_root, False))
    return live
