package merkle

import (
	"bytes"
	"cmp"
	"encoding/binary"
	"runtime"
	"slices"
	"sync"

	"github.com/tributary-ledger/tributary/errcode"
)

// Tree is a built claims tree. It does not change once built.
type Tree struct {
	// nodes is the complete binary tree: the root at 0, node i's children
	// at 2i+1 and 2i+2, the leaves in the last len(leaves) slots.
	nodes []Hash
	// leaves are the values in the order Build was given them, which is
	// the order of the dump's values.
	leaves []Leaf
	// treeIndex[i] is the slot of leaves[i] in nodes.
	treeIndex []uint32
	// byAccount lists leaf indexes by address, for Proof's binary search:
	// a sorted index of 4 bytes a leaf instead of a map of ~50.
	byAccount []uint32
}

// Proof is what a payee needs to claim: its leaf and the sibling of each
// node from the leaf up to the root, as OpenZeppelin's getProof lists them
// and MerkleProof.verify takes them.
type Proof struct {
	Leaf   Leaf
	Hashes []Hash
}

// Build builds the tree of leaves, which keep their order in the dump.
//
// Errors: ErrEmpty, ErrLeavesMax, ErrZeroAddress, ErrZeroAmount,
// ErrDuplicate.
func Build(leaves []Leaf) (*Tree, error) {
	if err := checkLeaves(leaves); err != nil {
		return nil, err
	}
	t := &Tree{leaves: slices.Clone(leaves)}
	var err error
	if t.byAccount, err = indexAccounts(t.leaves); err != nil {
		return nil, err
	}
	hashes := hashLeaves(t.leaves)
	t.nodes, t.treeIndex = layout(hashes)
	hashInner(t.nodes, len(t.leaves))
	return t, nil
}

// checkLeaves checks what can be checked of each leaf alone.
func checkLeaves(leaves []Leaf) error {
	switch {
	case len(leaves) == 0:
		return errcode.Errorf(ErrEmpty, "the claims tree has no leaves; it needs at least one")
	case len(leaves) > LeavesMax:
		return errcode.Errorf(ErrLeavesMax, "the claims tree has %d leaves; at most %d are allowed", len(leaves), LeavesMax)
	}
	for i, l := range leaves {
		if l.Account.IsZero() {
			return errcode.Errorf(ErrZeroAddress, "leaf %d names the zero address; nobody holds its key, so what it is paid is lost", i)
		}
		if l.Cumulative.IsZero() {
			return errcode.Errorf(ErrZeroAmount, "leaf %d (%s) has a cumulative amount of zero; leave out an address that was never paid", i, l.Account.Hex())
		}
	}
	return nil
}

// indexAccounts returns the leaf indexes sorted by address, refusing an
// address that appears twice: two leaves for one address would let it
// claim under whichever is larger, and the other would never be paid.
func indexAccounts(leaves []Leaf) ([]uint32, error) {
	idx := sortIndexes(len(leaves), func(i uint32) []byte { return leaves[i].Account[:] })
	for k := 1; k < len(idx); k++ {
		if a, b := idx[k-1], idx[k]; leaves[a].Account == leaves[b].Account {
			return nil, errcode.Errorf(ErrDuplicate, "address %s has leaves %d and %d; give each address one leaf with its cumulative total", leaves[a].Account.Hex(), a, b)
		}
	}
	return idx, nil
}

// SortLeaves sorts leaves by address, in place, as indexAccounts orders
// them: a payout batch keeps its leaves in that order.
func SortLeaves(leaves []Leaf) {
	idx := sortIndexes(len(leaves), func(i uint32) []byte { return leaves[i].Account[:] })
	sorted := make([]Leaf, len(leaves))
	for k, i := range idx {
		sorted[k] = leaves[i]
	}
	copy(leaves, sorted)
}

// sortIndexes returns 0..n−1 sorted by key(i) as big-endian bytes, ties by
// index. It sorts (first 8 bytes, index) pairs, which sit together in
// memory, and compares whole keys only where the first 8 bytes tie: three
// times faster than sorting indexes by bytes.Compare over keys spread
// through memory.
func sortIndexes(n int, key func(i uint32) []byte) []uint32 {
	type prefixed struct {
		prefix uint64
		i      uint32
	}
	ps := make([]prefixed, n)
	parallel(n, func(lo, hi int) {
		for i := lo; i < hi; i++ {
			ps[i] = prefixed{binary.BigEndian.Uint64(key(uint32(i))), uint32(i)}
		}
	})
	slices.SortFunc(ps, func(a, b prefixed) int {
		if a.prefix != b.prefix {
			return cmp.Compare(a.prefix, b.prefix)
		}
		return cmp.Or(bytes.Compare(key(a.i), key(b.i)), cmp.Compare(a.i, b.i))
	})
	out := make([]uint32, n)
	for k, p := range ps {
		out[k] = p.i
	}
	return out
}

// hashLeaves returns each leaf's hash, in the leaves' order, on every
// core.
func hashLeaves(leaves []Leaf) []Hash {
	out := make([]Hash, len(leaves))
	parallel(len(leaves), func(lo, hi int) {
		var h hasher
		for i := lo; i < hi; i++ {
			out[i] = h.leaf(leaves[i])
		}
	})
	return out
}

// layout sorts the leaf hashes ascending and places them from the last
// slot of a 2n−1 node array backwards, the smallest last, as the library
// does. It returns the array and each leaf's slot. Ties cannot happen
// without a keccak collision (addresses are distinct); the index breaks
// them anyway, as the library's stable sort would.
func layout(hashes []Hash) ([]Hash, []uint32) {
	n := len(hashes)
	order := sortIndexes(n, func(i uint32) []byte { return hashes[i][:] })
	nodes := make([]Hash, 2*n-1)
	slot := make([]uint32, n)
	for rank, i := range order {
		s := len(nodes) - 1 - rank
		nodes[s] = hashes[i]
		slot[i] = uint32(s)
	}
	return nodes, slot
}

// hashInner fills the n−1 inner nodes, a level at a time from the deepest:
// a node's children are on the level below (or are leaves), so every node
// of a level can be hashed at once, on every core.
func hashInner(nodes []Hash, n int) {
	// Level d holds slots 2^d−1 to 2^(d+1)−2; start at the deepest level
	// that holds an inner node.
	start := 0
	for 2*start+1 <= n-2 {
		start = 2*start + 1
	}
	for {
		lo, hi := start, min(2*start+1, n-1)
		parallel(hi-lo, func(a, b int) {
			var h hasher
			for i := lo + a; i < lo+b; i++ {
				nodes[i] = h.pair(&nodes[2*i+1], &nodes[2*i+2])
			}
		})
		if start == 0 {
			return
		}
		start = (start - 1) / 2
	}
}

// parallelMin is the least work parallel splits: below it, starting
// goroutines costs more than it saves.
const parallelMin = 4096

// parallel runs f over [0, n) in one chunk per core, or in one call when
// n is small. The chunks write disjoint parts of their output, so the
// result is the same whatever the scheduling.
func parallel(n int, f func(lo, hi int)) {
	workers := runtime.GOMAXPROCS(0)
	if n < parallelMin || workers == 1 {
		f(0, n)
		return
	}
	var wg sync.WaitGroup
	for w := range workers {
		lo, hi := n*w/workers, n*(w+1)/workers
		wg.Go(func() { f(lo, hi) })
	}
	wg.Wait()
}

// Root is the tree's root, the value the contract is given.
func (t *Tree) Root() Hash { return t.nodes[0] }

// Len is the number of leaves.
func (t *Tree) Len() int { return len(t.leaves) }

// Leaf returns the i-th leaf in the order Build was given them.
func (t *Tree) Leaf(i int) Leaf { return t.leaves[i] }

// Lookup returns the index of account's leaf, and false when it has none.
func (t *Tree) Lookup(account Address) (int, bool) {
	k, found := slices.BinarySearchFunc(t.byAccount, account, func(i uint32, a Address) int {
		return bytes.Compare(t.leaves[i].Account[:], a[:])
	})
	if !found {
		return 0, false
	}
	return int(t.byAccount[k]), true
}

// Proof returns account's leaf and proof.
//
// Errors: ErrNotInTree.
func (t *Tree) Proof(account Address) (Proof, error) {
	i, ok := t.Lookup(account)
	if !ok {
		return Proof{}, errcode.Errorf(ErrNotInTree, "address %s has no leaf in this claims tree (root %s, %d leaves)", account.Hex(), t.Root().Hex(), len(t.leaves))
	}
	return t.ProofAt(i), nil
}

// ProofAt returns the i-th leaf's proof; i is an index in the order Build
// was given the leaves.
func (t *Tree) ProofAt(i int) Proof {
	s := int(t.treeIndex[i])
	var hashes []Hash
	if s > 0 {
		hashes = make([]Hash, 0, depth(s))
	}
	for s > 0 {
		// The sibling of an odd slot (a left child) is the next one.
		sib := s + 1
		if s%2 == 0 {
			sib = s - 1
		}
		hashes = append(hashes, t.nodes[sib])
		s = (s - 1) / 2
	}
	return Proof{Leaf: t.leaves[i], Hashes: hashes}
}

// depth is the number of edges from slot s to the root.
func depth(s int) int {
	d := 0
	for ; s > 0; s = (s - 1) / 2 {
		d++
	}
	return d
}

// Verify reports whether proof proves leaf under root: hashing the leaf
// with each proof hash in turn, as sorted pairs, gives the root. It is
// what the contract checks, and needs nothing but the three. A proof
// longer than ProofMax is false.
func Verify(root Hash, leaf Leaf, proof []Hash) bool {
	if len(proof) > ProofMax {
		return false
	}
	var h hasher
	x := h.leaf(leaf)
	for i := range proof {
		x = h.pair(&x, &proof[i])
	}
	return x == root
}
