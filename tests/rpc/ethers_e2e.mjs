// ethers v6 against a live `ethrex --dev` node, run by tests/rpc/test_ethers_e2e.py.
// argv[2] is a JSON object: {http, ws, key, address, chainId, initCode, topic}.
// Prints one JSON line with what it saw and exits 0, or prints the error and exits 1.
import { JsonRpcProvider, WebSocketProvider, Wallet, parseEther } from "ethers";

const cfg = JSON.parse(process.argv[2]);
const TIMEOUT_MS = 20000;

function check(cond, what) {
  if (!cond) throw new Error(`check failed: ${what}`);
}

// The receipt, polled every 50 ms. Not tx.wait(): its block poller starts from the block number
// it first sees, so on a node that mines at once it can miss the transaction's block and wait
// for a next block that never comes.
async function receiptOf(tx, what) {
  const deadline = Date.now() + TIMEOUT_MS;
  while (Date.now() < deadline) {
    const receipt = await tx.provider.getTransactionReceipt(tx.hash);
    if (receipt !== null) return receipt;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  throw new Error(`timed out waiting for ${what} ${tx.hash}`);
}

function within(promise, what) {
  let timer;
  const timeout = new Promise((_, reject) => {
    timer = setTimeout(() => reject(new Error(`timed out waiting for ${what}`)), TIMEOUT_MS);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

async function main() {
  // cacheTimeout -1: ethers otherwise answers a repeated request (a balance, the pending nonce)
  // from a 250 ms cache, older than the block this node mines at once.
  const http = new JsonRpcProvider(cfg.http, undefined, { staticNetwork: true, cacheTimeout: -1 });
  http.pollingInterval = 100;
  const network = await http.getNetwork();
  check(network.chainId === BigInt(cfg.chainId), "chain id");
  const genesis = await http.getBlock(0);
  check(genesis.number === 0 && genesis.hash.length === 66, "genesis block");
  check((await http.getBalance(cfg.address)) === parseEther("10000"), "dev balance");

  const wallet = new Wallet(cfg.key, http);
  const deploy = await wallet.sendTransaction({ data: cfg.initCode });
  const created = await receiptOf(deploy, "the deployment receipt");
  check(created.status === 1, "deployment status");
  const contract = created.contractAddress;
  check(BigInt(await http.call({ to: contract, data: "0x" })) === 42n, "eth_call result");
  check((await http.estimateGas({ from: cfg.address, to: contract })) > 21000n, "estimateGas");

  const ws = new WebSocketProvider(cfg.ws, undefined, { staticNetwork: true });
  const heads = [];
  const logs = [];
  let notify;
  const progress = () => notify && notify();
  await ws.on("block", (number) => { heads.push(number); progress(); });
  await ws.on({ address: contract }, (log) => { logs.push(log); progress(); });
  // ethers subscribes lazily: wait until both eth_subscribe calls have been answered.
  await new Promise((resolve) => setTimeout(resolve, 500));

  const sent = await wallet.sendTransaction({ to: contract, data: "0x" });
  const receipt = await receiptOf(sent, "the call receipt");
  check(receipt.status === 1 && receipt.logs.length === 1, "call receipt");
  await within(new Promise((resolve) => {
    notify = () => {
      if (heads.includes(receipt.blockNumber) && logs.length > 0) resolve();
    };
    notify();
  }), "newHeads and logs notifications");
  check(logs[0].topics[0] === cfg.topic, "log topic");
  check(logs[0].transactionHash === receipt.hash, "log transaction");
  await ws.destroy();

  const found = await http.getLogs({ fromBlock: 0, toBlock: "latest", address: contract });
  check(found.length === 1 && found[0].transactionHash === receipt.hash, "eth_getLogs");
  check(BigInt(found[0].data) === 42n, "log data");
  const block = await http.getBlock(receipt.blockNumber, true);
  check(block.prefetchedTransactions[0].hash === receipt.hash, "block with transactions");
  check((await http.getBalance(cfg.address)) < parseEther("10000"), "fees paid");
  http.destroy();
  console.log(JSON.stringify({ ok: true, contract, block: receipt.blockNumber, heads, logs: logs.length }));
}

main().then(() => process.exit(0), (err) => {
  console.error(err && err.stack ? err.stack : String(err));
  process.exit(1);
});
