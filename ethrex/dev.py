"""Dev mode (``ethrex --dev``): a one-command local chain with a built-in block producer.

The chain runs the newest fork from genesis, and the first accounts of the well-known test
mnemonic (the ones anvil and hardhat fund; ``--dev.accounts``, ``--dev.mnemonic``) hold 10,000
ether each. The producer makes blocks through the node's ``DevChain``
(``ethrex.blockchain.devchain``: payload building and the one import path): every ``period``
seconds, or, without a period and while automine is on, as soon as a transaction arrives. The
dev methods (``ethrex.rpc.devmethods``: evm_*, anvil_*, eth_sendTransaction, ...) drive the
same ``DevChain``.
"""

import asyncio
import hashlib
import hmac
import sys
import unicodedata
from collections.abc import Callable
from dataclasses import replace
from functools import cache
from typing import TextIO

from coincurve import PrivateKey

from ethrex.blockchain.networks import newest_forks_config
from ethrex.crypto.secp256k1 import SECP256K1N, private_key_to_address
from ethrex.primitives import hex_to_bytes, keccak256
from ethrex.rpc.context import NodeContext
from ethrex.types.genesis import Genesis, GenesisAccount

DEV_MNEMONIC = "test test test test test test test test test test test junk"
DEV_CHAIN_ID = 31337  # anvil's and hardhat's, so their scripts' signatures fit
DEV_ACCOUNTS = 10
DEV_BALANCE = 10_000 * 10**18
DEV_GAS_LIMIT = 30_000_000
DEV_BASE_FEE = 1_000_000_000
HARDENED = 0x80000000

# The system contracts the forks from Cancun on call (deployed code from each EIP).
SYSTEM_CONTRACTS = {
    # EIP-4788 beacon roots
    "0x000f3df6d732807ef1319fb7b8bb8522d0beac02": (
        "3373fffffffffffffffffffffffffffffffffffffffe14604d57602036146024575f5ffd5b5f358015604957"
        "62001fff810690815414603c575f5ffd5b62001fff01545f5260205ff35b5f5ffd5b62001fff42064281555f"
        "359062001fff015500"
    ),
    # EIP-2935 history storage
    "0x0000f90827f1c53a10cb7a02335b175320002935": (
        "3373fffffffffffffffffffffffffffffffffffffffe14604657602036036042575f35600143038111604257"
        "611fff81430311604257611fff9006545f5260205ff35b5f5ffd5b5f35611fff60014303065500"
    ),
    # EIP-7002 withdrawal requests
    "0x00000961ef480eb55e80d19ad83579a64c007002": (
        "3373fffffffffffffffffffffffffffffffffffffffe1460cb5760115f54807fffffffffffffffffffffffff"
        "ffffffffffffffffffffffffffffffffffffffff146101f457600182026001905f5b5f821115606857810190"
        "83028483029004916001019190604d565b909390049250505036603814608857366101f457346101f4575f52"
        "60205ff35b34106101f457600154600101600155600354806003026004013381556001015f35815560010160"
        "203590553360601b5f5260385f601437604c5fa0600101600355005b6003546002548082038060101160df57"
        "5060105b5f5b8181146101835782810160030260040181604c02815460601b81526014018160010154815260"
        "20019060020154807fffffffffffffffffffffffffffffffff00000000000000000000000000000000168252"
        "906010019060401c908160381c81600701538160301c81600601538160281c81600501538160201c81600401"
        "538160181c81600301538160101c81600201538160081c81600101535360010160e1565b9101809214610195"
        "57906002556101a0565b90505f6002555f6003555b5f54807fffffffffffffffffffffffffffffffffffffff"
        "ffffffffffffffffffffffffff14156101cd57505f5b6001546002828201116101e25750505f6101e8565b01"
        "600290035b5f555f600155604c025ff35b5f5ffd"
    ),
    # EIP-7251 consolidation requests
    "0x0000bbddc7ce488642fb579f8b00f3a590007251": (
        "3373fffffffffffffffffffffffffffffffffffffffe1460d35760115f54807fffffffffffffffffffffffff"
        "ffffffffffffffffffffffffffffffffffffffff1461019a57600182026001905f5b5f821115606857810190"
        "83028483029004916001019190604d565b9093900492505050366060146088573661019a573461019a575f52"
        "60205ff35b341061019a57600154600101600155600354806004026004013381556001015f35815560010160"
        "2035815560010160403590553360601b5f5260605f60143760745fa0600101600355005b6003546002548082"
        "038060021160e7575060025b5f5b8181146101295782810160040260040181607402815460601b8152601401"
        "81600101548152602001816002015481526020019060030154905260010160e9565b910180921461013b5790"
        "600255610146565b90505f6002555f6003555b5f54807fffffffffffffffffffffffffffffffffffffffffff"
        "ffffffffffffffffffffff141561017357505f5b6001546001828201116101885750505f61018e565b016001"
        "90035b5f555f6001556074025ff35b5f5ffd"
    ),
}


# -- BIP-39 seed and BIP-32 derivation ---------------------------------------------------------

def mnemonic_to_seed(mnemonic: str, passphrase: str = "") -> bytes:
    """BIP-39: PBKDF2-HMAC-SHA512 over the NFKD mnemonic, salt "mnemonic" + passphrase."""
    words = unicodedata.normalize("NFKD", mnemonic).encode()
    salt = unicodedata.normalize("NFKD", "mnemonic" + passphrase).encode()
    return hashlib.pbkdf2_hmac("sha512", words, salt, 2048)


def derive_private_key(seed: bytes, path: str) -> bytes:
    """BIP-32 private derivation along ``path`` such as ``m/44'/60'/0'/0/0``."""
    digest = hmac.new(b"Bitcoin seed", seed, hashlib.sha512).digest()
    key, chain_code = int.from_bytes(digest[:32], "big"), digest[32:]
    parts = path.split("/")
    if parts[0] != "m":
        raise ValueError(f"derivation path must start with m: {path!r}")
    for part in parts[1:]:
        index = int(part.rstrip("'")) + (HARDENED if part.endswith("'") else 0)
        key_bytes = key.to_bytes(32, "big")
        if index & HARDENED:
            data = b"\x00" + key_bytes + index.to_bytes(4, "big")
        else:
            data = PrivateKey(key_bytes).public_key.format(compressed=True) + index.to_bytes(4,
                                                                                           "big")
        digest = hmac.new(chain_code, data, hashlib.sha512).digest()
        tweak = int.from_bytes(digest[:32], "big")
        key = (tweak + key) % SECP256K1N
        if tweak >= SECP256K1N or key == 0:
            raise ValueError(f"invalid child key at {part} (try the next index)")
        chain_code = digest[32:]
    return key.to_bytes(32, "big")


@cache
def dev_accounts(count: int = DEV_ACCOUNTS,
                 mnemonic: str = DEV_MNEMONIC) -> tuple[tuple[bytes, bytes], ...]:
    """(address, private key) of the first ``count`` accounts of ``mnemonic`` at
    m/44'/60'/0'/0/i."""
    seed = mnemonic_to_seed(mnemonic)
    out = []
    for i in range(count):
        key = derive_private_key(seed, f"m/44'/60'/0'/0/{i}")
        out.append((private_key_to_address(key), key))
    return tuple(out)


def checksum_address(address: bytes) -> str:
    """EIP-55 mixed-case hex."""
    hex_addr = address.hex()
    digest = keccak256(hex_addr.encode()).hex()
    return "0x" + "".join(c.upper() if int(digest[i], 16) >= 8 else c
                          for i, c in enumerate(hex_addr))


# -- genesis -----------------------------------------------------------------------------------

def dev_genesis(accounts: tuple[tuple[bytes, bytes], ...] | None = None,
                chain_id: int = DEV_CHAIN_ID, balance: int = DEV_BALANCE,
                gas_limit: int = DEV_GAS_LIMIT, timestamp: int = 0,
                osaka: bool = True) -> Genesis:
    """A dev chain: every fork through Osaka (or Prague) at genesis, ``accounts`` (default:
    ``dev_accounts()``) funded with ``balance`` and the system contracts deployed."""
    config = newest_forks_config(chain_id)
    if not osaka:
        config = replace(config, osaka_time=None)
    funded = dev_accounts() if accounts is None else accounts
    alloc = {address: GenesisAccount(balance=balance) for address, _ in funded}
    for address, code in SYSTEM_CONTRACTS.items():
        alloc[hex_to_bytes(address)] = GenesisAccount(nonce=1, code=bytes.fromhex("".join(code)))
    return Genesis(config=config, alloc=alloc, gas_limit=gas_limit, difficulty=0,
                   base_fee_per_gas=DEV_BASE_FEE, extra_data=b"ethrex dev", timestamp=timestamp)


def print_dev_accounts(accounts: tuple[tuple[bytes, bytes], ...], mnemonic: str = DEV_MNEMONIC,
                       out: TextIO = sys.stdout) -> None:
    """The funded accounts and their keys, as anvil prints them."""
    lines = ["", "Dev mode: prefunded accounts (10000 ETH each)", "=" * 46]
    for i, (address, key) in enumerate(accounts):
        lines.append(f"({i}) {checksum_address(address)}  key 0x{key.hex()}")
    lines.append(f"Mnemonic: {mnemonic}  (path m/44'/60'/0'/0/i, chain id {DEV_CHAIN_ID})")
    print("\n".join(lines), file=out, flush=True)


# -- the producer ------------------------------------------------------------------------------

async def run_dev_producer(ctx: NodeContext, period: float | None,
                           on_block: Callable[[bytes], None] | None = None) -> None:
    """Produce blocks until cancelled: every ``period`` seconds (when given), and as soon as a
    transaction arrives while automine is on (``anvil_setAutomine``; off by default with a
    period, as anvil's interval mining)."""
    dev = ctx.dev
    if dev is None:
        raise RuntimeError("the node context has no DevChain (node_context(dev=True))")
    loop = asyncio.get_running_loop()
    arrived = asyncio.Event()
    mempool = ctx.mempool

    def wake(_tx_hash: bytes) -> None:
        loop.call_soon_threadsafe(arrived.set)

    mempool.listeners.append(wake)
    try:
        deadline = None if not period else loop.time() + period
        while True:
            try:
                async with asyncio.timeout_at(deadline):
                    await arrived.wait()
            except TimeoutError:
                pass  # the period is up: a block, with or without transactions
            else:
                arrived.clear()
                if not dev.automine:
                    continue
            block = await loop.run_in_executor(ctx.executor, dev.mine)
            if period:
                deadline = loop.time() + period
            if on_block is not None:
                on_block(block.header.hash())
            # Without a period, keep going while transactions are left (a full block or a
            # burst that arrived during the build) and the last block took some: pending ones
            # that cannot go in now (fee cap under the base fee) wait for the next arrival
            # instead of a stream of empty blocks.
            if not period and block.transactions and mempool.pending_hashes():
                arrived.set()
    finally:
        if wake in mempool.listeners:
            mempool.listeners.remove(wake)
