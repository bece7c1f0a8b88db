"""ethers (npm, v6) against ``ethrex --dev`` (issue 7, "Done when"): a type-2 transfer and
type-4 (EIP-7702) transactions — a sponsored delegation to a Solidity contract that then runs on
the delegating account's storage, and a self-sent revocation. The checks are in
``ethers_txs.mjs``; this test starts the node and runs it."""

import json
import subprocess

from tests.e2e.harness import (
    CHAIN_ID,
    DEV_KEYS,
    HERE,
    REPO,
    STORE_SOL,
    compile_solidity,
    dev_node,
    require_node_modules,
)


def test_ethers_type2_and_type4() -> None:
    node_bin = require_node_modules("ethers")
    compiled = compile_solidity(STORE_SOL)["Store"]
    with dev_node() as node:
        config = {"http": node.http_url, "chainId": CHAIN_ID, "keys": list(DEV_KEYS[:2]),
                  "abi": compiled.abi, "bytecode": compiled.bytecode}
        run = subprocess.run([str(node_bin), str(HERE / "ethers_txs.mjs"), json.dumps(config)],
                             cwd=REPO, capture_output=True, text=True, timeout=90)
    assert run.returncode == 0, f"ethers script failed:\n{run.stderr}\n{run.stdout}"
    summary = json.loads(run.stdout.strip().splitlines()[-1])
    assert summary["ok"] and summary["setCode"]["block"] > summary["transfer"]["block"]
