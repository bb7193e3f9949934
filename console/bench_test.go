package console_test

import (
	"context"
	"fmt"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strconv"
	"testing"
	"time"

	"github.com/tributary-ledger/tributary/api"
	"github.com/tributary-ledger/tributary/auth"
	"github.com/tributary-ledger/tributary/client"
	"github.com/tributary-ledger/tributary/console"
	"github.com/tributary-ledger/tributary/engine"
	"github.com/tributary-ledger/tributary/ledger"
	"github.com/tributary-ledger/tributary/money"
	"github.com/tributary-ledger/tributary/programs"
	"github.com/tributary-ledger/tributary/store/sqlite"
	"github.com/tributary-ledger/tributary/wire"
)

// BenchmarkConsolePages measures, over HTTP on loopback, the API calls
// behind each console page, on a SQLite store of CONSOLE_BENCH_ENTRIES
// entries (default 20,000; BENCHMARKS.md has 1,000,000): one entry a
// second, each paying one of 1,000 payees and the platform from one of 10
// buyers. The store is built once per run (CONSOLE_BENCH_DB keeps it
// between runs).
func BenchmarkConsolePages(b *testing.B) {
	n := 20_000
	if v := os.Getenv("CONSOLE_BENCH_ENTRIES"); v != "" {
		var err error
		if n, err = strconv.Atoi(v); err != nil {
			b.Fatal(err)
		}
	}
	c := benchServer(b, n)
	ctx := context.Background()
	t0 := demoStart
	last := t0.Add(time.Duration(n) * time.Second)
	hour := client.ListFlowsQuery{Since: last.Add(-time.Hour), Until: last}
	day := client.ListFlowsQuery{Since: last.Add(-24 * time.Hour), Until: last}
	week := client.ListFlowsQuery{Since: last.Add(-7 * 24 * time.Hour), Until: last}
	// The console asks for whole days (its period is two dates): whole
	// hours only, all kept.
	end := last.Truncate(24 * time.Hour)
	dayWhole := client.ListFlowsQuery{Since: end.Add(-24 * time.Hour), Until: end}
	weekWhole := client.ListFlowsQuery{Since: end.Add(-7 * 24 * time.Hour), Until: end}
	paged := func(q client.ListFlowsQuery) client.ListFlowsQuery { q.After = "0"; return q }
	pages := []struct {
		name string
		load func() error
		// warm: loads before timing, for the server to keep the
		// period's hours summed (a week takes seven).
		warm int
	}{
		{"account", func() error {
			if _, err := c.GetAccount(ctx, "payee:7"); err != nil {
				return err
			}
			if _, err := c.ListWithdrawals(ctx, client.ListWithdrawalsQuery{Account: "payee:7"}); err != nil {
				return err
			}
			_, err := c.ListEntries(ctx, client.ListEntriesQuery{Account: "payee:7", Limit: 100})
			return err
		}, 0},
		{"account-income-31-days", func() error {
			return allFlows(ctx, c, client.ListFlowsQuery{Account: "payee:7", Since: last.AddDate(0, 0, -31), Until: last})
		}, 0},
		{"overview-hour", func() error {
			if _, err := c.ListFlows(ctx, hour); err != nil {
				return err
			}
			_, err := c.ListWithdrawals(ctx, client.ListWithdrawalsQuery{State: "pending"})
			return err
		}, 0},
		{"flows-hour", func() error { return allFlows(ctx, c, hour) }, 0},
		{"pending-withdrawals", func() error {
			_, err := c.ListWithdrawals(ctx, client.ListWithdrawalsQuery{State: "pending"})
			return err
		}, 0},
		{"flows-band-hour", func() error {
			_, err := c.ListEntries(ctx, client.ListEntriesQuery{Account: "payee:7", Since: hour.Since, Until: hour.Until, Limit: 1000})
			return err
		}, 0},
		{"flows-day-paged", func() error { return allFlows(ctx, c, paged(day)) }, 0},
		{"flows-day", func() error { return allFlows(ctx, c, day) }, 1},
		{"flows-week", func() error { return allFlows(ctx, c, week) }, 7},
		{"flows-day-dates", func() error { return allFlows(ctx, c, dayWhole) }, 1},
		{"flows-week-dates", func() error { return allFlows(ctx, c, weekWhole) }, 7},
	}
	for _, p := range pages {
		b.Run(p.name, func(b *testing.B) {
			for range p.warm {
				if err := p.load(); err != nil {
					b.Fatal(err)
				}
			}
			for b.Loop() {
				if err := p.load(); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

func allFlows(ctx context.Context, c *client.Client, q client.ListFlowsQuery) error {
	for {
		page, err := c.ListFlows(ctx, q)
		if err != nil {
			return err
		}
		if page.Next == "" {
			return nil
		}
		q.After = page.Next
	}
}

// benchServer serves a store of n entries (made, or reused from
// CONSOLE_BENCH_DB) and returns an admin client.
func benchServer(b *testing.B, n int) *client.Client {
	b.Helper()
	ctx := context.Background()
	path := os.Getenv("CONSOLE_BENCH_DB")
	if path == "" {
		path = filepath.Join(b.TempDir(), "bench.db")
	}
	s, err := sqlite.Open(ctx, path)
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { s.Close() })
	if err := s.PutToken(ctx, auth.FromSecret(adminSecret, auth.Admin, nil, "bench admin", time.Now())); err != nil {
		b.Fatal(err)
	}
	reg := money.NewRegistry()
	eng := engine.New(s, reg)
	have, err := s.Journal(ctx, uint64(n)-1, 1)
	if err != nil {
		b.Fatal(err)
	}
	if len(have) == 0 {
		fill(b, eng, n)
	}
	a := api.New(api.Config{Store: s, Engine: eng, Currencies: reg, Modules: programs.Modules(programs.Deps{})})
	srv := httptest.NewServer(console.Mount(a.Handler()))
	b.Cleanup(srv.Close)
	c := client.New(srv.URL, adminSecret, nil)
	if _, _, err := c.RequestWithdrawal(ctx, "bench-withdrawal", wire.WithdrawalRequest{Account: "payee:7", Amount: "1", Currency: "USD"}); err != nil {
		b.Fatal(err)
	}
	return c
}

func fill(b *testing.B, eng *engine.Engine, n int) {
	b.Helper()
	start := time.Now()
	ops := make([]engine.Op, 0, 1000)
	for i := range n {
		at := demoStart.Add(time.Duration(i) * time.Second)
		ops = append(ops, engine.Transfer(fmt.Sprintf("bench-%d", i), at, []ledger.Posting{
			{From: fmt.Sprintf("@buyer:%d", i%10), To: fmt.Sprintf("payee:%d", i%1000), Currency: "USD", Amount: money.FromUint64(uint64(1000 + i)), Path: "bench → payee"},
			{From: fmt.Sprintf("@buyer:%d", i%10), To: "platform", Currency: "USD", Amount: money.FromUint64(100), Path: "bench → fee"},
		}))
		if len(ops) == cap(ops) || i == n-1 {
			res, err := eng.Apply(context.Background(), ops)
			if err != nil {
				b.Fatal(err)
			}
			for _, r := range res {
				if r.Err != nil {
					b.Fatal(r.Err)
				}
			}
			ops = ops[:0]
		}
	}
	b.Logf("wrote %d entries in %v", n, time.Since(start))
}
