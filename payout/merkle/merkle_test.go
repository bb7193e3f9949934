package merkle

import (
	"errors"
	"fmt"
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/ethereum/go-ethereum/common"
	"github.com/ethereum/go-ethereum/crypto"
	"github.com/holiman/uint256"

	"github.com/tributary-ledger/tributary/errcode"
	"github.com/tributary-ledger/tributary/money"
)

// maxUnits is 2^256−1 in decimal.
const maxUnits = "115792089237316195423570985008687907853269984665640564039457584007913129639935"

func mustAddr(t testing.TB, s string) Address {
	t.Helper()
	a, err := ParseAddress(s)
	if err != nil {
		t.Fatal(err)
	}
	return a
}

func mustUnits(t testing.TB, s string) money.Amount {
	t.Helper()
	a, err := money.ParseUnits(s)
	if err != nil {
		t.Fatal(err)
	}
	return a
}

// TestReadmeRoot is the root @openzeppelin/merkle-tree's README example
// gives (1.0.8, by node): the two leaves of its Quick Start.
func TestReadmeRoot(t *testing.T) {
	tree, err := Build([]Leaf{
		{mustAddr(t, "0x1111111111111111111111111111111111111111"), mustUnits(t, "5000000000000000000")},
		{mustAddr(t, "0x2222222222222222222222222222222222222222"), mustUnits(t, "2500000000000000000")},
	})
	if err != nil {
		t.Fatal(err)
	}
	if got, want := tree.Root().Hex(), "0xd4dee0beab2d53f2cc83e567171bd2820e49898130a22622b10ead383e90bd77"; got != want {
		t.Errorf("Root() = %s; the library says %s", got, want)
	}
}

// goldenDump is the library's JSON.stringify(tree.dump()) for goldenLeaves
// (1.0.8, by node), and goldenProofs its getProof(i) for each: a tree of
// three leaves, so one leaf sits a level above the other two.
const goldenDump = `{"format":"standard-v1","leafEncoding":["address","uint256"],"tree":["0x07bfe72920a34906845dbd897138840a572430e1959b9636cb057d797c6719b2","0x0b5bc9142c09ae58cfcbaaec3c2506798741cdaf8f7eaa4ec63c3f90095e8d6d","0x6d21f544f8679154687f6f65ec8062fb4d696672f648812b4040e87d678c91eb","0x294e109bb7adb9cf159f754b7f82c716e7d0e181d0359cac4233957d669f57fb","0x0dff476d9db93b481c9143e381d3f8acb86d40e5c3195b9f8edf72e17386ffbc"],"values":[{"value":["0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAed","1"],"treeIndex":3},{"value":["0xfB6916095ca1df60bB79Ce92cE3Ea74c37c5d359","990000"],"treeIndex":2},{"value":["0xdbF03B407c01E7cD3CBea99509d93f8DDDC8C6FB","` + maxUnits + `"],"treeIndex":4}]}`

var goldenProofs = [][]string{
	{"0x0dff476d9db93b481c9143e381d3f8acb86d40e5c3195b9f8edf72e17386ffbc", "0x6d21f544f8679154687f6f65ec8062fb4d696672f648812b4040e87d678c91eb"},
	{"0x0b5bc9142c09ae58cfcbaaec3c2506798741cdaf8f7eaa4ec63c3f90095e8d6d"},
	{"0x294e109bb7adb9cf159f754b7f82c716e7d0e181d0359cac4233957d669f57fb", "0x6d21f544f8679154687f6f65ec8062fb4d696672f648812b4040e87d678c91eb"},
}

func goldenLeaves(t testing.TB) []Leaf {
	return []Leaf{
		{mustAddr(t, "0x5aaeb6053f3e94c9b9a09f33669435e7ef1beaed"), mustUnits(t, "1")},
		{mustAddr(t, "0xfB6916095ca1df60bB79Ce92cE3Ea74c37c5d359"), mustUnits(t, "990000")},
		{mustAddr(t, "0xDBF03B407C01E7CD3CBEA99509D93F8DDDC8C6FB"), mustUnits(t, maxUnits)},
	}
}

func TestGoldenDumpAndProofs(t *testing.T) {
	tree, err := Build(goldenLeaves(t))
	if err != nil {
		t.Fatal(err)
	}
	if got := string(tree.Dump()); got != goldenDump {
		t.Errorf("Dump() =\n%s\nthe library dumps\n%s", got, goldenDump)
	}
	for i, want := range goldenProofs {
		p := tree.ProofAt(i)
		if got := hexes(p.Hashes); strings.Join(got, ",") != strings.Join(want, ",") {
			t.Errorf("ProofAt(%d) = %v; the library says %v", i, got, want)
		}
		if !Verify(tree.Root(), p.Leaf, p.Hashes) {
			t.Errorf("Verify(root, leaf %d, its proof) = false", i)
		}
	}
}

func hexes(hs []Hash) []string {
	out := make([]string, len(hs))
	for i, h := range hs {
		out[i] = h.Hex()
	}
	return out
}

func TestParseAddress(t *testing.T) {
	tests := []struct {
		in      string
		want    string // Hex(); "" when refused
		wantErr *errcode.Error
	}{
		{"0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAed", "0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAed", nil},
		{"0x5aaeb6053f3e94c9b9a09f33669435e7ef1beaed", "0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAed", nil},
		{"0X5AAEB6053F3E94C9B9A09F33669435E7EF1BEAED", "0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAed", nil},
		{"0x0000000000000000000000000000000000000000", "0x0000000000000000000000000000000000000000", nil},
		{"0x5AAeb6053F3E94C9b9A09f33669435E7Ef1BeAed", "", ErrAddress}, // one letter's case flipped: checksum fails
		{"5aaeb6053f3e94c9b9a09f33669435e7ef1beaed", "", ErrAddress},
		{"0x5aaeb6053f3e94c9b9a09f33669435e7ef1bea", "", ErrAddress},
		{"0x5aaeb6053f3e94c9b9a09f33669435e7ef1beaed00", "", ErrAddress},
		{"0x5aaeb6053f3e94c9b9a09f33669435e7ef1beaeg", "", ErrAddress},
		{"", "", ErrAddress},
		{"0x", "", ErrAddress},
	}
	for _, tt := range tests {
		a, err := ParseAddress(tt.in)
		if tt.wantErr != nil {
			if !errors.Is(err, tt.wantErr) {
				t.Errorf("ParseAddress(%q) = %v, %v; want %s", tt.in, a, err, tt.wantErr.Code())
			}
			continue
		}
		if err != nil || a.Hex() != tt.want {
			t.Errorf("ParseAddress(%q) = %s, %v; want %s", tt.in, a.Hex(), err, tt.want)
		}
	}
}

// TestHexIsEIP55 checks the checksum against go-ethereum's over random
// addresses.
func TestHexIsEIP55(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	for range 500 {
		a := randAddress(r)
		if got, want := a.Hex(), common.Address(a).Hex(); got != want {
			t.Fatalf("Hex() = %s; go-ethereum says %s", got, want)
		}
		back, err := ParseAddress(a.Hex())
		if err != nil || back != a {
			t.Fatalf("ParseAddress(%s) = %x, %v; want %x", a.Hex(), back, err, a)
		}
	}
}

func TestParseHash(t *testing.T) {
	good := "0x07bfe72920a34906845dbd897138840a572430e1959b9636cb057d797c6719b2"
	h, err := ParseHash(strings.ToUpper(good[2:]))
	if !errors.Is(err, ErrHash) {
		t.Errorf("ParseHash without 0x = %v, %v; want %s", h, err, ErrHash.Code())
	}
	if h, err := ParseHash("0x" + strings.ToUpper(good[2:])); err != nil || h.Hex() != good {
		t.Errorf("ParseHash(upper case) = %s, %v; want %s", h, err, good)
	}
	for _, bad := range []string{"", "0x", good[:65], good + "0", good[:65] + "z"} {
		if _, err := ParseHash(bad); !errors.Is(err, ErrHash) {
			t.Errorf("ParseHash(%q) = %v; want %s", bad, err, ErrHash.Code())
		}
	}
}

func randAddress(r *rand.Rand) Address {
	var a Address
	for i := range a {
		a[i] = byte(r.UintN(256))
	}
	if a.IsZero() {
		a[19] = 1
	}
	return a
}

// randAmount draws amounts of every size: a few units, uint64s, and full
// 256-bit numbers, never zero.
func randAmount(r *rand.Rand) money.Amount {
	var v uint256.Int
	switch r.IntN(4) {
	case 0:
		v.SetUint64(1 + r.Uint64N(1000))
	case 1:
		v.SetUint64(1 + r.Uint64N(1<<63))
	case 2:
		v = uint256.Int{r.Uint64(), r.Uint64(), r.Uint64(), r.Uint64()}
	default:
		v.SetAllOne()
	}
	if v.IsZero() {
		v.SetOne()
	}
	return money.FromUint256(&v)
}

func randLeaves(r *rand.Rand, n int) []Leaf {
	out := make([]Leaf, n)
	seen := map[Address]bool{}
	for i := range out {
		a := randAddress(r)
		for seen[a] {
			a = randAddress(r)
		}
		seen[a] = true
		out[i] = Leaf{Account: a, Cumulative: randAmount(r)}
	}
	return out
}

// referenceLeafHash encodes with go-ethereum's ABI packer's word layout
// (common.LeftPadBytes) and hashes with its Keccak256, independently of
// the hasher.
func referenceLeafHash(l Leaf) Hash {
	enc := append(common.LeftPadBytes(l.Account[:], 32), common.LeftPadBytes(l.Cumulative.Uint256().Bytes(), 32)...)
	inner := keccakRef(enc)
	return Hash(keccakRef(inner[:]))
}

func keccakRef(b []byte) [32]byte { return crypto.Keccak256Hash(b) }

func TestLeafHashMatchesReference(t *testing.T) {
	r := rand.New(rand.NewPCG(3, 4))
	for range 500 {
		l := Leaf{Account: randAddress(r), Cumulative: randAmount(r)}
		if got, want := LeafHash(l), referenceLeafHash(l); got != want {
			t.Fatalf("LeafHash(%s, %s) = %s; want %s", l.Account, l.Cumulative, got, want)
		}
	}
}

// TestProofsVerify is the property every tree must have: every leaf's
// proof verifies under the root, and a proof does not verify another
// amount, another address, or under another root.
func TestProofsVerify(t *testing.T) {
	r := rand.New(rand.NewPCG(5, 6))
	for n := 1; n <= 70; n++ {
		leaves := randLeaves(r, n)
		tree, err := Build(leaves)
		if err != nil {
			t.Fatal(err)
		}
		other := randLeaves(r, 1)[0]
		for i, l := range leaves {
			p, err := tree.Proof(l.Account)
			if err != nil {
				t.Fatalf("n=%d: Proof(leaf %d): %v", n, i, err)
			}
			if p.Leaf != l {
				t.Fatalf("n=%d: Proof(leaf %d).Leaf = %v; want %v", n, i, p.Leaf, l)
			}
			if !Verify(tree.Root(), l, p.Hashes) {
				t.Fatalf("n=%d: leaf %d's proof does not verify", n, i)
			}
			forged := l
			forged.Cumulative, _ = l.Cumulative.Sub(money.FromUint64(1))
			if Verify(tree.Root(), forged, p.Hashes) {
				t.Fatalf("n=%d: leaf %d's proof verifies a forged amount", n, i)
			}
			if Verify(tree.Root(), Leaf{Account: other.Account, Cumulative: l.Cumulative}, p.Hashes) {
				t.Fatalf("n=%d: leaf %d's proof verifies another address", n, i)
			}
			if Verify(LeafHash(other), l, p.Hashes) {
				t.Fatalf("n=%d: leaf %d's proof verifies under another root", n, i)
			}
		}
		if _, err := tree.Proof(other.Account); !errors.Is(err, ErrNotInTree) {
			t.Fatalf("n=%d: Proof(absent address) = %v; want %s", n, err, ErrNotInTree.Code())
		}
	}
}

func TestVerifyRefusesLongProofs(t *testing.T) {
	l := Leaf{Account: Address{1}, Cumulative: money.FromUint64(1)}
	root := LeafHash(l)
	if !Verify(root, l, nil) {
		t.Fatal("a one-leaf tree's empty proof does not verify")
	}
	if Verify(root, l, make([]Hash, ProofMax+1)) {
		t.Fatal("a proof longer than ProofMax verifies")
	}
}

// TestLayout checks the layout against the library's rule: 2n−1 nodes,
// leaves sorted ascending from the last slot backwards, each inner node
// the sorted-pair hash of its children.
func TestLayout(t *testing.T) {
	r := rand.New(rand.NewPCG(7, 8))
	for _, n := range []int{1, 2, 3, 4, 5, 16, 17, 100} {
		leaves := randLeaves(r, n)
		tree, err := Build(leaves)
		if err != nil {
			t.Fatal(err)
		}
		if len(tree.nodes) != 2*n-1 {
			t.Fatalf("n=%d: %d nodes; want %d", n, len(tree.nodes), 2*n-1)
		}
		for s := len(tree.nodes) - 1; s > n-1; s-- {
			if !less(&tree.nodes[s], &tree.nodes[s-1]) {
				t.Fatalf("n=%d: leaf slots %d and %d are not in descending order", n, s-1, s)
			}
		}
		for i, l := range leaves {
			if tree.nodes[tree.treeIndex[i]] != referenceLeafHash(l) {
				t.Fatalf("n=%d: slot %d of leaf %d holds another hash", n, tree.treeIndex[i], i)
			}
		}
		for i := n - 2; i >= 0; i-- {
			a, b := tree.nodes[2*i+1], tree.nodes[2*i+2]
			if less(&b, &a) {
				a, b = b, a
			}
			if want := Hash(keccakRef(append(a[:], b[:]...))); tree.nodes[i] != want {
				t.Fatalf("n=%d: node %d is not the sorted hash of its children", n, i)
			}
		}
	}
}

func TestBuildRefusals(t *testing.T) {
	one := money.FromUint64(1)
	tests := []struct {
		name   string
		leaves []Leaf
		want   *errcode.Error
	}{
		{"none", nil, ErrEmpty},
		{"zero address", []Leaf{{Address{1}, one}, {Address{}, one}}, ErrZeroAddress},
		{"zero amount", []Leaf{{Address{1}, one}, {Address{2}, money.Zero}}, ErrZeroAmount},
		{"duplicate", []Leaf{{Address{1}, one}, {Address{2}, one}, {Address{1}, money.FromUint64(2)}}, ErrDuplicate},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if _, err := Build(tt.leaves); !errors.Is(err, tt.want) {
				t.Fatalf("Build = %v; want %s", err, tt.want.Code())
			}
		})
	}
	t.Run("leaves max", func(t *testing.T) {
		// The refusal comes before anything is read of the leaves, so
		// zero leaves of the right number show it.
		if _, err := Build(make([]Leaf, LeavesMax+1)); !errors.Is(err, ErrLeavesMax) {
			t.Fatalf("Build(%d leaves) = %v; want %s", LeavesMax+1, err, ErrLeavesMax.Code())
		}
	})
}

// TestBuildKeepsItsInput checks that the tree copies the leaves: changing
// the caller's slice afterwards changes nothing.
func TestBuildKeepsItsInput(t *testing.T) {
	leaves := goldenLeaves(t)
	tree, err := Build(leaves)
	if err != nil {
		t.Fatal(err)
	}
	leaves[0].Cumulative = money.FromUint64(999)
	if string(tree.Dump()) != goldenDump {
		t.Fatal("changing the leaves after Build changed the tree")
	}
}

func ExampleBuild() {
	a, _ := ParseAddress("0x1111111111111111111111111111111111111111")
	b, _ := ParseAddress("0x2222222222222222222222222222222222222222")
	five, _ := money.ParseUnits("5000000000000000000")
	twoHalf, _ := money.ParseUnits("2500000000000000000")
	tree, _ := Build([]Leaf{{a, five}, {b, twoHalf}})
	p, _ := tree.Proof(b)
	fmt.Println(tree.Root())
	fmt.Println(p.Hashes, Verify(tree.Root(), p.Leaf, p.Hashes))
	// Output:
	// 0xd4dee0beab2d53f2cc83e567171bd2820e49898130a22622b10ead383e90bd77
	// [0xeb02c421cfa48976e66dfb29120745909ea3a0f843456c263cf8f1253483e283] true
}

// FuzzParseAddress: an address that parses prints as its EIP-55 form,
// which parses back to it, as do its lower- and upper-case forms; one that
// does not parse is refused with ErrAddress.
func FuzzParseAddress(f *testing.F) {
	for _, s := range []string{"0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAed", "0x5aaeb6053f3e94c9b9a09f33669435e7ef1beaed", "0X5AAEB6053F3E94C9B9A09F33669435E7EF1BEAED", "0x", ""} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		a, err := ParseAddress(s)
		if err != nil {
			if !errors.Is(err, ErrAddress) {
				t.Fatalf("ParseAddress(%q) = %v; want %s", s, err, ErrAddress.Code())
			}
			return
		}
		for _, form := range []string{a.Hex(), strings.ToLower(a.Hex()), "0x" + strings.ToUpper(a.Hex()[2:])} {
			if b, err := ParseAddress(form); err != nil || b != a {
				t.Fatalf("ParseAddress(%q) = %x, %v; want %x", form, b, err, a)
			}
		}
	})
}

// FuzzParseHash: a hash that parses prints as lower-case hex that parses
// back to it.
func FuzzParseHash(f *testing.F) {
	f.Add("0x07bfe72920a34906845dbd897138840a572430e1959b9636cb057d797c6719b2")
	f.Add("0x")
	f.Fuzz(func(t *testing.T, s string) {
		h, err := ParseHash(s)
		if err != nil {
			if !errors.Is(err, ErrHash) {
				t.Fatalf("ParseHash(%q) = %v; want %s", s, err, ErrHash.Code())
			}
			return
		}
		if !strings.EqualFold(h.Hex()[2:], s[2:]) {
			t.Fatalf("ParseHash(%q).Hex() = %s", s, h.Hex())
		}
		if b, err := ParseHash(h.Hex()); err != nil || b != h {
			t.Fatalf("ParseHash(%s) = %x, %v", h.Hex(), b, err)
		}
	})
}
