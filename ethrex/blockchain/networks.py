"""The built-in networks: genesis files shipped in the package (``ethrex/types/networks``).

Each file is a geth-style ``genesis.json``: the fork schedule (from each network's published
configuration) and the genesis ``alloc``. ``tests/unit/node/test_networks.py`` checks every
one against its well-known genesis hash.
"""

from pathlib import Path

from ethrex.types.genesis import Genesis, load_genesis

NETWORKS_DIR = Path(__file__).resolve().parents[1] / "types" / "networks"
NETWORKS = ("mainnet", "sepolia", "hoodi")


def network_genesis_path(network: str) -> Path:
    """The genesis file of ``network``: a built-in name, or a path to a genesis file."""
    if network in NETWORKS:
        return NETWORKS_DIR / f"{network}.json"
    return Path(network)


def load_network(network: str) -> Genesis:
    """The genesis of a built-in network or of a genesis file. Raises ``OSError`` when the
    file cannot be read and ``ValueError`` (naming the field) when it is malformed."""
    return load_genesis(network_genesis_path(network))
