"""EIP-191 and EIP-712 signing of dev mode's accounts, against the EIPs' own examples."""

import pytest

from ethrex.rpc.signing import (
    TypedDataError,
    encode_type,
    personal_message_hash,
    signature_bytes,
    typed_data_hash,
)

# EIP-712's example (assets/eip-712/Example.js): Mail from Cow to Bob.
MAIL = {
    "types": {
        "EIP712Domain": [{"name": "name", "type": "string"}, {"name": "version", "type": "string"},
                         {"name": "chainId", "type": "uint256"},
                         {"name": "verifyingContract", "type": "address"}],
        "Person": [{"name": "name", "type": "string"}, {"name": "wallet", "type": "address"}],
        "Mail": [{"name": "from", "type": "Person"}, {"name": "to", "type": "Person"},
                 {"name": "contents", "type": "string"}],
    },
    "primaryType": "Mail",
    "domain": {"name": "Ether Mail", "version": "1", "chainId": 1,
               "verifyingContract": "0xCcCCccccCCCCcCCCCCCcCcCccCcCCCcCcccccccC"},
    "message": {"from": {"name": "Cow", "wallet": "0xCD2a3d9F938E13CD947Ec05AbC7FE734Df8DD826"},
                "to": {"name": "Bob", "wallet": "0xbBbBBBBbbBBBbbbBbbBbbbbBBbBbbbbBbBbbBBbB"},
                "contents": "Hello, Bob!"},
}
COW_KEY = bytes.fromhex("c85ef7d79691fe79573b1a7064c19c1a9819ebdbd1faaab1a8ec92344438aaf4")


def test_eip712_example() -> None:
    assert encode_type("Mail", MAIL["types"]) == \
        "Mail(Person from,Person to,string contents)Person(string name,address wallet)"
    digest = typed_data_hash(MAIL)
    assert digest.hex() == "be609aee343fb3c4b28e1df9e632fca64fcfaede20f02e86244efddf30957bd2"
    signature = signature_bytes(digest, COW_KEY)
    assert signature[64] == 28
    assert signature[:32].hex() == \
        "4355c47d63924e8a72e509b65029052eb6c299d53a04e167c5775fd466751c9d"


def test_personal_message_prefix() -> None:
    # keccak("\x19Ethereum Signed Message:\n5hello")
    assert personal_message_hash(b"hello").hex() == \
        "50b2c43fd39106bafbba0da34fc430e1f91e3c96ea2acee2bc34119f92b37750"


def test_bad_typed_data_is_refused() -> None:
    with pytest.raises(TypedDataError):
        typed_data_hash({"types": {}, "primaryType": "Mail"})
    broken = {**MAIL, "message": {**MAIL["message"], "to": "not a person"}}
    with pytest.raises(TypedDataError):
        typed_data_hash(broken)
