"""EIP-2124 fork ids: mainnet's published values and the four validation rules."""

import pytest

from ethrex.blockchain.genesis import genesis_block
from ethrex.blockchain.networks import load_network
from ethrex.p2p.eth.forkid import ForkFilter, ForkId

MAINNET = load_network("mainnet")
MAINNET_HASH = genesis_block(MAINNET).header.hash()


def mainnet() -> ForkFilter:
    return ForkFilter(MAINNET.config, MAINNET_HASH, MAINNET.timestamp)


@pytest.mark.parametrize("number,timestamp,want", [
    (0, 0, ("fc64ec04", 1150000)),                 # unsynced
    (1149999, 0, ("fc64ec04", 1150000)),           # last Frontier block
    (1150000, 0, ("97c2c34c", 1920000)),           # Homestead
    (1920000, 0, ("91d1f948", 2463000)),           # DAO
    (4370000, 0, ("a00bc324", 7280000)),           # Byzantium
    (7280000, 0, ("668db0af", 9069000)),           # Petersburg
    (12244000, 0, ("0eb440f6", 12965000)),         # Berlin
    (15050000, 0, ("f0afd0e3", 1681338455)),       # Gray Glacier, Shanghai next by time
    (20000000, 1681338455, ("dce96c2d", 1710338135)),  # Shanghai
    (20000000, 1710338135, ("9f3d2254", 1746612311)),  # Cancun
])
def test_mainnet_fork_ids(number: int, timestamp: int, want: tuple[str, int]) -> None:
    fid = mainnet().fork_id(number, timestamp)
    assert (fid.hash.hex(), fid.next) == want


def test_validation_rules() -> None:
    f = mainnet()
    petersburg = (7987396, 0)
    # 1b: same fork state, remote knows no more or a later fork
    assert f.check(ForkId(bytes.fromhex("668db0af"), 0), *petersburg) is None
    assert f.check(ForkId(bytes.fromhex("668db0af"), 9069000), *petersburg) is None
    # 1a: the remote's next fork is one we already passed without agreeing
    assert f.check(ForkId(bytes.fromhex("668db0af"), 7280000), *petersburg) is not None
    # 2: remote is behind (Byzantium) and expects our next fork
    assert f.check(ForkId(bytes.fromhex("a00bc324"), 7280000), *petersburg) is None
    # 2 failing: remote is behind and expects a fork that is not ours
    assert f.check(ForkId(bytes.fromhex("a00bc324"), 7279999), *petersburg) is not None
    # 3: we are behind (Byzantium) and the remote is at a later fork of our schedule
    assert f.check(ForkId(bytes.fromhex("668db0af"), 9069000), 4370000, 0) is None
    # 4: another chain altogether
    assert f.check(ForkId(bytes.fromhex("deadbeef"), 0), *petersburg) is not None
