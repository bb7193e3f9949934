package sqlite

import (
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/tributary-ledger/tributary/engine"
	"github.com/tributary-ledger/tributary/ledger"
	"github.com/tributary-ledger/tributary/money"
)

// TestPipelinedWriteFails makes a large write fail in the middle, inside
// the goroutine that executes its INSERTs (the 2,000th entry reuses a
// sequence number already in the journal): the transaction must fail as a
// whole and leave the journal, balances and events as they were.
func TestPipelinedWriteFails(t *testing.T) {
	ctx := context.Background()
	s, err := Open(ctx, filepath.Join(t.TempDir(), "p.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	e := engine.New(s, money.NewRegistry())
	at := time.Date(2026, 12, 3, 0, 0, 0, 0, time.UTC)
	pay := func(key, to string) engine.Op {
		return engine.Transfer(key, at, []ledger.Posting{{From: "@world", To: to, Currency: "USD", Amount: money.FromUint64(5), Path: "t"}})
	}
	if _, err := e.ApplyOne(ctx, pay("first", "a")); err != nil {
		t.Fatal(err)
	}
	const n = 3000
	err = s.Update(ctx, func(tx engine.Tx) error {
		keys := []ledger.BalanceKey{{Account: "@world", Currency: "USD"}}
		for i := 0; i < n; i++ {
			keys = append(keys, ledger.BalanceKey{Account: fmt.Sprintf("p%04d", i), Currency: "USD"})
		}
		bals, err := tx.LockBalances(ctx, keys)
		if err != nil {
			return err
		}
		if _, _, err := tx.Reserve(ctx, n, 0); err != nil {
			return err
		}
		// Balances[0] is @world's, named by every entry; Balances[1+i]
		// is entry i's payee's.
		b := &engine.Batch{Balances: bals, TouchStart: []int32{0}}
		for i := 0; i < n; i++ {
			b.Touches = append(b.Touches, int32(i))
		}
		b.TouchStart = append(b.TouchStart, n)
		for i := 0; i < n; i++ {
			b.Touches = append(b.Touches, int32(i))
			b.TouchStart = append(b.TouchStart, int32(len(b.Touches)))
		}
		for i := 0; i < n; i++ {
			seq := uint64(2 + i)
			if i == 2000 {
				seq = 1 // taken by "first"
			}
			b.Entries = append(b.Entries, &ledger.Entry{Seq: seq, Key: fmt.Sprintf("k%d", i), Kind: ledger.Transfer, Time: at,
				Postings: []ledger.Posting{{From: "@world", To: keys[1+i].Account, Currency: "USD", Amount: money.FromUint64(1), Path: "t"}}})
		}
		return tx.Write(ctx, b)
	})
	if err == nil || !strings.Contains(err.Error(), "inserting 256 rows into entries") {
		t.Fatalf("a write reusing a sequence number: %v; want the INSERT's failure", err)
	}
	rep, err := engine.Verify(ctx, s)
	if err != nil {
		t.Fatal(err)
	}
	if rep.Entries != 1 {
		t.Errorf("journal has %d entries after the failed write; want 1", rep.Entries)
	}
	if bals, err := s.AccountBalances(ctx, "p0001"); err != nil || len(bals) != 0 {
		t.Errorf("balances of p0001 = %v, %v; want none", bals, err)
	}
	// The store goes on working.
	if res, err := e.ApplyOne(ctx, pay("second", "b")); err != nil || res.Entry.Seq != 2 {
		t.Errorf("next entry = seq %d, %v; want 2", res.Entry.Seq, err)
	}
}

// TestBulkBalanceReads has operations that need hundreds of balances the
// writer's cache does not hold, so that they are read by key ranges: dense
// ranges (the rows asked for, and new ones) and sparse ones (a few accounts
// among thousands, which fall back to reading key by key). Every balance
// must come out right, which Verify and the sums check.
func TestBulkBalanceReads(t *testing.T) {
	ctx := context.Background()
	s, err := Open(ctx, filepath.Join(t.TempDir(), "b.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	s.SetBalanceCacheMax(2)
	e := engine.New(s, money.NewRegistry())
	at := time.Date(2026, 12, 3, 0, 0, 0, 0, time.UTC)
	pay := func(key string, accounts []string, units uint64) engine.Op {
		var ps []ledger.Posting
		for _, a := range accounts {
			ps = append(ps, ledger.Posting{From: "@world", To: a, Currency: "USD", Amount: money.FromUint64(units), Path: "t"})
		}
		return engine.Transfer(key, at, ps)
	}
	var all []string
	for i := 0; i < 6000; i++ {
		all = append(all, fmt.Sprintf("acct:%05d", i))
	}
	apply := func(op engine.Op) {
		t.Helper()
		if _, err := e.ApplyOne(ctx, op); err != nil {
			t.Fatal(err)
		}
	}
	apply(pay("all", all, 1)) // 6,000 new balances: a dense range of nothing
	apply(pay("all-again", all, 2))
	var sparse []string
	for i := 0; i < len(all); i += 20 {
		sparse = append(sparse, all[i])
	}
	apply(pay("sparse", sparse, 4)) // 300 of 6,000: sparse ranges
	apply(pay("sparse-new", append(sparse, "zz:new"), 8))
	for i, a := range all {
		want := uint64(3)
		if i%20 == 0 {
			want += 12
		}
		bals, err := s.AccountBalances(ctx, a)
		if err != nil || len(bals) != 1 || bals[0].CreditsPosted.Uint64() != want {
			t.Fatalf("%s: balances %v, %v; want credits of %d", a, bals, err, want)
		}
	}
	if _, err := engine.Verify(ctx, s); err != nil {
		t.Fatal(err)
	}
}

// TestStreamedBatchFails has a batch large enough for its accepted entries
// to be written as they come (engine.Tx.Streaming) fail at its last operation
// with an operating error: the batch fails as a whole, nothing of the
// entries already handed to the store remains, and the store goes on.
func TestStreamedBatchFails(t *testing.T) {
	ctx := context.Background()
	s, err := Open(ctx, filepath.Join(t.TempDir(), "s.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	e := engine.New(s, money.NewRegistry())
	at := time.Date(2026, 12, 3, 0, 0, 0, 0, time.UTC)
	pay := func(key string) engine.Op {
		return engine.Transfer(key, at, []ledger.Posting{{From: "@world", To: "a", Currency: "USD", Amount: money.FromUint64(1), Path: "t"}})
	}
	broken := fmt.Errorf("disk on fire")
	var ops []engine.Op
	for i := 0; i < 2000; i++ {
		ops = append(ops, pay(fmt.Sprintf("k%d", i)))
	}
	ops = append(ops, engine.Op{Key: "last", Run: func(engine.View) (engine.Change, error) { return engine.Change{}, broken }})
	if _, err := e.Apply(ctx, ops); !errors.Is(err, broken) {
		t.Fatalf("Apply of a batch failing at its end = %v; want %v", err, broken)
	}
	rep, err := engine.Verify(ctx, s)
	if err != nil || rep.Entries != 0 {
		t.Fatalf("after the failed batch: %d entries, %v; want none", rep.Entries, err)
	}
	if evs, err := s.Events(ctx, 0, 0); err != nil || len(evs) != 0 {
		t.Errorf("after the failed batch: %d events, %v; want none", len(evs), err)
	}
	res, err := e.Apply(ctx, ops[:2000])
	if err != nil || res[0].Entry.Seq != 1 || res[1999].Entry.Seq != 2000 {
		t.Fatalf("the same batch without its failing operation: %v", err)
	}
	if evs, err := s.Events(ctx, 0, 0); err != nil || len(evs) != 2000 || evs[1999].Seq != 2000 {
		t.Errorf("events after the batch: %d, %v; want 2000, numbered to 2000", len(evs), err)
	}
}
