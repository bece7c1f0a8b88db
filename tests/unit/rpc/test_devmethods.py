"""The dev methods exist on a dev node only, under their anvil and hardhat names."""

import asyncio
from concurrent.futures import ThreadPoolExecutor

import pytest

from ethrex.blockchain.blockchain import Blockchain
from ethrex.dev import dev_accounts, dev_genesis
from ethrex.rpc.api import rpc_handlers
from ethrex.rpc.context import node_context
from ethrex.rpc.errors import RpcError
from ethrex.storage import Store

DEV_ONLY = ("eth_accounts", "eth_sendTransaction", "eth_sign", "personal_sign",
            "eth_signTypedData_v4", "evm_mine", "evm_increaseTime", "evm_setNextBlockTimestamp",
            "evm_snapshot", "evm_revert", "anvil_mine", "anvil_setBalance", "anvil_setCode",
            "anvil_setNonce", "anvil_setStorageAt", "anvil_impersonateAccount",
            "anvil_stopImpersonatingAccount", "anvil_setAutomine", "hardhat_mine",
            "hardhat_setBalance", "hardhat_impersonateAccount", "evm_setAutomine")


def _handlers(dev: bool) -> tuple[dict, ThreadPoolExecutor]:
    chain = Blockchain.open(Store.in_memory(), dev_genesis())
    executor = ThreadPoolExecutor(1)
    keys = dict(dev_accounts(3)) if dev else None
    return rpc_handlers(node_context(chain, executor, dev_mode=dev, dev_keys=keys)), executor


def test_a_node_without_dev_mode_has_none_of_them() -> None:
    handlers, _ = _handlers(False)
    assert not set(DEV_ONLY) & set(handlers)


def test_a_dev_node_has_all_of_them() -> None:
    handlers, _ = _handlers(True)
    assert set(DEV_ONLY) <= set(handlers)
    assert handlers["eth_accounts"]() == ["0x" + a.hex() for a, _ in dev_accounts(3)]


async def _snapshot_mine_revert(handlers: dict) -> list[object]:
    snap = await handlers["evm_snapshot"]()
    await handlers["anvil_mine"]("0x2", None)
    await handlers["hardhat_setBalance"]("0x" + "5a" * 20, "12")
    reverted = await handlers["evm_revert"](snap)
    again = await handlers["evm_revert"](snap)
    return [snap, reverted, again]


def test_snapshot_mine_and_revert_through_the_handlers() -> None:
    handlers, executor = _handlers(True)
    assert asyncio.run(_snapshot_mine_revert(handlers)) == ["0x0", True, False]
    executor.shutdown()


def test_signing_needs_a_dev_key() -> None:
    handlers, _ = _handlers(True)
    with pytest.raises(RpcError, match="No Signer"):
        handlers["eth_sign"]("0x" + "5a" * 20, "0x00")
