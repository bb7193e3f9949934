package payoutcli

import (
	"fmt"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"

	"github.com/tributary-ledger/tributary/cli"
	"github.com/tributary-ledger/tributary/engine"
	"github.com/tributary-ledger/tributary/ledger"
	"github.com/tributary-ledger/tributary/money"
	"github.com/tributary-ledger/tributary/payout/merkle"
	"github.com/tributary-ledger/tributary/program/payout"
)

// demoPayees are the demo's payees: three programs' accounts, two paid on
// chain and one by bank, and one without a destination.
var demoPayees = []struct{ account, amount, dest string }{
	{"market:owner", "682.5", "0x5B38Da6a701c568545dCfcB03FcB875f56beddC4"},
	{"usage:alice", "120.25", "0xAb8483F64d9C6d1EcF9b849Ae677dD3315835cb2"},
	{"collection:artist-1", "57.3", "@bank:DE89370400440532013000"},
	{"collection:artist-2", "3.1", ""},
}

// demoResult is everything the demo's table shows.
type demoResult struct {
	Batch payout.Batch     `json:"batch"`
	Lines []payout.Line    `json:"lines"`
	Proof payout.ProofJSON `json:"proof"`
	Left  []cli.Balance    `json:"balances"`
	CSV   string           `json:"csv"`
}

func newDemoCmd() *cobra.Command {
	return &cobra.Command{
		Use:   "payout",
		Short: "A payout batch of three programs' payees: its lines, its claims tree's root and one proof",
		Long: `On a temporary SQLite store: four payees of three programs hold USDC; three
have a registered destination (two EVM addresses, one bank account). One
payout batch reserves their balances as pending withdrawals; the demo prints
its lines, the bank file, the cumulative claims tree's root and the proof
the first address claims with.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			format, err := cli.Output(cmd)
			if err != nil {
				return err
			}
			res, err := runDemo(cmd)
			if err != nil {
				return err
			}
			if format == "json" {
				return cli.WriteJSON(cmd.OutOrStdout(), res)
			}
			w := cmd.OutOrStdout()
			b := res.Batch
			cli.Printf(w, "Batch %d (%s): %d lines, %s USDC (bank %s, chain %s)\n", b.ID, b.State, b.Lines, cli.Decimal(string(b.Total), "USDC"), cli.Decimal(string(b.BankTotal), "USDC"), cli.Decimal(string(b.ChainTotal), "USDC"))
			tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
			for _, l := range res.Lines {
				cli.Printf(tw, "  %s\t%s\t%s\t%s USDC\n", l.Ref, l.Account, l.Destination, cli.Decimal(string(l.Amount), "USDC"))
			}
			if err := tw.Flush(); err != nil {
				return err
			}
			cli.Printf(w, "\nBank file (CSV):\n%s\nClaims tree root: %s (%d leaves)\n", res.CSV, b.Root, b.Leaves)
			p := res.Proof
			cli.Printf(w, "Proof for %s, cumulative %s USDC:\n", p.Address, cli.Decimal(string(p.Cumulative), "USDC"))
			for _, h := range p.Proof {
				cli.Printf(w, "  %s\n", h)
			}
			cli.Printf(w, "\nBalances:\n")
			return cli.WriteDemo(cmd, res.Left, "table", nil)
		},
	}
}

func runDemo(cmd *cobra.Command) (demoResult, error) {
	ctx := cmd.Context()
	d, err := cli.OpenDemo(ctx)
	if err != nil {
		return demoResult{}, err
	}
	defer d.Close()
	t0 := time.Date(2026, 3, 2, 0, 0, 0, 0, time.UTC)
	var ops []engine.Op
	dests := map[string]payout.Destination{}
	for _, p := range demoPayees {
		amt, err := money.Parse(p.amount, money.USDC)
		if err != nil {
			return demoResult{}, err
		}
		ops = append(ops, engine.Transfer("demo:pay:"+p.account, t0, []ledger.Posting{{From: "@buyers", To: p.account, Currency: "USDC", Amount: amt, Path: "demo"}}))
		if p.dest != "" {
			ops = append(ops, payout.SetDestination("demo:dest:"+p.account, t0, p.account, p.dest))
			dest, err := payout.ParseDestination(p.account, p.dest)
			if err != nil {
				return demoResult{}, err
			}
			dests[p.account] = dest
		}
	}
	for _, op := range ops {
		if _, err := d.Engine.ApplyOne(ctx, op); err != nil {
			return demoResult{}, err
		}
	}
	bals, err := d.Store.BalancesFiltered(ctx, ledger.BalanceFilter{Currency: "USDC"})
	if err != nil {
		return demoResult{}, err
	}
	sel := payout.Selection{Currency: "USDC", Minimum: money.FromUint64(1_000_000)}
	cands, missing := payout.Select(sel, bals, dests)
	if _, err := d.Engine.ApplyOne(ctx, payout.Run("demo:batch", t0.Add(time.Hour), sel, cands, missing)); err != nil {
		return demoResult{}, err
	}
	v := cli.View(ctx, d.Store, payout.Program)
	b, err := payout.ReadBatch(v, 1)
	if err != nil {
		return demoResult{}, err
	}
	lines, err := payout.ReadLines(v, b)
	if err != nil {
		return demoResult{}, err
	}
	ex, err := payout.BuildExport(v, b, money.USDC)
	if err != nil {
		return demoResult{}, err
	}
	leaves, err := payout.ReadLeaves(v, b)
	if err != nil {
		return demoResult{}, err
	}
	tree, err := merkle.Build(leaves)
	if err != nil {
		return demoResult{}, err
	}
	first, err := merkle.ParseAddress(demoPayees[0].dest)
	if err != nil {
		return demoResult{}, err
	}
	p, err := tree.Proof(first)
	if err != nil {
		return demoResult{}, err
	}
	if tree.Root().Hex() != b.Root {
		return demoResult{}, fmt.Errorf("the tree rebuilt from the leaves has root %s; the batch says %s", tree.Root().Hex(), b.Root)
	}
	left, err := d.Balances(ctx)
	if err != nil {
		return demoResult{}, err
	}
	return demoResult{Batch: b, Lines: lines, Proof: payout.ProofOf(b.ID, tree.Root(), p), Left: left, CSV: string(payout.CSV(ex))}, nil
}
