package api

import (
	"context"
	"fmt"
	"path/filepath"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/tributary-ledger/tributary/engine"
	"github.com/tributary-ledger/tributary/ledger"
	"github.com/tributary-ledger/tributary/money"
	"github.com/tributary-ledger/tributary/store/sqlite"
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

// TestNewestEntryLooksBackPastOtherEvents: when the newest page of events
// holds no entry.committed (only withdrawals' changes, as after a batch's
// results), the rollups' cursor starts at the newest entry further back,
// not at the journal's beginning.
func TestNewestEntryLooksBackPastOtherEvents(t *testing.T) {
	ctx := context.Background()
	s, err := sqlite.Open(ctx, filepath.Join(t.TempDir(), "rollup.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	e := engine.New(s, money.NewRegistry())
	at := time.Unix(1700000000, 0)
	for i := range 2 {
		if _, err := e.ApplyOne(ctx, engine.Transfer(fmt.Sprint("pay-", i), at, []ledger.Posting{{From: "@world", To: "artist", Currency: "USD", Amount: money.FromUint64(10)}})); err != nil {
			t.Fatal(err)
		}
	}
	// An entry that makes two withdrawals: its entry.committed, then two
	// withdrawal.changed, the newest page of two events holding no entry's.
	reserve := engine.ProgramOp("notes", "reserve", "reserve", at, func(h *ledger.Hasher) {}, nil, func(engine.View) (engine.Change, error) {
		ch := engine.Change{Kind: ledger.WithdrawalRequest}
		for _, id := range []string{"w-1", "w-2"} {
			w := ledger.Withdrawal{ID: id, Account: "artist", Destination: "@bank", Currency: "USD", Amount: money.FromUint64(1), State: ledger.WithdrawalPending, Created: at}
			ch.Withdrawals = append(ch.Withdrawals, w)
			ch.Postings = append(ch.Postings, w.Posting())
		}
		return ch, nil
	})
	if _, err := e.ApplyOne(ctx, reserve); err != nil {
		t.Fatal(err)
	}
	defer func(n uint64) { eventsLookBack = n }(eventsLookBack)
	eventsLookBack = 2
	seq, err := newestEntry(ctx, s)
	if err != nil || seq != 3 {
		t.Errorf("newestEntry = %d, %v; want 3, the withdrawals' entry", seq, err)
	}
}
