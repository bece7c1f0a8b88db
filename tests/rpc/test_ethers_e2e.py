"""ethers (npm, v6) against a live ``ethrex --dev`` node (issue 6, "Done when"): the script
``ethers_e2e.mjs`` reads blocks and balances, deploys and calls a contract (call,
estimateGas, receipt, getLogs) and receives ``newHeads`` and ``logs`` over WebSocket.

``make test`` installs ethers into ./node_modules from package.json/package-lock.json; a
missing install fails here (it is a setup error, not a reason to skip).
"""

import json
import shutil
import subprocess

from tests.rpc.devnode import (
    DEV_ADDRESS,
    DEV_CHAIN_ID,
    DEV_KEY,
    INIT_CODE,
    LOG_TOPIC,
    REPO,
    dev_node,
)

SCRIPT = REPO / "tests" / "rpc" / "ethers_e2e.mjs"


def test_ethers_end_to_end() -> None:
    node_bin = shutil.which("node")
    assert node_bin is not None, "node (v18+) is not on PATH"
    assert (REPO / "node_modules" / "ethers" / "package.json").is_file(), \
        "ethers is not installed: run `npm ci` at the repository root (make test does)"
    with dev_node() as node:
        config = {"http": node.http_url, "ws": node.ws_url, "key": DEV_KEY,
                  "address": DEV_ADDRESS, "chainId": DEV_CHAIN_ID, "initCode": INIT_CODE,
                  "topic": LOG_TOPIC}
        run = subprocess.run([node_bin, str(SCRIPT), json.dumps(config)], cwd=REPO,
                             capture_output=True, text=True, timeout=90)
    assert run.returncode == 0, f"ethers script failed:\n{run.stderr}\n{run.stdout}"
    summary = json.loads(run.stdout.strip().splitlines()[-1])
    assert summary["ok"] and summary["logs"] >= 1 and summary["block"] in summary["heads"]
