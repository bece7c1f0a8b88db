"""revm through its Python bindings (``pyrevm`` on PyPI): the native-speed reference.

pyrevm executes transactions on an in-memory state and computes no roots, so this adapter
replays each block itself: the EIP-4788 beacon-root system call, then every transaction as a
message call from its sender at its effective gas price, then withdrawals. It checks what can
be checked without roots: every block's gas used against its header, and the balance, nonce,
code and storage of every account of ``postState`` (and of ``pre``) at the end.

Timed: only the execution of the blocks (the "EVM only" figure). Untimed: loading ``pre`` into
pyrevm's database and turning the fixture's transactions into call arguments.

pyrevm 0.3.7's message calls neither charge gas nor bump the sender's nonce, so the adapter
settles each block at its end: every sender pays gas used x effective price and gets its nonce
bumped once per call transaction (a create bumps it in the EVM), the coinbase gets the tips
(EIP-1559: the base fee is burnt). Settling per block rather than per transaction keeps the
Python work per transaction to a dictionary update; it only differs from the real order for a
contract reading a sender's balance mid-block, which the post-state comparison would catch.

pyrevm 0.3.7 also never finalises its journal between calls: an account or slot touched by an
earlier transaction stays warm (EIP-2929) and keeps its first original value (EIP-2200), so a
workload that touches the same slots twice uses less gas here than in the fixture. When the
gas differs the adapter still checks every nonce, code, storage slot and balance that fees do
not affect, and notes the gas difference with the result instead of discarding the run.
"""

import sys
import time
from importlib.metadata import version
from typing import Any

from bench.engines.common import NOTES, Mismatch, RunOnce, Unsupported, main

SPEC_IDS = {"Cancun": "CANCUN", "Prague": "PRAGUE", "Shanghai": "SHANGHAI"}
SYSTEM_ADDRESS = "0xfffffffffffffffffffffffffffffffffffffffe"  # EIP-4788 system caller
BEACON_ROOTS_ADDRESS = "0x000f3df6d732807ef1319fb7b8bb8522d0beac02"  # EIP-4788
SYSTEM_CALL_GAS = 30_000_000
WEI_PER_GWEI = 10**9


def _int(value: str) -> int:
    return int(value, 16)


def _bytes(value: str) -> bytes:
    return bytes.fromhex(value[2:])


def effective_gas_price(tx: dict[str, Any], base_fee: int) -> int:
    """The price per gas the sender pays (EIP-1559): legacy price, or capped base + tip."""
    if "gasPrice" in tx:
        return _int(tx["gasPrice"])
    return min(_int(tx["maxFeePerGas"]), base_fee + _int(tx["maxPriorityFeePerGas"]))


def prepare(case: dict[str, Any]) -> RunOnce:
    """Turn the fixture into pyrevm calls once; each run executes them on a fresh EVM."""
    from pyrevm import EVM, AccountInfo, BlockEnv, CfgEnv, Env, TxEnv

    spec_id = SPEC_IDS.get(case["network"])
    if spec_id is None:
        raise Unsupported(f"no revm spec id mapped for network {case['network']}")
    chain_id = _int(case.get("config", {}).get("chainid", "0x1"))
    blocks = []
    for block in case["blocks"]:
        header = block["blockHeader"]
        base_fee = _int(header.get("baseFeePerGas", "0x0"))
        env = BlockEnv(
            number=_int(header["number"]), coinbase=header["coinbase"],
            timestamp=_int(header["timestamp"]), difficulty=_int(header["difficulty"]),
            prevrandao=_bytes(header["mixHash"]), basefee=base_fee,
            gas_limit=_int(header["gasLimit"]),
            excess_blob_gas=_int(header.get("excessBlobGas", "0x0")),
        )
        beacon_root = header.get("parentBeaconBlockRoot")
        beacon_root = _bytes(beacon_root) if beacon_root is not None else None
        txs = []
        for tx in block["transactions"]:
            if tx.get("blobVersionedHashes") or tx.get("authorizationList"):
                raise Unsupported("blob and set-code transactions are not replayed through pyrevm")
            tx_env = TxEnv(  # no nonce: pyrevm would check it but never bump it
                chain_id=chain_id,
                access_list=[(e["address"], [_int(k) for k in e["storageKeys"]])
                             for e in tx.get("accessList", [])],
            )
            txs.append((tx_env, tx["sender"], tx["to"], _bytes(tx["data"]), _int(tx["value"]),
                        _int(tx["gasLimit"]), effective_gas_price(tx, base_fee) - base_fee))
        withdrawals = [(w["address"], _int(w["amount"]) * WEI_PER_GWEI)
                       for w in block.get("withdrawals", [])]
        blocks.append((env, beacon_root, txs, withdrawals, header["coinbase"], base_fee,
                       _int(header["gasUsed"]), _int(header["number"])))
    system_tx = TxEnv(chain_id=chain_id)

    def fresh_evm() -> Any:
        evm = EVM(env=Env(cfg=CfgEnv(chain_id=chain_id)), spec_id=spec_id)
        for address, account in case["pre"].items():
            evm.insert_account_info(address, AccountInfo(
                nonce=_int(account["nonce"]), code=_bytes(account["code"])))
            evm.set_balance(address, _int(account["balance"]))
            for slot, value in account["storage"].items():
                evm.insert_account_storage(address, _int(slot), _int(value))
        return evm

    def run() -> float:
        evm = fresh_evm()
        set_block_env, set_tx_env = evm.set_block_env, evm.set_tx_env
        message_call, deploy = evm.message_call, evm.deploy
        gas_diffs = []
        senders = set()
        start = time.perf_counter()
        for env, beacon_root, txs, withdrawals, coinbase, base_fee, gas_used, number in blocks:
            set_block_env(env)
            if beacon_root is not None:
                set_tx_env(system_tx)
                message_call(SYSTEM_ADDRESS, BEACON_ROOTS_ADDRESS, beacon_root,
                             gas=SYSTEM_CALL_GAS, gas_price=0)
            block_gas = tips = 0
            fees: dict[str, int] = {}
            bumps: dict[str, int] = {}
            for tx_env, sender, to, data, value, gas, tip in txs:
                set_tx_env(tx_env)
                try:
                    if to:
                        message_call(sender, to, data, value, gas)
                        bumps[sender] = bumps.get(sender, 0) + 1
                    else:
                        deploy(sender, data, value, gas)
                except RuntimeError:
                    pass  # a reverted or halted transaction still counts; pyrevm raises for it
                used = evm.result.gas_used
                block_gas += used
                tips += used * tip
                fees[sender] = fees.get(sender, 0) + used * (base_fee + tip)
            settle(evm, fees, bumps)
            senders.update(fees)
            evm.set_balance(coinbase, evm.get_balance(coinbase) + tips)
            for address, amount in withdrawals:
                evm.set_balance(address, evm.get_balance(address) + amount)
            gas_diffs.append(block_gas - gas_used)
        elapsed = time.perf_counter() - start
        fee_payers = set()
        if any(gas_diffs):
            fee_payers = {s.lower() for s in senders} | {b[4].lower() for b in blocks}
            total = sum(b[6] for b in blocks)
            NOTES.append(f"gas {sum(gas_diffs):+d} ({sum(gas_diffs) / total:+.2%}) vs the "
                         "fixture: pyrevm keeps slots warm across transactions; fee balances "
                         "not compared")
        mismatches = compare_post_state(evm, case, fee_payers)
        if mismatches:
            raise Mismatch(f"{len(mismatches)} differences, first: {mismatches[0]}")
        return elapsed

    return run


def settle(evm: Any, fees: dict[str, int], bumps: dict[str, int]) -> None:
    """Charge each sender its block's fees and bump its nonce by its call transactions."""
    from pyrevm import AccountInfo

    for sender, fee in fees.items():
        balance = evm.get_balance(sender) - fee
        bump = bumps.get(sender, 0)
        if bump:
            info = evm.basic(sender)
            evm.insert_account_info(sender, AccountInfo(nonce=info.nonce + bump, code=info.code))
        evm.set_balance(sender, balance)


def compare_post_state(evm: Any, case: dict[str, Any], skip_balances: set[str]) -> list[str]:
    """Differences between pyrevm's final accounts and the fixture's ``postState``.

    ``skip_balances``: accounts whose balance depends on gas that pyrevm measured differently.
    """
    post = case["postState"]
    diffs = []
    for address, account in post.items():
        info = evm.basic(address)
        if info.nonce != _int(account["nonce"]):
            diffs.append(f"{address} nonce {info.nonce} != {_int(account['nonce'])}")
        if address.lower() not in skip_balances and evm.get_balance(address) != _int(
            account["balance"]
        ):
            diffs.append(f"{address} balance {evm.get_balance(address)} != {account['balance']}")
        if (evm.get_code(address) or b"") != _bytes(account["code"]):
            diffs.append(f"{address} code differs")
        slots = {_int(k): _int(v) for k, v in account["storage"].items()}
        for slot in case["pre"].get(address, {}).get("storage", {}):
            slots.setdefault(_int(slot), 0)
        for slot, value in slots.items():
            if evm.storage(address, slot) != value:
                diffs.append(f"{address} slot {slot:#x} {evm.storage(address, slot)} != {value}")
    for address in case["pre"]:
        if address not in post and evm.basic(address).nonce:
            diffs.append(f"{address} should be gone")
    return diffs


if __name__ == "__main__":
    sys.exit(main("revm", prepare, f"pyrevm {version('pyrevm')}"))
