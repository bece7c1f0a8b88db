// Compile one Solidity file with solc-js (npm `solc`, offline), run by tests/e2e/harness.py.
// argv: path, evmVersion. Prints {Name: {abi, bytecode, runtime}} as one JSON line; on
// compiler errors prints them and exits 1.
import { readFileSync } from "node:fs";
import { basename } from "node:path";
import solc from "solc";

const [path, evmVersion] = process.argv.slice(2);
const name = basename(path);
const input = {
  language: "Solidity",
  sources: { [name]: { content: readFileSync(path, "utf8") } },
  settings: {
    evmVersion,
    optimizer: { enabled: true, runs: 200 },
    outputSelection: {
      "*": { "*": ["abi", "evm.bytecode.object", "evm.deployedBytecode.object"] },
    },
  },
};
const output = JSON.parse(solc.compile(JSON.stringify(input)));
const errors = (output.errors || []).filter((e) => e.severity === "error");
if (errors.length) {
  console.error(errors.map((e) => e.formattedMessage).join("\n"));
  process.exit(1);
}
const out = {};
for (const [contract, c] of Object.entries(output.contracts[name])) {
  out[contract] = {
    abi: c.abi, bytecode: c.evm.bytecode.object, runtime: c.evm.deployedBytecode.object,
  };
}
console.log(JSON.stringify(out));
