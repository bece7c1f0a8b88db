// ethers v6 sends a type-2 and a type-4 (EIP-7702) transaction to `ethrex --dev`; run by
// tests/e2e/test_ethers_txs.py. argv[2] is JSON: {http, chainId, keys: [sponsor, alice],
// abi, bytecode}. Prints one JSON line of what it checked and exits 0, or the error and 1.
import { Contract, ContractFactory, JsonRpcProvider, Wallet, ZeroAddress, concat, parseEther }
  from "ethers";

const cfg = JSON.parse(process.argv[2]);

function check(cond, what) {
  if (!cond) throw new Error(`check failed: ${what}`);
}

// The receipt, polled every 50 ms for 20 s. Not tx.wait(): its block poller starts from the
// block number it first sees, so on a node that mines at once it can miss the block of the
// transaction and wait for a next block that never comes.
async function receiptOf(tx, what) {
  const deadline = Date.now() + 20000;
  while (Date.now() < deadline) {
    const receipt = await tx.provider.getTransactionReceipt(tx.hash);
    if (receipt !== null) return receipt;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  throw new Error(`no receipt for ${what} ${tx.hash}`);
}

async function main() {
  // cacheTimeout -1: ethers otherwise answers a repeated request (a balance, the pending
  // nonce) from a 250 ms cache, older than the block this node mines at once.
  const provider = new JsonRpcProvider(cfg.http, undefined,
    { staticNetwork: true, cacheTimeout: -1 });
  provider.pollingInterval = 50;
  check((await provider.getNetwork()).chainId === BigInt(cfg.chainId), "chain id");
  const sponsor = new Wallet(cfg.keys[0], provider);
  const alice = new Wallet(cfg.keys[1], provider);
  const out = {};

  // Type 2: an EIP-1559 transfer to a fresh account; both balances move by exactly the value
  // and the fee the receipt reports.
  const bob = Wallet.createRandom().address;
  const value = parseEther("1.5");
  const sponsorBefore = await provider.getBalance(sponsor.address);
  const sent = await sponsor.sendTransaction({ type: 2, to: bob, value });
  const transfer = await receiptOf(sent, "the transfer");
  check(transfer.status === 1 && transfer.type === 2, "type-2 receipt");
  check(transfer.gasUsed === 21000n, "transfer gas");
  const mined = await provider.getTransaction(sent.hash);
  check(mined.type === 2 && mined.maxFeePerGas === sent.maxFeePerGas, "type-2 transaction");
  check(mined.blockNumber === transfer.blockNumber, "transaction block");
  check((await provider.getBalance(bob)) === value, "recipient balance");
  const fee = transfer.gasUsed * transfer.gasPrice;
  check((await provider.getBalance(sponsor.address)) === sponsorBefore - value - fee,
    "sender balance");
  const block = await provider.getBlock(transfer.blockNumber);
  check(transfer.gasPrice === block.baseFeePerGas + mined.maxPriorityFeePerGas ||
    transfer.gasPrice === mined.maxFeePerGas, "effective gas price");
  out.transfer = { block: transfer.blockNumber, gasPrice: transfer.gasPrice.toString() };

  // The delegate: the Store contract.
  const factory = new ContractFactory(cfg.abi, cfg.bytecode, sponsor);
  const store = await factory.deploy(1);
  await receiptOf(store.deploymentTransaction(), "the deployment");
  const storeAddress = await store.getAddress();

  // Type 4, sponsored: alice signs an authorization, the sponsor sends the transaction to
  // alice's own address, which now runs Store.set on alice's storage.
  const aliceNonce = await provider.getTransactionCount(alice.address);
  const auth = await alice.authorize({ address: storeAddress, nonce: aliceNonce,
    chainId: cfg.chainId });
  const asStore = new Contract(alice.address, cfg.abi, sponsor);
  const data = asStore.interface.encodeFunctionData("set", [99]);
  const setCode = await sponsor.sendTransaction({ type: 4, to: alice.address, data,
    authorizationList: [auth] });
  const delegated = await receiptOf(setCode, "the delegation");
  check(delegated.status === 1 && delegated.type === 4, "type-4 receipt");
  const tx4 = await provider.getTransaction(setCode.hash);
  check(tx4.type === 4 && tx4.authorizationList.length === 1, "type-4 transaction");
  check(tx4.authorizationList[0].address.toLowerCase() === storeAddress.toLowerCase(),
    "authorization address");
  const code = await provider.getCode(alice.address);
  check(code === concat(["0xef0100", storeAddress]).toLowerCase(), `delegation code ${code}`);
  check((await provider.getTransactionCount(alice.address)) === aliceNonce + 1,
    "authorization bumps alice's nonce");
  check(BigInt(await provider.getStorage(alice.address, 0)) === 99n, "alice's storage");
  check(BigInt(await provider.getStorage(storeAddress, 0)) === 1n, "the delegate untouched");
  check(delegated.logs.length === 1 && delegated.logs[0].address === alice.address,
    "log from alice's address");
  const stored = asStore.interface.parseLog(delegated.logs[0]);
  check(stored.name === "Stored" && stored.args.value === 99n && stored.args.previous === 0n,
    "Stored event");

  // Calls to alice run the delegate: a view and a type-2 transaction.
  check((await asStore.value()) === 99n, "view through the delegation");
  const again = await receiptOf(await asStore.set(100), "a call to alice");
  check(again.status === 1 && BigInt(await provider.getStorage(alice.address, 0)) === 100n,
    "call through the delegation");

  // Type 4 sent by alice herself revokes the delegation (address zero): her authorization
  // nonce is one past the transaction's own.
  const selfNonce = await provider.getTransactionCount(alice.address);
  const revoke = await alice.authorize({ address: ZeroAddress, nonce: selfNonce + 1,
    chainId: cfg.chainId });
  const revoked = await receiptOf(await alice.sendTransaction({ type: 4, to: alice.address,
    authorizationList: [revoke] }), "the revocation");
  check(revoked.status === 1 && revoked.type === 4, "revocation receipt");
  check((await provider.getCode(alice.address)) === "0x", "delegation cleared");
  check((await provider.getTransactionCount(alice.address)) === selfNonce + 2,
    "self-sponsored nonces");
  check(BigInt(await provider.getStorage(alice.address, 0)) === 100n, "storage kept");
  out.setCode = { block: delegated.blockNumber, gasUsed: delegated.gasUsed.toString(),
    revokeGas: revoked.gasUsed.toString() };
  provider.destroy();
  console.log(JSON.stringify({ ok: true, ...out }));
}

main().then(() => process.exit(0), (err) => {
  console.error(err && err.stack ? err.stack : String(err));
  process.exit(1);
});
