package deps_test

import (
	"context"
	"testing"
	"time"

	"github.com/tributary-ledger/tributary/engine"
	"github.com/tributary-ledger/tributary/ledger"
	"github.com/tributary-ledger/tributary/money"
	"github.com/tributary-ledger/tributary/program/deps"
	"github.com/tributary-ledger/tributary/program/usage"
)

// TestSleeperPool: the 10% skim of a payer's budget is paid at the close
// to the repos of low import volume and no open advisory, by their
// stability, capped per repo; a heavily used repo and one with an open
// advisory get nothing, and the pool keeps what the cap leaves.
func TestSleeperPool(t *testing.T) {
	ctx := context.Background()
	st, e, reg := openEngine(t)
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
				return b.Available().Amount.Uint64()
			}
		}
		return 0
	}
	apply(deps.SetParams("cfg", at, deps.Params{Currency: "USD", Anchor: benchAnchor, SleeperBP: 1000,
		BaseRate: deps.BaseRate{Public: money.FromUint64(10_000), Private: money.FromUint64(10_000), NoTelemetry: money.FromUint64(10_000)},
		Sleeper:  &deps.Sleeper{AgeBP: 5000, DependentsBP: 3000, ReleasesBP: 2000, Formula: usage.Formula{Kind: usage.ProRata}, CapBP: 6000, MaxCalls: 1000}}, reg))
	for _, r := range []struct {
		id   string
		meta deps.Meta
	}{
		{"github.com/a/app", deps.Meta{}},
		{"github.com/b/busy", deps.Meta{AgeDays: 4000, Dependents: 900, StableReleases: 80}},
		{"github.com/s/one", deps.Meta{AgeDays: 3650, Dependents: 40, StableReleases: 30}},
		{"github.com/s/two", deps.Meta{AgeDays: 365, Dependents: 10, StableReleases: 5}},
		{"github.com/s/vuln", deps.Meta{AgeDays: 3000, Dependents: 50, StableReleases: 20, OpenAdvisories: 1}},
	} {
		apply(deps.LinkRepo("link-"+r.id, at, deps.Repo{ID: r.id, Owner: "own:" + r.id[11:], Treasury: "tr:" + r.id[11:], Visibility: deps.Public}))
		apply(deps.SetMeta("meta-"+r.id, at, r.id, r.meta))
	}
	apply(deps.StoreGraph("graph-a", at, "github.com/a/app", ledger.Hash{}, deps.Graph{Deps: []string{"npm:busy"}}))
	apply(deps.MapPackages("pkg-b", at, "github.com/b/busy", []string{"npm:busy"}))
	apply(engine.Transfer("fund", at, []ledger.Posting{{From: "@sponsor", To: "tr:a/app", Currency: "USD", Amount: money.FromUint64(100_000), Path: "fund"}}))
	apply(deps.OpenEpoch("open-0", benchAnchor, 0))
	apply(deps.RecordUsage("usage-0", benchAnchor, []deps.Report{{From: "github.com/a/app", To: "npm:busy", Calls: 5_000_000, Source: deps.SourceProd}}))
	apply(deps.CloseEpoch("close-0", benchAnchor.Add(7*24*time.Hour), 0))
	one, two, busy, vuln, pool := balance("own:s/one"), balance("own:s/two"), balance("own:b/busy"), balance("own:s/vuln"), balance(deps.SleeperAccount)
	t.Logf("one %d, two %d, busy %d, vuln %d, pool left %d", one, two, busy, vuln, pool)
	if one == 0 || two == 0 || one > 600 || one <= two {
		t.Errorf("sleepers got %d and %d of 1,000; want both paid, the older more, at most the 60%% cap", one, two)
	}
	if vuln != 0 || busy != 9_000 {
		t.Errorf("the repo with an advisory got %d (want 0); the busy repo %d (want its 9,000 stream and nothing of the pool)", vuln, busy)
	}
	if one+two+pool != 1_000 {
		t.Errorf("paid %d + %d, left %d; want the 1,000 skim accounted for", one, two, pool)
	}
}
