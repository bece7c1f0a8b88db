"""Ethereum Node Records (EIP-778) with the "v4" identity scheme.

A record is ``rlp([signature, seq, k1, v1, k2, v2, ...])`` with the keys sorted and unique; the
signature is secp256k1 over ``keccak256(rlp([seq, k1, v1, ...]))`` as 64 bytes ``r || s``, and
the ``secp256k1`` entry holds the signer's compressed public key. Records travel in discv4's
ENRResponse (EIP-868) and print as ``enr:`` + unpadded URL-safe base64.
"""

import base64
import ipaddress
from dataclasses import dataclass

from coincurve import PrivateKey, PublicKey
from coincurve.ecdsa import cdata_to_der, der_to_cdata, deserialize_compact, serialize_compact

from ethrex import rlp
from ethrex.errors import EthrexError, RLPDecodingError
from ethrex.primitives import keccak256
from ethrex.rlp import Item

MAX_RECORD_SIZE = 300  # EIP-778


class InvalidRecord(EthrexError):
    """A node record that does not parse, is too big, or whose signature does not verify."""


@dataclass(frozen=True, slots=True)
class NodeRecord:
    """A signed record: its sequence number, its key/value pairs (values as RLP items) and the
    signature; ``encoded`` is the record as it travels."""

    seq: int
    pairs: tuple[tuple[bytes, Item], ...]
    signature: bytes
    encoded: bytes

    def get(self, key: bytes) -> Item | None:
        for k, v in self.pairs:
            if k == key:
                return v
        return None

    @property
    def public_key(self) -> bytes:
        """The signer's 64-byte uncompressed public key."""
        compressed = self.get(b"secp256k1")
        if not isinstance(compressed, bytes):
            raise InvalidRecord("record has no secp256k1 key")
        return PublicKey(compressed).format(compressed=False)[1:]

    @property
    def ip(self) -> str | None:
        raw = self.get(b"ip")
        if isinstance(raw, bytes) and len(raw) == 4:
            return str(ipaddress.IPv4Address(raw))
        raw = self.get(b"ip6")
        if isinstance(raw, bytes) and len(raw) == 16:
            return str(ipaddress.IPv6Address(raw))
        return None

    def port(self, key: bytes) -> int | None:
        raw = self.get(key)
        if isinstance(raw, bytes) and len(raw) <= 2:
            return int.from_bytes(raw, "big")
        return None

    def text(self) -> str:
        return "enr:" + base64.urlsafe_b64encode(self.encoded).rstrip(b"=").decode()


def _content(seq: int, pairs: tuple[tuple[bytes, Item], ...]) -> list[object]:
    out: list[object] = [seq]
    for key, value in pairs:
        out.append(key)
        out.append(value)
    return out


def _encode_raw(value: object) -> Item:
    """Values are kept as decoded RLP items so that a record re-encodes to the same bytes."""
    return rlp.decode(rlp.encode(value))


def make_record(private_key: bytes, seq: int, entries: dict[bytes, object]) -> NodeRecord:
    """Sign a record holding ``entries`` plus ``id`` = v4 and our compressed public key."""
    key = PrivateKey(private_key)
    all_entries = dict(entries)
    all_entries[b"id"] = b"v4"
    all_entries[b"secp256k1"] = key.public_key.format(compressed=True)
    pairs = tuple((k, _encode_raw(all_entries[k])) for k in sorted(all_entries))
    digest = keccak256(rlp.encode(_content(seq, pairs)))
    signature = serialize_compact(der_to_cdata(key.sign(digest, hasher=None)))
    encoded = rlp.encode([signature, *_content(seq, pairs)])
    if len(encoded) > MAX_RECORD_SIZE:
        raise InvalidRecord(f"record of {len(encoded)} bytes exceeds {MAX_RECORD_SIZE}")
    return NodeRecord(seq, pairs, signature, encoded)


def decode_record(data: bytes) -> NodeRecord:
    """Parse and verify a record (v4 scheme); raises ``InvalidRecord``."""
    if len(data) > MAX_RECORD_SIZE:
        raise InvalidRecord(f"record of {len(data)} bytes exceeds {MAX_RECORD_SIZE}")
    try:
        items = rlp.decode_list(rlp.decode(data))
        if len(items) < 2 or len(items) % 2:
            raise InvalidRecord("record must be [signature, seq, k, v, ...]")
        signature = rlp.decode_bytes(items[0])
        seq = rlp.decode_int(items[1])
        keys = [rlp.decode_bytes(k) for k in items[2::2]]
    except RLPDecodingError as exc:
        raise InvalidRecord(f"malformed record: {exc}") from None
    if any(a >= b for a, b in zip(keys, keys[1:])):
        raise InvalidRecord("record keys are not sorted and unique")
    pairs = tuple(zip(keys, items[3::2]))
    record = NodeRecord(seq, pairs, signature, bytes(data))
    if record.get(b"id") != b"v4":
        raise InvalidRecord("unknown identity scheme")
    compressed = record.get(b"secp256k1")
    if not isinstance(compressed, bytes) or len(compressed) != 33 or len(signature) != 64:
        raise InvalidRecord("v4 record needs a 33-byte secp256k1 key and a 64-byte signature")
    digest = keccak256(rlp.encode(_content(seq, pairs)))
    try:
        public = PublicKey(compressed)
        der = cdata_to_der(deserialize_compact(signature))
        valid = public.verify(der, digest, hasher=None)
    except ValueError:
        valid = False
    if not valid:
        raise InvalidRecord("record signature does not verify")
    return record


def parse_record_text(text: str) -> NodeRecord:
    """A record from its ``enr:...`` text form."""
    if not text.startswith("enr:"):
        raise InvalidRecord("not an enr: text")
    body = text[4:]
    try:
        data = base64.urlsafe_b64decode(body + "=" * (-len(body) % 4))
    except ValueError:
        raise InvalidRecord("enr text is not base64") from None
    return decode_record(data)
