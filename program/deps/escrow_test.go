package deps_test

import (
	"context"
	"path/filepath"
	"testing"
	"time"

	"github.com/tributary-ledger/tributary/engine"
	"github.com/tributary-ledger/tributary/ledger"
	"github.com/tributary-ledger/tributary/money"
	"github.com/tributary-ledger/tributary/program/deps"
	"github.com/tributary-ledger/tributary/store/sqlite"
)

// TestEscrowClaimAndExpiry: a payer's budget for two unlinked packages
// accrues in escrow; one package is linked after the first epoch and its
// escrow is paid to its repo at the next close, the other stays unlinked
// for escrow_epochs and its escrow returns to the payer.
func TestEscrowClaimAndExpiry(t *testing.T) {
	ctx := context.Background()
	st, e, reg := openEngine(t)
	week := 7 * 24 * time.Hour
	at := benchAnchor.Add(-time.Hour)
	apply := func(op engine.Op) {
		t.Helper()
		if _, err := e.ApplyOne(ctx, op); err != nil {
			t.Fatal(err)
		}
	}
	balance := func(account string) uint64 {
		t.Helper()
		bals, err := st.AccountBalances(ctx, account)
		if err != nil {
			t.Fatal(err)
		}
		for _, b := range bals {
			if b.Currency == "USD" {
				av := b.Available()
				return av.Amount.Uint64()
			}
		}
		return 0
	}
	apply(deps.SetParams("cfg", at, deps.Params{Currency: "USD", Anchor: benchAnchor, EscrowEpochs: 2,
		BaseRate: deps.BaseRate{Public: money.FromUint64(1000), Private: money.FromUint64(1000), NoTelemetry: money.FromUint64(1000)}}, reg))
	apply(deps.LinkRepo("link-a", at, deps.Repo{ID: "github.com/a/app", Owner: "own:a", Treasury: "tr:a", Visibility: deps.Public}))
	apply(deps.StoreGraph("graph-a", at, "github.com/a/app", ledger.Hash{}, deps.Graph{Deps: []string{"npm:left-pad", "npm:right-pad"}}))
	apply(engine.Transfer("fund", at, []ledger.Posting{{From: "@sponsor", To: "tr:a", Currency: "USD", Amount: money.FromUint64(10_000), Path: "fund"}}))
	apply(deps.OpenEpoch("open-0", benchAnchor, 0))
	apply(deps.CloseEpoch("close-0", benchAnchor.Add(week), 0))
	if l, r := balance(deps.EscrowAccount("npm:left-pad")), balance(deps.EscrowAccount("npm:right-pad")); l != 500 || r != 500 {
		t.Fatalf("escrow after epoch 0: left-pad %d, right-pad %d; want 500 each", l, r)
	}
	// left-pad is linked: from now on it is paid directly, and its escrow
	// goes to it at the next close.
	apply(deps.LinkRepo("link-l", at.Add(week), deps.Repo{ID: "github.com/l/left-pad", Owner: "own:l", Treasury: "tr:l", Visibility: deps.Public, Packages: []string{"npm:left-pad"}}))
	apply(deps.OpenEpoch("open-1", benchAnchor.Add(week), 1))
	apply(deps.CloseEpoch("close-1", benchAnchor.Add(2*week), 1))
	for account, want := range map[string]uint64{
		"own:l":                             1000, // 500 paid in epoch 1, 500 released from escrow
		"tr:a":                              9000, // 10,000 − 2 × 1,000 + right-pad's 1,000 refunded after 2 epochs
		deps.EscrowAccount("npm:left-pad"):  0,
		deps.EscrowAccount("npm:right-pad"): 0,
		deps.ReserveAccount(1):              0,
	} {
		if got := balance(account); got != want {
			t.Errorf("%s holds %d; want %d", account, got, want)
		}
	}
}

// openEngine is an engine over a fresh SQLite store, closed when the test
// ends, and its currency registry.
func openEngine(t *testing.T) (*sqlite.Store, *engine.Engine, *money.Registry) {
	t.Helper()
	st, err := sqlite.Open(context.Background(), filepath.Join(t.TempDir(), "deps.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	reg := money.NewRegistry()
	return st, engine.New(st, reg), reg
}
