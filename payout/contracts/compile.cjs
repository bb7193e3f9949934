// Compiles the contracts of this directory with the solc npm package at the
// pinned version and prints, as one JSON object, every artifact file this
// directory commits (NAME.abi, NAME.bin, NAME.bin-runtime) with its
// content. The Go test (contracts_test.go) compares them with the committed
// files, or writes them with -update. Imports come from the npm packages
// next to solc (NODE_PATH): OpenZeppelin's contracts, at the pinned version.
const fs = require('fs');
const path = require('path');
const solc = require('solc');

const version = '0.8.37+commit.f401782d';
if (!solc.version().startsWith(version)) {
  console.error(`solc is ${solc.version()}; want ${version} (payout/testdata/npm/package.json)`);
  process.exit(1);
}
const contracts = ['TributaryClaims', 'TestToken'];
const sources = {};
for (const name of contracts) {
  sources[`${name}.sol`] = { content: fs.readFileSync(path.join(__dirname, `${name}.sol`), 'utf8') };
}
const input = {
  language: 'Solidity',
  sources,
  settings: {
    optimizer: { enabled: true, runs: 200 },
    evmVersion: 'cancun',
    outputSelection: { '*': { '*': ['abi', 'evm.bytecode.object', 'evm.deployedBytecode.object'] } },
  },
};
const oz = path.dirname(require.resolve('@openzeppelin/contracts/package.json'));
function findImports(p) {
  const prefix = '@openzeppelin/contracts/';
  if (!p.startsWith(prefix)) return { error: `import ${p}: only ${prefix}… is available` };
  return { contents: fs.readFileSync(path.join(oz, p.slice(prefix.length)), 'utf8') };
}
const out = JSON.parse(solc.compile(JSON.stringify(input), { import: findImports }));
const problems = out.errors || [];
for (const e of problems) console.error(e.formattedMessage);
if (problems.length > 0) process.exit(1); // warnings too: keep the source clean
const files = {};
for (const name of contracts) {
  const c = out.contracts[`${name}.sol`][name];
  files[`${name}.abi`] = JSON.stringify(c.abi, null, 2) + '\n';
  files[`${name}.bin`] = c.evm.bytecode.object + '\n';
  files[`${name}.bin-runtime`] = c.evm.deployedBytecode.object + '\n';
}
process.stdout.write(JSON.stringify(files));
