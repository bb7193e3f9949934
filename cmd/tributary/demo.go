package main

import (
	"context"
	"os"
	"path/filepath"
	"sort"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"

	"github.com/tributary-ledger/tributary/engine"
	"github.com/tributary-ledger/tributary/ledger"
	"github.com/tributary-ledger/tributary/money"
	"github.com/tributary-ledger/tributary/program/collection"
	"github.com/tributary-ledger/tributary/program/market"
	"github.com/tributary-ledger/tributary/store/sqlite"
)

func newDemoCmd() *cobra.Command {
	cmd := &cobra.Command{Use: "demo", Short: "Replay a seed's worked example on a temporary embedded store"}
	cmd.AddCommand(&cobra.Command{
		Use:   "market",
		Short: "The marketplace seed (004): a primary sale, a secondary sale and a recurring license payment",
		Long: `Replays the RevenueDistributor seed on a temporary SQLite store:
  1. primary sale of asset-7 for 1000 ETH, split 70/30 (7000/3000 bp) between
     owner and collaborator, with the 2.5% platform fee;
  2. secondary sale of asset-7 for 1000 ETH at the default 10% royalty;
  3. a recurring payment for lic-1 (a license of asset-8, owned by owner, no
     split) of 100 ETH base plus one missed period at 5 ETH: 105 ETH.
and prints the resulting balances.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			format, err := outputFormat(cmd)
			if err != nil {
				return err
			}
			ctx := cmd.Context()
			d, err := openDemo(ctx)
			if err != nil {
				return err
			}
			defer d.close()
			s, e, reg := d.s, d.e, d.reg
			eth := func(v string) money.Amount { a, _ := money.Parse(v, money.ETH); return a }
			t0 := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
			month := 30 * 24 * time.Hour
			steps := []engine.Op{
				market.CreateAsset("demo:asset-7", t0, market.Asset{ID: "asset-7", Owner: "owner", Split: []market.Recipient{{Account: "owner", ShareBP: 7000}, {Account: "collaborator", ShareBP: 3000}}}),
				market.CreateAsset("demo:asset-8", t0, market.Asset{ID: "asset-8", Owner: "owner"}),
				market.CreateLicense("demo:lic-1", t0, market.License{ID: "lic-1", Asset: "asset-8", Currency: "ETH", Base: eth("100"), Penalty: eth("5"), PeriodSeconds: uint64(month / time.Second), LastPaid: t0}, reg),
				market.Sell("demo:primary", t0.Add(time.Hour), market.Sale{Asset: "asset-7", Amount: eth("1000"), Currency: "ETH", Buyer: "@buyer:1"}),
				market.Sell("demo:secondary", t0.Add(2*time.Hour), market.Sale{Asset: "asset-7", Amount: eth("1000"), Currency: "ETH", Buyer: "@buyer:2", Seller: "seller"}),
				market.Pay("demo:recurring", t0.Add(2*month), "lic-1", eth("105"), "ETH", "@licensee"),
			}
			tw := tabwriter.NewWriter(cmd.OutOrStdout(), 0, 0, 2, ' ', 0)
			for _, op := range steps {
				res, err := e.ApplyOne(ctx, op)
				if err != nil {
					return err
				}
				if format == "table" {
					for _, p := range res.Entry.Postings {
						printf(tw, "%s\t%s ETH\t%s\n", p.To, money.Format(p.Amount, money.ETH), p.Path)
					}
				}
			}
			if format == "table" {
				printf(cmd.OutOrStdout(), "Postings, each with the path that produced it:\n")
				if err := tw.Flush(); err != nil {
					return err
				}
				printf(cmd.OutOrStdout(), "\nBalances:\n")
			}
			return printBalances(ctx, cmd, s, format)
		},
	})
	cmd.AddCommand(&cobra.Command{
		Use:   "collection",
		Short: "The SHARE collections seed (001): one purchase of a $5.00 collection, in USD and in USDC",
		Long: `Replays the seed's purchase on temporary SQLite stores, once in USD (cents)
and once in USDC (6 decimals): a $5.00 collection of three tracks whose next
track, song-1, costs $1.98 split 50% / 15% / 35% between payee-1, payee-2 and
payee-3, who also created the collection. The buyer pays the price plus a 5%
protocol fee and 2.9% + 0.30 processing, grossed up. Prints every posting
with its path, then the balances.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			format, err := outputFormat(cmd)
			if err != nil {
				return err
			}
			var all []demoBalance
			for _, cur := range []money.Currency{money.USD, money.USDC} {
				bals, err := demoCollection(cmd, cur, format)
				if err != nil {
					return err
				}
				all = append(all, bals...)
			}
			return writeBalances(cmd, all, format)
		},
	})
	cmd.AddCommand(newUsageDemoCmd(), newFeeshareDemoCmd())
	return cmd
}

// demoCollection replays the collection seed's purchase in cur on a
// temporary store and returns the balances.
func demoCollection(cmd *cobra.Command, cur money.Currency, format string) ([]demoBalance, error) {
	ctx := cmd.Context()
	d, err := openDemo(ctx)
	if err != nil {
		return nil, err
	}
	defer d.close()
	s, e, reg := d.s, d.e, d.reg
	price := func(v string) money.Amount { a, _ := money.Parse(v, cur); return a }
	t0 := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	steps := []engine.Op{
		collection.CreateTrack("demo:song-1", t0, collection.Track{ID: "song-1", Price: price("1.98"), Currency: cur.Code, Split: []collection.Recipient{{Account: "payee-1", ShareBP: 5000}, {Account: "payee-2", ShareBP: 1500}, {Account: "payee-3", ShareBP: 3500}}}, reg),
		collection.CreateTrack("demo:song-2", t0, collection.Track{ID: "song-2", Price: price("2.00"), Currency: cur.Code, Split: []collection.Recipient{{Account: "payee-4", ShareBP: 10000}}}, reg),
		collection.CreateTrack("demo:song-3", t0, collection.Track{ID: "song-3", Price: price("1.50"), Currency: cur.Code, Split: []collection.Recipient{{Account: "payee-5", ShareBP: 10000}}}, reg),
		collection.CreateCollection("demo:collection", t0, collection.Collection{ID: "best-of-2026", Creator: "payee-3", Price: price("5.00"), Currency: cur.Code, Tracks: []string{"song-1", "song-2", "song-3"}}, reg),
		collection.Buy("demo:purchase", t0.Add(time.Hour), collection.Purchase{Collection: "best-of-2026", Currency: cur.Code, Buyer: "@buyer"}, reg),
	}
	tw := tabwriter.NewWriter(cmd.OutOrStdout(), 0, 0, 2, ' ', 0)
	for _, op := range steps {
		res, err := e.ApplyOne(ctx, op)
		if err != nil {
			return nil, err
		}
		var total money.Amount
		for _, p := range res.Entry.Postings {
			total, _ = total.Add(p.Amount)
			printf(tw, "%s\t%s %s\t%s\n", p.To, money.Format(p.Amount, cur), cur.Code, p.Path)
		}
		if format == "table" && len(res.Entry.Postings) > 0 {
			printf(cmd.OutOrStdout(), "In %s the buyer pays %s; postings, each with the path that produced it:\n", cur.Code, money.Format(total, cur))
			if err := tw.Flush(); err != nil {
				return nil, err
			}
			printf(cmd.OutOrStdout(), "\n")
		}
	}
	return internalBalances(ctx, s)
}

type demoBalance struct {
	Account  string `json:"account"`
	Currency string `json:"currency"`
	Amount   string `json:"amount"`
}

// printBalances prints every internal account's balance, in decimals,
// after verifying the journal.
func printBalances(ctx context.Context, cmd *cobra.Command, s *sqlite.Store, format string) error {
	out, err := internalBalances(ctx, s)
	if err != nil {
		return err
	}
	return writeBalances(cmd, out, format)
}

// internalBalances verifies the journal and returns every internal
// account's balance in decimals.
func internalBalances(ctx context.Context, s *sqlite.Store) ([]demoBalance, error) {
	if _, err := engine.Verify(ctx, s); err != nil {
		return nil, err
	}
	bals, err := s.BalancesPage(ctx, ledger.BalanceKey{}, 0)
	if err != nil {
		return nil, err
	}
	reg := money.NewRegistry()
	out := []demoBalance{}
	for _, b := range bals {
		if ledger.IsExternal(b.Account) {
			continue
		}
		c, err := reg.Lookup(b.Currency)
		if err != nil {
			return nil, err
		}
		out = append(out, demoBalance{Account: b.Account, Currency: b.Currency, Amount: money.Format(b.Available().Amount, c)})
	}
	return out, nil
}

func writeBalances(cmd *cobra.Command, out []demoBalance, format string) error {
	sort.SliceStable(out, func(i, j int) bool {
		if out[i].Currency != out[j].Currency {
			return out[i].Currency < out[j].Currency
		}
		return out[i].Account < out[j].Account
	})
	if format == "json" {
		return writeJSON(cmd.OutOrStdout(), map[string]any{"balances": out})
	}
	tw := tabwriter.NewWriter(cmd.OutOrStdout(), 0, 0, 2, ' ', 0)
	printf(tw, "ACCOUNT\tCURRENCY\tBALANCE\n")
	for _, b := range out {
		printf(tw, "%s\t%s\t%s\n", b.Account, b.Currency, b.Amount)
	}
	return tw.Flush()
}

// demoEnv is a demo's temporary SQLite store and an engine over it with
// the default currencies.
type demoEnv struct {
	dir string
	s   *sqlite.Store
	e   *engine.Engine
	reg *money.Registry
}

func openDemo(ctx context.Context) (*demoEnv, error) {
	dir, err := os.MkdirTemp("", "tributary-demo-")
	if err != nil {
		return nil, err
	}
	s, err := sqlite.Open(ctx, filepath.Join(dir, "demo.db"))
	if err != nil {
		os.RemoveAll(dir)
		return nil, err
	}
	reg := money.NewRegistry()
	return &demoEnv{dir: dir, s: s, e: engine.New(s, reg), reg: reg}, nil
}

// close closes the store and removes it.
func (d *demoEnv) close() {
	d.s.Close()
	os.RemoveAll(d.dir)
}
