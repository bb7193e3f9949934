package merkle

import (
	"bytes"
	"encoding/hex"
	"encoding/json"
	"errors"
	"io"
	"strconv"

	"github.com/tributary-ledger/tributary/errcode"
	"github.com/tributary-ledger/tributary/money"
)

// Format is the dump format this package writes and reads: the library's
// name for a StandardMerkleTree's dump.
const Format = "standard-v1"

// leafEncoding is the ABI types of a leaf, as the dump names them.
var leafEncoding = [2]string{"address", "uint256"}

// Dump returns the tree in the library's JSON dump format (standard-v1),
// compact, as JSON.stringify writes it: the same bytes as the library's dump
// of the same values given in the same order, with addresses in their
// EIP-55 form and amounts as decimal strings.
//
// It is written by hand rather than by encoding/json: the shape is fixed,
// nothing in it needs escaping, and a million leaves dump in half the CPU
// time with a quarter of the allocation (BENCHMARKS.md, Payouts). A test
// checks it against encoding/json's bytes.
func (t *Tree) Dump() []byte {
	out := make([]byte, 0, t.dumpSize())
	out = append(out, `{"format":"`+Format+`","leafEncoding":["`+leafEncoding[0]+`","`+leafEncoding[1]+`"],"tree":[`...)
	for i := range t.nodes {
		if i > 0 {
			out = append(out, ',')
		}
		out = appendHash(out, &t.nodes[i])
	}
	out = append(out, `],"values":[`...)
	var h hasher
	for i := range t.leaves {
		if i > 0 {
			out = append(out, ',')
		}
		out = append(out, `{"value":["`...)
		out = h.appendAddress(out, &t.leaves[i].Account)
		out = append(out, `","`...)
		out = append(out, t.leaves[i].Cumulative.String()...)
		out = append(out, `"],"treeIndex":`...)
		out = strconv.AppendUint(out, uint64(t.treeIndex[i]), 10)
		out = append(out, '}')
	}
	return append(out, "]}"...)
}

// dumpSize is an upper bound of the dump's length, so that it is
// allocated once: a quoted hash and a comma per node, and per value its
// fixed text, a quoted address, at most 78 digits and a 7-digit index.
func (t *Tree) dumpSize() int {
	return 128 + len(t.nodes)*(66+3) + len(t.leaves)*(len(`{"value":["","],"treeIndex":},`)+42+78+7)
}

func appendHash(out []byte, h *Hash) []byte {
	out = append(out, `"0x`...)
	out = hex.AppendEncode(out, h[:])
	return append(out, '"')
}

// loaded is the dump as read, before checking: strings, so that each bad
// field gets its own refusal, and slices, so that a missing or extra
// element is seen (a Go array would drop or zero it silently).
type loaded struct {
	Format       *string       `json:"format"`
	LeafEncoding []string      `json:"leafEncoding"`
	Tree         []string      `json:"tree"`
	Values       []loadedValue `json:"values"`
}

type loadedValue struct {
	Value     []string `json:"value"`
	TreeIndex *int64   `json:"treeIndex"`
}

// Load reads a dump and checks all of it: the format and leaf encoding,
// that every field is there and nothing else is, every hash, address and
// amount, that the tree has 2n−1 nodes for n values and each value its own
// leaf slot, and — by building the tree again from the values — that every
// node is what the values give, leaves in the sorted order. Addresses may be
// in any case the EIP-55 rules allow; Dump writes them checksummed.
//
// Errors: ErrDumpFormat, ErrDumpInvalid, ErrDumpMismatch, and those of
// Build (ErrEmpty, ErrLeavesMax, ErrZeroAddress, ErrZeroAmount,
// ErrDuplicate).
func Load(data []byte) (*Tree, error) {
	var raw loaded
	if err := decodeStrict(data, &raw); err != nil {
		return nil, err
	}
	if err := checkHeader(raw); err != nil {
		return nil, err
	}
	leaves, slots, err := parseValues(raw.Values)
	if err != nil {
		return nil, err
	}
	nodes, err := parseNodes(raw.Tree, len(leaves))
	if err != nil {
		return nil, err
	}
	t, err := Build(leaves)
	if err != nil {
		return nil, err
	}
	if err := t.match(nodes, slots); err != nil {
		return nil, err
	}
	return t, nil
}

// decodeStrict decodes one JSON object into v, refusing unknown fields and
// anything after the object.
func decodeStrict(data []byte, v any) error {
	if len(data) > dumpBytesMax {
		return errcode.Errorf(ErrDumpInvalid, "the dump is %d bytes; a tree of at most %d leaves dumps to at most %d", len(data), LeavesMax, dumpBytesMax)
	}
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		return errcode.Errorf(ErrDumpInvalid, "the dump is not the JSON of a standard-v1 tree: %v", err)
	}
	if _, err := dec.Token(); !errors.Is(err, io.EOF) {
		return errcode.Errorf(ErrDumpInvalid, "the dump has more after its JSON object; want one object")
	}
	return nil
}

// dumpBytesMax bounds the dump Load reads: 400 bytes a leaf (two nodes of
// 69 bytes and a value of at most 170, with room for indentation) at
// LeavesMax.
const dumpBytesMax = 400 * LeavesMax

func checkHeader(raw loaded) error {
	if raw.Format == nil {
		return errcode.Errorf(ErrDumpFormat, "the dump has no \"format\"; want %q", Format)
	}
	if *raw.Format != Format {
		return errcode.Errorf(ErrDumpFormat, "the dump's format is %.40q; want %q", *raw.Format, Format)
	}
	if len(raw.LeafEncoding) != 2 || raw.LeafEncoding[0] != leafEncoding[0] || raw.LeafEncoding[1] != leafEncoding[1] {
		return errcode.Errorf(ErrDumpFormat, "the dump's leaf encoding is %.80q; want [\"address\", \"uint256\"]", raw.LeafEncoding)
	}
	if raw.Tree == nil || raw.Values == nil {
		return errcode.Errorf(ErrDumpInvalid, "the dump lacks \"tree\" or \"values\"")
	}
	return nil
}

// parseValues reads each value and its slot, refusing malformed ones.
func parseValues(values []loadedValue) ([]Leaf, []int64, error) {
	if len(values) > LeavesMax {
		return nil, nil, errcode.Errorf(ErrLeavesMax, "the dump has %d values; at most %d are allowed", len(values), LeavesMax)
	}
	leaves := make([]Leaf, len(values))
	slots := make([]int64, len(values))
	for i, v := range values {
		if len(v.Value) != 2 {
			return nil, nil, errcode.Errorf(ErrDumpInvalid, "value %d has %d elements; want [address, cumulative]", i, len(v.Value))
		}
		if v.TreeIndex == nil {
			return nil, nil, errcode.Errorf(ErrDumpInvalid, "value %d has no treeIndex", i)
		}
		a, err := ParseAddress(v.Value[0])
		if err != nil {
			return nil, nil, errcode.Errorf(ErrDumpInvalid, "value %d: %v", i, err)
		}
		amt, err := parseCanonicalUnits(v.Value[1])
		if err != nil {
			return nil, nil, errcode.Errorf(ErrDumpInvalid, "value %d: %v", i, err)
		}
		leaves[i] = Leaf{Account: a, Cumulative: amt}
		slots[i] = *v.TreeIndex
	}
	return leaves, slots, nil
}

// parseCanonicalUnits reads a decimal amount of base units as Dump writes
// it: digits, no leading zero, so that a loaded tree dumps to the same
// bytes.
func parseCanonicalUnits(s string) (money.Amount, error) {
	a, err := money.ParseUnits(s)
	if err != nil {
		return money.Zero, err
	}
	if len(s) > 1 && s[0] == '0' {
		return money.Zero, errcode.Errorf(money.ErrFormat, "amount %q has a leading zero; write %s", s, a)
	}
	return a, nil
}

// parseNodes reads the tree's hashes: 2n−1 of them for n values.
func parseNodes(tree []string, n int) ([]Hash, error) {
	if n > 0 && len(tree) != 2*n-1 {
		return nil, errcode.Errorf(ErrDumpInvalid, "the tree has %d nodes for %d values; want %d", len(tree), n, 2*n-1)
	}
	nodes := make([]Hash, len(tree))
	for i, s := range tree {
		h, err := ParseHash(s)
		if err != nil {
			return nil, errcode.Errorf(ErrDumpInvalid, "tree node %d: %v", i, err)
		}
		nodes[i] = h
	}
	return nodes, nil
}

// match compares the dump's nodes and slots with t's, which were built from
// the dump's values: first that each value has a leaf slot of its own,
// then each value's slot, so that a refusal says which value is out of
// place, then every node.
func (t *Tree) match(nodes []Hash, slots []int64) error {
	if err := checkSlots(slots); err != nil {
		return err
	}
	for i, s := range slots {
		if want := t.treeIndex[i]; int64(want) != s {
			if nodes[s] != LeafHash(t.leaves[i]) {
				return errcode.Errorf(ErrDumpMismatch, "tree node %d is not the leaf hash of value %d (%s, %s)", s, i, t.leaves[i].Account.Hex(), t.leaves[i].Cumulative)
			}
			return errcode.Errorf(ErrDumpMismatch, "value %d is at treeIndex %d; sorted by hash its leaf belongs at %d", i, s, want)
		}
	}
	n := len(slots)
	for i := len(nodes) - 1; i >= 0; i-- {
		if nodes[i] != t.nodes[i] {
			if i >= n-1 {
				return errcode.Errorf(ErrDumpMismatch, "tree node %d (a leaf) is %s; its value's leaf hash is %s", i, nodes[i].Hex(), t.nodes[i].Hex())
			}
			return errcode.Errorf(ErrDumpMismatch, "tree node %d is %s; the hash of its children is %s", i, nodes[i].Hex(), t.nodes[i].Hex())
		}
	}
	return nil
}

// checkSlots checks that each of n values names a distinct leaf slot, n−1
// to 2n−2.
func checkSlots(slots []int64) error {
	n := int64(len(slots))
	seen := make([]bool, n)
	for i, s := range slots {
		if s < n-1 || s > 2*n-2 {
			return errcode.Errorf(ErrDumpInvalid, "value %d has treeIndex %d; the leaves of a tree of %d values are at %d to %d", i, s, n, n-1, 2*n-2)
		}
		if seen[s-(n-1)] {
			return errcode.Errorf(ErrDumpInvalid, "value %d has treeIndex %d, which another value has too", i, s)
		}
		seen[s-(n-1)] = true
	}
	return nil
}
