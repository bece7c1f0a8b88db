"""discv4 in process: packets, the table, and three nodes finding each other through one
bootnode; node records (EIP-778's example record) and enode URLs."""

import asyncio
import base64

import pytest

from ethrex.crypto.secp256k1 import private_key_to_public_key
from ethrex.p2p.bootnodes import BOOTNODES, parse_node
from ethrex.p2p.discv4 import messages as m
from ethrex.p2p.discv4.server import Discovery
from ethrex.p2p.discv4.table import BUCKET_SIZE, Table
from ethrex.p2p.enode import ENode, InvalidEnode, new_private_key, node_id, parse_enode
from ethrex.p2p.enr import InvalidRecord, make_record, parse_record_text
from ethrex.primitives import keccak256

EIP778_TEXT = ("enr:-IS4QHCYrYZbAKWCBRlAy5zzaDZXJBGkcnh4MHcBFZntXNFrdvJjX04jRzjzCBOonrkTfj499SZuO"
               "h8R33Ls8RRcy5wBgmlkgnY0gmlwhH8AAAGJc2VjcDI1NmsxoQPKY0yuDUmstAHYpMa2_oxVtw0RW_QAdp"
               "zBQA8yWM0xOIN1ZHCCdl8")
EIP778_KEY = bytes.fromhex("b71c71a67e1177ad4e901695e1b4b9ee17ae16c6668d313eac2f96dbcda3f291")


def test_records_and_enodes() -> None:
    record = parse_record_text(EIP778_TEXT)
    assert (record.seq, record.ip, record.port(b"udp")) == (1, "127.0.0.1", 30303)
    assert make_record(EIP778_KEY, 1, {b"ip": bytes([127, 0, 0, 1]), b"udp": 30303}).text() \
        == EIP778_TEXT
    tampered = bytearray(record.encoded)
    tampered[-1] ^= 1
    with pytest.raises(InvalidRecord):
        parse_record_text("enr:" + base64.urlsafe_b64encode(bytes(tampered)).rstrip(b"=")
                          .decode())
    pub = private_key_to_public_key(EIP778_KEY)
    node = parse_enode(f"enode://{pub.hex()}@10.0.0.1:30303?discport=30301")
    assert (node.ip, node.tcp_port, node.udp_port) == ("10.0.0.1", 30303, 30301)
    assert parse_enode(node.url()) == node
    for bad in ("enode://00@1.2.3.4:1", f"enode://{pub.hex()}@host:1", "http://x"):
        with pytest.raises(InvalidEnode):
            parse_enode(bad)


def test_built_in_bootnodes_parse() -> None:
    """Every bootnode of the built-in networks, enode URL or node record, names a key, an
    address and ports."""
    for network, urls in BOOTNODES.items():
        nodes = [parse_node(url) for url in urls]
        assert len(nodes) >= 5, network
        assert all(n.ip and n.udp_port and n.tcp_port for n in nodes)
    with pytest.raises(InvalidEnode):
        parse_node("enr:-IS4QHCYrYZbAKWCBRlAy5zzaDZXJBGkcnh4MHcBFZntXNFrdvJjX04jRzjzCBOonrkTfj499"
                   "SZuOh8R33Ls8RRcy5wBgmlkgnY0")  # cut short


def test_packets_sign_and_refuse_tampering() -> None:
    key = new_private_key()
    packet, packet_hash = m.encode_packet(key, m.FIND_NODE, [b"\x01" * 64, m.expiration(), 9])
    decoded = m.decode_packet(packet)
    assert decoded.hash == packet_hash and decoded.public_key == private_key_to_public_key(key)
    assert m.read_find_node(decoded)[0] == b"\x01" * 64  # the extra element is ignored
    for broken in (packet[:-1] + bytes([packet[-1] ^ 1]), packet[:50], packet + bytes(1300)):
        with pytest.raises(m.BadPacket):
            m.decode_packet(broken)
    assert m.is_expired(2**64 - 5) and not m.is_expired(m.expiration())


def test_table_buckets_and_closest() -> None:
    me = keccak256(b"me")
    table = Table(me)
    nodes = [ENode(private_key_to_public_key(new_private_key()), "10.0.0.1", 1, 1)
             for _ in range(200)]
    for n in nodes:
        table.add_verified(n)
    assert all(len(b) <= BUCKET_SIZE for b in table.buckets)
    target = nodes[0].id
    closest = table.closest(target, 5)
    assert closest[0] == nodes[0]
    distances = [int.from_bytes(n.id, "big") ^ int.from_bytes(target, "big") for n in closest]
    assert distances == sorted(distances)
    table.remove(nodes[0].id)
    assert table.get(nodes[0].id) is None


def test_three_nodes_find_each_other() -> None:
    async def main() -> None:
        keys = [new_private_key() for _ in range(3)]
        boot = Discovery(keys[0], lambda: None, lambda: 30303)
        port = await boot.start("127.0.0.1", 0)
        boot_node = ENode(private_key_to_public_key(keys[0]), "127.0.0.1", 30303, port)
        others = [Discovery(k, lambda: None, lambda: 30303, (boot_node,)) for k in keys[1:]]
        for d in others:
            await d.start("127.0.0.1", 0)
        async with asyncio.TaskGroup() as group:
            tasks = [group.create_task(d.run()) for d in (boot, *others)]
            for _ in range(100):
                await asyncio.sleep(0.05)
                if all(len(d.table) == 2 for d in others):
                    break
            for task in tasks:
                task.cancel()
        for d in (boot, *others):
            d.close()
        ids = {node_id(private_key_to_public_key(k)) for k in keys}
        for d in others:
            assert {n.id for n in d.table.nodes()} == ids - {d.id}

    asyncio.run(main())
