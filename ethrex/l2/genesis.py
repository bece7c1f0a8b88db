"""The L2's genesis: every fork from block 0 and the system contracts, nothing else.

The L2 bridge (``CommonBridgeL2``) sits at 0xffff and the ``L2ToL1Messenger`` at 0xfffe, each
behind a ``SystemContractProxy`` whose ERC-1967 slots name its implementation (at 0x1ffff and
0x1fffe) and its admin 0xf000, the sender the L1 bridge gives to upgrades. No account is
funded: all L2 ether comes from deposits, so the L2's supply is what the L1 bridge holds less
what was withdrawn and burned. Deploying on L1 (``ethrex l2 deploy``) and running the
sequencer must use the same chain id: the proposer starts from this genesis's state root.
"""

from ethrex.blockchain.genesis import genesis_block
from ethrex.blockchain.networks import newest_forks_config
from ethrex.l2.contracts import artifact
from ethrex.l2.rollup.messages import L1_MESSENGER, L2_BRIDGE
from ethrex.primitives import hex_to_bytes, keccak256
from ethrex.types.genesis import Genesis, GenesisAccount

L2_CHAIN_ID = 65536999  # ethrex's default L2 chain id
L2_GAS_LIMIT = 30_000_000
L2_BASE_FEE = 1_000_000_000
PROXY_ADMIN = hex_to_bytes("0x000000000000000000000000000000000000f000")
BRIDGE_IMPLEMENTATION = hex_to_bytes("0x000000000000000000000000000000000001ffff")
MESSENGER_IMPLEMENTATION = hex_to_bytes("0x000000000000000000000000000000000001fffe")
# ERC-1967: keccak256("eip1967.proxy.implementation") - 1 and keccak256("eip1967.proxy.admin") - 1
IMPLEMENTATION_SLOT = (int.from_bytes(keccak256(b"eip1967.proxy.implementation"), "big") - 1
                       ).to_bytes(32, "big")
ADMIN_SLOT = (int.from_bytes(keccak256(b"eip1967.proxy.admin"), "big") - 1).to_bytes(32, "big")


def _proxy(implementation: bytes) -> GenesisAccount:
    return GenesisAccount(nonce=1, code=artifact("SystemContractProxy").runtime, storage={
        IMPLEMENTATION_SLOT: int.from_bytes(implementation, "big"),
        ADMIN_SLOT: int.from_bytes(PROXY_ADMIN, "big"),
    })


def l2_genesis(chain_id: int = L2_CHAIN_ID) -> Genesis:
    """The genesis of an L2 with ``chain_id``."""
    alloc = {
        L2_BRIDGE: _proxy(BRIDGE_IMPLEMENTATION),
        BRIDGE_IMPLEMENTATION: GenesisAccount(nonce=1, code=artifact("CommonBridgeL2").runtime),
        L1_MESSENGER: _proxy(MESSENGER_IMPLEMENTATION),
        MESSENGER_IMPLEMENTATION: GenesisAccount(nonce=1,
                                                 code=artifact("L2ToL1Messenger").runtime),
    }
    return Genesis(config=newest_forks_config(chain_id), alloc=alloc, gas_limit=L2_GAS_LIMIT,
                   difficulty=0, base_fee_per_gas=L2_BASE_FEE, extra_data=b"ethrex l2")


def genesis_state_root(chain_id: int = L2_CHAIN_ID) -> bytes:
    """The state root the ``OnChainProposer`` starts from (its batch 0)."""
    return genesis_block(l2_genesis(chain_id)).header.state_root
