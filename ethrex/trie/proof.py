"""Merkle proofs of inclusion and absence (EIP-1186 ``eth_getProof``).

A proof is the list of RLP nodes on the path to a key, root first; ``Trie.prove`` builds it.
``verify_proof`` checks it against a root without any store: every hashed reference must be
matched by a node in the proof, and the walk must end in the key's leaf (inclusion) or at the
point where the key's path leaves the trie (absence).
"""

from typing import Any

from ethrex import rlp
from ethrex.errors import EthrexError, RLPDecodingError
from ethrex.primitives import keccak256
from ethrex.trie.nibbles import NIBBLE_INDEX, decode_hex_prefix
from ethrex.trie.trie import EMPTY_ROOT


class InvalidProof(EthrexError):
    """A proof that does not hash up to the claimed root, or is malformed: the prover's fault."""


def verify_proof(
    root: bytes, key: bytes, proof: list[bytes], *, secure: bool = False
) -> bytes | None:
    """The value ``proof`` shows under ``key`` in the trie of ``root``; ``None`` if it shows
    the key absent. ``secure=True`` hashes the key first (state and storage tries).

    Raises ``InvalidProof`` when the proof is incomplete, tampered or malformed.
    """
    if secure:
        key = keccak256(key)
    if root == EMPTY_ROOT:
        return None
    nodes = {keccak256(node): node for node in proof}
    path = key.hex()
    try:
        item: Any = _lookup(nodes, root)
        while True:
            if not isinstance(item, list):
                raise InvalidProof("proof node is not an RLP list")
            if len(item) == 17:
                if not path:
                    return _value(item[16])
                ref = item[NIBBLE_INDEX[path[0]]]
                path = path[1:]
            elif len(item) == 2:
                if not isinstance(item[0], bytes):
                    raise InvalidProof("proof node path is not a byte string")
                node_path, is_leaf = decode_hex_prefix(item[0])
                if is_leaf:
                    return _value(item[1]) if node_path == path else None
                if not path.startswith(node_path):
                    return None
                path = path[len(node_path) :]
                ref = item[1]
            else:
                raise InvalidProof(f"proof node has {len(item)} items, expected 2 or 17")
            if isinstance(ref, list):  # inlined child
                item = ref
            elif not ref:
                return None
            elif len(ref) == 32:
                item = _lookup(nodes, ref)
            else:
                raise InvalidProof(f"child reference of {len(ref)} bytes")
    except (RLPDecodingError, ValueError) as exc:
        raise InvalidProof(f"malformed proof node: {exc}") from exc


def _lookup(nodes: dict[bytes, bytes], digest: bytes) -> Any:
    encoded = nodes.get(digest)
    if encoded is None:
        raise InvalidProof(f"proof lacks the node with hash {digest.hex()}")
    return rlp.decode(encoded)


def _value(item: Any) -> bytes | None:
    if not isinstance(item, bytes):
        raise InvalidProof("proof value is not a byte string")
    return item or None
