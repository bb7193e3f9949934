package merkle

import (
	"encoding/json"
	"math/rand/v2"
	"slices"
	"testing"

	"github.com/tributary-ledger/tributary/payout/internal/nodetest"
)

type ozCase struct {
	Values [][2]string `json:"values"`
	Root   string      `json:"root"`
	Dump   string      `json:"dump"`
	Proofs [][]string  `json:"proofs"`
}

type ozResult struct {
	Root       string     `json:"root"`
	Dump       string     `json:"dump"`
	Proofs     [][]string `json:"proofs"`
	LoadedRoot string     `json:"loadedRoot"`
	Verified   []bool     `json:"verified"`
	Forged     []bool     `json:"forged"`
}

// TestOpenZeppelinAgrees is the independent check: OpenZeppelin's own
// @openzeppelin/merkle-tree, run by node, builds trees of the same values
// (random trees of 1, 2, 3 and 1,000 leaves) and must get our root, our
// proofs and our dump byte for byte, load our dump, verify our proofs, and
// refuse each proof with a forged amount. Skipped, saying how to install
// them, when node or the package is missing (CI installs both and makes a
// skip a failure).
func TestOpenZeppelinAgrees(t *testing.T) {
	node := nodetest.Find(t, "@openzeppelin/merkle-tree")
	seed := uint64(20260101)
	r := rand.New(rand.NewPCG(seed, 13))
	sizes := []int{1, 2, 3, 1000}
	var in struct {
		Cases []ozCase `json:"cases"`
	}
	for _, n := range sizes {
		tree, err := Build(randLeaves(r, n))
		if err != nil {
			t.Fatal(err)
		}
		c := ozCase{Root: tree.Root().Hex(), Dump: string(tree.Dump())}
		for i := range n {
			p := tree.ProofAt(i)
			c.Values = append(c.Values, [2]string{p.Leaf.Account.Hex(), p.Leaf.Cumulative.String()})
			c.Proofs = append(c.Proofs, hexes(p.Hashes))
		}
		in.Cases = append(in.Cases, c)
	}
	stdin, err := json.Marshal(in)
	if err != nil {
		t.Fatal(err)
	}
	var out struct {
		Cases []ozResult `json:"cases"`
	}
	if err := json.Unmarshal(node.Run(t, "testdata/oz.cjs", stdin), &out); err != nil {
		t.Fatal(err)
	}
	if len(out.Cases) != len(sizes) {
		t.Fatalf("the library answered %d cases; want %d", len(out.Cases), len(sizes))
	}
	for k, got := range out.Cases {
		want := in.Cases[k]
		n := sizes[k]
		if got.Root != want.Root {
			t.Errorf("%d leaves (seed %d): the library's root is %s; ours %s", n, seed, got.Root, want.Root)
		}
		if got.LoadedRoot != want.Root {
			t.Errorf("%d leaves: the library loaded our dump with root %s; ours %s", n, got.LoadedRoot, want.Root)
		}
		if got.Dump != want.Dump {
			t.Errorf("%d leaves: the library's dump differs from ours\nlibrary: %.300s…\nours:    %.300s…", n, got.Dump, want.Dump)
		}
		for i := range n {
			if !slices.Equal(got.Proofs[i], want.Proofs[i]) {
				t.Errorf("%d leaves: leaf %d: the library's proof is %v; ours %v", n, i, got.Proofs[i], want.Proofs[i])
			}
			if !got.Verified[i] {
				t.Errorf("%d leaves: leaf %d: the library does not verify our proof", n, i)
			}
			if got.Forged[i] {
				t.Errorf("%d leaves: leaf %d: the library verifies our proof for a forged amount", n, i)
			}
		}
	}
}
