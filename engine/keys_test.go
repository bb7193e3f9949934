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
// with a non-empty dst (which must be kept and not deduplicated against):
// the same keys, in ledger.Keys's order up to balanceKeysLinear postings
// and sorted above it (as reported).
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
		got, sides, sorted := balanceKeys(slices.Clone(prefix), nil, postings)
		if len(sides) != 2*n {
			t.Fatalf("case %d: %d sides for %d postings", i, len(sides), n)
		}
		for j, p := range postings {
			for s, acct := range [2]string{p.From, p.To} {
				if k := got[len(prefix)+int(sides[2*j+s])]; k != (ledger.BalanceKey{Account: acct, Currency: p.Currency}) {
					t.Fatalf("case %d: posting %d side %d points at %v; want %s/%s", i, j, s, k, acct, p.Currency)
				}
			}
		}
		keys := ledger.Keys(postings)
		if sorted != (n > balanceKeysLinear) {
			t.Fatalf("case %d (%d postings): sorted = %v", i, n, sorted)
		}
		if sorted {
			slices.SortFunc(keys, ledger.BalanceKey.Compare)
		}
		want := append(slices.Clone(prefix), keys...)
		if !slices.Equal(got, want) {
			t.Fatalf("case %d (%d postings): balanceKeys = %v; want %v", i, n, got, want)
		}
	}
}

// TestBalanceKeysOrder pins the order: first appearance, from before to.
func TestBalanceKeysOrder(t *testing.T) {
	p := []ledger.Posting{{From: "@b", To: "p", Currency: "USDC"}, {From: "@b", To: "q", Currency: "USDC"}}
	keys, _, _ := balanceKeys(nil, nil, p)
	if got, want := fmt.Sprint(keys), "[{@b USDC} {p USDC} {q USDC}]"; got != want {
		t.Errorf("balanceKeys = %s; want %s", got, want)
	}
}

// TestEntryEventJSON checks the hand-written event against encoding/json's
// over random keys and programs (printable ASCII with every character
// that needs escaping, and now and then a byte that sends it back to
// encoding/json).
func TestEntryEventJSON(t *testing.T) {
	rng := rand.New(rand.NewSource(9))
	str := func(n int) string {
		b := make([]byte, n)
		for i := range b {
			b[i] = byte(0x21 + rng.Intn(0x7e-0x20))
			if rng.Intn(200) == 0 {
				b[i] = byte(rng.Intn(256))
			}
		}
		return string(b)
	}
	kinds := []ledger.Kind{ledger.Transfer, ledger.WithdrawalRequest, ledger.WithdrawalPost, ledger.WithdrawalVoid, ledger.Config}
	for i := 0; i < 20000; i++ {
		ent := &ledger.Entry{Seq: rng.Uint64() >> uint(rng.Intn(64)), Key: str(1 + rng.Intn(40)), Kind: kinds[rng.Intn(len(kinds))], Postings: make([]ledger.Posting, rng.Intn(5))}
		if rng.Intn(2) == 0 {
			ent.Program = str(rng.Intn(12))
		}
		want := mustJSON(entryEvent{Seq: ent.Seq, Key: ent.Key, Kind: ent.Kind.String(), Program: ent.Program, Postings: len(ent.Postings)})
		if got := entryEventJSON(ent); string(got) != string(want) {
			t.Fatalf("entryEventJSON(%+v) = %s; want %s", ent, got, want)
		}
	}
}
