package contracts

import (
	"bytes"
	"encoding/json"
	"flag"
	"os"
	"slices"
	"testing"

	"github.com/tributary-ledger/tributary/payout/internal/nodetest"
)

var update = flag.Bool("update", false, "write the artifacts that compile.cjs makes instead of comparing them")

// TestArtifactsMatchSources recompiles the sources with the pinned solc and
// OpenZeppelin Contracts and compares every artifact with the committed
// one: the bytecode a deployment sends is the bytecode of the source in
// this directory. With -update it writes them instead (after a change to a
// source or to the pinned versions).
func TestArtifactsMatchSources(t *testing.T) {
	node := nodetest.Find(t, "solc", "@openzeppelin/contracts")
	var files map[string]string
	if err := json.Unmarshal(node.Run(t, "compile.cjs", nil), &files); err != nil {
		t.Fatal(err)
	}
	names := []string{"TributaryClaims.abi", "TributaryClaims.bin", "TributaryClaims.bin-runtime", "TestToken.abi", "TestToken.bin", "TestToken.bin-runtime"}
	var got []string
	for name := range files {
		got = append(got, name)
	}
	slices.Sort(got)
	if want := slices.Sorted(slices.Values(names)); !slices.Equal(got, want) {
		t.Fatalf("compile.cjs wrote %v; want %v", got, want)
	}
	for _, name := range names {
		if *update {
			if err := os.WriteFile(name, []byte(files[name]), 0o644); err != nil {
				t.Fatal(err)
			}
			continue
		}
		committed, err := os.ReadFile(name)
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(committed, []byte(files[name])) {
			t.Errorf("%s differs from what solc makes of the source: the committed artifact is stale or was edited; run go test ./payout/contracts -run ArtifactsMatchSources -update, and review the diff", name)
		}
	}
}

// TestArtifactsDecode checks the embedded artifacts without node: valid
// JSON ABIs naming the functions and events the chain package calls, and
// creation code that ends with the runtime code's metadata (solc appends
// the runtime after the constructor).
func TestArtifactsDecode(t *testing.T) {
	for _, tt := range []struct {
		name  string
		a     Artifact
		names []string
	}{
		{"TributaryClaims", Claims(), []string{"postRoot", "claim", "claimed", "root", "batch", "token", "operator", "Claimed", "RootPosted"}},
		{"TestToken", TestToken(), []string{"mint", "balanceOf", "transfer", "Transfer"}},
	} {
		var abi []struct {
			Type, Name string
		}
		if err := json.Unmarshal([]byte(tt.a.ABI), &abi); err != nil {
			t.Fatalf("%s.abi: %v", tt.name, err)
		}
		have := map[string]bool{}
		for _, e := range abi {
			have[e.Name] = true
		}
		for _, n := range tt.names {
			if !have[n] {
				t.Errorf("%s.abi lacks %s", tt.name, n)
			}
		}
		if !bytes.Contains(tt.a.Bin, tt.a.Runtime) {
			t.Errorf("%s: the creation code does not carry the runtime code", tt.name)
		}
	}
	a, b := Claims(), Claims()
	a.Runtime[0] ^= 0xff
	if a.Runtime[0] == b.Runtime[0] {
		t.Error("Claims() hands out shared byte slices")
	}
}
