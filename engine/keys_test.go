package engine

import (
	"fmt"
	"math/rand"
	"slices"
	"testing"

	"github.com/tributary-ledger/tributary/ledger"
)

// TestBalanceKeysMatchesLedger checks the map-free deduplication against
// ledger.Keys over random postings, on both sides of balanceKeysLinear and
// with a non-empty dst (which must be kept and not deduplicated against).
func TestBalanceKeysMatchesLedger(t *testing.T) {
	rng := rand.New(rand.NewSource(7))
	accounts := []string{"a", "b", "c", "@x", "platform:fee"}
	currencies := []string{"USDC", "EUR"}
	for i := 0; i < 2000; i++ {
		n := 1 + rng.Intn(2*balanceKeysLinear)
		postings := make([]ledger.Posting, n)
		for j := range postings {
			postings[j] = ledger.Posting{
				From:     accounts[rng.Intn(len(accounts))],
				To:       accounts[rng.Intn(len(accounts))],
				Currency: currencies[rng.Intn(len(currencies))],
			}
		}
		prefix := []ledger.BalanceKey{{Account: "a", Currency: "USDC"}}
		got := balanceKeys(slices.Clone(prefix), postings)
		want := append(slices.Clone(prefix), ledger.Keys(postings)...)
		if !slices.Equal(got, want) {
			t.Fatalf("case %d (%d postings): balanceKeys = %v; want %v", i, n, got, want)
		}
	}
}

// TestBalanceKeysOrder pins the order: first appearance, from before to.
func TestBalanceKeysOrder(t *testing.T) {
	p := []ledger.Posting{{From: "@b", To: "p", Currency: "USDC"}, {From: "@b", To: "q", Currency: "USDC"}}
	if got, want := fmt.Sprint(balanceKeys(nil, p)), "[{@b USDC} {p USDC} {q USDC}]"; got != want {
		t.Errorf("balanceKeys = %s; want %s", got, want)
	}
}
