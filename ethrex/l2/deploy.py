"""``ethrex l2 deploy``: the rollup's L1 contracts, deployed and initialized from one key.

Four transactions from the deployer, whose addresses are known in advance from its nonce so
that each proxy is initialized with the other's address in its constructor call (nobody can
initialize them first): the ``CommonBridge`` and ``OnChainProposer`` implementations, then an
ERC-1967 proxy for each (``initialize(owner, proposer)`` and ``initialize(owner, sequencer,
bridge, genesis state root, l2 chain id, required proof types, attesters)``). The proposer's
batch 0 is the L2 genesis of ``l2_chain_id``; which proofs verify a batch (exec, attested or
both) is fixed here. A validium deployment (``validium``) then sets the proposer's
``validium`` flag: batches carry a commitment to data kept off L1 instead of blobs.
"""

import json
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from ethrex.errors import EthrexError
from ethrex.evm.opcodes.system import compute_create_address
from ethrex.l2.abi import encode, encode_call
from ethrex.l2.contracts import artifact
from ethrex.l2.genesis import L2_CHAIN_ID, genesis_state_root
from ethrex.l2.prover.backends import BACKENDS
from ethrex.l2.sender import TxSender
from ethrex.primitives import hex_to_bytes


class DeployError(EthrexError):
    """The deployment could not be made as planned."""


@dataclass(frozen=True, slots=True)
class Deployment:
    """Where the rollup's L1 contracts are, and for which L2."""

    bridge: str
    on_chain_proposer: str
    bridge_implementation: str
    proposer_implementation: str
    owner: str
    sequencer: str
    l1_chain_id: int
    l2_chain_id: int
    deployed_at_block: int
    genesis_state_root: str
    validium: bool = False
    proofs: tuple[str, ...] = ("exec",)  # the proof types verifyBatch requires
    attesters: tuple[str, ...] = ()

    def write(self, path: Path) -> None:
        path.write_text(json.dumps(asdict(self), indent=1) + "\n")

    @classmethod
    def read(cls, path: Path) -> "Deployment":
        try:
            data: dict[str, Any] = json.loads(path.read_text())
            data["proofs"] = tuple(data.get("proofs", ("exec",)))
            data["attesters"] = tuple(data.get("attesters", ()))
            return cls(**data)
        except (OSError, ValueError, TypeError) as exc:
            raise DeployError(f"cannot read the deployment file {path}: {exc}") from None


def _hex(value: bytes) -> str:
    return "0x" + value.hex()


async def deploy(sender: TxSender, sequencer: bytes, owner: bytes | None = None,
                 l2_chain_id: int = L2_CHAIN_ID, validium: bool = False,
                 proofs: tuple[str, ...] = ("exec",),
                 attesters: tuple[bytes, ...] = ()) -> Deployment:
    """Deploy and initialize the L1 contracts; ``owner`` defaults to the deployer. ``proofs``
    names the proof types a batch needs (``ethrex.l2.prover.backends.BACKENDS``); attested
    proofs need at least one of ``attesters``."""
    unknown = [p for p in proofs if p not in BACKENDS]
    if unknown or not proofs:
        raise DeployError(f"unknown proof types {unknown or proofs} (known: "
                          f"{', '.join(BACKENDS)})")
    if "attested" in proofs and not attesters:
        raise DeployError("attested proofs need an attester's address (--attester)")
    required = sum(1 << BACKENDS[p] for p in set(proofs))
    client = sender.client
    me = sender.address
    owner = owner or me
    if validium and owner != me:
        raise DeployError("a validium deployment sets the proposer's validium flag as its "
                          "owner: deploy with the owner's key (and --owner later by "
                          "transferring ownership)")
    nonce = await client.nonce(me, "latest")
    if await client.nonce(me, "pending") != nonce:
        raise DeployError(f"the deployer 0x{me.hex()} has pending transactions: the contract "
                          "addresses cannot be planned")
    bridge_impl, proposer_impl, bridge, proposer = (
        compute_create_address(me, nonce + i) for i in range(4))
    root = genesis_state_root(l2_chain_id)
    proxy = artifact("ERC1967Proxy").bytecode
    plan = [
        (bridge_impl, artifact("CommonBridge").bytecode),
        (proposer_impl, artifact("OnChainProposer").bytecode),
        (bridge, proxy + encode(["address", "bytes"], [bridge_impl, encode_call(
            "initialize(address,address)", owner, proposer)])),
        (proposer, proxy + encode(["address", "bytes"], [proposer_impl, encode_call(
            "initialize(address,address,address,bytes32,uint256,uint256,address[])", owner,
            sequencer, bridge, root, l2_chain_id, required, list(attesters))])),
    ]
    first_block = 0
    for address, code in plan:
        mined = await sender.send(None, code)
        created = mined.receipt.get("contractAddress")
        if created is None or hex_to_bytes(created) != address:
            raise DeployError(f"expected a contract at 0x{address.hex()}, the receipt says "
                              f"{created}: did another transaction use the deployer's nonce?")
        first_block = first_block or mined.block_number
    if validium:
        await sender.send(proposer, encode_call("setValidium(bool)", True))
    deployed = await client.eth_call(bridge, encode_call("deployedAtBlock()"))
    return Deployment(
        bridge=_hex(bridge), on_chain_proposer=_hex(proposer),
        bridge_implementation=_hex(bridge_impl), proposer_implementation=_hex(proposer_impl),
        owner=_hex(owner), sequencer=_hex(sequencer), l1_chain_id=await sender.chain_id(),
        l2_chain_id=l2_chain_id,
        deployed_at_block=int.from_bytes(deployed, "big") if deployed else first_block,
        genesis_state_root=_hex(root), validium=validium, proofs=tuple(proofs),
        attesters=tuple(_hex(a) for a in attesters))

