// Compile the rollup's contracts with solc-js (npm `solc`, offline) into the artifacts the
// node reads: one JSON file per deployable contract with its ABI, init code and runtime code.
// argv: output folder (ethrex/l2/artifacts by `make contracts`; a temporary one in the test
// that checks the committed artifacts). Imports resolve in this folder, then in node_modules.
import { existsSync, mkdirSync, readFileSync, readdirSync, writeFileSync } from "node:fs";
import { dirname, join, relative } from "node:path";
import { fileURLToPath } from "node:url";
import solc from "solc";

const HERE = dirname(fileURLToPath(import.meta.url));
const NODE_MODULES = join(HERE, "..", "node_modules");
const OUTPUTS = [
  "CommonBridge", "OnChainProposer", "ERC1967Proxy",
  "CommonBridgeL2", "L2ToL1Messenger", "SystemContractProxy",
];
const SETTINGS = {
  evmVersion: "cancun",
  optimizer: { enabled: true, runs: 200 },
  outputSelection: { "*": { "*": ["abi", "evm.bytecode.object", "evm.deployedBytecode.object"] } },
};

function sources() {
  const out = {};
  for (const folder of ["l1", "l2"]) {
    for (const name of readdirSync(join(HERE, folder)).sort()) {
      if (name.endsWith(".sol")) {
        const path = join(folder, name);
        out[path] = { content: readFileSync(join(HERE, path), "utf8") };
      }
    }
  }
  return out;
}

function findImports(path) {
  for (const base of [HERE, NODE_MODULES]) {
    const file = join(base, path);
    if (existsSync(file)) return { contents: readFileSync(file, "utf8") };
  }
  return { error: `not found: ${path}` };
}

const outDir = process.argv[2];
if (!outDir) {
  console.error("usage: node contracts/compile.mjs OUTPUT_FOLDER");
  process.exit(2);
}
const input = { language: "Solidity", sources: sources(), settings: SETTINGS };
const output = JSON.parse(solc.compile(JSON.stringify(input), { import: findImports }));
const errors = (output.errors || []).filter((e) => e.severity === "error");
if (errors.length) {
  console.error(errors.map((e) => e.formattedMessage).join("\n"));
  process.exit(1);
}
mkdirSync(outDir, { recursive: true });
const found = {};
for (const [source, contracts] of Object.entries(output.contracts)) {
  for (const [name, c] of Object.entries(contracts)) {
    if (OUTPUTS.includes(name)) found[name] = { source, c };
  }
}
for (const name of OUTPUTS) {
  if (!found[name]) {
    console.error(`contract ${name} missing from the compiler output`);
    process.exit(1);
  }
  const { source, c } = found[name];
  const artifact = {
    contractName: name,
    source,
    compiler: `solc-js ${solc.version()}`,
    settings: { evmVersion: SETTINGS.evmVersion, optimizer: SETTINGS.optimizer },
    abi: c.abi,
    bytecode: "0x" + c.evm.bytecode.object,
    deployedBytecode: "0x" + c.evm.deployedBytecode.object,
  };
  writeFileSync(join(outDir, `${name}.json`), JSON.stringify(artifact, null, 1) + "\n");
}
console.log(`compiled ${OUTPUTS.length} contracts into ${relative(process.cwd(), outDir) || "."}`);
