"""``eth_config`` (EIP-7910): the current, next and last fork's parameters, with the EIP-2124
fork id, the active precompiles by name and the system contracts."""

import zlib
from dataclasses import fields
from typing import Any

from ethrex.evm.precompiles import precompiles_for
from ethrex.execution import system_calls as sc
from ethrex.forks import Fork, rules_at
from ethrex.rpc.chainview import ChainView
from ethrex.rpc.types import data, qty
from ethrex.types.genesis import ChainConfig

# EIP-7910 names of the precompiles, by address.
PRECOMPILE_NAMES = {
    1: "ECREC", 2: "SHA256", 3: "RIPEMD160", 4: "ID", 5: "MODEXP", 6: "BN254_ADD",
    7: "BN254_MUL", 8: "BN254_PAIRING", 9: "BLAKE2F", 0x0A: "KZG_POINT_EVALUATION",
    0x0B: "BLS12_G1ADD", 0x0C: "BLS12_G1MSM", 0x0D: "BLS12_G2ADD", 0x0E: "BLS12_G2MSM",
    0x0F: "BLS12_PAIRING_CHECK", 0x10: "BLS12_MAP_FP_TO_G1", 0x11: "BLS12_MAP_FP2_TO_G2",
    0x100: "P256VERIFY",
}

_TIME_FIELDS = ("shanghai_time", "cancun_time", "prague_time", "osaka_time", "bpo1_time",
                "bpo2_time", "bpo3_time", "bpo4_time", "bpo5_time")
_BLOB_NAMES = {"cancun_time": "cancun", "prague_time": "prague", "osaka_time": "osaka",
               "bpo1_time": "bpo1", "bpo2_time": "bpo2", "bpo3_time": "bpo3",
               "bpo4_time": "bpo4", "bpo5_time": "bpo5"}


def fork_points(config: ChainConfig, genesis_time: int) -> tuple[list[int], list[int]]:
    """EIP-2124: the distinct non-genesis fork blocks, then fork times, in order."""
    blocks = set()
    times = set()
    for f in fields(config):
        value = getattr(config, f.name)
        if f.name.endswith("_block") and isinstance(value, int) and value > 0:
            if f.name == "dao_fork_block" and not config.dao_fork_support:
                continue
            blocks.add(value)
        elif f.name.endswith("_time") and isinstance(value, int) and value > genesis_time:
            times.add(value)
    return sorted(blocks), sorted(times)


def fork_id(genesis_hash: bytes, config: ChainConfig, genesis_time: int, number: int,
            timestamp: int) -> tuple[bytes, int]:
    """EIP-2124 ``(FORK_HASH, FORK_NEXT)`` at a head ``number``/``timestamp``."""
    crc = zlib.crc32(genesis_hash)
    blocks, times = fork_points(config, genesis_time)
    for point in blocks:
        if point > number:
            return crc.to_bytes(4, "big"), point
        crc = zlib.crc32(point.to_bytes(8, "big"), crc)
    for point in times:
        if point > timestamp:
            return crc.to_bytes(4, "big"), point
        crc = zlib.crc32(point.to_bytes(8, "big"), crc)
    return crc.to_bytes(4, "big"), 0


def _fork_object(view: ChainView, activation: str, at: int, number: int) -> dict[str, Any]:
    config = view.chain.config
    rules = rules_at(config, number, at)
    genesis = view.store.get_header_by_number(0)
    genesis_hash = genesis.hash() if genesis is not None else bytes(32)
    genesis_time = genesis.timestamp if genesis is not None else 0
    blob = config.blob_params(_BLOB_NAMES.get(activation, "")) if activation else None
    contracts: dict[str, str] = {}
    if rules.has_beacon_root:
        contracts["BEACON_ROOTS_ADDRESS"] = data(sc.BEACON_ROOTS_ADDRESS)
    if rules.has_requests:
        contracts["CONSOLIDATION_REQUEST_PREDEPLOY_ADDRESS"] = data(
            sc.CONSOLIDATION_REQUEST_ADDRESS)
        contracts["DEPOSIT_CONTRACT_ADDRESS"] = data(
            config.deposit_contract_address or sc.MAINNET_DEPOSIT_CONTRACT)
        contracts["WITHDRAWAL_REQUEST_PREDEPLOY_ADDRESS"] = data(sc.WITHDRAWAL_REQUEST_ADDRESS)
    if rules.has_history_contract:
        contracts["HISTORY_STORAGE_ADDRESS"] = data(sc.HISTORY_STORAGE_ADDRESS)
    precompiles = {
        PRECOMPILE_NAMES.get(int.from_bytes(a, "big"), data(a)): data(a)
        for a in sorted(precompiles_for(rules))
    }
    out: dict[str, Any] = {
        "activationTime": at,
        "blobSchedule": None if blob is None else {
            "target": blob.target, "max": blob.max,
            "baseFeeUpdateFraction": blob.base_fee_update_fraction,
        },
        "chainId": qty(config.chain_id),
        "forkId": data(fork_id(genesis_hash, config, genesis_time, number, at)[0]),
        "precompiles": precompiles,
        "systemContracts": contracts,
    }
    return out


def eth_config_handler(view: ChainView) -> Any:
    def eth_config() -> dict[str, Any]:
        config = view.chain.config
        head = view.head()
        scheduled = sorted(
            (getattr(config, name), name) for name in _TIME_FIELDS
            if getattr(config, name) is not None
        )
        current = [(t, n) for t, n in scheduled if t <= head.timestamp]
        upcoming = [(t, n) for t, n in scheduled if t > head.timestamp]
        if not current or rules_at(config, head.number, head.timestamp).fork < Fork.SHANGHAI:
            return {"current": None, "next": None, "last": None}  # EIP-7910: timestamp forks
        cur = _fork_object(view, current[-1][1], current[-1][0], head.number)
        nxt = None if not upcoming else _fork_object(view, upcoming[0][1], upcoming[0][0],
                                                     head.number)
        last = None if not upcoming else _fork_object(view, upcoming[-1][1], upcoming[-1][0],
                                                      head.number)
        return {"current": cur, "next": nxt, "last": last}

    return eth_config
