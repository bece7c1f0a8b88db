"""The built-in networks: genesis files shipped in the package (``ethrex/types/networks``).

Each file is a geth-style ``genesis.json``: the fork schedule (from each network's published
configuration) and the genesis ``alloc``. ``tests/unit/node/test_networks.py`` checks every
one against its well-known genesis hash. Local chains (the dev chain, an L2) run every fork
from genesis (``newest_forks_config``).
"""

from pathlib import Path

from ethrex.types.genesis import BlobParams, ChainConfig, Genesis, load_genesis

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


def newest_forks_config(chain_id: int) -> ChainConfig:
    """Every fork through Osaka from genesis, with mainnet's blob schedule: the schedule of
    the dev chain and of an L2."""
    return ChainConfig(
        chain_id=chain_id, homestead_block=0, eip150_block=0, eip155_block=0,
        eip158_block=0, byzantium_block=0, constantinople_block=0, petersburg_block=0,
        istanbul_block=0, muir_glacier_block=0, berlin_block=0, london_block=0,
        arrow_glacier_block=0, gray_glacier_block=0, merge_netsplit_block=0,
        terminal_total_difficulty=0, terminal_total_difficulty_passed=True,
        shanghai_time=0, cancun_time=0, prague_time=0, osaka_time=0,
        blob_schedule=(("cancun", BlobParams(3, 6, 3338477)),
                       ("prague", BlobParams(6, 9, 5007716)),
                       ("osaka", BlobParams(6, 9, 5007716))),
    )
