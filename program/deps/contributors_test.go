package deps_test

import (
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/tributary-ledger/tributary/cli"
	"github.com/tributary-ledger/tributary/engine"
	"github.com/tributary-ledger/tributary/errcode"
	"github.com/tributary-ledger/tributary/ledger"
	"github.com/tributary-ledger/tributary/money"
	"github.com/tributary-ledger/tributary/program/deps"
	"github.com/tributary-ledger/tributary/program/splitbook"
	"github.com/tributary-ledger/tributary/split"
	"github.com/tributary-ledger/tributary/store/sqlite"
)

// TestNestedContributorsGolden: a repo's contributor "split:band" is paid
// through the split book's split band, which nests crew; every unit of the
// 1000 the repo earns reaches an account, by largest remainder at each
// level, and each part's path names every level.
func TestNestedContributorsGolden(t *testing.T) {
	ctx := context.Background()
	st, e, reg := openEngine(t)
	week := 7 * 24 * time.Hour
	at := benchAnchor.Add(-time.Hour)
	apply := func(op engine.Op) error {
		t.Helper()
		_, err := e.ApplyOne(ctx, op)
		return err
	}
	must := func(op engine.Op) {
		t.Helper()
		if err := apply(op); err != nil {
			t.Fatal(err)
		}
	}
	must(splitbook.Put("crew", at, splitbook.Def{ID: "crew", Unit: "weight", Receivers: []splitbook.ReceiverDef{{Account: "dev:a", Share: 1}, {Account: "dev:b", Share: 2}}}, false, split.DefaultLimits))
	must(splitbook.Put("band", at, splitbook.Def{ID: "band", Unit: "bp", Receivers: []splitbook.ReceiverDef{{Account: "dev:drummer", Share: 2000}, {Account: "dev:singer", Share: 3000}, {Split: "crew", Share: 5000}}}, false, split.DefaultLimits))
	must(deps.SetParams("cfg", at, deps.Params{Currency: "USD", Anchor: benchAnchor,
		BaseRate: deps.BaseRate{Public: money.FromUint64(1000), Private: money.FromUint64(1000), NoTelemetry: money.FromUint64(1000)}}, reg))
	must(deps.LinkRepo("link-a", at, deps.Repo{ID: "github.com/a/app", Owner: "own:a", Treasury: "tr:a", Visibility: deps.Public}))
	must(deps.LinkRepo("link-l", at, deps.Repo{ID: "github.com/l/lib", Owner: "own:l", Treasury: "tr:l", Visibility: deps.Public, Packages: []string{"npm:lib"}}))
	must(deps.StoreGraph("graph-a", at, "github.com/a/app", ledger.Hash{}, deps.Graph{Deps: []string{"npm:lib"}}))
	must(engine.Transfer("fund", at, []ledger.Posting{{From: "@sponsor", To: "tr:a", Currency: "USD", Amount: money.FromUint64(10_000), Path: "fund"}}))

	// Refused at apply, nothing written: a split the book does not hold.
	err := apply(deps.ApplyAsset("asset-bad", at, "github.com/l/lib", "[[contributors]]\naccount = \"split:nobody\"\nshare = 10000\n"))
	if code := errcode.Code(err); code != deps.ErrAsset.Code() {
		t.Fatalf("a contributor naming a missing split: %v (code %q); want %s", err, code, deps.ErrAsset.Code())
	}
	must(deps.ApplyAsset("asset", at, "github.com/l/lib", "[[contributors]]\naccount = \"dev:ana\"\nshare = 3333\n\n[[contributors]]\naccount = \"split:band\"\nshare = 6667\n"))
	must(deps.OpenEpoch("open-0", benchAnchor, 0))
	must(deps.CloseEpoch("close-0", benchAnchor.Add(week), 0))

	rec, err := deps.ReadEpoch(cli.View(ctx, st, deps.Program), 0)
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, in := range rec.Settlement.Income {
		if in.Repo != "github.com/l/lib" {
			continue
		}
		for _, p := range in.Parts {
			got = append(got, fmt.Sprintf("%s %s %s", p.Account, p.Amount, strings.Join(p.Path, " → ")))
		}
	}
	// 1000 × 33.33% / 66.67% = 333.3 / 666.7 → 333 / 667; band's 667 ×
	// 20% / 30% / 50% = 133.4 / 200.1 / 333.5 → 133 / 200 / 334; crew's
	// 334 × 1/3 / 2/3 = 111.33 / 222.67 → 111 / 223.
	want := []string{
		"dev:ana 333 ",
		"dev:drummer 133 contributor 66.67% → split:band → split 20% → dev:drummer",
		"dev:singer 200 contributor 66.67% → split:band → split 30% → dev:singer",
		"dev:a 111 contributor 66.67% → split:band → split 50% → split:crew → split 1/3 → dev:a",
		"dev:b 223 contributor 66.67% → split:band → split 50% → split:crew → split 2/3 → dev:b",
	}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("lib's income:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
	for account, want := range map[string]uint64{"dev:ana": 333, "dev:drummer": 133, "dev:singer": 200, "dev:a": 111, "dev:b": 223, "own:l": 0, deps.ReserveAccount(0): 0} {
		if got := available(t, st, account); got != want {
			t.Errorf("%s holds %d; want %d", account, got, want)
		}
	}
}

// TestNestedContributorsDepth: the contributors split is the first of the
// split book's levels, so a split nesting the book's whole depth is
// refused as a contributor, and one a level shallower is taken.
func TestNestedContributorsDepth(t *testing.T) {
	ctx := context.Background()
	st, err := sqlite.Open(ctx, filepath.Join(t.TempDir(), "depth.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	e := engine.New(st, money.NewRegistry())
	at := benchAnchor
	apply := func(op engine.Op) error { _, err := e.ApplyOne(ctx, op); return err }
	// s1 nests s2 … s8: s1 is 8 levels deep, the book's limit.
	for i := split.DefaultLimits.DepthMax; i >= 1; i-- {
		d := splitbook.Def{ID: fmt.Sprintf("s%d", i), Unit: "bp", Receivers: []splitbook.ReceiverDef{{Account: "dev:leaf", Share: 10000}}}
		if i < split.DefaultLimits.DepthMax {
			d.Receivers = []splitbook.ReceiverDef{{Account: "dev:leaf", Share: 5000}, {Split: fmt.Sprintf("s%d", i+1), Share: 5000}}
		}
		if err := apply(splitbook.Put(d.ID, at, d, false, split.DefaultLimits)); err != nil {
			t.Fatal(err)
		}
	}
	if err := apply(deps.LinkRepo("link", at, deps.Repo{ID: "github.com/l/lib", Owner: "own:l", Treasury: "tr:l", Visibility: deps.Public})); err != nil {
		t.Fatal(err)
	}
	asset := func(id string) string { return "[[contributors]]\naccount = \"split:" + id + "\"\nshare = 10000\n" }
	err = apply(deps.ApplyAsset("deep", at, "github.com/l/lib", asset("s1")))
	if !errors.Is(err, split.ErrDepthMax) {
		t.Errorf("a contributor nesting %d levels under the contributors split: %v; want %s", split.DefaultLimits.DepthMax, err, split.ErrDepthMax.Code())
	}
	if err := apply(deps.ApplyAsset("ok", at, "github.com/l/lib", asset("s2"))); err != nil {
		t.Errorf("a contributor nesting %d levels: %v", split.DefaultLimits.DepthMax-1, err)
	}
}

func available(t *testing.T, st interface {
	AccountBalances(context.Context, string) ([]ledger.Balance, error)
}, account string) uint64 {
	t.Helper()
	bals, err := st.AccountBalances(context.Background(), account)
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
