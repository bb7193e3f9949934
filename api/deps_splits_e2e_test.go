package api_test

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/tributary-ledger/tributary/auth"
	"github.com/tributary-ledger/tributary/money"
	"github.com/tributary-ledger/tributary/program/deps"
	"github.com/tributary-ledger/tributary/program/splitbook"
	"github.com/tributary-ledger/tributary/wire"
)

// TestDepsContributorSplitEndToEnd: over HTTP, on both stores, a repo's
// contributor "split:band" is paid at the epoch's close through the split
// book's band and the crew it nests, to the unit, each part's path naming
// every level; a contributor naming a split the book lacks is refused with
// nothing written; and the splits count as they stood at open (a band
// replaced after the open changes nothing the close pays).
func TestDepsContributorSplitEndToEnd(t *testing.T) {
	for name, open := range stores(t) {
		t.Run(name, func(t *testing.T) {
			anchor := time.Date(2026, 1, 5, 0, 0, 0, 0, time.UTC)
			clk := &clock{now: anchor.Add(-time.Hour)}
			e := startAt(t, open(t), clk.Now)
			ctx := context.Background()
			config := e.token(t, auth.Configurator)
			mustDo := func(what string, err error) {
				t.Helper()
				if err != nil {
					t.Fatalf("%s: %v", what, err)
				}
			}
			_, _, err := e.admin.SetDepsConfig(ctx, "cfg", deps.Params{Currency: "USD", Anchor: anchor,
				BaseRate: deps.BaseRate{Public: money.FromUint64(1000), Private: money.FromUint64(1000), NoTelemetry: money.FromUint64(1000)}})
			mustDo("config", err)
			_, _, err = config.CreateSplit(ctx, "crew", splitbook.Def{ID: "crew", Unit: "weight", Receivers: []splitbook.ReceiverDef{{Account: "dev:a", Share: 1}, {Account: "dev:b", Share: 2}}})
			mustDo("crew", err)
			_, _, err = config.CreateSplit(ctx, "band", splitbook.Def{ID: "band", Unit: "bp", Receivers: []splitbook.ReceiverDef{{Account: "dev:drummer", Share: 2000}, {Account: "dev:singer", Share: 3000}, {Split: "crew", Share: 5000}}})
			mustDo("band", err)
			_, _, err = config.LinkDepsRepo(ctx, "link-app", deps.RepoRequest{ID: "npm:app", Owner: "own:app", Treasury: "tr:app", Visibility: "public", Packages: []string{"npm:app"}})
			mustDo("link app", err)
			_, _, err = config.LinkDepsRepo(ctx, "link-lib", deps.RepoRequest{ID: "npm:lib", Owner: "own:lib", Treasury: "tr:lib", Visibility: "public", Packages: []string{"npm:lib"}})
			mustDo("link lib", err)
			_, _, err = config.UploadDepsLockfile(ctx, "lock-app", "npm:app", deps.LockfileRequest{Name: "package-lock.json", Content: npmLock("app", "lib")})
			mustDo("lockfile", err)
			_, _, err = e.admin.CreateEntry(ctx, "fund", wire.EntryRequest{Postings: []wire.PostingJSON{usd("@sponsor", "tr:app", "10000")}})
			mustDo("fund", err)

			before, err := config.GetDepsRepo(ctx, "npm:lib")
			mustDo("get lib", err)
			_, _, err = config.ApplyDepsRepoAsset(ctx, "asset-missing", "npm:lib", deps.AssetRequest{TOML: "[[contributors]]\naccount = \"split:nobody\"\nshare = 10000\n"})
			refused(t, "a contributor naming a split the book lacks", err, "deps_asset_invalid")
			if after, err := config.GetDepsRepo(ctx, "npm:lib"); err != nil || fmt.Sprint(after) != fmt.Sprint(before) {
				t.Errorf("the refused asset.toml wrote: %+v → %+v (%v)", before, after, err)
			}
			_, _, err = config.ApplyDepsRepoAsset(ctx, "asset", "npm:lib", deps.AssetRequest{TOML: "[[contributors]]\naccount = \"dev:ana\"\nshare = 3333\n\n[[contributors]]\naccount = \"split:band\"\nshare = 6667\n"})
			mustDo("asset", err)
			_, _, err = config.OpenDepsEpoch(ctx, "open-0", 0)
			mustDo("open", err)
			// Replaced after the open: the epoch pays band as it stood.
			_, _, err = config.ReplaceSplit(ctx, "band-2", "band", splitbook.DefReplacement{Unit: "bp", Receivers: []splitbook.ReceiverDef{{Account: "dev:other", Share: 10000}}})
			mustDo("replace band", err)
			clk.set(anchor.Add(7 * 24 * time.Hour))
			closed, _, err := config.CloseDepsEpoch(ctx, "close-0", 0)
			mustDo("close", err)
			var got []string
			for _, in := range closed.Settlement.Income {
				for _, p := range in.Parts {
					got = append(got, fmt.Sprintf("%s %s %s", p.Account, p.Amount, strings.Join(p.Path, " → ")))
				}
			}
			want := []string{
				"dev:ana 333 ",
				"dev:drummer 133 contributor 66.67% → split:band → split 20% → dev:drummer",
				"dev:singer 200 contributor 66.67% → split:band → split 30% → dev:singer",
				"dev:a 111 contributor 66.67% → split:band → split 50% → split:crew → split 1/3 → dev:a",
				"dev:b 223 contributor 66.67% → split:band → split 50% → split:crew → split 2/3 → dev:b",
			}
			if strings.Join(got, "\n") != strings.Join(want, "\n") {
				t.Errorf("the close's income:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
			}
			for account, want := range map[string]string{"dev:ana": "333", "dev:drummer": "133", "dev:singer": "200", "dev:a": "111", "dev:b": "223", "dev:other": "0", "tr:app": "9000"} {
				if got := available(t, e.admin, account, "USD"); got != want {
					t.Errorf("%s holds %s; want %s", account, got, want)
				}
			}
		})
	}
}
