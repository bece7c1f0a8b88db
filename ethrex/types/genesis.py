"""Chain configuration and genesis, parsed from a geth-style ``genesis.json``.

``ChainConfig`` holds the fork schedule: block numbers up to the merge, timestamps from Shanghai
on, and the per-fork blob parameters of EIP-7840's ``blobSchedule``. ``ethrex.forks.rules_at``
turns it into the ``ForkRules`` of a block.
"""

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ethrex.primitives import hex_to_bytes, hex_to_int


@dataclass(frozen=True, slots=True)
class BlobParams:
    """One ``blobSchedule`` entry (EIP-7840): blobs per block and the base fee update fraction."""

    target: int
    max: int
    base_fee_update_fraction: int
    max_blobs_per_tx: int | None = None  # optional "maxBlobsPerTx" (EIP-7594 default: 6)


@dataclass(frozen=True, slots=True)
class ChainConfig:
    """The fork schedule of a chain; None means the fork is not scheduled."""

    chain_id: int
    homestead_block: int | None = None
    dao_fork_block: int | None = None
    dao_fork_support: bool = False
    eip150_block: int | None = None
    eip155_block: int | None = None
    eip158_block: int | None = None
    byzantium_block: int | None = None
    constantinople_block: int | None = None
    petersburg_block: int | None = None
    istanbul_block: int | None = None
    muir_glacier_block: int | None = None
    berlin_block: int | None = None
    london_block: int | None = None
    arrow_glacier_block: int | None = None
    gray_glacier_block: int | None = None
    merge_netsplit_block: int | None = None
    terminal_total_difficulty: int | None = None
    terminal_total_difficulty_passed: bool = False
    shanghai_time: int | None = None
    cancun_time: int | None = None
    prague_time: int | None = None
    osaka_time: int | None = None
    bpo1_time: int | None = None
    bpo2_time: int | None = None
    bpo3_time: int | None = None
    bpo4_time: int | None = None
    bpo5_time: int | None = None
    # (fork name as in the JSON, e.g. "cancun" or "bpo1", params); a tuple keeps the config
    # hashable so that fork rules can be cached per config.
    blob_schedule: tuple[tuple[str, BlobParams], ...] = ()
    deposit_contract_address: bytes | None = None

    def blob_params(self, fork_name: str) -> BlobParams | None:
        """The ``blobSchedule`` entry for a lower-case fork name, if the config has one."""
        for name, params in self.blob_schedule:
            if name == fork_name:
                return params
        return None


@dataclass(frozen=True, slots=True)
class GenesisAccount:
    """A pre-funded account of the genesis ``alloc``."""

    balance: int = 0
    nonce: int = 0
    code: bytes = b""
    storage: dict[bytes, int] = field(default_factory=dict)  # 32-byte slot -> value


@dataclass(frozen=True, slots=True)
class Genesis:
    """A parsed genesis file: the chain config, block 0's header fields and the ``alloc``."""

    config: ChainConfig
    alloc: dict[bytes, GenesisAccount]
    gas_limit: int
    difficulty: int
    nonce: int = 0
    timestamp: int = 0
    extra_data: bytes = b""
    mix_hash: bytes = bytes(32)
    coinbase: bytes = bytes(20)
    number: int = 0
    gas_used: int = 0
    parent_hash: bytes = bytes(32)
    base_fee_per_gas: int | None = None
    excess_blob_gas: int | None = None
    blob_gas_used: int | None = None


# JSON key -> ChainConfig field, for the optional block-number and timestamp fields.
_SCHEDULE_KEYS = {
    "homesteadBlock": "homestead_block",
    "daoForkBlock": "dao_fork_block",
    "eip150Block": "eip150_block",
    "eip155Block": "eip155_block",
    "eip158Block": "eip158_block",
    "byzantiumBlock": "byzantium_block",
    "constantinopleBlock": "constantinople_block",
    "petersburgBlock": "petersburg_block",
    "istanbulBlock": "istanbul_block",
    "muirGlacierBlock": "muir_glacier_block",
    "berlinBlock": "berlin_block",
    "londonBlock": "london_block",
    "arrowGlacierBlock": "arrow_glacier_block",
    "grayGlacierBlock": "gray_glacier_block",
    "mergeNetsplitBlock": "merge_netsplit_block",
    "terminalTotalDifficulty": "terminal_total_difficulty",
    "shanghaiTime": "shanghai_time",
    "cancunTime": "cancun_time",
    "pragueTime": "prague_time",
    "osakaTime": "osaka_time",
    "bpo1Time": "bpo1_time",
    "bpo2Time": "bpo2_time",
    "bpo3Time": "bpo3_time",
    "bpo4Time": "bpo4_time",
    "bpo5Time": "bpo5_time",
}


def _quantity(value: Any, name: str) -> int:
    """A JSON number, decimal string or 0x-hex string."""
    if isinstance(value, bool):
        raise ValueError(f"genesis: {name} must be a number, got {value!r}")
    if isinstance(value, int):
        if value < 0:
            raise ValueError(f"genesis: {name} must not be negative, got {value}")
        return value
    if isinstance(value, str):
        try:
            return hex_to_int(value)
        except ValueError:
            raise ValueError(f"genesis: {name} is not a number: {value!r}") from None
    raise ValueError(f"genesis: {name} must be a number, got {type(value).__name__}")


def _data(value: Any, name: str, size: int | None = None) -> bytes:
    if not isinstance(value, str):
        raise ValueError(f"genesis: {name} must be a hex string, got {type(value).__name__}")
    try:
        data = hex_to_bytes(value)
    except ValueError:
        raise ValueError(f"genesis: {name} is not hex: {value!r}") from None
    if size is not None:
        if len(data) > size:
            raise ValueError(f"genesis: {name} is {len(data)} bytes, expected {size}")
        data = data.rjust(size, b"\x00")
    return data


def _required(obj: dict[str, Any], key: str, where: str) -> Any:
    if key not in obj or obj[key] is None:
        raise ValueError(f"{where}: required field {key!r} is missing")
    return obj[key]


def parse_chain_config(obj: dict[str, Any]) -> ChainConfig:
    """Parse the ``config`` object of a genesis file."""
    if not isinstance(obj, dict):
        raise ValueError("genesis: config must be an object")
    kwargs: dict[str, Any] = {"chain_id": _quantity(_required(obj, "chainId", "genesis config"),
                                                    "chainId")}
    for key, attr in _SCHEDULE_KEYS.items():
        if obj.get(key) is not None:
            kwargs[attr] = _quantity(obj[key], key)
    kwargs["dao_fork_support"] = bool(obj.get("daoForkSupport", False))
    kwargs["terminal_total_difficulty_passed"] = bool(obj.get("terminalTotalDifficultyPassed",
                                                          False))
    if obj.get("depositContractAddress") is not None:
        kwargs["deposit_contract_address"] = _data(obj["depositContractAddress"],
                                                   "depositContractAddress", 20)
    schedule = []
    for name, entry in (obj.get("blobSchedule") or {}).items():
        where = f"genesis config blobSchedule.{name}"
        if not isinstance(entry, dict):
            raise ValueError(f"{where} must be an object")
        max_per_tx = entry.get("maxBlobsPerTx")
        schedule.append((name.lower(), BlobParams(
            _quantity(_required(entry, "target", where), f"{where}.target"),
            _quantity(_required(entry, "max", where), f"{where}.max"),
            _quantity(_required(entry, "baseFeeUpdateFraction", where),
                      f"{where}.baseFeeUpdateFraction"),
            None if max_per_tx is None else _quantity(max_per_tx, f"{where}.maxBlobsPerTx"),
        )))
    kwargs["blob_schedule"] = tuple(schedule)
    return ChainConfig(**kwargs)


def _parse_account(address: str, obj: Any) -> tuple[bytes, GenesisAccount]:
    where = f"genesis alloc {address}"
    if not isinstance(obj, dict):
        raise ValueError(f"{where} must be an object")
    addr = _data(address if address[:2] in ("0x", "0X") else "0x" + address, where, 20)
    storage = {}
    for slot, value in (obj.get("storage") or {}).items():
        storage[_data(slot, f"{where} storage key", 32)] = _quantity(value, f"{where} storage")
    return addr, GenesisAccount(
        balance=_quantity(_required(obj, "balance", where), f"{where} balance"),
        nonce=_quantity(obj.get("nonce", 0), f"{where} nonce"),
        code=_data(obj.get("code", "0x"), f"{where} code"),
        storage=storage,
    )


def parse_genesis(obj: dict[str, Any]) -> Genesis:
    """Parse a geth-style genesis object; a missing required field raises ``ValueError``
    naming it."""
    if not isinstance(obj, dict):
        raise ValueError("genesis must be a JSON object")
    alloc_obj = _required(obj, "alloc", "genesis")
    if not isinstance(alloc_obj, dict):
        raise ValueError("genesis: alloc must be an object")
    alloc = dict(_parse_account(a, acct) for a, acct in alloc_obj.items())

    def optional_int(key: str) -> int | None:
        return None if obj.get(key) is None else _quantity(obj[key], key)

    return Genesis(
        config=parse_chain_config(_required(obj, "config", "genesis")),
        alloc=alloc,
        gas_limit=_quantity(_required(obj, "gasLimit", "genesis"), "gasLimit"),
        difficulty=_quantity(_required(obj, "difficulty", "genesis"), "difficulty"),
        nonce=_quantity(obj.get("nonce", 0), "nonce"),
        timestamp=_quantity(obj.get("timestamp", 0), "timestamp"),
        extra_data=_data(obj.get("extraData", "0x"), "extraData"),
        mix_hash=_data(obj.get("mixHash", "0x"), "mixHash", 32),
        coinbase=_data(obj.get("coinbase", "0x"), "coinbase", 20),
        number=_quantity(obj.get("number", 0), "number"),
        gas_used=_quantity(obj.get("gasUsed", 0), "gasUsed"),
        parent_hash=_data(obj.get("parentHash", "0x"), "parentHash", 32),
        base_fee_per_gas=optional_int("baseFeePerGas"),
        excess_blob_gas=optional_int("excessBlobGas"),
        blob_gas_used=optional_int("blobGasUsed"),
    )


def load_genesis(path: str | Path) -> Genesis:
    """Read and parse a ``genesis.json`` file."""
    with open(path, "rb") as f:
        return parse_genesis(json.load(f))
