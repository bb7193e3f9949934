package payoutcli

import (
	"strings"

	"github.com/tributary-ledger/tributary/errcode"
	"github.com/tributary-ledger/tributary/ledger"
	"github.com/tributary-ledger/tributary/money"
	"github.com/tributary-ledger/tributary/payout/merkle"
	"github.com/tributary-ledger/tributary/program/payout"
)

// Report is what Verify checked.
type Report struct {
	Leaves, Proofs int
}

// Verify recomputes an export's total from its lines, and, when it has a
// claims tree, the tree from its leaves: the root must be the batch's,
// the leaves' sum its tree total, every on-chain line's address must have
// a leaf covering the line, and every leaf's proof must verify under the
// root. A tree dump (dump, when not nil) must load, check, and carry the
// same root and leaves.
//
// Errors: ledger.ErrVerify naming the first disagreement.
func Verify(ex payout.Export, dump []byte) (Report, error) {
	fail := func(format string, args ...any) (Report, error) {
		return Report{}, errcode.Errorf(ledger.ErrVerify, "batch %d: "+format, append([]any{ex.Batch.ID}, args...)...)
	}
	var sum money.Amount
	chainLines := map[merkle.Address]money.Amount{}
	for _, l := range ex.Lines {
		a, err := money.ParseUnits(string(l.Units))
		if err != nil {
			return fail("line %s: %v", l.Reference, err)
		}
		if sum, err = sum.Add(a); err != nil {
			return fail("the lines' sum passes 2^256-1")
		}
		if l.Rail == payout.RailChain {
			addr, err := merkle.ParseAddress(l.Destination)
			if err != nil {
				return fail("line %s: %v", l.Reference, err)
			}
			if !strings.HasSuffix(l.Reference, "-"+strings.ToLower(addr.Hex())) {
				return fail("line %s pays %s, whose reference it is not", l.Reference, addr.Hex())
			}
			chainLines[addr] = a
		}
	}
	if len(ex.Lines) != ex.Batch.Lines || sum.String() != string(ex.Batch.Total) {
		return fail("%d lines summing to %s; the batch says %d lines, %s", len(ex.Lines), sum, ex.Batch.Lines, ex.Batch.Total)
	}
	if ex.Batch.Root == "" {
		if len(chainLines) > 0 || len(ex.Leaves) > 0 {
			return fail("on-chain lines or leaves but no root")
		}
		return Report{}, nil
	}
	leaves := make([]merkle.Leaf, len(ex.Leaves))
	var treeTotal money.Amount
	for i, l := range ex.Leaves {
		a, err := merkle.ParseAddress(l[0])
		if err != nil {
			return fail("leaf %d: %v", i, err)
		}
		c, err := money.ParseUnits(l[1])
		if err != nil {
			return fail("leaf %d: %v", i, err)
		}
		leaves[i] = merkle.Leaf{Account: a, Cumulative: c}
		if treeTotal, err = treeTotal.Add(c); err != nil {
			return fail("the leaves' sum passes 2^256-1")
		}
	}
	tree, err := merkle.Build(leaves)
	if err != nil {
		return fail("the leaves do not make a tree: %v", err)
	}
	if tree.Root().Hex() != ex.Batch.Root {
		return fail("the leaves' root is %s; the batch says %s", tree.Root().Hex(), ex.Batch.Root)
	}
	if treeTotal.String() != string(ex.Batch.TreeTotal) {
		return fail("the leaves sum to %s; the batch says %s", treeTotal, ex.Batch.TreeTotal)
	}
	for a, amt := range chainLines {
		i, ok := tree.Lookup(a)
		if !ok || tree.Leaf(i).Cumulative.Cmp(amt) < 0 {
			return fail("%s's line of %s has no leaf covering it", a.Hex(), amt)
		}
	}
	for i := range tree.Len() {
		p := tree.ProofAt(i)
		if !merkle.Verify(tree.Root(), p.Leaf, p.Hashes) {
			return fail("the proof of %s does not verify", p.Leaf.Account.Hex())
		}
	}
	if dump != nil {
		loaded, err := merkle.Load(dump)
		if err != nil {
			return fail("the tree dump: %v", err)
		}
		if loaded.Root() != tree.Root() || loaded.Len() != tree.Len() {
			return fail("the tree dump's root %s (%d leaves) is not the export's %s (%d)", loaded.Root().Hex(), loaded.Len(), tree.Root().Hex(), tree.Len())
		}
		for i := range loaded.Len() {
			if j, ok := tree.Lookup(loaded.Leaf(i).Account); !ok || tree.Leaf(j) != loaded.Leaf(i) {
				return fail("the tree dump's leaf %s is not the export's", loaded.Leaf(i).Account.Hex())
			}
		}
	}
	return Report{Leaves: tree.Len(), Proofs: tree.Len()}, nil
}
