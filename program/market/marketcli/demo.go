package marketcli

import (
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"
	"github.com/tributary-ledger/tributary/cli"
	"github.com/tributary-ledger/tributary/engine"
	"github.com/tributary-ledger/tributary/money"
	"github.com/tributary-ledger/tributary/program/market"
)

// newDemoCmd is `tributary demo market`.
func newDemoCmd() *cobra.Command {
	return &cobra.Command{
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
			e, reg := d.Engine, d.Registry
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
			postings := []cli.Posting{}
			for _, op := range steps {
				res, err := e.ApplyOne(ctx, op)
				if err != nil {
					return err
				}
				postings = append(postings, cli.Postings(res.Entry)...)
				if format == "table" {
					for _, p := range res.Entry.Postings {
						cli.Printf(tw, "%s\t%s ETH\t%s\n", p.To, money.Format(p.Amount, money.ETH), p.Path)
					}
				}
			}
			if format == "table" {
				cli.Printf(cmd.OutOrStdout(), "Postings, each with the path that produced it:\n")
				if err := tw.Flush(); err != nil {
					return err
				}
				cli.Printf(cmd.OutOrStdout(), "\nBalances:\n")
			}
			bals, err := d.Balances(ctx)
			if err != nil {
				return err
			}
			return cli.WriteDemo(cmd, bals, format, map[string]any{"postings": postings})
		},
	}
}
