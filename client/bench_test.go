package client_test

import (
	"context"
	"fmt"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"slices"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/tributary-ledger/tributary/api"
	"github.com/tributary-ledger/tributary/auth"
	"github.com/tributary-ledger/tributary/client"
	"github.com/tributary-ledger/tributary/engine"
	"github.com/tributary-ledger/tributary/money"
	"github.com/tributary-ledger/tributary/store/postgres"
	"github.com/tributary-ledger/tributary/store/sqlite"
)

const benchSecret = "trb_bench_admin"

type benchStore interface {
	api.Store
	engine.Store
}

// benchServer runs the real API on a loopback port, with group commit as
// `tributary serve` has it.
func benchServer(b *testing.B, s benchStore, workers int) string {
	b.Helper()
	if err := s.PutToken(context.Background(), auth.FromSecret(benchSecret, auth.Admin, nil, "", time.Now())); err != nil {
		b.Fatal(err)
	}
	reg := money.NewRegistry()
	eng := engine.New(s, reg)
	g := engine.NewGroup(eng, workers, 256)
	srv := httptest.NewServer(api.New(api.Config{Store: s, Engine: eng, Group: g, Currencies: reg, Log: slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelError}))}).Handler())
	b.Cleanup(func() { srv.Close(); g.Close() })
	return srv.URL
}

// payment is a payment split three ways plus a fee: 4 postings.
func payment(i int) []api.PostingJSON {
	buyer := fmt.Sprintf("@buyer:%d", i%1000)
	return []api.PostingJSON{
		{From: buyer, To: fmt.Sprintf("payee:%d", i%997), Amount: "990000", Currency: "USDC", Path: "bench → split 50%"},
		{From: buyer, To: fmt.Sprintf("payee:%d", (i+1)%997), Amount: "297000", Currency: "USDC", Path: "bench → split 15%"},
		{From: buyer, To: fmt.Sprintf("payee:%d", (i+2)%997), Amount: "693000", Currency: "USDC", Path: "bench → split 35%"},
		{From: buyer, To: "platform:fee", Amount: "250000", Currency: "USDC", Path: "bench → fee"},
	}
}

const clients = 16

// run drives b.N entries through clients goroutines, batch entries per
// request, and reports entries/s and request latency percentiles.
func run(b *testing.B, url string, batch int) {
	hc := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: clients}, Timeout: time.Minute}
	c := client.New(url, benchSecret, hc)
	ctx := context.Background()
	var next atomic.Int64
	lat := make([][]time.Duration, clients)
	var wg sync.WaitGroup
	b.ResetTimer()
	for w := 0; w < clients; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				start := int(next.Add(int64(batch))) - batch
				if start >= b.N {
					return
				}
				n := min(batch, b.N-start)
				t0 := time.Now()
				if batch == 1 {
					if _, _, err := c.CreateEntry(ctx, fmt.Sprintf("p-%d", start), payment(start)); err != nil {
						b.Error(err)
						return
					}
				} else {
					items := make([]api.BatchItem, n)
					for j := range items {
						items[j] = api.BatchItem{Key: fmt.Sprintf("p-%d", start+j), Postings: payment(start + j)}
					}
					res, err := c.CreateEntries(ctx, items)
					if err != nil {
						b.Error(err)
						return
					}
					for _, r := range res {
						if r.Status != "created" {
							b.Errorf("%s: %s %+v", r.Key, r.Status, r.Error)
							return
						}
					}
				}
				lat[w] = append(lat[w], time.Since(t0))
			}
		}()
	}
	wg.Wait()
	b.StopTimer()
	var all []time.Duration
	for _, l := range lat {
		all = append(all, l...)
	}
	slices.Sort(all)
	if len(all) > 0 {
		b.ReportMetric(float64(all[len(all)/2].Microseconds())/1000, "p50-ms")
		b.ReportMetric(float64(all[len(all)*99/100].Microseconds())/1000, "p99-ms")
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "entries/s")
}

func BenchmarkHTTPPayments(b *testing.B) {
	type target struct {
		name    string
		open    func(b *testing.B) benchStore
		workers int
	}
	targets := []target{{"sqlite", func(b *testing.B) benchStore {
		s, err := sqlite.Open(context.Background(), filepath.Join(b.TempDir(), "bench.db"))
		if err != nil {
			b.Fatal(err)
		}
		b.Cleanup(func() { s.Close() })
		return s
	}, 1}}
	if url := os.Getenv("TRIBUTARY_POSTGRES_URL"); url != "" {
		targets = append(targets, target{"postgres", func(b *testing.B) benchStore {
			s, _, cleanup, err := postgres.OpenFresh(context.Background(), url)
			if err != nil {
				b.Fatal(err)
			}
			b.Cleanup(func() { cleanup() })
			return s
		}, 4})
	}
	for _, tg := range targets {
		for _, batch := range []int{1, 100} {
			b.Run(fmt.Sprintf("%s/clients=%d/batch=%d", tg.name, clients, batch), func(b *testing.B) {
				run(b, benchServer(b, tg.open(b), tg.workers), batch)
			})
		}
	}
}
