package main

import (
	"fmt"
	"time"

	"github.com/spf13/cobra"

	"github.com/tributary-ledger/tributary/cli"
	"github.com/tributary-ledger/tributary/internal/loadgen"
)

func newBenchCmd() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "bench",
		Short: "Load a running server (Tributary's or Formance Ledger v2's) with 4-posting payments and measure rate, latency and CPU",
		Long: `Sends the payment workload to a running server by URL: a buyer, one of
10,000, pays 100.00 USD, 2.50 to a treasury and the rest 70/20/10 to three
sellers (the same three, or with --spread three of 1,000), each payment
under a new idempotency key, from --clients clients that each wait for
their answer before sending again, --batch payments per request.

--target formance speaks Formance Ledger v2's API (POST
/v2/{ledger}/transactions, or /v2/{ledger}/_bulk for batches; the ledger
is created if needed, transactions are forced since buyers hold nothing).

--server-pid (and --pg-pid, PostgreSQL's postmaster, whose backends
serving that server are counted) report CPU per payment, read from /proc.`,
		Args: cobra.NoArgs,
		RunE: runBench,
	}
	cli.AddRemoteFlags(cmd)
	f := cmd.Flags()
	f.String("target", loadgen.TargetTributary, "the server's API: tributary or formance")
	f.String("ledger", "bench", "Formance's ledger name")
	f.Int("clients", 16, "concurrent clients")
	f.Int("batch", 1, "payments per request (1 to 1000)")
	f.Bool("spread", false, "pay three of 1,000 sellers instead of the same three")
	f.Int("payments", 0, "stop after this many payments (0: after --duration)")
	f.Duration("duration", 10*time.Second, "how long to run when --payments is 0")
	f.String("prefix", "", "idempotency key prefix (default: a new one per run)")
	f.Bool("atomic", false, "Formance: apply each bulk in one transaction (atomic=true)")
	f.Int("server-pid", 0, "the server's process, whose CPU per payment is reported (Linux)")
	f.Int("pg-pid", 0, "PostgreSQL's postmaster, whose backends serving --server-pid are measured (Linux)")
	return cmd
}

func runBench(cmd *cobra.Command, _ []string) error {
	out, err := cli.Output(cmd)
	if err != nil {
		return err
	}
	f := cmd.Flags()
	c := loadgen.Config{URL: cli.ServerURL(cmd), Token: cli.Token(cmd)}
	c.Target, _ = f.GetString("target")
	c.Ledger, _ = f.GetString("ledger")
	c.Clients, _ = f.GetInt("clients")
	c.Batch, _ = f.GetInt("batch")
	c.Spread, _ = f.GetBool("spread")
	c.Payments, _ = f.GetInt("payments")
	if c.Payments == 0 {
		c.Duration, _ = f.GetDuration("duration")
	}
	c.Atomic, _ = f.GetBool("atomic")
	if c.Prefix, _ = f.GetString("prefix"); c.Prefix == "" {
		c.Prefix = cli.NewKey("bench")
	}
	server, _ := f.GetInt("server-pid")
	pg, _ := f.GetInt("pg-pid")
	if server != 0 {
		c.Watch = append(c.Watch, loadgen.Watch{Name: "server", PID: server})
	}
	if pg != 0 {
		if server == 0 {
			return fmt.Errorf("--pg-pid measures the backends of --server-pid: give both")
		}
		c.Watch = append(c.Watch, loadgen.Watch{Name: "postgres", PID: pg, Of: server})
	}
	rep, err := loadgen.Run(cmd.Context(), c, nil)
	if err != nil {
		return err
	}
	if out == "json" {
		return cli.WriteJSON(cmd.OutOrStdout(), rep)
	}
	w := cmd.OutOrStdout()
	mode := "hot"
	if rep.Spread {
		mode = "spread"
	}
	cli.Printf(w, "%s, %d clients, %d per request, %s accounts: %d payments in %.2fs\n", rep.Target, rep.Clients, rep.Batch, mode, rep.Payments, rep.Elapsed.Seconds())
	cli.Printf(w, "rate %.0f payments/s, request p50 %s p99 %s, generator CPU %s per request\n", rep.Rate, rep.P50.Round(10*time.Microsecond), rep.P99.Round(10*time.Microsecond), rep.OwnCPUPerRequest.Round(time.Microsecond))
	for _, name := range []string{"server", "postgres"} {
		if d, ok := rep.CPUPerPayment[name]; ok {
			cli.Printf(w, "%s CPU %.0f µs per payment\n", name, float64(d)/float64(time.Microsecond))
		}
	}
	return nil
}
