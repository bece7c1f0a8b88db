// ethers v6 against the L2 of `ethrex l2 --dev`, run by tests/e2e/test_l2_bridge.py. argv[2]
// is JSON: {http, chainId, key, deposit}. It reads the deposit (a type 0x7e transaction from
// the L2 bridge) by hash and in its block, and sends a transfer. Prints one JSON line of what it
// checked and exits 0, or the error and 1.
import { JsonRpcProvider, Wallet, parseEther } from "ethers";

const cfg = JSON.parse(process.argv[2]);
const L2_BRIDGE = "0x000000000000000000000000000000000000FFff";

function check(cond, what) {
  if (!cond) throw new Error(`check failed: ${what}`);
}

async function main() {
  const provider = new JsonRpcProvider(cfg.http, undefined,
    { staticNetwork: true, cacheTimeout: -1 });
  check((await provider.getNetwork()).chainId === BigInt(cfg.chainId), "chain id");
  const deposit = await provider.getTransaction(cfg.deposit);
  check(deposit.type === 0x7e, `deposit type ${deposit.type}`);
  check(deposit.from.toLowerCase() === L2_BRIDGE.toLowerCase(), `deposit from ${deposit.from}`);
  const block = await provider.getBlock(deposit.blockNumber, true);
  check(block.prefetchedTransactions.some((tx) => tx.hash === cfg.deposit), "deposit in block");
  const receipt = await provider.getTransactionReceipt(cfg.deposit);
  check(receipt.status === 1, "deposit receipt");

  const wallet = new Wallet(cfg.key, provider);
  const before = await provider.getBalance(wallet.address);
  const tx = await wallet.sendTransaction({ to: L2_BRIDGE.replace("FFff", "1234"),
    value: parseEther("0.25") });
  let mined = null;
  for (let i = 0; i < 400 && mined === null; i++) {
    mined = await provider.getTransactionReceipt(tx.hash);
    if (mined === null) await new Promise((resolve) => setTimeout(resolve, 50));
  }
  check(mined !== null && mined.status === 1, "transfer receipt");
  const after = await provider.getBalance(wallet.address);
  check(before - after === parseEther("0.25") + mined.gasUsed * mined.gasPrice, "balance");
  console.log(JSON.stringify({ ok: true, deposit: cfg.deposit, transfer: tx.hash }));
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
