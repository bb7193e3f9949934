package collectioncli

import (
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"
	"github.com/tributary-ledger/tributary/cli"
	"github.com/tributary-ledger/tributary/engine"
	"github.com/tributary-ledger/tributary/money"
	"github.com/tributary-ledger/tributary/program/collection"
)

// newDemoCmd is `tributary demo collection`.
func newDemoCmd() *cobra.Command {
	return &cobra.Command{
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
			format, err := cli.Output(cmd)
			if err != nil {
				return err
			}
			var all []cli.Balance
			purchases := []purchaseJSON{}
			for _, cur := range []money.Currency{money.USD, money.USDC} {
				bals, p, err := demoCollection(cmd, cur, format)
				if err != nil {
					return err
				}
				all = append(all, bals...)
				purchases = append(purchases, p...)
			}
			return cli.WriteDemo(cmd, all, format, map[string]any{"purchases": purchases})
		},
	}
}

// purchaseJSON is a purchase as the demo's JSON holds it: what the
// buyer paid and every posting with its path, in decimals.
type purchaseJSON struct {
	Currency string        `json:"currency"`
	Total    string        `json:"total"`
	Postings []postingJSON `json:"postings"`
}

type postingJSON struct {
	From   string `json:"from"`
	To     string `json:"to"`
	Amount string `json:"amount"`
	Path   string `json:"path"`
}

// demoCollection replays the collection seed's purchase in cur on a
// temporary store and returns the balances and the purchase.
func demoCollection(cmd *cobra.Command, cur money.Currency, format string) ([]cli.Balance, []purchaseJSON, error) {
	ctx := cmd.Context()
	d, err := cli.OpenDemo(ctx)
	if err != nil {
		return nil, nil, err
	}
	defer d.Close()
	e, reg := d.Engine, d.Registry
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
	var purchases []purchaseJSON
	for _, op := range steps {
		res, err := e.ApplyOne(ctx, op)
		if err != nil {
			return nil, nil, err
		}
		if len(res.Entry.Postings) == 0 {
			continue
		}
		var total money.Amount
		pj := purchaseJSON{Currency: cur.Code, Postings: []postingJSON{}}
		for _, p := range res.Entry.Postings {
			total, _ = total.Add(p.Amount)
			cli.Printf(tw, "%s\t%s %s\t%s\n", p.To, money.Format(p.Amount, cur), cur.Code, p.Path)
			pj.Postings = append(pj.Postings, postingJSON{From: p.From, To: p.To, Amount: money.Format(p.Amount, cur), Path: p.Path})
		}
		pj.Total = money.Format(total, cur)
		purchases = append(purchases, pj)
		if format == "table" {
			cli.Printf(cmd.OutOrStdout(), "In %s the buyer pays %s; postings, each with the path that produced it:\n", cur.Code, money.Format(total, cur))
			if err := tw.Flush(); err != nil {
				return nil, nil, err
			}
			cli.Printf(cmd.OutOrStdout(), "\n")
		}
	}
	bals, err := d.Balances(ctx)
	return bals, purchases, err
}
