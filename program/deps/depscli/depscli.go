// Package depscli is the dependency-streams program's command line:
// `tributary deps scan|apply|explain|simulate` and `tributary demo deps`,
// which replays seed 003's worked example on a temporary store.
package depscli

import (
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"text/tabwriter"

	"github.com/spf13/cobra"

	"github.com/tributary-ledger/tributary/cli"
	"github.com/tributary-ledger/tributary/client"
	"github.com/tributary-ledger/tributary/lockfile"
	"github.com/tributary-ledger/tributary/money"
	"github.com/tributary-ledger/tributary/program/deps"
)

// Commands are the program's commands, for the registry.
func Commands() cli.Commands {
	cmd := &cobra.Command{Use: "deps", Short: "Dependency royalty streams: scan lockfiles, apply asset.toml, explain and simulate epochs"}
	cmd.AddCommand(newScanCmd(), newApplyCmd(), newExplainCmd(), newSimulateCmd(), newSettleCmd())
	return cli.Commands{Main: cmd, Demo: newDemoCmd()}
}

func newScanCmd() *cobra.Command {
	c := &cobra.Command{
		Use:   "scan FILE",
		Short: "Parse a lockfile: its format, packages, edges, cycles and depths; with --repo, upload it as the repo's graph",
		Long: `Parses a lockfile (package-lock.json, pnpm-lock.yaml, yarn.lock, Cargo.lock,
go mod graph output with --go-mod, poetry.lock, uv.lock) offline and prints
what it yields. With --output json it prints one document with integer
"packages" and "edges" counts and the graph. With --repo it uploads the
lockfile to the server instead, which stores the repo's direct dependencies.`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			format, err := cli.Output(cmd)
			if err != nil {
				return err
			}
			data, err := os.ReadFile(args[0])
			if err != nil {
				return err
			}
			named, _ := cmd.Flags().GetString("format")
			gomodPath, _ := cmd.Flags().GetString("go-mod")
			var gomod []byte
			if gomodPath != "" {
				if gomod, err = os.ReadFile(gomodPath); err != nil {
					return err
				}
			}
			if repo, _ := cmd.Flags().GetString("repo"); repo != "" {
				g, _, err := cli.Remote(cmd).UploadDepsLockfile(cmd.Context(), cli.Key(cmd, "lockfile"), repo, deps.LockfileRequest{Name: filepath.Base(args[0]), Format: named, Content: string(data), GoMod: string(gomod)})
				if err != nil {
					return err
				}
				if format == "json" {
					return cli.WriteJSON(cmd.OutOrStdout(), g)
				}
				cli.Printf(cmd.OutOrStdout(), "%s: %s, %d packages, %d edges, %d cycles; %d direct dependencies:\n", repo, g.Format, g.Packages, g.Edges, g.Cycles, len(g.Deps))
				for _, d := range g.Deps {
					cli.Printf(cmd.OutOrStdout(), "  %s\n", d)
				}
				return nil
			}
			g, err := lockfile.Parse(data, lockfile.Options{Name: filepath.Base(args[0]), Format: lockfile.Format(named), GoMod: gomod})
			if err != nil {
				return err
			}
			if format == "json" {
				return cli.WriteJSON(cmd.OutOrStdout(), lockfile.NewDocument(g))
			}
			_, err = io.WriteString(cmd.OutOrStdout(), lockfile.Summarize(g).Text())
			return err
		},
	}
	c.Flags().String("format", "", "the lockfile's format when it is not detected: npm, pnpm, yarn, yarn-berry, cargo, go, gomod, poetry, uv")
	c.Flags().String("go-mod", "", "with format go: the main module's go.mod")
	c.Flags().String("repo", "", "upload the lockfile as this repo's graph (needs a server)")
	cli.AddRemoteFlags(c)
	cli.AddKeyFlag(c)
	return c
}

func newApplyCmd() *cobra.Command {
	c := &cobra.Command{
		Use:   "apply --repo ID --config asset.toml",
		Short: "Apply a repo's asset.toml (multiplier, acceptance, allow_forks, pass_bp, contributors)",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			repo, _ := cmd.Flags().GetString("repo")
			path, _ := cmd.Flags().GetString("config")
			data, err := os.ReadFile(path)
			if err != nil {
				return err
			}
			// Refuse a bad file before it reaches the server.
			if _, err := deps.ParseAsset(data); err != nil {
				return err
			}
			r, _, err := cli.Remote(cmd).ApplyDepsRepoAsset(cmd.Context(), cli.Key(cmd, "asset"), repo, deps.AssetRequest{TOML: string(data)})
			if err != nil {
				return err
			}
			if f, _ := cli.Output(cmd); f == "json" {
				return cli.WriteJSON(cmd.OutOrStdout(), r)
			}
			a := r.Asset
			cli.Printf(cmd.OutOrStdout(), "%s: multiplier %s, acceptance %s, allow_forks %v, pass_bp %v, %d contributors\n", r.ID, a.Multiplier, a.Acceptance, a.AllowForks, a.PassBP, len(a.Contributors))
			return nil
		},
	}
	c.Flags().String("repo", "", "the repo's ID")
	c.Flags().String("config", "asset.toml", "the asset.toml to apply")
	_ = c.MarkFlagRequired("repo")
	cli.AddRemoteFlags(c)
	cli.AddKeyFlag(c)
	return c
}

func newExplainCmd() *cobra.Command {
	c := &cobra.Command{
		Use:   "explain --epoch E --repo R",
		Short: "List every stream of an epoch into a repo and out of it, with origin payer, path, depth, weight and amount",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			format, err := cli.Output(cmd)
			if err != nil {
				return err
			}
			epoch, _ := cmd.Flags().GetUint64("epoch")
			repo, _ := cmd.Flags().GetString("repo")
			rc := cli.Remote(cmd)
			ex, err := rc.ExplainDepsEpoch(cmd.Context(), epoch, client.ExplainDepsEpochQuery{Repo: repo})
			if err != nil {
				return err
			}
			if format == "json" {
				return cli.WriteJSON(cmd.OutOrStdout(), ex)
			}
			cfg, err := rc.GetDepsConfig(cmd.Context())
			if err != nil {
				return err
			}
			return writeExplain(cmd.OutOrStdout(), ex, cfg.Currency)
		},
	}
	c.Flags().Uint64("epoch", 0, "the epoch")
	c.Flags().String("repo", "", "the repo")
	_ = c.MarkFlagRequired("repo")
	cli.AddRemoteFlags(c)
	return c
}

func writeExplain(w io.Writer, ex deps.ExplainJSON, currency string) error {
	cur := decimals(currency)
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	cli.Printf(tw, "epoch %d, %s\n\ninto\tpayer\tpath\tdepth\tweight\tpaid\trefused\n", ex.Epoch, ex.Repo)
	for _, s := range ex.Into {
		cli.Printf(tw, "\t%s\t%s\t%d\t%d\t%s\t%s\n", s.Payer, strings.Join(s.Path, " → "), s.Depth(), s.Weight, cur(s.Paid), cur(s.Refused))
	}
	cli.Printf(tw, "out of\tpayer\tpath\tdepth\tweight\tpaid\trefused\n")
	for _, s := range ex.OutOf {
		cli.Printf(tw, "\t%s\t%s\t%d\t%d\t%s\t%s\n", s.Payer, strings.Join(s.Path, " → "), s.Depth(), s.Weight, cur(s.Paid), cur(s.Refused))
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	if p := ex.Payer; p != nil {
		cli.Printf(w, "\nas a payer (%s): budget %s, reserved %s, short %s; paid %s, refused %s, sleeper %s, escrow %s\n", p.Class,
			cur(p.Budget), cur(p.Reserved), cur(p.Shortfall), cur(p.Paid), cur(p.Refused), cur(p.Sleeper), cur(p.Escrow))
	}
	if in := ex.Income; in != nil {
		cli.Printf(w, "\nincome %s:\n", cur(in.Amount))
		for _, p := range in.Parts {
			cli.Printf(w, "  %s  %s\n", cur(p.Amount), partLabel(p))
		}
	}
	return nil
}

// decimals returns a function writing amounts of currency in its
// decimals, as every command prints amounts (cli.Decimal).
func decimals(currency string) func(money.Amount) string {
	return func(a money.Amount) string { return cli.Decimal(a.String(), currency) }
}

func newSettleCmd() *cobra.Command {
	c := &cobra.Command{
		Use:   "settle EPOCH",
		Short: "Settle a closed epoch in one payout batch: each payee's line is what the epoch paid it",
		Long: `Makes the closed epoch's payout batch (POST /v1/deps/epochs/{epoch}/settle):
one line per payee with a registered payout destination, for exactly what the
epoch paid it, and one claims tree root for the on-chain lines. Payees without
a destination are listed and left out. Settling an epoch again answers its
first batch.`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			format, err := cli.Output(cmd)
			if err != nil {
				return err
			}
			n, err := strconv.ParseUint(args[0], 10, 64)
			if err != nil {
				return fmt.Errorf("epoch %q: want an epoch number such as 3", args[0])
			}
			rc := cli.Remote(cmd)
			s, replayed, err := rc.SettleDepsEpoch(cmd.Context(), cli.Key(cmd, "settle"), n)
			if err != nil {
				return err
			}
			if format == "json" {
				return cli.WriteJSON(cmd.OutOrStdout(), s)
			}
			writeSettled(cmd.OutOrStdout(), s, replayed)
			return nil
		},
	}
	cli.AddRemoteFlags(c)
	cli.AddKeyFlag(c)
	return c
}

func writeSettled(w io.Writer, s deps.Settled, replayed bool) {
	b := s.Batch
	again := ""
	if replayed {
		again = " (settled before)"
	}
	cur := decimals(b.Currency)
	cli.Printf(w, "epoch %d: payout batch %d%s, %s, %d lines (%d on chain), total %s %s\n", s.Epoch, b.ID, again, b.State, b.Lines, b.ChainLines, cli.Decimal(string(b.Total), b.Currency), b.Currency)
	if b.Root != "" {
		cli.Printf(w, "claims tree root %s\n", b.Root)
	}
	for _, left := range []struct {
		why   string
		parts []deps.Part
	}{{"without a payout destination", s.Missing}, {"below the withdrawal minimum", s.BelowMinimum}} {
		if len(left.parts) > 0 {
			cli.Printf(w, "left out, %s:\n", left.why)
			for _, p := range left.parts {
				cli.Printf(w, "  %s  %s\n", cur(p.Amount), p.Account)
			}
		}
	}
}

func newSimulateCmd() *cobra.Command {
	c := &cobra.Command{
		Use:   "simulate --db PATH --config params.json --epochs 0-3",
		Short: "Recompute past epochs under another configuration, writing nothing",
		Long: `Reads a store (read only) and recomputes each epoch of --epochs under the
configuration in --config (the JSON of PUT /v1/deps/config), from the repos
and graphs as stored now and each epoch's previous usage, and prints each
payer's budget and what it would pay next to what it paid. Nothing is
written.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			format, err := cli.Output(cmd)
			if err != nil {
				return err
			}
			path, _ := cmd.Flags().GetString("config")
			raw, err := os.ReadFile(path)
			if err != nil {
				return err
			}
			var p deps.Params
			if err := json.Unmarshal(raw, &p); err != nil {
				return fmt.Errorf("%s: %w", path, err)
			}
			span, _ := cmd.Flags().GetString("epochs")
			from, to, err := epochRange(span)
			if err != nil {
				return err
			}
			st, err := cli.OpenStore(cmd.Context(), cli.DBFlag(cmd))
			if err != nil {
				return err
			}
			defer st.Close()
			v := cli.View(cmd.Context(), st, deps.Program)
			var plans []deps.Plan
			for n := from; n <= to; n++ {
				plan, err := deps.Recompute(v, p, n)
				if err != nil {
					return fmt.Errorf("epoch %d: %w", n, err)
				}
				plans = append(plans, plan)
			}
			if format == "json" {
				return cli.WriteJSON(cmd.OutOrStdout(), plans)
			}
			cur := decimals(p.Currency)
			tw := tabwriter.NewWriter(cmd.OutOrStdout(), 0, 0, 2, ' ', 0)
			cli.Printf(tw, "epoch\tpayer\tclass\tbudget\treserved\tpaid\trefused\tsleeper\tescrow\tstreams\n")
			for _, plan := range plans {
				count := map[string]int{}
				for _, s := range plan.Streams {
					count[s.Payer]++
				}
				for _, l := range plan.Payers {
					cli.Printf(tw, "%d\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%d\n", plan.Epoch, l.Repo, l.Class, cur(l.Budget), cur(l.Reserved),
						cur(l.Paid), cur(l.Refused), cur(l.Sleeper), cur(l.Escrow), count[l.Repo])
				}
			}
			return tw.Flush()
		},
	}
	c.Flags().String("config", "", "the configuration to recompute under (JSON)")
	c.Flags().String("epochs", "0", "an epoch or a range, e.g. 3 or 0-3")
	_ = c.MarkFlagRequired("config")
	cli.AddDBFlag(c)
	return c
}

// epochRange reads "3" or "0-3".
func epochRange(s string) (uint64, uint64, error) {
	a, b, isRange := strings.Cut(s, "-")
	from, err := strconv.ParseUint(a, 10, 64)
	if err != nil {
		return 0, 0, fmt.Errorf("--epochs %q: want an epoch or a range such as 0-3", s)
	}
	to := from
	if isRange {
		if to, err = strconv.ParseUint(b, 10, 64); err != nil || to < from || to-from > 1000 {
			return 0, 0, fmt.Errorf("--epochs %q: want an epoch or a range such as 0-3 (at most 1000 epochs)", s)
		}
	}
	return from, to, nil
}
