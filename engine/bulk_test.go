package engine_test

import (
	"context"
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/tributary-ledger/tributary/engine"
	"github.com/tributary-ledger/tributary/ledger"
	"github.com/tributary-ledger/tributary/money"
)

// reserve is a program's operation that reserves n units of each account
// as a pending withdrawal w-<account> to @rail, announced by one event
// of its own when announced is set (Change.WithdrawalsAnnounced).
func reserve(key string, at time.Time, announced bool, accounts ...string) engine.Op {
	return engine.ProgramOp("bulk", key, "reserve", at, func(h *ledger.Hasher) {}, nil, func(engine.View) (engine.Change, error) {
		ch := engine.Change{Kind: ledger.WithdrawalRequest, WithdrawalsAnnounced: announced, Events: []engine.Event{{Type: "bulk.reserved", Data: []byte(`{"n":2}`)}}}
		for _, a := range accounts {
			w := ledger.Withdrawal{ID: "w-" + a, Account: a, Destination: "@rail", Currency: "USD", Amount: money.FromUint64(3), State: ledger.WithdrawalPending, Created: at}
			ch.Withdrawals = append(ch.Withdrawals, w)
			ch.Postings = append(ch.Postings, w.Posting())
		}
		return ch, nil
	})
}

// voidOne voids withdrawal id, read through the view.
func voidOne(key string, at time.Time, id string) engine.Op {
	return engine.ProgramOp("bulk", key, "void", at, func(h *ledger.Hasher) {}, nil, func(v engine.View) (engine.Change, error) {
		w, ok, err := v.Withdrawal(id)
		if err != nil || !ok {
			return engine.Change{}, fmt.Errorf("withdrawal %s: %v, found %v", id, err, ok)
		}
		w.State, w.Resolved = ledger.WithdrawalVoided, at
		return engine.Change{Kind: ledger.WithdrawalVoid, Postings: []ledger.Posting{w.Posting()}, Withdrawal: &w}, nil
	})
}

// TestBulkWithdrawals: an operation's Withdrawals are written with its
// entry's number; announced by the operation's own event, they get no
// withdrawal.changed each, and otherwise one each. A later operation of
// the same batch reads one of them and voids it: the store gets the
// withdrawal once, voided, with both entries' numbers, and one
// withdrawal.changed for the void.
func TestBulkWithdrawals(t *testing.T) {
	s := openStore(t)
	e := engine.New(s, money.NewRegistry())
	ctx := context.Background()
	at := time.Unix(100, 0).UTC()
	var fund []ledger.Posting
	for _, a := range []string{"a", "b", "c", "d"} {
		fund = append(fund, usd("@world", a, 10)...)
	}
	if _, err := e.ApplyOne(ctx, engine.Transfer("fund", at, fund)); err != nil {
		t.Fatal(err)
	}
	res, err := e.Apply(ctx, []engine.Op{reserve("r1", at, true, "a", "b"), voidOne("v1", at, "w-a"), reserve("r2", at, false, "c", "d")})
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range res {
		if r.Err != nil {
			t.Fatal(r.Err)
		}
	}
	r1, v1, r2 := res[0].Entry.Seq, res[1].Entry.Seq, res[2].Entry.Seq
	want := map[string]ledger.Withdrawal{
		"w-a": {State: ledger.WithdrawalVoided, RequestSeq: r1, ResolveSeq: v1},
		"w-b": {State: ledger.WithdrawalPending, RequestSeq: r1},
		"w-c": {State: ledger.WithdrawalPending, RequestSeq: r2},
		"w-d": {State: ledger.WithdrawalPending, RequestSeq: r2},
	}
	for id, w := range want {
		got, err := s.Withdrawal(ctx, id)
		if err != nil {
			t.Fatal(err)
		}
		if got.State != w.State || got.RequestSeq != w.RequestSeq || got.ResolveSeq != w.ResolveSeq {
			t.Errorf("%s = %s, requested by %d, resolved by %d; want %s, %d, %d", id, got.State, got.RequestSeq, got.ResolveSeq, w.State, w.RequestSeq, w.ResolveSeq)
		}
	}
	evs, err := s.Events(ctx, 1, 0) // after the funding's
	if err != nil {
		t.Fatal(err)
	}
	var types []string
	for _, ev := range evs {
		types = append(types, ev.Type)
		if ev.Type == engine.EventWithdrawalChanged {
			types[len(types)-1] += " " + string(ev.Data)
		}
	}
	wantTypes := []string{engine.EventEntryCommitted, engine.EventEntryCommitted, engine.EventEntryCommitted, "bulk.reserved", "bulk.reserved",
		`withdrawal.changed {"id":"w-a","account":"a","state":"voided","amount":"3","currency":"USD"}`,
		`withdrawal.changed {"id":"w-c","account":"c","state":"pending","amount":"3","currency":"USD"}`,
		`withdrawal.changed {"id":"w-d","account":"d","state":"pending","amount":"3","currency":"USD"}`}
	if fmt.Sprint(types) != fmt.Sprint(wantTypes) {
		t.Errorf("events:\n%q\nwant\n%q", types, wantTypes)
	}
}

// TestBulkWithdrawalsAlone: one operation's announced withdrawals, alone
// in their batch (the fast path), are all written, and no event but the
// entry's and the operation's.
func TestBulkWithdrawalsAlone(t *testing.T) {
	s := openStore(t)
	e := engine.New(s, money.NewRegistry())
	ctx := context.Background()
	at := time.Unix(100, 0).UTC()
	accounts := make([]string, 300)
	var fund []ledger.Posting
	for i := range accounts {
		accounts[i] = fmt.Sprintf("p%03d", i)
		fund = append(fund, usd("@world", accounts[i], 5)...)
	}
	if _, err := e.ApplyOne(ctx, engine.Transfer("fund", at, fund)); err != nil {
		t.Fatal(err)
	}
	res, err := e.ApplyOne(ctx, reserve("r", at, true, accounts...))
	if err != nil {
		t.Fatal(err)
	}
	ws, err := s.Withdrawals(ctx, ledger.WithdrawalFilter{State: ledger.WithdrawalPending, Limit: 1000})
	if err != nil {
		t.Fatal(err)
	}
	if len(ws) != len(accounts) {
		t.Fatalf("%d pending withdrawals; want %d", len(ws), len(accounts))
	}
	for _, w := range ws {
		if w.RequestSeq != res.Entry.Seq {
			t.Fatalf("%s requested by entry %d; want %d", w.ID, w.RequestSeq, res.Entry.Seq)
		}
	}
	evs, err := s.Events(ctx, 1, 0)
	if err != nil {
		t.Fatal(err)
	}
	if len(evs) != 2 || evs[0].Type != engine.EventEntryCommitted || evs[1].Type != "bulk.reserved" {
		t.Fatalf("events = %+v; want the entry's and the operation's", evs)
	}
}

// TestBulkWithdrawalsAloneUnannounced: an operation's withdrawals that it
// does not announce itself, alone in their batch, each get their
// withdrawal.changed event (the in-place path writes none, so they must
// not take it).
func TestBulkWithdrawalsAloneUnannounced(t *testing.T) {
	s := openStore(t)
	e := engine.New(s, money.NewRegistry())
	ctx := context.Background()
	at := time.Unix(100, 0).UTC()
	if _, err := e.ApplyOne(ctx, engine.Transfer("fund", at, append(usd("@world", "a", 10), usd("@world", "b", 10)...))); err != nil {
		t.Fatal(err)
	}
	if _, err := e.ApplyOne(ctx, reserve("r", at, false, "a", "b")); err != nil {
		t.Fatal(err)
	}
	evs, err := s.Events(ctx, 1, 0)
	if err != nil {
		t.Fatal(err)
	}
	var types []string
	for _, ev := range evs { // after the funding entry's
		types = append(types, ev.Type)
	}
	want := []string{engine.EventEntryCommitted, "bulk.reserved", "withdrawal.changed", "withdrawal.changed"}
	if !slices.Equal(types, want) {
		t.Errorf("events = %q; want %q", types, want)
	}
}

// TestBulkWithdrawalIDTaken: an operation that creates a withdrawal under
// an ID another withdrawal has is refused, and nothing is written: the
// store inserts a new pending withdrawal rather than merging it into the
// old row (which would keep the old account and amount under the new
// debit, a pending amount nothing could resolve).
func TestBulkWithdrawalIDTaken(t *testing.T) {
	s := openStore(t)
	e := engine.New(s, money.NewRegistry())
	ctx := context.Background()
	at := time.Unix(100, 0).UTC()
	if _, err := e.ApplyOne(ctx, engine.Transfer("fund", at, append(usd("@world", "a", 10), usd("@world", "b", 10)...))); err != nil {
		t.Fatal(err)
	}
	if _, err := e.ApplyOne(ctx, reserve("r1", at, true, "a")); err != nil {
		t.Fatal(err)
	}
	// w-a again, for account b.
	taken := engine.ProgramOp("bulk", "r2", "reserve", at, func(h *ledger.Hasher) {}, nil, func(engine.View) (engine.Change, error) {
		w := ledger.Withdrawal{ID: "w-a", Account: "b", Destination: "@rail", Currency: "USD", Amount: money.FromUint64(7), State: ledger.WithdrawalPending, Created: at}
		return engine.Change{Kind: ledger.WithdrawalRequest, WithdrawalsAnnounced: true, Withdrawals: []ledger.Withdrawal{w}, Postings: []ledger.Posting{w.Posting()}}, nil
	})
	if res, err := e.ApplyOne(ctx, taken); err == nil && res.Err == nil {
		t.Fatal("a withdrawal under a taken ID was accepted")
	}
	w, err := s.Withdrawal(ctx, "w-a")
	if err != nil || w.Account != "a" || w.Amount != money.FromUint64(3) || w.State != ledger.WithdrawalPending {
		t.Errorf("w-a = %+v, %v; want a's 3, pending", w, err)
	}
	bals, err := s.AccountBalances(ctx, "b")
	if err != nil || len(bals) != 1 || !bals[0].DebitsPending.IsZero() {
		t.Errorf("b = %+v, %v; want nothing pending", bals, err)
	}
}
