"""Hostile peers against a running ethrex: broken handshakes, forged MACs, oversized frames,
bad RLP in every message type, a Status from another chain, unsolicited responses and request
floods; and discovery datagrams that are not packets. Each ends the session (with a Disconnect
and its reason once the session can carry one); the node stays up, keeps serving honest peers,
and writes nothing to its store."""

import asyncio
import os
from pathlib import Path

import lmdb
import pytest

from ethrex import rlp
from ethrex.crypto.secp256k1 import private_key_to_public_key
from ethrex.p2p.discv4 import messages as m
from ethrex.p2p.discv4.server import Discovery
from ethrex.p2p.enode import ENode, new_private_key, parse_enode
from ethrex.p2p.errors import DisconnectReason
from ethrex.p2p.rlpx import ecies
from ethrex.p2p.rlpx.handshake import respond
from tests.p2p.harness import EthrexNode, chain_dir, imported_datadir, running, workspace
from tests.p2p.wireclient import ETH_OFFSET, SNAP_OFFSET, Closed, WireClient, peer_with

BREACH = DisconnectReason.BREACH_OF_PROTOCOL
SUBPROTOCOL = DisconnectReason.SUBPROTOCOL_ERROR

# eth/69 ids the node answers or takes (requests, announcements, BlockRangeUpdate), and the
# response ids it only accepts for its own requests
ETH_MESSAGES = [0x00, 0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x07, 0x08, 0x09, 0x0A, 0x0F, 0x10,
                0x11]
SNAP_MESSAGES = list(range(8))


def last_txn(datadir: Path) -> int:
    """The id of the store's last committed LMDB transaction (read without taking the lock)."""
    env = lmdb.open(str(datadir / "chaindata"), readonly=True, lock=False, max_dbs=32)
    try:
        return int(env.info()["last_txnid"])
    finally:
        env.close()


async def expect_closed(client: WireClient, reason: int | None) -> None:
    """The node ends the session, with ``reason`` (None: it may just close)."""
    with pytest.raises(Closed) as closed:
        for _ in range(5000):  # answers sent before the disconnect are read and dropped
            await client.read(timeout=5)
    if reason is not None:
        assert closed.value.reason == reason, f"disconnect reason {closed.value.reason}"
    client.close()


async def raw_connection(node: EthrexNode, data: bytes) -> bytes:
    """Send ``data`` instead of an auth packet; what comes back before the node closes."""
    reader, writer = await asyncio.open_connection("127.0.0.1", node.p2p_port)
    writer.write(data)
    await writer.drain()
    try:
        got = await asyncio.wait_for(reader.read(), 10)
    finally:
        writer.close()
    return got


async def hostile_session(node: EthrexNode) -> None:
    url = node.enode

    # -- RLPx handshake ----------------------------------------------------------------------
    assert await raw_connection(node, b"\x01\x00" + os.urandom(256)) == b""  # garbage auth
    assert await raw_connection(node, b"\xff\xff" + os.urandom(64)) == b""  # oversized auth
    sealed = ecies.encrypt(node_key(url), b"not rlp at all" + bytes(120), b"\x00\xb0")
    assert await raw_connection(node, len(sealed).to_bytes(2, "big") + sealed) == b""

    # -- frames: a forged MAC, a frame over the message limit ---------------------------------
    client = await peer_with(url, b"")
    frame = bytearray(client.transport.codec.seal(rlp.encode(ETH_OFFSET + 3) + b"\xc0"))
    frame[-1] ^= 1
    client.transport.writer.write(bytes(frame))
    await expect_closed(client, None)  # a corrupt stream can carry no reason

    client = await peer_with(url, b"")
    frame = client.transport.codec.seal(rlp.encode(ETH_OFFSET + 3) + bytes(12 * 1024 * 1024))
    client.transport.writer.write(frame[:32])  # the header alone announces 12 MiB
    await expect_closed(client, BREACH)

    # -- Status: another chain, another network, bad RLP --------------------------------------
    client = await WireClient.connect(url)
    _, theirs = await client.read()
    fields = rlp.decode(theirs)
    assert isinstance(fields, list)
    other_genesis = [*fields[:2], b"\x11" * 32, *fields[3:]]
    client.send(ETH_OFFSET, rlp.encode(other_genesis))
    await expect_closed(client, SUBPROTOCOL)

    client = await WireClient.connect(url)
    await client.read()
    client.send(ETH_OFFSET, rlp.encode([fields[0], 1, *fields[2:]]))  # network id 1
    await expect_closed(client, SUBPROTOCOL)

    client = await WireClient.connect(url)
    await client.read()
    client.send(ETH_OFFSET, rlp.encode([*fields[:3], [b"\xde\xad\xbe\xef", 0], *fields[4:]]))
    await expect_closed(client, SUBPROTOCOL)  # a fork id of no chain we know

    # -- bad RLP in every eth and snap message, and bad responses ------------------------------
    for code in ETH_MESSAGES:
        client = await peer_with(url, b"")
        client.send(ETH_OFFSET + code, b"\xff\x00\x01")
        await expect_closed(client, BREACH)
    for code in SNAP_MESSAGES:
        client = await peer_with(url, b"")
        client.send(SNAP_OFFSET + code, b"\xc3\x80")
        await expect_closed(client, BREACH)
    for code, body in ((0x03, [[b"\x00" * 31, 1, 0, 0]]),  # 31-byte origin hash
                       (0x03, [[1, 1, 0, 2]]),  # reverse flag 2
                       (0x05, [[b"\x01"]]),  # short block hash
                       (0x09, [b"not a list"])):
        client = await peer_with(url, b"")
        client.send(ETH_OFFSET + code, rlp.encode([1, *body]))
        await expect_closed(client, BREACH)
    client = await peer_with(url, b"")
    client.send(ETH_OFFSET + 0x04, rlp.encode([424242, []]))  # BlockHeaders nobody asked for
    await expect_closed(client, BREACH)
    client = await peer_with(url, b"")
    client.send(SNAP_OFFSET + 0x01, rlp.encode([7, [], []]))  # AccountRange nobody asked for
    await expect_closed(client, BREACH)
    client = await peer_with(url, b"")
    client.send(0x05, b"\xc0")  # a second Hello (base protocol id 0x05 is unassigned)
    await expect_closed(client, BREACH)

    # -- floods ------------------------------------------------------------------------------
    client = await peer_with(url, b"")
    request = rlp.encode([1, [0, 1, 0, 0]])
    for _ in range(2000):
        client.send(ETH_OFFSET + 0x03, request)
    await expect_closed(client, BREACH)

    # -- a banned key stays out for a while -----------------------------------------------------
    key = new_private_key()
    client = await peer_with(url, b"", key=key)
    client.send(ETH_OFFSET + 0x04, rlp.encode([99, []]))
    await expect_closed(client, BREACH)
    with pytest.raises(Closed):
        client = await peer_with(url, b"", key=key)
        await client.read(timeout=5)

    # -- an honest peer is still served ----------------------------------------------------------
    client = await peer_with(url, b"")
    headers = await client.request(ETH_OFFSET + 0x03, [[1, 3, 0, 0]], ETH_OFFSET + 0x04)
    assert len(headers[0]) == 3
    client.close()


def node_key(url: str) -> bytes:
    return parse_enode(url).public_key


async def bad_ack(node: EthrexNode) -> None:
    """The node dials us (admin_addPeer) and gets an ack that does not decrypt."""
    key = new_private_key()
    attempts: asyncio.Queue[bytes] = asyncio.Queue()

    async def listener(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        prefix = await reader.readexactly(2)
        auth = prefix + await reader.readexactly(int.from_bytes(prefix, "big"))
        respond(key, auth)  # their auth is fine
        writer.write(b"\x00\x90" + os.urandom(0x90))
        await writer.drain()
        await attempts.put(await reader.read())  # they close without a word
        writer.close()

    server = await asyncio.start_server(listener, "127.0.0.1", 0)
    port = server.sockets[0].getsockname()[1]
    fake = ENode(private_key_to_public_key(key), "127.0.0.1", port, port)
    assert await asyncio.to_thread(node.rpc().call, "admin_addPeer", fake.url()) is True
    assert await asyncio.wait_for(attempts.get(), 30) == b""
    server.close()


async def udp_garbage(node: EthrexNode) -> None:
    """Datagrams that are no discv4 packet (random, oversized, a forged signature, a packet of
    an unknown type) are dropped; the node still answers a Ping."""
    key = new_private_key()
    probe = Discovery(key, lambda: None, lambda: 0)
    await probe.start("127.0.0.1", 0)
    transport = probe.transport
    assert transport is not None
    target = ("127.0.0.1", node.p2p_port)
    packet, _ = m.encode_packet(key, m.PING, [4, [b"", 0, 0], [b"", 0, 0], m.expiration()])
    for junk in (os.urandom(200), os.urandom(1400), packet[:40] + os.urandom(60) + packet[100:],
                 m.encode_packet(key, 0x42, [m.expiration()])[0]):
        transport.sendto(junk, target)
    await asyncio.sleep(0.3)
    remote = ENode(node_key(node.enode), "127.0.0.1", node.p2p_port, node.p2p_port)
    assert await probe.ping(remote)
    probe.close()


def test_hostile_peers_are_disconnected_and_change_nothing() -> None:
    chain = chain_dir()
    with workspace("ethrex-hostile-") as tmp:
        node = EthrexNode(tmp, chain, "target", [], datadir_from=imported_datadir(chain))
        with running(node):
            node.start()
            head = node.head()
            before = last_txn(node.datadir)
            asyncio.run(hostile_session(node))
            asyncio.run(bad_ack(node))
            asyncio.run(udp_garbage(node))
            assert node.alive(), node.log.read_text()[-3000:]
            assert node.head() == head
            assert node.rpc().call("txpool_status") == {"pending": "0x0", "queued": "0x0"}
            assert last_txn(node.datadir) == before  # not one write

