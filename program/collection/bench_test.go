package collection_test

import (
	"context"
	"fmt"
	"testing"

	"github.com/tributary-ledger/tributary/engine"
	"github.com/tributary-ledger/tributary/money"
	"github.com/tributary-ledger/tributary/program/collection"
)

// BenchmarkPurchases measures collection purchases through the engine on
// SQLite with batched commits (1,000 per transaction): 50 albums of 3
// tracks, each track split three ways. One op is one purchase.
func BenchmarkPurchases(b *testing.B) {
	e, _ := open(b)
	ctx := context.Background()
	const albums, batch = 50, 1000
	var setup []engine.Op
	for a := 0; a < albums; a++ {
		var ids []string
		for k := 0; k < 3; k++ {
			id := fmt.Sprintf("t-%d-%d", a, k)
			ids = append(ids, id)
			setup = append(setup, collection.CreateTrack("setup-"+id, t0, collection.Track{ID: id, Price: amt("1.98", money.USDC), Currency: "USDC",
				Split: []collection.Recipient{{Account: fmt.Sprintf("artist:%d", a), ShareBP: 5000}, {Account: fmt.Sprintf("producer:%d", k), ShareBP: 1500}, {Account: fmt.Sprintf("label:%d", a%5), ShareBP: 3500}}}, reg))
		}
		setup = append(setup, collection.CreateCollection(fmt.Sprintf("setup-album-%d", a), t0, collection.Collection{ID: fmt.Sprintf("album-%d", a), Creator: fmt.Sprintf("curator:%d", a), Price: amt("5.00", money.USDC), Currency: "USDC", Tracks: ids}, reg))
	}
	if _, err := e.Apply(ctx, setup); err != nil {
		b.Fatal(err)
	}
	b.ResetTimer()
	for done := 0; done < b.N; {
		n := min(batch, b.N-done)
		ops := make([]engine.Op, n)
		for j := range ops {
			i := done + j
			ops[j] = collection.Buy(fmt.Sprintf("buy-%d", i), t0, collection.Purchase{Collection: fmt.Sprintf("album-%d", i%albums), Currency: "USDC", Buyer: fmt.Sprintf("@buyer:%d", i%5000)}, reg)
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
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "purchases/s")
}
