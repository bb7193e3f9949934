package merkle

import (
	"bytes"
	"encoding/json"
	"errors"
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/tributary-ledger/tributary/errcode"
)

// jsonDump is the dump as encoding/json writes it, field order being the
// library's: the reference for the hand-written Dump.
func jsonDump(t *Tree) []byte {
	type value struct {
		Value     [2]string `json:"value"`
		TreeIndex uint32    `json:"treeIndex"`
	}
	d := struct {
		Format       string   `json:"format"`
		LeafEncoding []string `json:"leafEncoding"`
		Tree         []Hash   `json:"tree"`
		Values       []value  `json:"values"`
	}{Format, leafEncoding[:], t.nodes, make([]value, len(t.leaves))}
	for i, l := range t.leaves {
		d.Values[i] = value{[2]string{l.Account.Hex(), l.Cumulative.String()}, t.treeIndex[i]}
	}
	out, err := json.Marshal(d)
	if err != nil {
		panic(err)
	}
	return out
}

func TestDumpIsJSON(t *testing.T) {
	r := rand.New(rand.NewPCG(16, 17))
	for _, n := range []int{1, 2, 3, 100} {
		tree, err := Build(randLeaves(r, n))
		if err != nil {
			t.Fatal(err)
		}
		d := tree.Dump()
		if want := jsonDump(tree); !bytes.Equal(d, want) {
			t.Fatalf("n=%d: Dump() =\n%s\nencoding/json writes\n%s", n, d, want)
		}
		if len(d) > tree.dumpSize() {
			t.Fatalf("n=%d: the dump is %d bytes, more than dumpSize's %d", n, len(d), tree.dumpSize())
		}
	}
}

func TestDumpLoadRoundTrip(t *testing.T) {
	r := rand.New(rand.NewPCG(9, 10))
	for _, n := range []int{1, 2, 3, 7, 64, 65, 300} {
		tree, err := Build(randLeaves(r, n))
		if err != nil {
			t.Fatal(err)
		}
		d := tree.Dump()
		back, err := Load(d)
		if err != nil {
			t.Fatalf("n=%d: Load(Dump()): %v", n, err)
		}
		if back.Root() != tree.Root() || !bytes.Equal(back.Dump(), d) {
			t.Fatalf("n=%d: Load(Dump()) dumps differently", n)
		}
		for i := range n {
			p, q := tree.ProofAt(i), back.ProofAt(i)
			if p.Leaf != q.Leaf || len(p.Hashes) != len(q.Hashes) {
				t.Fatalf("n=%d: leaf %d's proof differs after Load", n, i)
			}
		}
	}
}

// TestLoadTakesLibraryDumps loads a dump spelled as another tool might
// write it — lower-case addresses, upper-case hashes, indented — and
// gets the library's tree.
func TestLoadTakesLibraryDumps(t *testing.T) {
	in := strings.NewReplacer(
		"0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAed", "0x5aaeb6053f3e94c9b9a09f33669435e7ef1beaed",
		"0x07bfe72920a34906845dbd897138840a572430e1959b9636cb057d797c6719b2", "0x07BFE72920A34906845DBD897138840A572430E1959B9636CB057D797C6719B2",
		",", ",\n  ",
	).Replace(goldenDump)
	tree, err := Load([]byte(in))
	if err != nil {
		t.Fatal(err)
	}
	if got := string(tree.Dump()); got != goldenDump {
		t.Fatalf("Load then Dump =\n%s\nwant\n%s", got, goldenDump)
	}
}

func TestLoadRefusals(t *testing.T) {
	const (
		node0 = "0x07bfe72920a34906845dbd897138840a572430e1959b9636cb057d797c6719b2"
		node3 = "0x294e109bb7adb9cf159f754b7f82c716e7d0e181d0359cac4233957d669f57fb"
		node4 = "0x0dff476d9db93b481c9143e381d3f8acb86d40e5c3195b9f8edf72e17386ffbc"
		zeros = "0x0000000000000000000000000000000000000000000000000000000000000000"
		addr1 = "0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAed"
		addr2 = "0xfB6916095ca1df60bB79Ce92cE3Ea74c37c5d359"
	)
	edit := func(pairs ...string) string { return strings.NewReplacer(pairs...).Replace(goldenDump) }
	tests := []struct {
		name string
		in   string
		want *errcode.Error
	}{
		{"not json", "{", ErrDumpInvalid},
		{"empty", "", ErrDumpInvalid},
		{"array", "[]", ErrDumpInvalid},
		{"trailing data", goldenDump + "{}", ErrDumpInvalid},
		{"unknown field", edit(`"format"`, `"extra":1,"format"`), ErrDumpInvalid},
		{"no format", edit(`"format":"standard-v1",`, ""), ErrDumpFormat},
		{"other format", edit("standard-v1", "simple-v1"), ErrDumpFormat},
		{"other encoding", edit(`"uint256"]`, `"uint128"]`), ErrDumpFormat},
		{"encoding of three", edit(`"uint256"]`, `"uint256","bool"]`), ErrDumpFormat},
		{"no tree", `{"format":"standard-v1","leafEncoding":["address","uint256"],"values":[]}`, ErrDumpInvalid},
		{"no values", `{"format":"standard-v1","leafEncoding":["address","uint256"],"tree":[]}`, ErrDumpInvalid},
		{"empty values", `{"format":"standard-v1","leafEncoding":["address","uint256"],"tree":[],"values":[]}`, ErrEmpty},
		{"value of one", edit(`"`+addr1+`","1"]`, `"`+addr1+`"]`), ErrDumpInvalid},
		{"value of three", edit(`"`+addr1+`","1"]`, `"`+addr1+`","1","2"]`), ErrDumpInvalid},
		{"number amount", edit(`"`+addr1+`","1"]`, `"`+addr1+`",1]`), ErrDumpInvalid},
		{"hex amount", edit(`"`+addr1+`","1"]`, `"`+addr1+`","0x1"]`), ErrDumpInvalid},
		{"leading zero", edit(`"`+addr1+`","1"]`, `"`+addr1+`","01"]`), ErrDumpInvalid},
		{"negative amount", edit(`"`+addr1+`","1"]`, `"`+addr1+`","-1"]`), ErrDumpInvalid},
		{"amount over 2^256-1", edit(maxUnits, maxUnits[:len(maxUnits)-1]+"6"), ErrDumpInvalid},
		{"zero amount", edit(`"`+addr1+`","1"]`, `"`+addr1+`","0"]`), ErrZeroAmount},
		{"bad address", edit(addr1, addr1[:41]), ErrDumpInvalid},
		{"bad checksum", edit(addr1, strings.Replace(addr1, "aA", "AA", 1)), ErrDumpInvalid},
		{"zero address", edit(addr1, "0x0000000000000000000000000000000000000000"), ErrZeroAddress},
		{"duplicate address", edit(addr2, addr1), ErrDuplicate},
		{"no treeIndex", edit(`,"treeIndex":3`, ""), ErrDumpInvalid},
		{"treeIndex in the inner nodes", edit(`"treeIndex":3`, `"treeIndex":1`), ErrDumpInvalid},
		{"treeIndex past the end", edit(`"treeIndex":3`, `"treeIndex":5`), ErrDumpInvalid},
		{"negative treeIndex", edit(`"treeIndex":3`, `"treeIndex":-1`), ErrDumpInvalid},
		{"fractional treeIndex", edit(`"treeIndex":3`, `"treeIndex":3.5`), ErrDumpInvalid},
		{"treeIndex twice", edit(`"treeIndex":3`, `"treeIndex":2`), ErrDumpInvalid},
		{"bad hash", edit(node0, node0[:65]), ErrDumpInvalid},
		{"node not hex", edit(node0, node0[:65]+"g"), ErrDumpInvalid},
		{"tree too short", edit(`,"`+node4+`"`, ""), ErrDumpInvalid},
		{"tree too long", edit(`,"`+node4+`"`, `,"`+node4+`","`+zeros+`"`), ErrDumpInvalid},
		{"wrong root", edit(node0, zeros), ErrDumpMismatch},
		{"wrong leaf", edit(node4, zeros), ErrDumpMismatch},
		// Slots 3 and 4 are the two children of node 1: swapped, with
		// their values' treeIndexes, every hash still matches (a sorted
		// pair hashes the same either way), but the leaves are out of
		// the library's order.
		{"unsorted leaves", edit(node3, node4, node4, node3, `"treeIndex":3`, `"treeIndex":4`, `"treeIndex":4`, `"treeIndex":3`), ErrDumpMismatch},
		{"values swapped", edit(`"treeIndex":3`, `"treeIndex":4`, `"treeIndex":4`, `"treeIndex":3`), ErrDumpMismatch},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if tt.in == goldenDump {
				t.Fatal("the edit changed nothing: the case tests the golden dump")
			}
			_, err := Load([]byte(tt.in))
			if !errors.Is(err, tt.want) {
				t.Fatalf("Load = %v (%s); want %s", err, errcode.Code(err), tt.want.Code())
			}
		})
	}
	if _, err := Load([]byte(goldenDump)); err != nil {
		t.Fatalf("Load(golden dump) = %v; the refusals above would prove nothing", err)
	}
}

// FuzzLoad: whatever the input, Load refuses it with a code, or returns a
// tree whose dump loads again to the same bytes and whose every proof
// verifies.
func FuzzLoad(f *testing.F) {
	f.Add([]byte(goldenDump))
	f.Add([]byte(`{"format":"standard-v1","leafEncoding":["address","uint256"],"tree":[],"values":[]}`))
	r := rand.New(rand.NewPCG(11, 12))
	for _, n := range []int{1, 2, 5} {
		tree, err := Build(randLeaves(r, n))
		if err != nil {
			f.Fatal(err)
		}
		f.Add(tree.Dump())
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		tree, err := Load(data)
		if err != nil {
			if errcode.Code(err) == errcode.InternalCode {
				t.Fatalf("Load refused without a code: %v", err)
			}
			return
		}
		d := tree.Dump()
		back, err := Load(d)
		if err != nil {
			t.Fatalf("Load(Dump(Load(x))): %v", err)
		}
		if !bytes.Equal(back.Dump(), d) {
			t.Fatal("a loaded tree dumps differently after another load")
		}
		for i := range tree.Len() {
			p := tree.ProofAt(i)
			if !Verify(tree.Root(), p.Leaf, p.Hashes) {
				t.Fatalf("leaf %d of a loaded tree does not verify", i)
			}
		}
	})
}
