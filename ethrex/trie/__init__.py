"""The Merkle Patricia Trie: nibble paths, the node codec, a trie over a node store, proofs
and one-shot roots."""

from ethrex.trie.proof import InvalidProof, verify_proof
from ethrex.trie.root import compute_root, ordered_root, secure_root
from ethrex.trie.trie import EMPTY_ROOT, Trie

__all__ = [
    "EMPTY_ROOT",
    "InvalidProof",
    "Trie",
    "compute_root",
    "ordered_root",
    "secure_root",
    "verify_proof",
]
