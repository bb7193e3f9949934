package deps

import (
	"errors"
	"fmt"
	"math/rand/v2"
	"testing"

	"github.com/tributary-ledger/tributary/money"
	"github.com/tributary-ledger/tributary/program/splitbook"
	"github.com/tributary-ledger/tributary/split"
)

// randomBook makes n splits of the split book (n at most the depth the
// contributors split leaves): split i nests only splits after it, so the
// book has no cycle, in random units, with random accounts.
func randomBook(r *rand.Rand, n int) []splitbook.Def {
	defs := make([]splitbook.Def, n)
	for i := range defs {
		d := splitbook.Def{ID: fmt.Sprintf("s%d", i), Unit: "weight"}
		k := 1 + r.IntN(5)
		for j := 0; j < k; j++ {
			rc := splitbook.ReceiverDef{Account: fmt.Sprintf("s%d:acct%d", i, j), Share: 1 + r.Uint64N(1_000_000)}
			if next := i + 1 + j; next < n && r.IntN(2) == 0 {
				rc = splitbook.ReceiverDef{Split: fmt.Sprintf("s%d", next), Share: rc.Share}
			}
			d.Receivers = append(d.Receivers, rc)
		}
		if r.IntN(2) == 0 { // the same shares in basis points: all but the last by weight, the last the rest
			d.Unit = "bp"
			left := uint64(10000)
			for j := range d.Receivers {
				d.Receivers[j].Share = 1 + r.Uint64N(left-uint64(len(d.Receivers)-j-1))%max(1, left/2)
				if j == len(d.Receivers)-1 {
					d.Receivers[j].Share = left
				}
				left -= d.Receivers[j].Share
			}
		}
		defs[i] = d
	}
	return defs
}

// TestNestedSplitsConserve: over random books and random contributors
// that mix accounts and splits, a recipient's income is paid out to the
// unit, every nested part's path starts at the contributor and ends at its
// account, and a book with a cycle is refused.
func TestNestedSplitsConserve(t *testing.T) {
	nested := 0
	for seed := uint64(0); seed < 500; seed++ {
		r := rand.New(rand.NewPCG(seed, 20))
		book := randomBook(r, 1+r.IntN(split.DefaultLimits.DepthMax-1))
		plan := Plan{Epoch: seed, Currency: "USD", Splits: book}
		total := money.Zero
		for i := 0; i < 1+r.IntN(4); i++ {
			repo := fmt.Sprintf("repo/%d", i)
			rc := Recipient{Repo: repo, Owner: "own:" + repo}
			k := r.IntN(4)
			left := uint64(10000)
			for j := 0; j < k; j++ {
				c := split.Share{Account: fmt.Sprintf("dev:%d:%d", i, j), ShareBP: left}
				if j < k-1 {
					c.ShareBP = 1 + r.Uint64N(left-uint64(k-j-1))
				}
				left -= c.ShareBP
				if r.IntN(2) == 0 {
					c.Account = SplitPrefix + book[r.IntN(len(book))].ID
				}
				if c.ShareBP > 0 && !hasAccount(rc.Contributors, c.Account) {
					rc.Contributors = append(rc.Contributors, c)
				}
			}
			if sumBP(rc.Contributors) != 10000 { // a split named twice: paid to the owner
				rc.Contributors = nil
			}
			amount := money.FromUint64(r.Uint64N(1 << 62))
			plan.Recipients = append(plan.Recipients, rc)
			plan.Streams = append(plan.Streams, Stream{Payer: "payer", Path: []string{repo}, Kept: amount, Paid: amount})
			total = mustAdd(total, amount)
		}
		plan.Payers = []Payer{{Repo: "payer", Reserved: total, Paid: total}}
		st, err := Settle(plan)
		if err != nil {
			t.Fatalf("seed %d: %v", seed, err)
		}
		for _, in := range st.Income {
			sum := money.Zero
			for _, p := range in.Parts {
				sum = mustAdd(sum, p.Amount)
				if len(p.Path) > 0 {
					nested++
				}
				if len(p.Path) > 0 && (p.Path[len(p.Path)-1] != p.Account || p.Path[1][:len(SplitPrefix)] != SplitPrefix) {
					t.Fatalf("seed %d: part %s's path %v", seed, p.Account, p.Path)
				}
			}
			if sum.Cmp(in.Amount) != 0 {
				t.Fatalf("seed %d: %s's parts sum to %s of %s", seed, in.Repo, sum, in.Amount)
			}
		}
		// Close a cycle: the split where a walk down from the first ends
		// nests the first.
		last := &plan.Splits[deepest(plan.Splits)]
		last.Receivers = append(last.Receivers, splitbook.ReceiverDef{Split: plan.Splits[0].ID, Share: 1})
		if last.Unit == "bp" {
			last.Receivers[0].Share--
			if last.Receivers[0].Share == 0 {
				last.Receivers = last.Receivers[1:]
			}
		}
		if _, err := Settle(plan); !errors.Is(err, split.ErrCycle) {
			t.Fatalf("seed %d: a book with a cycle: %v; want %s", seed, err, split.ErrCycle.Code())
		}
	}
	if nested < 1000 {
		t.Errorf("%d parts paid through nested splits; the cases hardly nest", nested)
	}
}

func hasAccount(cs []split.Share, account string) bool {
	for _, c := range cs {
		if c.Account == account {
			return true
		}
	}
	return false
}

func sumBP(cs []split.Share) uint64 {
	var s uint64
	for _, c := range cs {
		s += c.ShareBP
	}
	return s
}

// deepest follows the first nested split of each split from the first
// split and returns the index of the split where the walk ends.
func deepest(book []splitbook.Def) int {
	at := map[string]int{}
	for i, d := range book {
		at[d.ID] = i
	}
	i := 0
	for {
		next := -1
		for _, rc := range book[i].Receivers {
			if rc.Split != "" {
				next = at[rc.Split]
				break
			}
		}
		if next < 0 {
			return i
		}
		i = next
	}
}
