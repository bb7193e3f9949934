package depscli

import (
	"encoding/json"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"

	"github.com/tributary-ledger/tributary/cli"
	"github.com/tributary-ledger/tributary/engine"
	"github.com/tributary-ledger/tributary/ledger"
	"github.com/tributary-ledger/tributary/lockfile"
	"github.com/tributary-ledger/tributary/money"
	"github.com/tributary-ledger/tributary/program/deps"
)

// seedRepo is one repo of the seed's example.
type seedRepo struct {
	id, vis, asset string
	deps           []string // the npm packages its lockfile installs directly
}

var seedRepos = []seedRepo{
	{"github.com/acme/app", deps.Private, "[royalties]\npass_bp = []  # acme/app passes nothing on\n", []string{"meeting-bot"}},
	{"npm:meeting-bot", deps.Public, "[royalties]\nmultiplier = 1.0\npass_bp = [2848]\n\n[[contributors]]\naccount = \"dev:ana\"\nshare = 7000\n\n[[contributors]]\naccount = \"dev:ben\"\nshare = 3000\n", []string{"date-fp", "calendar-utils"}},
	{"npm:date-fp", deps.Public, "[[contributors]]\naccount = \"dev:cho\"\nshare = 6000\n\n[[contributors]]\naccount = \"dev:dee\"\nshare = 4000\n", []string{"calendar-utils", "chrono-utils"}},
	{"npm:calendar-utils", deps.Public, "[[contributors]]\naccount = \"dev:eli\"\nshare = 10000\n", nil},
	{"npm:chrono-utils", deps.Public, "[[contributors]]\naccount = \"dev:fay\"\nshare = 5000\n\n[[contributors]]\naccount = \"dev:gus\"\nshare = 5000\n", nil},
}

// short is a repo's short name: "meeting-bot", "acme-app".
func short(id string) string {
	s := strings.TrimPrefix(strings.TrimPrefix(id, "npm:"), "github.com/")
	return strings.ReplaceAll(s, "/", "-")
}

// packageLock writes the package-lock.json v3 of a project on deps.
func packageLock(name string, ds []string) []byte {
	root := map[string]any{"name": name, "dependencies": map[string]string{}}
	pkgs := map[string]any{"": root}
	for _, d := range ds {
		root["dependencies"].(map[string]string)[d] = "^1.0.0"
		pkgs["node_modules/"+d] = map[string]any{"version": "1.0.0"}
	}
	b, _ := json.Marshal(map[string]any{"name": name, "lockfileVersion": 3, "packages": pkgs})
	return b
}

// SeedOps are the operations of the seed's example: configuration,
// repos, asset.toml, lockfiles, treasuries funded, epoch 0's usage, epoch 0
// opened (on the fallback) and closed, epoch 1 opened on epoch 0's usage
// and closed.
func SeedOps(reg *money.Registry) ([]engine.Op, error) {
	anchor := time.Date(2026, 1, 5, 0, 0, 0, 0, time.UTC)
	week := 7 * 24 * time.Hour
	p := deps.Params{Currency: "USD", Anchor: anchor, BaseRate: deps.BaseRate{Public: money.FromUint64(55_10), Private: money.FromUint64(58_00), NoTelemetry: money.FromUint64(40_00)}}
	at := anchor.Add(-time.Hour)
	ops := []engine.Op{deps.SetParams("demo:config", at, p, reg)}
	for _, r := range seedRepos {
		ops = append(ops, deps.LinkRepo("demo:link:"+r.id, at, deps.Repo{ID: r.id, Owner: "owner:" + short(r.id), Treasury: "treasury:" + short(r.id), Visibility: r.vis, Packages: []string{"npm:" + short(r.id)}}))
		ops = append(ops, deps.ApplyAsset("demo:asset:"+r.id, at, r.id, r.asset))
		if r.deps == nil {
			continue
		}
		lock := packageLock(short(r.id), r.deps)
		g, err := lockfile.Parse(lock, lockfile.Options{Name: "package-lock.json"})
		if err != nil {
			return nil, err
		}
		ops = append(ops, deps.StoreGraph("demo:lock:"+r.id, at, r.id, ledger.Hash{}, deps.GraphOf(g, []string{"npm:" + short(r.id)})))
	}
	ops = append(ops, engine.Transfer("demo:fund", at, []ledger.Posting{
		{From: "@sponsor", To: "treasury:meeting-bot", Currency: "USD", Amount: money.FromUint64(1000_00), Path: "sponsor → meeting-bot's treasury"},
		{From: "@acme", To: "treasury:acme-app", Currency: "USD", Amount: money.FromUint64(1000_00), Path: "acme → acme/app's treasury"},
	}))
	ops = append(ops,
		deps.OpenEpoch("demo:open:0", anchor, 0),
		deps.RecordUsage("demo:usage:0", anchor.Add(time.Hour), []deps.Report{
			{From: "npm:meeting-bot", To: "npm:date-fp", Calls: 4_100_000, Source: deps.SourceProd},
			{From: "npm:meeting-bot", To: "npm:calendar-utils", Calls: 1_046_014, Source: deps.SourceProd},
			{From: "npm:date-fp", To: "npm:calendar-utils", Calls: 840_000, Source: deps.SourceCI},
			{From: "npm:date-fp", To: "npm:chrono-utils", Calls: 410_000, Source: deps.SourceCI},
			{From: "github.com/acme/app", To: "npm:meeting-bot", Calls: 1_000_000, Source: deps.SourceSelf},
		}),
		deps.CloseEpoch("demo:close:0", anchor.Add(week), 0),
		deps.OpenEpoch("demo:open:1", anchor.Add(week), 1),
		deps.CloseEpoch("demo:close:1", anchor.Add(2*week), 1),
	)
	return ops, nil
}

// newDemoCmd is `tributary demo deps`.
func newDemoCmd() *cobra.Command {
	return &cobra.Command{
		Use:   "deps",
		Short: "The dependency royalty streams seed (003): meeting-bot, date-fp, calendar-utils, chrono-utils and acme/app, $113.10",
		Long: `Replays seed 003's worked example on a temporary SQLite store: five repos
linked with their packages, asset.toml and lockfiles; epoch 0 opened on the
fallback with usage reported (meeting-bot: 4,100,000 calls into date-fp and
1,046,014 into calendar-utils; date-fp: 840,000 and 410,000), closed; epoch 1
opened on that usage, with meeting-bot (public, $55.10 a week, passing 28.48%
at depth 1) and acme/app (private, $58.00, passing nothing), and closed.
Prints epoch 1's streams with path, depth and rate per second, each
recipient's contributors' parts, and the balances.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			format, err := cli.Output(cmd)
			if err != nil {
				return err
			}
			ctx := cmd.Context()
			d, err := cli.OpenDemo(ctx)
			if err != nil {
				return err
			}
			defer d.Close()
			ops, err := SeedOps(d.Registry)
			if err != nil {
				return err
			}
			for _, op := range ops {
				if _, err := d.Engine.ApplyOne(ctx, op); err != nil {
					return err
				}
			}
			rec, err := deps.ReadEpoch(cli.View(ctx, d.Store, deps.Program), 1)
			if err != nil {
				return err
			}
			if format == "json" {
				return cli.WriteJSON(cmd.OutOrStdout(), rec)
			}
			if err := writeStreams(cmd, rec); err != nil {
				return err
			}
			bals, err := d.Balances(ctx)
			if err != nil {
				return err
			}
			cli.Printf(cmd.OutOrStdout(), "\nBalances (the journal verified):\n")
			return cli.WriteDemo(cmd, bals, format, nil)
		},
	}
}

// writeStreams prints an epoch's streams and its recipients' parts, in the
// plan's currency.
func writeStreams(cmd *cobra.Command, rec deps.EpochRecord) error {
	w := cmd.OutOrStdout()
	code := rec.Plan.Currency
	cur := decimals(code)
	seconds := uint64(rec.Plan.End.Sub(rec.Plan.Start) / time.Second)
	// A rate is base units per second × 10^9: nine more decimals.
	perSecond := func(a money.Amount) string { return cli.Decimal(a.String(), code) }
	if c, err := money.NewRegistry().Lookup(code); err == nil {
		fine := money.Currency{Code: code, Decimals: c.Decimals + 9}
		perSecond = func(a money.Amount) string { return money.Format(a, fine) }
	}
	cli.Printf(w, "Epoch %d (%s to %s), streams fixed at open, in %s:\n", rec.Plan.Epoch, rec.Plan.Start.Format(time.DateOnly), rec.Plan.End.Format(time.DateOnly), code)
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	cli.Printf(tw, "payer\tpath\tdepth\tepoch amount\trate per second\n")
	total := money.Zero
	for _, s := range rec.Plan.Streams {
		rate, err := deps.Rate(s.Paid, seconds)
		if err != nil {
			return err
		}
		cli.Printf(tw, "%s\t%s\t%d\t%s\t%s/s\n", s.Payer, strings.Join(append([]string{s.Payer}, s.Path...), " → "), s.Depth(), cur(s.Paid), perSecond(rate))
		total, _ = total.Add(s.Paid)
	}
	cli.Printf(tw, "total\t\t\t%s\t\n", cur(total))
	if err := tw.Flush(); err != nil {
		return err
	}
	if rec.Settlement == nil {
		return nil
	}
	cli.Printf(w, "\nAt close, each recipient's income split over its contributors (asset.toml):\n")
	tw = tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	for _, in := range rec.Settlement.Income {
		cli.Printf(tw, "%s\t%s\t\n", in.Repo, cur(in.Amount))
		for _, p := range in.Parts {
			cli.Printf(tw, "\t%s\t%s\n", cur(p.Amount), partLabel(p))
		}
	}
	return tw.Flush()
}

// partLabel names a contributor's part: its account, or, for a part paid
// through a split of the split book, the path naming every level.
func partLabel(p deps.Part) string {
	if len(p.Path) > 0 {
		return strings.Join(p.Path, " → ")
	}
	return p.Account
}
