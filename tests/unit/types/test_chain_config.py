"""Genesis / chain config parsing and the fork schedule ``forks.rules_at``."""

import json
from typing import Any

import pytest

from ethrex.forks import RULES, Fork, fork_at, rules_at
from ethrex.types.genesis import BlobParams, load_genesis, parse_chain_config, parse_genesis
from tests.unit.types.rpc_compat import chain_blocks, rpc_compat_dir


def _genesis_json() -> dict[str, Any]:
    with open(rpc_compat_dir() / "genesis.json") as f:
        obj: dict[str, Any] = json.load(f)
    return obj


def test_parse_rpc_compat_genesis() -> None:
    genesis = load_genesis(rpc_compat_dir() / "genesis.json")
    config = genesis.config
    assert config.chain_id == 3503995874084926
    assert config.eip150_block == 3 and config.merge_netsplit_block == 36
    assert config.terminal_total_difficulty == 4732352
    assert config.osaka_time == 480 and config.bpo2_time == 540 and config.bpo3_time is None
    assert config.blob_params("bpo2") == BlobParams(14, 21, 11684671)
    assert config.deposit_contract_address == bytes(20)
    assert genesis.extra_data == b"hivechain" and genesis.gas_limit == 100_000_000
    assert genesis.base_fee_per_gas is None  # null in the file
    assert len(genesis.alloc) == len(_genesis_json()["alloc"])


@pytest.mark.parametrize("missing", ["config", "alloc", "gasLimit", "difficulty"])
def test_missing_required_genesis_field_is_named(missing: str) -> None:
    obj = _genesis_json()
    del obj[missing]
    with pytest.raises(ValueError, match=missing):
        parse_genesis(obj)


def test_missing_chain_id_and_blob_field_are_named() -> None:
    with pytest.raises(ValueError, match="chainId"):
        parse_chain_config({"homesteadBlock": 0})
    with pytest.raises(ValueError, match="baseFeeUpdateFraction"):
        parse_chain_config({"chainId": 1, "blobSchedule": {"cancun": {"target": 3, "max": 6}}})


def test_bad_values_are_reported() -> None:
    with pytest.raises(ValueError, match="gasLimit"):
        parse_genesis({**_genesis_json(), "gasLimit": "0xzz"})
    with pytest.raises(ValueError, match="balance"):
        parse_genesis({**_genesis_json(), "alloc": {"0x" + "11" * 20: {"nonce": "0x1"}}})


def test_rules_follow_the_chain_headers() -> None:
    """Each block's header layout matches the fork rules_at picks for it."""
    config = load_genesis(rpc_compat_dir() / "genesis.json").config
    seen = set()
    for block in chain_blocks():
        h = block.header
        rules = rules_at(config, h.number, h.timestamp)
        seen.add(rules.fork)
        assert (h.base_fee_per_gas is not None) == rules.has_base_fee
        assert (h.withdrawals_root is not None) == rules.has_withdrawals
        assert (h.excess_blob_gas is not None) == rules.has_blobs
        assert (h.requests_hash is not None) == rules.has_requests
        assert (h.difficulty == 0) == rules.is_pos
    assert Fork.BPO2 in seen and Fork.HOMESTEAD in seen and Fork.PARIS in seen


def test_blob_schedule_overrides_rows() -> None:
    config = parse_chain_config({
        "chainId": 7, "shanghaiTime": 0, "cancunTime": 0, "pragueTime": 10, "osakaTime": 20,
        "bpo1Time": 30, "bpo3Time": 40, "terminalTotalDifficulty": 0,
        "blobSchedule": {
            "cancun": {"target": 1, "max": 2, "baseFeeUpdateFraction": 3},
            "osaka": {"target": 4, "max": 5, "baseFeeUpdateFraction": 6, "maxBlobsPerTx": 5},
            "bpo1": {"target": 7, "max": 8, "baseFeeUpdateFraction": 9},
        },
    })
    cancun = rules_at(config, 1, 5)
    assert cancun.fork == Fork.CANCUN
    assert (cancun.blob_target, cancun.blob_max, cancun.blob_base_fee_update_fraction) == (1, 2, 3)
    prague = rules_at(config, 2, 10)  # no entry: EIP-7691's defaults
    assert (prague.blob_target, prague.blob_max) == (RULES[Fork.PRAGUE].blob_target,
                                                     RULES[Fork.PRAGUE].blob_max)
    osaka = rules_at(config, 3, 25)
    assert (osaka.blob_target, osaka.blob_max, osaka.max_blobs_per_tx) == (4, 5, 5)
    bpo3 = rules_at(config, 4, 45)  # no bpo2/bpo3 entries: BPO1's parameters carry on
    assert bpo3.fork == Fork.BPO3 and (bpo3.blob_target, bpo3.blob_max) == (7, 8)
    assert rules_at(config, 4, 45) is bpo3  # cached per (config, fork)


def test_schedule_details() -> None:
    config = parse_chain_config({
        "chainId": 1, "homesteadBlock": 5, "daoForkBlock": 7, "daoForkSupport": True,
        "eip150Block": 10, "eip158Block": 15, "byzantiumBlock": 20, "constantinopleBlock": 30,
        "terminalTotalDifficulty": 1000,
    })
    assert fork_at(config, 0, 0) == Fork.FRONTIER
    assert fork_at(config, 5, 0) == Fork.HOMESTEAD
    assert fork_at(config, 7, 0) == Fork.DAO
    assert fork_at(config, 10, 0) == Fork.TANGERINE_WHISTLE
    assert fork_at(config, 15, 0) == Fork.SPURIOUS_DRAGON
    assert fork_at(config, 30, 0) == Fork.PETERSBURG  # Petersburg left out: with Constantinople
    assert fork_at(config, 31, 0, parent_total_difficulty=999) == Fork.PETERSBURG
    assert fork_at(config, 31, 0, parent_total_difficulty=1000) == Fork.PARIS
    no_dao = parse_chain_config({"chainId": 1, "homesteadBlock": 0, "daoForkBlock": 7})
    assert fork_at(no_dao, 8, 0) == Fork.HOMESTEAD
