package market_test

import (
	"context"
	"fmt"
	"path/filepath"
	"testing"

	"github.com/tributary-ledger/tributary/engine"
	"github.com/tributary-ledger/tributary/money"
	"github.com/tributary-ledger/tributary/program/market"
	"github.com/tributary-ledger/tributary/store/sqlite"
)

// BenchmarkSales measures sales through the engine on SQLite with batched
// commits (1,000 sales per transaction): 100 assets with a three-way split,
// each sold once primary and then secondary. One op is one sale.
func BenchmarkSales(b *testing.B) {
	s, err := sqlite.Open(context.Background(), filepath.Join(b.TempDir(), "bench.db"))
	if err != nil {
		b.Fatal(err)
	}
	defer s.Close()
	e := engine.New(s, money.NewRegistry())
	ctx := context.Background()
	const assets, batch = 100, 1000
	var setup []engine.Op
	for i := 0; i < assets; i++ {
		setup = append(setup, market.CreateAsset(fmt.Sprintf("setup-%d", i), t0, market.Asset{
			ID: fmt.Sprintf("asset-%d", i), Owner: fmt.Sprintf("owner:%d", i),
			Split: []market.Recipient{{Account: fmt.Sprintf("owner:%d", i), ShareBP: 5000}, {Account: fmt.Sprintf("collab:%d", i), ShareBP: 3000}, {Account: fmt.Sprintf("investor:%d", i%7), ShareBP: 2000}},
		}))
	}
	if _, err := e.Apply(ctx, setup); err != nil {
		b.Fatal(err)
	}
	amount := eth("1.234567890123456789")
	b.ResetTimer()
	for done := 0; done < b.N; {
		n := min(batch, b.N-done)
		ops := make([]engine.Op, n)
		for j := range ops {
			i := done + j
			ops[j] = market.Sell(fmt.Sprintf("sale-%d", i), t0, market.Sale{Asset: fmt.Sprintf("asset-%d", i%assets), Amount: amount, Currency: "ETH", Buyer: fmt.Sprintf("@buyer:%d", i%5000), Seller: fmt.Sprintf("seller:%d", i%500)})
		}
		res, err := e.Apply(ctx, ops)
		if err != nil {
			b.Fatal(err)
		}
		for _, r := range res {
			if r.Err != nil {
				b.Fatal(r.Err)
			}
		}
		done += n
	}
	b.StopTimer()
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "sales/s")
}
