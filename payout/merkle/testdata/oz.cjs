// Checks Tributary's claims trees with OpenZeppelin's own library. Reads
// from stdin {"cases":[{"values":[[address, cumulative], …], "root": …,
// "dump": …, "proofs": [[hash, …], …]}]} — values in the order Go built
// them, and what Go made of them — and writes, per case, what the library
// makes of the same values and whether it verifies Go's root and proofs.
// The Go test compares; this script only reports.
const { StandardMerkleTree } = require('@openzeppelin/merkle-tree');

const encoding = ['address', 'uint256'];
const input = JSON.parse(require('fs').readFileSync(0, 'utf8'));
const out = input.cases.map(c => {
  const tree = StandardMerkleTree.of(c.values, encoding);
  const loaded = StandardMerkleTree.load(JSON.parse(c.dump));
  const verified = c.values.map((v, i) => StandardMerkleTree.verify(c.root, encoding, v, c.proofs[i]));
  // A forged amount (one more than the leaf's, or one less at 2^256-1)
  // must not verify with the leaf's proof: shows that verification can
  // fail at all.
  const max = 2n ** 256n - 1n;
  const forge = a => (a === max ? a - 1n : a + 1n).toString();
  const forged = c.values.map((v, i) =>
    StandardMerkleTree.verify(c.root, encoding, [v[0], forge(BigInt(v[1]))], c.proofs[i]));
  return {
    root: tree.root,
    dump: JSON.stringify(tree.dump()),
    proofs: c.values.map((_, i) => tree.getProof(i)),
    loadedRoot: loaded.root,
    verified,
    forged,
  };
});
process.stdout.write(JSON.stringify({ cases: out }));
