package sqlite

import (
	"context"
	"fmt"
	"path/filepath"
	"testing"
	"time"

	"github.com/tributary-ledger/tributary/engine"
	"github.com/tributary-ledger/tributary/errcode"
	"github.com/tributary-ledger/tributary/ledger"
	"github.com/tributary-ledger/tributary/money"
	"github.com/tributary-ledger/tributary/store/storetest"
)

// TestConformanceSmallCache runs the suite with room for two balances in
// the writer's memory, so that it is never complete: balances are read from
// the file, evicted and read again all the time.
func TestConformanceSmallCache(t *testing.T) {
	storetest.Run(t, func(t *testing.T) storetest.Store {
		s, err := Open(context.Background(), filepath.Join(t.TempDir(), "t.db"))
		if err != nil {
			t.Fatal(err)
		}
		s.SetBalanceCacheMax(2)
		t.Cleanup(func() { s.Close() })
		return s
	})
}

func TestConformance(t *testing.T) {
	storetest.Run(t, func(t *testing.T) storetest.Store {
		s, err := Open(context.Background(), filepath.Join(t.TempDir(), "t.db"))
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { s.Close() })
		return s
	})
}

// TestTwoWritersOneFile checks the writer's balance cache against commits
// made by another store on the same file, as another `tributary` process
// would make them: each must see the other's balances, so that neither can
// overdraw an account the other emptied.
func TestTwoWritersOneFile(t *testing.T) {
	for _, cacheMax := range []int{0, 2} { // 0: the default
		t.Run(fmt.Sprintf("cache=%d", cacheMax), func(t *testing.T) { testTwoWriters(t, cacheMax) })
	}
}

func testTwoWriters(t *testing.T, cacheMax int) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "t.db")
	open := func() *Store {
		s, err := Open(ctx, path)
		if err != nil {
			t.Fatal(err)
		}
		if cacheMax > 0 {
			s.SetBalanceCacheMax(cacheMax)
		}
		t.Cleanup(func() { s.Close() })
		return s
	}
	s1, s2 := open(), open()
	e1, e2 := engine.New(s1, money.NewRegistry()), engine.New(s2, money.NewRegistry())
	usd := func(from, to string, units uint64) []ledger.Posting {
		return []ledger.Posting{{From: from, To: to, Currency: "USD", Amount: money.FromUint64(units), Path: "t"}}
	}
	t0 := time.Date(2026, 11, 22, 12, 0, 0, 0, time.UTC)
	steps := []struct {
		e        *engine.Engine
		key      string
		from, to string
		units    uint64
		wantCode string
	}{
		{e1, "fund", "@world", "a", 10, ""},
		{e1, "a-b-1", "a", "b", 1, ""},          // s1 now holds a = 9 in memory
		{e2, "a-b-9", "a", "b", 9, ""},          // s2 empties a
		{e1, "a-c-5", "a", "c", 5, "overdraft"}, // s1 must see that
		{e2, "refund", "@world", "a", 4, ""},
		{e1, "a-c-4", "a", "c", 4, ""}, // and the refund
		{e1, "a-c-1", "a", "c", 1, "overdraft"},
		{e2, "b-a-2", "b", "a", 2, ""},
		{e1, "a-c-2", "a", "c", 2, ""},
	}
	for _, st := range steps {
		_, err := st.e.ApplyOne(ctx, engine.Transfer(st.key, t0, usd(st.from, st.to, st.units)))
		if got := errcode.Code(err); (err == nil) != (st.wantCode == "") || (err != nil && got != st.wantCode) {
			t.Fatalf("%s: error %v (code %q); want code %q", st.key, err, got, st.wantCode)
		}
	}
	for _, s := range []*Store{s1, s2} {
		rep, err := engine.Verify(ctx, s)
		if err != nil {
			t.Fatalf("Verify: %v", err)
		}
		if rep.Entries != 7 {
			t.Errorf("journal has %d entries; want 7", rep.Entries)
		}
	}
	for acct, want := range map[string]string{"a": "0", "b": "8", "c": "6"} {
		bals, err := s1.AccountBalances(ctx, acct)
		if err != nil || len(bals) != 1 {
			t.Fatalf("AccountBalances(%s) = %v, %v", acct, bals, err)
		}
		if got := bals[0].Available().String(); got != want {
			t.Errorf("available(%s) = %s; want %s", acct, got, want)
		}
	}
}

// TestCacheKeepsWhatItRead checks that balances the writer read from the
// file but did not change (the operation was refused) are remembered as
// read: with room for one balance, the refused operation's read is the one
// kept, and the next operation must find the same 10.
func TestCacheKeepsWhatItRead(t *testing.T) {
	ctx := context.Background()
	s, err := Open(ctx, filepath.Join(t.TempDir(), "t.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	s.SetBalanceCacheMax(1)
	e := engine.New(s, money.NewRegistry())
	t0 := time.Date(2026, 11, 22, 12, 0, 0, 0, time.UTC)
	usd := func(from, to string, units uint64) []ledger.Posting {
		return []ledger.Posting{{From: from, To: to, Currency: "USD", Amount: money.FromUint64(units), Path: "t"}}
	}
	for _, st := range []struct {
		key      string
		from, to string
		units    uint64
		wantCode string
	}{
		{"fund", "@world", "a", 10, ""},
		{"too-much", "a", "b", 11, "overdraft"},
		{"all", "a", "b", 10, ""},
		{"more", "a", "b", 1, "overdraft"},
	} {
		_, err := e.ApplyOne(ctx, engine.Transfer(st.key, t0, usd(st.from, st.to, st.units)))
		if got := errcode.Code(err); (err == nil) != (st.wantCode == "") || (err != nil && got != st.wantCode) {
			t.Fatalf("%s: error %v (code %q); want code %q", st.key, err, got, st.wantCode)
		}
	}
	if _, err := engine.Verify(ctx, s); err != nil {
		t.Errorf("Verify: %v", err)
	}
}
