// Package usagecli is the usage program's command line: `tributary usage …`
// (apply, explain and simulate on a store, close on a running server), and
// `tributary demo usage`.
package usagecli

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/tributary-ledger/tributary/cli"
	"github.com/tributary-ledger/tributary/split"

	"github.com/spf13/cobra"

	"github.com/tributary-ledger/tributary/client"
	"github.com/tributary-ledger/tributary/engine"
	"github.com/tributary-ledger/tributary/errcode"
	"github.com/tributary-ledger/tributary/ledger"
	"github.com/tributary-ledger/tributary/money"
	"github.com/tributary-ledger/tributary/program/usage"
)

// Most usage commands work on a store directly (--db, like `ledger verify`
// and `token create`): simulate recomputes statements under another
// configuration from the stored inputs, which needs the program's state,
// and explain prints a participant's line with every step. SQLite's WAL
// lets them run next to a serving process. Closing an epoch is an
// operator's action on a running server (close, --server and --token), so
// that it goes through the server's access rules and group commit.

func readConfigFile(cmd *cobra.Command) (usage.Config, error) {
	path, _ := cmd.Flags().GetString("config")
	if path == "" {
		return usage.Config{}, errcode.Errorf(usage.ErrConfig, "--config FILE is required (TOML, or JSON)")
	}
	text, err := os.ReadFile(path)
	if err != nil {
		return usage.Config{}, err
	}
	return usage.ParseConfig(text)
}

// newUsageCmd groups the usage program's commands.
func newUsageCmd() *cobra.Command {
	cmd := &cobra.Command{Use: "usage", Short: "Usage program: revenue pools shared by usage (seed 000)"}
	apply := &cobra.Command{
		Use: "apply --config FILE", Short: "Apply a usage configuration (TOML or JSON); it applies from the next epoch", Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			cfg, err := readConfigFile(cmd)
			if err != nil {
				return err
			}
			at := time.Now().UTC()
			if s, _ := cmd.Flags().GetString("at"); s != "" {
				if at, err = time.Parse(time.RFC3339, s); err != nil {
					return errcode.Errorf(usage.ErrConfig, "--at %q; want an RFC 3339 time", s)
				}
			}
			s, err := cli.OpenStore(cmd.Context(), cli.DBFlag(cmd))
			if err != nil {
				return err
			}
			defer s.Close()
			reg := money.NewRegistry()
			if _, err := engine.New(s, reg).ApplyOne(cmd.Context(), usage.ApplyConfig(cli.Key(cmd, "usage-config"), at, cfg, reg)); err != nil {
				return err
			}
			vs, err := usage.ReadVersions(cli.View(cmd.Context(), s, usage.Program))
			if err != nil {
				return err
			}
			last := vs[len(vs)-1]
			cli.Printf(cmd.OutOrStdout(), "usage configuration (%s, %s pool) applies from epoch %d, starting %s\n", last.Config.Formula.Kind, last.Config.Pool.Kind, last.Epoch, last.Config.Epoch.Start(last.Epoch).Format(time.RFC3339))
			return nil
		},
	}
	apply.Flags().String("config", "", "configuration file (TOML, or JSON)")
	cli.AddKeyFlag(apply)
	apply.Flags().String("at", "", "the time of the change (RFC 3339; default now)")
	explain := &cobra.Command{
		Use: "explain --epoch E --participant P", Short: "Recompute a closed epoch's statement and print one participant's line, step by step", Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			format, err := cli.Output(cmd)
			if err != nil {
				return err
			}
			epoch, _ := cmd.Flags().GetUint64("epoch")
			id, _ := cmd.Flags().GetString("participant")
			s, err := cli.OpenExisting(cmd.Context(), cli.DBFlag(cmd))
			if err != nil {
				return err
			}
			defer s.Close()
			o, sum, err := usage.Explain(cli.View(cmd.Context(), s, usage.Program), epoch)
			if err != nil {
				return err
			}
			i, ok := o.Slot(id)
			if id != "" && (!ok || !o.Listed(i)) {
				return errcode.Errorf(usage.ErrParticipant, "participant %q has no line in epoch %d's statement", id, epoch)
			}
			if format == "json" {
				out := map[string]any{"header": o.Header(), "statement_sha256": sum.Digest}
				if id != "" {
					out["row"] = o.Row(i)
				}
				return cli.WriteJSON(cmd.OutOrStdout(), out)
			}
			printHeader(cmd.OutOrStdout(), o.Header(), sum.Digest)
			if id != "" {
				printRow(cmd.OutOrStdout(), o.Header(), o.Row(i))
			}
			return nil
		},
	}
	explain.Flags().Uint64("epoch", 0, "a closed epoch")
	explain.Flags().String("participant", "", "participant ID (default: the header only)")
	simulate := &cobra.Command{
		Use: "simulate --config FILE --epochs A..B", Short: "Recompute closed epochs under another configuration; writes nothing", Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			format, err := cli.Output(cmd)
			if err != nil {
				return err
			}
			cfg, err := readConfigFile(cmd)
			if err != nil {
				return err
			}
			spec, _ := cmd.Flags().GetString("epochs")
			from, to, err := parseEpochs(spec)
			if err != nil {
				return err
			}
			s, err := cli.OpenExisting(cmd.Context(), cli.DBFlag(cmd))
			if err != nil {
				return err
			}
			defer s.Close()
			sims, err := usage.Simulate(cli.View(cmd.Context(), s, usage.Program), cfg, from, to)
			if err != nil {
				return err
			}
			return printSimulation(cmd.OutOrStdout(), format, sims)
		},
	}
	simulate.Flags().String("config", "", "the alternative configuration (TOML, or JSON)")
	simulate.Flags().String("epochs", "", "closed epochs to recompute: A..B or A")
	for _, c := range []*cobra.Command{apply, explain, simulate} {
		cli.AddDBFlag(c)
		cmd.AddCommand(c)
	}
	cmd.AddCommand(newUsageCloseCmd())
	return cmd
}

// newUsageCloseCmd closes an epoch on a running server and prints the
// statement's header. A rerun with the same --key answers the first close.
func newUsageCloseCmd() *cobra.Command {
	c := &cobra.Command{
		Use: "close EPOCH", Short: "Close an ended epoch on a running server: pay its pool and print the statement's header", Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			format, err := cli.Output(cmd)
			if err != nil {
				return err
			}
			epoch, err := strconv.ParseUint(args[0], 10, 64)
			if err != nil {
				return errcode.Errorf(usage.ErrLimit, "epoch %q; want an epoch number", args[0])
			}
			c := cli.Remote(cmd)
			sum, replayed, err := c.CloseUsageEpoch(cmd.Context(), cli.Key(cmd, fmt.Sprintf("usage-close-%d", epoch)), epoch)
			if err != nil {
				return err
			}
			if format == "json" {
				return cli.WriteJSON(cmd.OutOrStdout(), sum)
			}
			st, err := c.GetUsageStatement(cmd.Context(), epoch, client.GetUsageStatementQuery{Participant: ""})
			if err != nil {
				return err
			}
			if replayed {
				cli.Printf(cmd.OutOrStdout(), "(already closed by this key; the first close's result)\n")
			}
			printHeader(cmd.OutOrStdout(), st.Header, st.Digest)
			return nil
		},
	}
	cli.AddKeyFlag(c)
	cli.AddRemoteFlags(c)
	return c
}

// parseEpochs reads "A..B" or "A".
func parseEpochs(spec string) (uint64, uint64, error) {
	a, b, ranged := strings.Cut(spec, "..")
	from, err1 := strconv.ParseUint(a, 10, 64)
	to, err2 := from, error(nil)
	if ranged {
		to, err2 = strconv.ParseUint(b, 10, 64)
	}
	if err1 != nil || err2 != nil || to < from {
		return 0, 0, errcode.Errorf(usage.ErrLimit, "--epochs %q; want A..B with A ≤ B, or A", spec)
	}
	return from, to, nil
}

// amountText formats base units in the currency's decimals when known.
func amountText(a money.Amount, currency string) string {
	return cli.Decimal(a.String(), currency) + " " + currency
}

// scoreText prints a score as a percentage of the maximum (10^16) with
// six decimals, exactly.
func scoreText(score uint64) string {
	const unit = usage.ScoreUnit * usage.TotalBP / 100_000_000 // one millionth of a percent
	q := score / unit
	return fmt.Sprintf("%d.%06d%%", q/1_000_000, q%1_000_000)
}

func printHeader(w io.Writer, h usage.StatementHeader, digest string) {
	cli.Printf(w, "epoch %d (%s to %s), %s, %s pool; statement sha256 %s\n", h.Epoch, h.Start, h.End, h.Formula, h.PoolKind, digest)
	cli.Printf(w, "pool %s = min(target %s, funding %s); target includes %s carried in, revenue %s\n", amountText(h.Pool, h.Currency), amountText(h.Target, h.Currency), amountText(h.Funding, h.Currency), amountText(h.CarryIn, h.Currency), amountText(h.Revenue, h.Currency))
	cli.Printf(w, "paid %s to %d of %d participants; carried %s; shortfall %s\n", amountText(h.Paid, h.Currency), h.PaidCount, h.Participants, amountText(h.CarryOut, h.Currency), amountText(h.Shortfall, h.Currency))
	for _, n := range h.Notes {
		cli.Printf(w, "note: %s\n", n)
	}
}

func printRow(w io.Writer, h usage.StatementHeader, r usage.StatementRow) {
	cli.Printf(w, "\nparticipant %s (category %q)\n", r.Participant, r.Category)
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', tabwriter.AlignRight)
	cli.Printf(tw, "METRIC\tRAW\tCLIPPED\tMEDIAN\tCLIP AT\tEPOCH TOTAL\tWEIGHT\tCONTRIBUTION\t\n")
	for m, f := range h.Metrics {
		cli.Printf(tw, "%s\t%d\t%d\t%d\t%d\t%d\t%s\t%s\t\n", f.Name, r.Raw[m], r.Clipped[m], f.Median, f.ClipAt, f.Total, split.FormatShare(split.BasisPoints, f.WeightBP, split.TotalBasisPoints), scoreText(r.Contrib[m]))
	}
	_ = tw.Flush()
	cli.Printf(w, "base score %s → smoothed %s → streak %d, multiplier %s → score %s\n", scoreText(r.Base), scoreText(r.Smoothed), r.Streak, split.FormatShare(split.BasisPoints, r.MultiplierBP, split.TotalBasisPoints), scoreText(r.Score))
	q := "qualified"
	if !r.Qualified {
		q = "not qualified: " + r.Reason
	}
	rank := ""
	if r.Rank > 0 {
		rank = fmt.Sprintf(", rank %d", r.Rank)
	}
	cli.Printf(w, "%s; formula weight %d%s; amount %s\n", q, r.Weight, rank, amountText(r.Amount, h.Currency))
}

// printStatement prints a whole statement as a table.
func printStatement(w io.Writer, o *usage.Outcome) {
	h := o.Header()
	cli.Printf(w, "epoch %d, %s: pool %s, paid %s, carried %s, shortfall %s\n", h.Epoch, h.Formula, amountText(h.Pool, h.Currency), amountText(h.Paid, h.Currency), amountText(h.CarryOut, h.Currency), amountText(h.Shortfall, h.Currency))
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', tabwriter.AlignRight)
	cli.Printf(tw, "PARTICIPANT\t")
	for _, m := range h.Metrics {
		cli.Printf(tw, "%s (raw→clipped)\t", strings.ToUpper(m.Name))
	}
	cli.Printf(tw, "SCORE\tWEIGHT\tRANK\tAMOUNT\t\n")
	for i := range o.IDs() {
		if !o.Listed(i) {
			continue
		}
		r := o.Row(i)
		cli.Printf(tw, "%s\t", r.Participant)
		for m := range h.Metrics {
			cli.Printf(tw, "%d→%d\t", r.Raw[m], r.Clipped[m])
		}
		rank := "-"
		if r.Rank > 0 {
			rank = strconv.Itoa(int(r.Rank))
		}
		cli.Printf(tw, "%s\t%d\t%s\t%s\t\n", scoreText(r.Score), r.Weight, rank, amountText(r.Amount, h.Currency))
	}
	_ = tw.Flush()
}

func printSimulation(w io.Writer, format string, sims []usage.SimEpoch) error {
	type line struct {
		Epoch       uint64 `json:"epoch"`
		Participant string `json:"participant"`
		Actual      string `json:"actual"`
		Simulated   string `json:"simulated"`
		Difference  string `json:"difference"`
	}
	var lines []line
	for _, s := range sims {
		cur := s.Actual.Header().Currency
		for i, id := range s.Actual.IDs() {
			if !s.Actual.Listed(i) {
				continue
			}
			a, b := s.Actual.Amounts[i], s.Alt.Amounts[i]
			diff := "+0"
			if d, err := b.Sub(a); err == nil && !d.IsZero() {
				diff = "+" + cli.Decimal(d.String(), cur)
			} else if d, err := a.Sub(b); err == nil && !d.IsZero() {
				diff = "-" + cli.Decimal(d.String(), cur)
			}
			lines = append(lines, line{s.Epoch, id, cli.Decimal(a.String(), cur), cli.Decimal(b.String(), cur), diff})
		}
	}
	if format == "json" {
		return cli.WriteJSON(w, map[string]any{"amounts": lines})
	}
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', tabwriter.AlignRight)
	cli.Printf(tw, "EPOCH\tPARTICIPANT\tACTUAL\tSIMULATED\tDIFFERENCE\t\n")
	for _, l := range lines {
		cli.Printf(tw, "%d\t%s\t%s\t%s\t%s\t\n", l.Epoch, l.Participant, l.Actual, l.Simulated, l.Difference)
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	for _, s := range sims {
		a, b := s.Actual.Header(), s.Alt.Header()
		cli.Printf(w, "epoch %d: %s paid %s and carried %s; %s would pay %s and carry %s\n", s.Epoch, a.Formula, amountText(a.Paid, a.Currency), amountText(a.CarryOut, a.Currency), b.Formula, amountText(b.Paid, b.Currency), amountText(b.CarryOut, b.Currency))
	}
	return nil
}

// demoApps are the demo's five apps: daily active users and calls at
// their base level, and a category.
var demoApps = []struct {
	id, category string
	users, calls uint64
}{
	{"wallet", "utility", 1200, 9000},
	{"dex", "defi", 900, 15000},
	{"game", "social", 400, 2000},
	{"chat", "social", 650, 5000},
	{"tools", "utility", 150, 700},
}

// demoConfig is App Mining's: $100,000 a month, ranked at 20%; the second
// formula is quadratic over the same inputs.
func demoConfig(formula usage.Formula) usage.Config {
	return usage.Config{
		Currency: "USD",
		Epoch:    usage.Epoch{Length: usage.EpochMonth, Anchor: time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)},
		Metrics:  []usage.Metric{{Name: "active_users", WeightBP: 6000, ClipBP: 20000}, {Name: "calls", WeightBP: 4000, ClipBP: 20000}},
		Pool:     usage.Pool{Kind: usage.PoolFixedAmount, Amount: money.FromUint64(100_000_00), Account: "usage:treasury"},
		Formula:  formula,
		Qualify:  usage.Qualify{ActiveUsersMetric: "active_users", MinActiveUsers: 5000},
	}
}

// newUsageDemoCmd is `tributary demo usage`.
func newUsageDemoCmd() *cobra.Command {
	return &cobra.Command{
		Use: "usage", Short: "The usage seed (000): a month of synthetic usage under two formulas", Args: cobra.NoArgs,
		Long: `Runs January 2026 of a usage program on a temporary SQLite store: five apps
report daily active users and calls (deterministic, with weekly swings, and
one app inflating its calls 1000-fold on one day), a $100,000 pool is closed
under App Mining's ranked_decay at 20% (the rest carried), and the same
month is recomputed under quadratic. Both statements are printed; counts are
clipped at 2x the month's median, and apps under 5,000 active users in the
month do not qualify.`,
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
			ranked := demoConfig(usage.Formula{Kind: usage.RankedDecay, DecayBP: 2000})
			for _, op := range demoOps(ranked, d.Registry) {
				if _, err := d.Engine.ApplyOne(ctx, op); err != nil {
					return fmt.Errorf("%s: %w", op.Key, err)
				}
			}
			sims, err := usage.Simulate(cli.View(ctx, d.Store, usage.Program), demoConfig(usage.Formula{Kind: usage.Quadratic}), 0, 0)
			if err != nil {
				return err
			}
			actual, alt := sims[0].Actual, sims[0].Alt
			if format == "json" {
				// One document: the paid statement and the recomputed
				// one, each its header and lines (JSON Lines on a store).
				var paid, quadratic bytes.Buffer
				if err := actual.WriteStatement(&paid); err != nil {
					return err
				}
				if err := alt.WriteStatement(&quadratic); err != nil {
					return err
				}
				return cli.WriteJSON(cmd.OutOrStdout(), map[string]any{"ranked_decay": jsonLines(paid.Bytes()), "quadratic": jsonLines(quadratic.Bytes())})
			}
			w := cmd.OutOrStdout()
			cli.Printf(w, "January 2026, ranked_decay at 20%% (paid by the close's entry):\n")
			printStatement(w, actual)
			cli.Printf(w, "\nThe same month under quadratic (recomputed, nothing written):\n")
			printStatement(w, alt)
			cli.Printf(w, "\nScores are weighted shares of the month's totals (active_users 60%%, calls 40%%), after clipping at 2x the median;\n`tributary usage explain --epoch 0 --participant game` on a store prints one line step by step.\n")
			return nil
		},
	}
}

// Commands are the program's commands, for the registry.
func Commands() cli.Commands {
	return cli.Commands{Main: newUsageCmd(), Demo: newUsageDemoCmd()}
}

// demoOps are the demo's month: the configuration, the treasury's
// funding, five apps, 31 days of reports (one app inflating its calls
// 1000-fold on one day) and the close.
func demoOps(cfg usage.Config, reg *money.Registry) []engine.Op {
	t0 := cfg.Epoch.Anchor
	ops := []engine.Op{
		usage.ApplyConfig("demo:config", t0, cfg, reg),
		engine.Transfer("demo:fund", t0, []ledger.Posting{{From: "@platform", To: "usage:treasury", Currency: "USD", Amount: money.FromUint64(250_000_00), Path: "treasury funding"}}),
	}
	var ps []usage.Participant
	for _, a := range demoApps {
		ps = append(ps, usage.Participant{ID: a.id, Owner: "dev:" + a.id, Account: "dev:" + a.id, Category: a.category})
	}
	ops = append(ops, usage.Register("demo:apps", t0, ps))
	for day := 0; day < 31; day++ {
		b := usage.Batch{Epoch: 0}
		for k, a := range demoApps {
			swing := uint64(80 + (day*7+k*13)%41) // 80% to 120%, weekly-ish
			calls := a.calls * swing / 100
			if a.id == "game" && day == 14 {
				calls *= 1000 // a bot day: the month is clipped at 2x the median
			}
			b.Reports = append(b.Reports,
				usage.Report{Participant: a.id, Metric: "active_users", Count: usage.Count(a.users * swing / 100)},
				usage.Report{Participant: a.id, Metric: "calls", Count: usage.Count(calls)})
		}
		ops = append(ops, usage.ReportUsage(fmt.Sprintf("demo:day-%02d", day+1), t0.AddDate(0, 0, day).Add(23*time.Hour), b))
	}
	return append(ops, usage.CloseEpoch("demo:close-jan", t0.AddDate(0, 1, 0), 0))
}

// jsonLines splits a statement's JSON Lines into its values, for a
// document that holds them.
func jsonLines(b []byte) []json.RawMessage {
	out := []json.RawMessage{}
	for _, line := range bytes.Split(bytes.TrimSpace(b), []byte("\n")) {
		out = append(out, json.RawMessage(line))
	}
	return out
}
