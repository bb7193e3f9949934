package api

import (
	"fmt"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/tributary-ledger/tributary/ledger"
	"github.com/tributary-ledger/tributary/money"
)

// TestRollupMergeByNumber checks that hours summed by numbered keys merge
// to what summing their entries directly gives, in every currency and in
// one, also after the key table is started again (more keys than twice
// the sums kept).
func TestRollupMergeByNumber(t *testing.T) {
	t0 := time.Date(2026, 3, 1, 0, 0, 0, 0, time.UTC)
	entry := func(i int) ledger.Entry {
		return ledger.Entry{Seq: uint64(i + 1), Program: "market", Time: t0.Add(time.Duration(i) * time.Minute), Postings: []ledger.Posting{
			{From: "@buyer", To: fmt.Sprint("payee:", i%7), Currency: []string{"USD", "ETH"}[i%2], Amount: money.FromUint64(uint64(100 + i)), Path: "market:a → split 70% → payee"},
			{From: "@buyer", To: "platform", Currency: "USD", Amount: money.FromUint64(3), Path: "market:a → platform fee 2.5% → platform"},
		}}
	}
	amounts := cmp.Comparer(func(a, b money.Amount) bool { return a.Cmp(b) == 0 })
	r := newRollups(2)
	for round := range 2 {
		var kept []*hourRollup
		direct, directUSD := map[flowKey]*flowSum{}, map[flowKey]*flowSum{}
		for h := range 3 {
			hr := &hourRollup{slot: map[flowKey]int{}}
			for i := h * 60; i < h*60+60; i += 7 {
				e := entry(i + round)
				if err := r.add(hr, e); err != nil {
					t.Fatal(err)
				}
				if err := addFlows(direct, e, "", ""); err != nil {
					t.Fatal(err)
				}
				if err := addFlows(directUSD, e, "USD", ""); err != nil {
					t.Fatal(err)
				}
			}
			r.hours[t0.Add(time.Duration(h)*time.Hour)] = hr
			r.keys += len(hr.sums)
			kept = append(kept, hr)
		}
		for _, c := range []struct {
			currency string
			want     map[flowKey]*flowSum
		}{{"", direct}, {"USD", directUSD}} {
			got := map[flowKey]*flowSum{}
			if err := r.merge(kept, c.currency, got); err != nil {
				t.Fatal(err)
			}
			if !cmp.Equal(got, c.want, amounts, cmp.AllowUnexported(flowKey{}, flowSum{})) {
				t.Errorf("round %d, currency %q: merged %v; want %v", round, c.currency, got, c.want)
			}
		}
		// Every hour is older than the next tick: evict drops them all, and
		// the table (over twice 2 keys) starts again.
		r.tick++
		r.evict()
		if len(r.hours) != 0 || len(r.table) != 0 || r.keys != 0 {
			t.Fatalf("round %d: after evict %d hours, %d keys numbered, %d kept; want none", round, len(r.hours), len(r.table), r.keys)
		}
	}
}
