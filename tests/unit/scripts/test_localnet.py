"""What ``make localnet`` (scripts/localnet.py) hands to prysm and ethrex, checked without
them: the execution genesis loads as an Osaka chain with the system contracts, and the deposit
and exit-request transactions it sends make the EIP-6110 and EIP-7002 requests ethrex puts in
its payload (the deposit contract recomputes the deposit data root and reverts on a wrong one).
The run itself, with the real consensus client, is ``make localnet``."""

from concurrent.futures import ThreadPoolExecutor
from typing import Any

from ethrex.blockchain.blockchain import Blockchain
from ethrex.forks import Fork
from ethrex.primitives import hex_to_bytes
from ethrex.dev import dev_accounts
from ethrex.rpc.context import NodeContext, node_context
from ethrex.rpc.engine import EngineApi
from ethrex.storage import Store
from ethrex.types.genesis import parse_genesis
from ethrex.types.network_transactions import decode_network_transaction
from ethrex.types.transactions import transaction_hash
from scripts.localnet import CHAIN_ID, SYSTEM_CONTRACTS, chain_config_yaml, execution_genesis
from scripts.localnet_traffic import send_deposit, send_exit_request
from tests.unit.rpc.dev_chain import build

PUBKEY = bytes.fromhex("a99a76ed7796f7be22d5b7e85deeb7c5677e88e511e0b337618f8c4eb61349b4"
                       "bf2d153f649f7b53359fe8b94a38e44c")  # interop validator 0


def _node() -> tuple[NodeContext, EngineApi]:
    chain = Blockchain.open(Store.in_memory(), parse_genesis(execution_genesis()))
    ctx = node_context(chain, ThreadPoolExecutor(1))  # calls the engine directly: no thread starts
    return ctx, ctx.engine


def _pool_rpc(ctx: NodeContext, fee: int) -> Any:
    """The three calls the senders make, answered by the node's pool (fresh accounts)."""
    def rpc(method: str, *params: Any) -> str:
        if method == "eth_getTransactionCount":
            return "0x0"
        if method == "eth_call":
            return hex(fee)
        assert method == "eth_sendRawTransaction"
        tx = decode_network_transaction(hex_to_bytes(params[0]))
        return "0x" + ctx.mempool.add(tx).hex()
    return rpc


def test_execution_genesis_is_osaka_with_the_system_contracts() -> None:
    ctx, _ = _node()
    head = ctx.chain.head_header()
    assert ctx.chain.rules_for(head).fork >= Fork.OSAKA
    assert head.requests_hash is not None and head.parent_beacon_block_root is not None
    store = ctx.chain.store
    for address in SYSTEM_CONTRACTS:
        account = store.get_account_at(head.state_root, hex_to_bytes(address))
        assert account is not None and store.get_code(account.code_hash)


def test_deposit_and_exit_request_become_execution_requests() -> None:
    ctx, api = _node()
    rpc = _pool_rpc(ctx, fee=1)
    deposit = send_deposit(rpc, CHAIN_ID, PUBKEY)
    exit_request = send_exit_request(rpc, CHAIN_ID, PUBKEY)
    genesis = "0x" + ctx.chain.head_header().hash().hex()
    envelope = build(api, genesis, ctx.chain.head_header().timestamp + 12)
    payload = envelope["executionPayload"]
    mined = {"0x" + transaction_hash(decode_network_transaction(hex_to_bytes(t))).hex()
             for t in payload["transactions"]}
    assert mined == {deposit.tx_hash, exit_request.tx_hash}
    deposits, withdrawals = (hex_to_bytes(r) for r in envelope["executionRequests"])
    # EIP-6110: pubkey, withdrawal credentials, amount (gwei, little-endian), signature, index
    assert deposits[0] == 0 and len(deposits) == 1 + 192
    assert deposits[1:49] == PUBKEY
    assert deposits[49:81] == b"\x01" + bytes(11) + dev_accounts()[2][0]
    assert int.from_bytes(deposits[81:89], "little") == 10**9
    # EIP-7002: source address, validator pubkey, amount (0: a full exit)
    assert withdrawals == b"\x01" + dev_accounts()[3][0] + PUBKEY + bytes(8)


def test_chain_config_runs_every_fork_from_genesis() -> None:
    config = dict(line.split(": ", 1) for line in chain_config_yaml(64, 3).splitlines()
                  if ": " in line and not line.startswith(" "))
    for fork in ("ALTAIR", "BELLATRIX", "CAPELLA", "DENEB", "ELECTRA", "FULU"):
        assert config[f"{fork}_FORK_EPOCH"] == "0"
    assert config["SLOT_DURATION_MS"] == "3000"
    assert config["DEPOSIT_CONTRACT_ADDRESS"] == SYSTEM_CONTRACTS[0]
