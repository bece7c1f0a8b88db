"""``debug_executionWitness`` on ``ethrex --dev`` started from the command line: the witness of
every block, fetched over RPC, re-executes the block (fetched with ``debug_getRawBlock``)
statelessly to the block's state root. The chain deploys a contract, fills and clears storage
slots (deletions), reads BLOCKHASH of an older block and sends value to fresh accounts."""

from ethrex.crypto.secp256k1 import private_key_to_address
from ethrex.dev import DEV_CHAIN_ID, dev_genesis
from ethrex.execution.stateless import execute_stateless
from ethrex.primitives import keccak256
from ethrex.rlp import encode as rlp_encode
from ethrex.state.witness import witness_from_json
from ethrex.types.block import decode_block
from ethrex.types.header import decode_header
from ethrex.types.transactions import FeeMarketTransaction, encode_transaction, sign_transaction
from tests.e2e.harness import DEV_KEYS, Rpc, RpcError, dev_node

# SSTORE(key, value) for each 64-byte pair of the calldata; n = calldata[0:32]: SSTORE(n,
# BLOCKHASH(n)).
STORE_RUNTIME = bytes.fromhex("60005b8036111560185780602001358135556040016002565b00")
HASHER_RUNTIME = bytes.fromhex("5f358040905500")


def _init_code(runtime: bytes) -> bytes:
    n = len(runtime)
    return bytes([0x60, n, 0x60, 12, 0x60, 0, 0x39, 0x60, n, 0x60, 0, 0xF3]) + runtime


def _pairs(*pairs: tuple[int, int]) -> bytes:
    return b"".join(k.to_bytes(32, "big") + v.to_bytes(32, "big") for k, v in pairs)


class _Sender:
    def __init__(self, rpc: Rpc) -> None:
        self.rpc = rpc
        self.key = bytes.fromhex(DEV_KEYS[0][2:])
        self.address = private_key_to_address(self.key)
        self.nonce = 0

    def send(self, to: bytes, data: bytes = b"", value: int = 0) -> dict[str, str]:
        """Sign, send and wait for the receipt (one block per transaction in dev mode)."""
        tx = sign_transaction(FeeMarketTransaction(
            DEV_CHAIN_ID, self.nonce, 10**9, 10**11, 2_000_000, to, value, data, (), 0, 0, 0),
            self.key)
        self.nonce += 1
        tx_hash = self.rpc.call("eth_sendRawTransaction", "0x" + encode_transaction(tx).hex())
        receipt = self.rpc.wait_receipt(tx_hash)
        assert receipt["status"] == "0x1", receipt
        return receipt

    def created(self, nonce: int) -> bytes:
        return keccak256(rlp_encode([self.address, nonce]))[12:]


def test_debug_execution_witness_reexecutes_every_block() -> None:
    config = dev_genesis().config
    with dev_node() as node:
        rpc = node.rpc()
        sender = _Sender(rpc)
        store, hasher = sender.created(0), sender.created(1)
        sender.send(b"", _init_code(STORE_RUNTIME))
        sender.send(b"", _init_code(HASHER_RUNTIME))
        sender.send(store, _pairs(*((k, k + 1) for k in range(1, 41))))  # 40 slots
        sender.send(store, _pairs((5, 0), (6, 0), (17, 0)))  # deletions
        for i in range(3):
            sender.send(keccak256(b"fresh" + bytes([i]))[:20], value=10**15)
        sender.send(hasher, (2).to_bytes(32, "big"))  # BLOCKHASH(2): an older block
        head = int(rpc.call("eth_blockNumber"), 16)
        assert rpc.call("eth_getStorageAt", "0x" + hasher.hex(), "0x2", "latest") == \
            rpc.call("eth_getBlockByNumber", "0x2", False)["hash"]

        for number in range(1, head + 1):
            reply = rpc.call("debug_executionWitness", hex(number))
            assert set(reply) == {"state", "codes", "keys", "headers"}
            witness = witness_from_json(reply)
            block = decode_block(bytes.fromhex(
                rpc.call("debug_getRawBlock", hex(number))[2:]))
            result = execute_stateless(witness, [block], config)
            assert result.final_state_root == block.header.state_root
            assert "0x" + result.initial_state_root.hex() == rpc.call(
                "eth_getBlockByNumber", hex(number - 1), False)["stateRoot"]
            numbers = [decode_header(h).number for h in witness.headers]
            assert numbers[-1] == number - 1  # the parent last
            if number == head:
                assert numbers == list(range(2, head))  # back to BLOCKHASH(2)
                assert HASHER_RUNTIME in witness.codes
        assert witness_from_json(rpc.call("debug_executionWitness", "latest")) == witness
        for bad in ("0x0", hex(head + 5)):
            try:
                rpc.call("debug_executionWitness", bad)
            except RpcError as exc:
                assert exc.code == -32000
            else:
                raise AssertionError(f"debug_executionWitness({bad}) answered")
