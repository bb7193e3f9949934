// Package storetest is the conformance suite every Tributary store passes.
// A store package calls Run from its own tests with a function that opens a
// fresh, empty store; the suite drives it through the engine, as the
// service does, and checks what a user relies on: idempotent replays,
// conflicts, no overdraft under concurrency, withdrawals that resolve once,
// nothing half-written, gapless journal and events, and a journal that
// verifies.
package storetest

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"math/rand"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/tributary-ledger/tributary/engine"
	"github.com/tributary-ledger/tributary/errcode"
	"github.com/tributary-ledger/tributary/ledger"
	"github.com/tributary-ledger/tributary/money"
)

// Store is what the suite needs of a store.
type Store interface {
	engine.Store
	engine.JournalReader
	EntryByKey(ctx context.Context, key string) (ledger.Entry, error)
	AccountBalances(ctx context.Context, account string) ([]ledger.Balance, error)
	Withdrawal(ctx context.Context, id string) (ledger.Withdrawal, error)
	State(ctx context.Context, program, key string) ([]byte, bool, error)
	Events(ctx context.Context, after uint64, limit int) ([]engine.Event, error)
	JournalFiltered(ctx context.Context, f ledger.JournalFilter) ([]ledger.Entry, error)
}

// Opener returns a fresh, empty store that is closed when t ends.
type Opener func(t *testing.T) Store

// Run runs the whole suite.
func Run(t *testing.T, open Opener) {
	tests := []struct {
		name string
		fn   func(t *testing.T, s Store)
	}{
		{"TransferAndBalances", testTransfer},
		{"IdempotentReplay", testReplay},
		{"KeyConflict", testConflict},
		{"OverdraftRefused", testOverdraft},
		{"WithdrawalPostOnce", testWithdrawalPost},
		{"WithdrawalVoidOnce", testWithdrawalVoid},
		{"RefusedLeavesNothing", testRefusedLeavesNothing},
		{"FailedWriteLeavesNothing", testFailedWrite},
		{"BatchMixedResults", testBatch},
		{"ProgramState", testState},
		{"LargeAmounts", testLargeAmounts},
		{"ConcurrentNoOverdraft", testConcurrentNoOverdraft},
		{"ConcurrentSameKey", testConcurrentSameKey},
		{"JournalAndEventsGapless", testGapless},
		{"BatchKeysCommittedBefore", testBatchKeys},
		{"BatchKeysCommittedBeforeSmall", testBatchKeysSmall},
		{"JournalByAccount", testJournalByAccount},
		{"LargeBatches", testLargeBatches},
		{"LargeBatchEvents", testLargeBatchEvents},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := open(t)
			tt.fn(t, s)
			rep, err := engine.Verify(context.Background(), s)
			if err != nil {
				t.Fatalf("Verify after %s: %v", tt.name, err)
			}
			_ = rep
		})
	}
}

var t0 = time.Date(2026, 11, 22, 12, 0, 0, 0, time.UTC)

func eng(s Store) *engine.Engine { return engine.New(s, money.NewRegistry()) }

func usd(units uint64) money.Amount { return money.FromUint64(units) }

func pay(from, to string, units uint64) ledger.Posting {
	return ledger.Posting{From: from, To: to, Currency: "USD", Amount: usd(units), Path: "test"}
}

// fund moves units from the outside world into account.
func fund(t *testing.T, e *engine.Engine, key, account string, units uint64) {
	t.Helper()
	if _, err := e.ApplyOne(context.Background(), engine.Transfer(key, t0, []ledger.Posting{pay("@world", account, units)})); err != nil {
		t.Fatalf("funding %s: %v", account, err)
	}
}

func balance(t *testing.T, s Store, account string) ledger.Balance {
	t.Helper()
	bals, err := s.AccountBalances(context.Background(), account)
	if err != nil {
		t.Fatalf("AccountBalances(%s): %v", account, err)
	}
	for _, b := range bals {
		if b.Currency == "USD" {
			return b
		}
	}
	return ledger.Balance{BalanceKey: ledger.BalanceKey{Account: account, Currency: "USD"}}
}

func wantAvailable(t *testing.T, s Store, account, want string) {
	t.Helper()
	if got := balance(t, s, account).Available().String(); got != want {
		t.Errorf("available(%s) = %s; want %s", account, got, want)
	}
}

func wantCode(t *testing.T, what string, err error, code string) {
	t.Helper()
	if got := errcode.Code(err); err == nil || got != code {
		t.Errorf("%s: error = %v (code %q); want code %q", what, err, got, code)
	}
}

func journalLen(t *testing.T, s Store) int {
	t.Helper()
	ents, err := s.Journal(context.Background(), 0, 0)
	if err != nil {
		t.Fatalf("Journal: %v", err)
	}
	return len(ents)
}

func testTransfer(t *testing.T, s Store) {
	e := eng(s)
	ctx := context.Background()
	res, err := e.ApplyOne(ctx, engine.Transfer("sale-1", t0, []ledger.Posting{
		pay("@buyer:1", "platform:fee", 25),
		pay("@buyer:1", "payee:1", 99),
		pay("@buyer:1", "payee:2", 30),
		pay("@buyer:1", "payee:3", 69),
	}))
	if err != nil {
		t.Fatalf("ApplyOne: %v", err)
	}
	if res.Entry.Seq != 1 || res.Replayed {
		t.Errorf("first entry: seq %d replayed %v; want seq 1, not replayed", res.Entry.Seq, res.Replayed)
	}
	for acct, want := range map[string]string{"platform:fee": "25", "payee:1": "99", "payee:2": "30", "payee:3": "69", "@buyer:1": "-223"} {
		wantAvailable(t, s, acct, want)
	}
	got, err := s.EntryByKey(ctx, "sale-1")
	if err != nil {
		t.Fatalf("EntryByKey: %v", err)
	}
	if len(got.Postings) != 4 || got.Postings[2].To != "payee:2" || got.Postings[2].Amount != usd(30) || got.Postings[2].Path != "test" {
		t.Errorf("EntryByKey postings = %+v; want the four postings in order", got.Postings)
	}
	if !got.Time.Equal(t0) {
		t.Errorf("entry time = %v; want %v", got.Time, t0)
	}
	if _, err := s.EntryByKey(ctx, "nope"); errcode.Code(err) != "not_found" {
		t.Errorf("EntryByKey(nope) error = %v; want not_found", err)
	}
}

func testReplay(t *testing.T, s Store) {
	e := eng(s)
	ctx := context.Background()
	op := engine.Transfer("k1", t0, []ledger.Posting{pay("@world", "a", 10)})
	first, err := e.ApplyOne(ctx, op)
	if err != nil {
		t.Fatal(err)
	}
	// The same request again, rebuilt from scratch, at a later time.
	second, err := e.ApplyOne(ctx, engine.Transfer("k1", t0.Add(time.Hour), []ledger.Posting{pay("@world", "a", 10)}))
	if err != nil {
		t.Fatalf("replay: %v", err)
	}
	if !second.Replayed || second.Entry.Seq != first.Entry.Seq || !second.Entry.Time.Equal(first.Entry.Time) {
		t.Errorf("replay = seq %d replayed %v time %v; want seq %d replayed true time %v", second.Entry.Seq, second.Replayed, second.Entry.Time, first.Entry.Seq, first.Entry.Time)
	}
	wantAvailable(t, s, "a", "10")
	if n := journalLen(t, s); n != 1 {
		t.Errorf("journal has %d entries after a replay; want 1", n)
	}
	evs, err := s.Events(ctx, 0, 0)
	if err != nil || len(evs) != 1 {
		t.Errorf("events after a replay = %d, %v; want 1", len(evs), err)
	}
}

func testConflict(t *testing.T, s Store) {
	e := eng(s)
	ctx := context.Background()
	if _, err := e.ApplyOne(ctx, engine.Transfer("k1", t0, []ledger.Posting{pay("@world", "a", 10)})); err != nil {
		t.Fatal(err)
	}
	_, err := e.ApplyOne(ctx, engine.Transfer("k1", t0, []ledger.Posting{pay("@world", "a", 11)}))
	wantCode(t, "same key, different amount", err, "key_conflict")
	// A withdrawal request reusing a transfer's key is a different body too.
	_, err = e.ApplyOne(ctx, engine.WithdrawalRequest("k1", t0, "a", "", "USD", usd(1)))
	wantCode(t, "same key, different kind", err, "key_conflict")
	wantAvailable(t, s, "a", "10")
}

func testOverdraft(t *testing.T, s Store) {
	e := eng(s)
	ctx := context.Background()
	fund(t, e, "f", "a", 10)
	_, err := e.ApplyOne(ctx, engine.Transfer("t1", t0, []ledger.Posting{pay("a", "b", 11)}))
	wantCode(t, "transfer above balance", err, "overdraft")
	_, err = e.ApplyOne(ctx, engine.Transfer("t2", t0, []ledger.Posting{pay("never-funded", "b", 1)}))
	wantCode(t, "transfer from an empty account", err, "overdraft")
	if _, err := e.ApplyOne(ctx, engine.Transfer("t3", t0, []ledger.Posting{pay("a", "b", 10)})); err != nil {
		t.Errorf("transfer of the whole balance: %v", err)
	}
	wantAvailable(t, s, "a", "0")
	wantAvailable(t, s, "b", "10")
	// An entry may pass money through an account: only the end state counts.
	if _, err := e.ApplyOne(ctx, engine.Transfer("t4", t0, []ledger.Posting{pay("@world", "c", 5), pay("c", "d", 5)})); err != nil {
		t.Errorf("pass-through entry: %v", err)
	}
	// A refused key is not burnt: the same key may be used once it can pass.
	_, err = e.ApplyOne(ctx, engine.Transfer("t5", t0, []ledger.Posting{pay("d", "a", 6)}))
	wantCode(t, "transfer above balance", err, "overdraft")
	fund(t, e, "f2", "d", 1)
	if _, err := e.ApplyOne(ctx, engine.Transfer("t5", t0, []ledger.Posting{pay("d", "a", 6)})); err != nil {
		t.Errorf("retrying a refused key once it can pass: %v", err)
	}
}

func testWithdrawalPost(t *testing.T, s Store) {
	e := eng(s)
	ctx := context.Background()
	fund(t, e, "f", "payee", 100)
	_, err := e.ApplyOne(ctx, engine.WithdrawalRequest("w0", t0, "payee", "", "USD", usd(101)))
	wantCode(t, "withdrawal above available", err, "overdraft")
	if _, err := e.ApplyOne(ctx, engine.WithdrawalRequest("w1", t0, "payee", "", "USD", usd(60))); err != nil {
		t.Fatalf("request: %v", err)
	}
	b := balance(t, s, "payee")
	if b.Available().String() != "40" || b.Pending().String() != "60" || b.Posted().String() != "100" {
		t.Errorf("after request: available %s pending %s posted %s; want 40, 60, 100", b.Available(), b.Pending(), b.Posted())
	}
	// The reserved amount cannot be spent twice.
	_, err = e.ApplyOne(ctx, engine.WithdrawalRequest("w2", t0, "payee", "", "USD", usd(41)))
	wantCode(t, "second withdrawal above what is left", err, "overdraft")
	_, err = e.ApplyOne(ctx, engine.Transfer("t1", t0, []ledger.Posting{pay("payee", "x", 41)}))
	wantCode(t, "transfer of reserved money", err, "overdraft")
	_, err = e.ApplyOne(ctx, engine.WithdrawalRequest("w1", t0, "payee", "", "USD", usd(60)))
	if err != nil {
		t.Errorf("replaying the request: %v", err)
	}
	if _, err := e.ApplyOne(ctx, engine.WithdrawalResolve("w1-post", t0.Add(time.Minute), "w1", true)); err != nil {
		t.Fatalf("post: %v", err)
	}
	if res, err := e.ApplyOne(ctx, engine.WithdrawalResolve("w1-post", t0.Add(time.Minute), "w1", true)); err != nil || !res.Replayed {
		t.Errorf("replaying the post = replayed %v, %v; want a replay", res.Replayed, err)
	}
	_, err = e.ApplyOne(ctx, engine.WithdrawalResolve("w1-post-again", t0, "w1", true))
	wantCode(t, "posting twice", err, "withdrawal_resolved")
	_, err = e.ApplyOne(ctx, engine.WithdrawalResolve("w1-void", t0, "w1", false))
	wantCode(t, "voiding a posted withdrawal", err, "withdrawal_resolved")
	_, err = e.ApplyOne(ctx, engine.WithdrawalResolve("w9-post", t0, "w9", true))
	wantCode(t, "posting an unknown withdrawal", err, "not_found")
	b = balance(t, s, "payee")
	if b.Available().String() != "40" || b.Pending().String() != "0" || b.Posted().String() != "40" {
		t.Errorf("after post: available %s pending %s posted %s; want 40, 0, 40", b.Available(), b.Pending(), b.Posted())
	}
	wantAvailable(t, s, ledger.DefaultPayoutAccount, "60")
	w, err := s.Withdrawal(ctx, "w1")
	if err != nil {
		t.Fatal(err)
	}
	if w.State != ledger.WithdrawalPosted || w.RequestSeq == 0 || w.ResolveSeq <= w.RequestSeq || !w.Resolved.Equal(t0.Add(time.Minute)) {
		t.Errorf("withdrawal = %+v; want posted, with request and resolve entries", w)
	}
	_, err = e.ApplyOne(ctx, engine.WithdrawalRequest("w3", t0, "@world", "", "USD", usd(1)))
	wantCode(t, "withdrawal from an external account", err, "account_invalid")
	_, err = e.ApplyOne(ctx, engine.WithdrawalRequest("w4", t0, "payee", "bank", "USD", usd(1)))
	wantCode(t, "withdrawal to an internal account", err, "account_invalid")
}

func testWithdrawalVoid(t *testing.T, s Store) {
	e := eng(s)
	ctx := context.Background()
	fund(t, e, "f", "payee", 100)
	if _, err := e.ApplyOne(ctx, engine.WithdrawalRequest("w1", t0, "payee", "@bank:iban-1", "USD", usd(100))); err != nil {
		t.Fatal(err)
	}
	wantAvailable(t, s, "payee", "0")
	if _, err := e.ApplyOne(ctx, engine.WithdrawalResolve("w1-void", t0, "w1", false)); err != nil {
		t.Fatalf("void: %v", err)
	}
	_, err := e.ApplyOne(ctx, engine.WithdrawalResolve("w1-void-2", t0, "w1", false))
	wantCode(t, "voiding twice", err, "withdrawal_resolved")
	_, err = e.ApplyOne(ctx, engine.WithdrawalResolve("w1-post", t0, "w1", true))
	wantCode(t, "posting a voided withdrawal", err, "withdrawal_resolved")
	wantAvailable(t, s, "payee", "100")
	wantAvailable(t, s, "@bank:iban-1", "0")
	if w, err := s.Withdrawal(ctx, "w1"); err != nil || w.State != ledger.WithdrawalVoided {
		t.Errorf("withdrawal = %+v, %v; want voided", w, err)
	}
}

// snapshot is everything a caller can observe of a store.
type snapshot struct {
	journal  int
	events   int
	balances []ledger.Balance
}

func take(t *testing.T, s Store) snapshot {
	t.Helper()
	ctx := context.Background()
	evs, err := s.Events(ctx, 0, 0)
	if err != nil {
		t.Fatal(err)
	}
	bals, err := s.BalancesPage(ctx, ledger.BalanceKey{}, 0)
	if err != nil {
		t.Fatal(err)
	}
	return snapshot{journal: journalLen(t, s), events: len(evs), balances: bals}
}

func sameSnapshot(t *testing.T, what string, before, after snapshot) {
	t.Helper()
	if before.journal != after.journal || before.events != after.events || fmt.Sprint(before.balances) != fmt.Sprint(after.balances) {
		t.Errorf("%s changed the store: journal %d→%d, events %d→%d, balances %v → %v", what, before.journal, after.journal, before.events, after.events, before.balances, after.balances)
	}
}

func testRefusedLeavesNothing(t *testing.T, s Store) {
	e := eng(s)
	ctx := context.Background()
	fund(t, e, "f", "a", 10)
	before := take(t, s)
	// The first two postings are fine; the third overdraws.
	_, err := e.ApplyOne(ctx, engine.Transfer("half", t0, []ledger.Posting{pay("@world", "b", 5), pay("a", "c", 7), pay("a", "d", 4)}))
	wantCode(t, "entry overdrawing on its last posting", err, "overdraft")
	// Bad shapes are refused before anything is looked at.
	bad := map[string][]ledger.Posting{
		"posting_invalid":  {pay("a", "b", 0)},
		"currency_unknown": {{From: "@world", To: "a", Currency: "XYZ", Amount: usd(1)}},
		"account_invalid":  {pay("@world", "bad account", 1)},
	}
	for code, ps := range bad {
		_, err := e.ApplyOne(ctx, engine.Transfer("bad-"+code, t0, ps))
		wantCode(t, "bad posting", err, code)
	}
	_, err = e.ApplyOne(ctx, engine.Transfer("", t0, []ledger.Posting{pay("@world", "a", 1)}))
	wantCode(t, "empty key", err, "key_invalid")
	_, err = e.ApplyOne(ctx, engine.Op{Key: "run-fails", Program: "p", Run: func(v engine.View) (engine.Change, error) {
		if _, _, err := v.State("x"); err != nil {
			return engine.Change{}, err
		}
		return engine.Change{}, errcode.Errorf(ledger.ErrPosting, "rule refused")
	}})
	wantCode(t, "rule refusing after reading state", err, "posting_invalid")
	sameSnapshot(t, "refused entries", before, take(t, s))
	if _, err := s.EntryByKey(ctx, "half"); errcode.Code(err) != "not_found" {
		t.Errorf("refused entry is in the journal: %v", err)
	}
}

// failingStore makes Write fail after the rows have gone to the database,
// as a crash or a lost connection between the statements and the commit
// would: the transaction must leave nothing behind.
type failingStore struct{ Store }

type failingTx struct{ engine.Tx }

var errInjected = errors.New("injected failure after writing")

func (f failingStore) Update(ctx context.Context, fn func(engine.Tx) error) error {
	return f.Store.Update(ctx, func(tx engine.Tx) error { return fn(failingTx{tx}) })
}

func (f failingTx) Write(ctx context.Context, b *engine.Batch) error {
	if err := f.Tx.Write(ctx, b); err != nil {
		return err
	}
	return errInjected
}

func testFailedWrite(t *testing.T, s Store) {
	e := eng(s)
	ctx := context.Background()
	fund(t, e, "f", "a", 10)
	if _, err := e.ApplyOne(ctx, engine.WithdrawalRequest("w1", t0, "a", "", "USD", usd(3))); err != nil {
		t.Fatal(err)
	}
	before := take(t, s)
	bad := engine.New(failingStore{s}, money.NewRegistry())
	ops := []engine.Op{
		engine.Transfer("x1", t0, []ledger.Posting{pay("a", "b", 2)}),
		engine.WithdrawalResolve("w1-post", t0, "w1", true),
		stateOp("x3", "counter", 1),
	}
	if _, err := bad.Apply(ctx, ops); !errors.Is(err, errInjected) {
		t.Fatalf("Apply with a failing write: error = %v; want the injected failure", err)
	}
	sameSnapshot(t, "a failed write", before, take(t, s))
	if w, err := s.Withdrawal(ctx, "w1"); err != nil || w.State != ledger.WithdrawalPending {
		t.Errorf("withdrawal after a failed write = %v, %v; want still pending", w.State, err)
	}
	if _, ok, err := s.State(ctx, "p", "counter"); ok || err != nil {
		t.Errorf("state after a failed write exists = %v, %v; want absent", ok, err)
	}
	// The same operations then succeed on a healthy engine.
	res, err := e.Apply(ctx, ops)
	if err != nil {
		t.Fatal(err)
	}
	for i, r := range res {
		if r.Err != nil || r.Replayed {
			t.Errorf("op %d after recovery: %v replayed %v; want applied", i, r.Err, r.Replayed)
		}
	}
}

// stateOp adds delta to a counter kept in program p's state and records it
// as a configuration entry.
func stateOp(key, counter string, delta byte) engine.Op {
	var h ledger.Hasher
	h.String("state").String(counter).Uint(uint64(delta))
	return engine.Op{Key: key, Hash: h.Sum(), Time: t0, Program: "p", Run: func(v engine.View) (engine.Change, error) {
		old, _, err := v.State(counter)
		if err != nil {
			return engine.Change{}, err
		}
		var n byte
		if len(old) == 1 {
			n = old[0]
		}
		return engine.Change{Kind: ledger.Config, State: []engine.StateWrite{{Key: counter, Value: []byte{n + delta}}}, Events: []engine.Event{{Type: engine.EventConfigChanged, Data: []byte(`{"counter":"` + counter + `"}`)}}}, nil
	}}
}

func testBatch(t *testing.T, s Store) {
	e := eng(s)
	ctx := context.Background()
	ops := []engine.Op{
		engine.Transfer("b1", t0, []ledger.Posting{pay("@world", "a", 10)}),
		engine.Transfer("b2", t0, []ledger.Posting{pay("a", "b", 7)}),       // sees b1
		engine.Transfer("b3", t0, []ledger.Posting{pay("a", "b", 7)}),       // overdraws after b2
		engine.Transfer("b1", t0, []ledger.Posting{pay("@world", "a", 10)}), // replay within the batch
		engine.Transfer("b1", t0, []ledger.Posting{pay("@world", "a", 11)}), // conflict within the batch
		engine.Transfer("b4", t0, []ledger.Posting{pay("a", "c", 3)}),
	}
	res, err := e.Apply(ctx, ops)
	if err != nil {
		t.Fatal(err)
	}
	want := []struct {
		code     string
		replayed bool
		seq      uint64
	}{{"", false, 1}, {"", false, 2}, {"overdraft", false, 0}, {"", true, 1}, {"key_conflict", false, 0}, {"", false, 3}}
	for i, w := range want {
		gotCode := ""
		if res[i].Err != nil {
			gotCode = errcode.Code(res[i].Err)
		}
		if gotCode != w.code || res[i].Replayed != w.replayed || res[i].Entry.Seq != w.seq {
			t.Errorf("op %d: code %q replayed %v seq %d; want code %q replayed %v seq %d", i, gotCode, res[i].Replayed, res[i].Entry.Seq, w.code, w.replayed, w.seq)
		}
	}
	wantAvailable(t, s, "a", "0")
	wantAvailable(t, s, "b", "7")
	wantAvailable(t, s, "c", "3")
}

func testState(t *testing.T, s Store) {
	e := eng(s)
	ctx := context.Background()
	res, err := e.Apply(ctx, []engine.Op{stateOp("s1", "n", 1), stateOp("s2", "n", 2), stateOp("s3", "m", 5)})
	if err != nil {
		t.Fatal(err)
	}
	for i, r := range res {
		if r.Err != nil {
			t.Fatalf("op %d: %v", i, r.Err)
		}
	}
	if _, err := e.ApplyOne(ctx, stateOp("s4", "n", 4)); err != nil {
		t.Fatal(err)
	}
	if _, err := e.ApplyOne(ctx, stateOp("s4", "n", 4)); err != nil {
		t.Fatal(err)
	}
	for k, want := range map[string]byte{"n": 7, "m": 5} {
		v, ok, err := s.State(ctx, "p", k)
		if err != nil || !ok || len(v) != 1 || v[0] != want {
			t.Errorf("state p/%s = %v, %v, %v; want [%d]", k, v, ok, err, want)
		}
	}
	// Blind writes: an operation that sets a value without reading it,
	// twice, in separate transactions (this once failed on the key).
	blind := func(key string, v byte) engine.Op {
		return engine.Op{Key: key, Time: t0, Program: "p", Hash: ledger.Hash{v}, Run: func(engine.View) (engine.Change, error) {
			return engine.Change{Kind: ledger.Config, State: []engine.StateWrite{{Key: "blind", Value: []byte{v}}}}, nil
		}}
	}
	for i, v := range []byte{1, 2} {
		if _, err := e.ApplyOne(ctx, blind(fmt.Sprintf("blind-%d", i), v)); err != nil {
			t.Fatalf("blind write %d: %v", i, err)
		}
	}
	if v, ok, err := s.State(ctx, "p", "blind"); err != nil || !ok || len(v) != 1 || v[0] != 2 {
		t.Errorf("state p/blind = %v, %v, %v; want [2]", v, ok, err)
	}
	// One batch writing a key that existed, then twice a key that did not:
	// the second write of the new key must update what the first
	// inserted, whatever order the store writes its rows in. Then a delete
	// followed by a write of one key, and a write followed by a delete of
	// another: what holds after the batch is the last of each.
	delOp := func(opKey, key string) engine.Op {
		return engine.Op{Key: opKey, Time: t0, Program: "p", Hash: ledger.Hash{'d'}, Run: func(engine.View) (engine.Change, error) {
			return engine.Change{Kind: ledger.Config, State: []engine.StateWrite{{Key: key}}}, nil
		}}
	}
	res, err = e.Apply(ctx, []engine.Op{stateOp("s6", "n", 1), stateOp("s7", "fresh", 1), stateOp("s8", "fresh", 1),
		delOp("s9", "n"), stateOp("s10", "n", 3), stateOp("s11", "gone", 1), delOp("s12", "gone")})
	if err != nil {
		t.Fatal(err)
	}
	for i, r := range res {
		if r.Err != nil {
			t.Fatalf("op %d of the same-key batch: %v", i, r.Err)
		}
	}
	for k, want := range map[string]byte{"n": 3, "fresh": 2} {
		v, ok, err := s.State(ctx, "p", k)
		if err != nil || !ok || len(v) != 1 || v[0] != want {
			t.Errorf("after the same-key batch, state p/%s = %v, %v, %v; want [%d]", k, v, ok, err, want)
		}
	}
	if _, ok, err := s.State(ctx, "p", "gone"); ok || err != nil {
		t.Errorf("state written then deleted in one batch exists = %v, %v; want absent", ok, err)
	}
	// Deleting a value.
	del := engine.Op{Key: "s5", Time: t0, Program: "p", Run: func(engine.View) (engine.Change, error) {
		return engine.Change{Kind: ledger.Config, State: []engine.StateWrite{{Key: "m"}}}, nil
	}}
	if _, err := e.ApplyOne(ctx, del); err != nil {
		t.Fatal(err)
	}
	if _, ok, err := s.State(ctx, "p", "m"); ok || err != nil {
		t.Errorf("deleted state exists = %v, %v; want absent", ok, err)
	}
	evs, err := s.Events(ctx, 0, 0)
	if err != nil {
		t.Fatal(err)
	}
	configEvents := 0
	for _, ev := range evs {
		if ev.Type == engine.EventConfigChanged {
			configEvents++
		}
	}
	if configEvents != 9 {
		t.Errorf("config.changed events = %d; want 9 (one per applied counter op, none for the replay)", configEvents)
	}
}

func testLargeAmounts(t *testing.T, s Store) {
	e := eng(s)
	ctx := context.Background()
	half, _, _ := money.Max.MulDiv(1, 2)
	rest, _ := money.Max.Sub(half)
	eth := func(from, to string, a money.Amount) ledger.Posting {
		return ledger.Posting{From: from, To: to, Currency: "ETH", Amount: a}
	}
	if _, err := e.ApplyOne(ctx, engine.Transfer("big", t0, []ledger.Posting{eth("@world", "whale", half), eth("@world", "whale", rest)})); err != nil {
		t.Fatalf("moving 2^256-1 wei: %v", err)
	}
	_, err := e.ApplyOne(ctx, engine.Transfer("bigger", t0, []ledger.Posting{eth("@world", "whale", money.FromUint64(1))}))
	wantCode(t, "credit past 2^256-1", err, "balance_overflow")
	bals, err := s.AccountBalances(ctx, "whale")
	if err != nil || len(bals) != 1 || bals[0].CreditsPosted != money.Max {
		t.Errorf("whale balances = %v, %v; want credits of 2^256-1", bals, err)
	}
}

// testConcurrentNoOverdraft has 8 goroutines draw 1 unit at a time from one
// account holding 100: exactly 100 draws succeed and the account ends at 0.
func testConcurrentNoOverdraft(t *testing.T, s Store) {
	e := eng(s)
	ctx := context.Background()
	fund(t, e, "f", "pot", 100)
	var ok, refused atomic.Int64
	var wg sync.WaitGroup
	for g := 0; g < 8; g++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; i < 25; i++ {
				var op engine.Op
				if i%2 == 0 {
					op = engine.Transfer(fmt.Sprintf("g%d-%d", g, i), t0, []ledger.Posting{pay("pot", fmt.Sprintf("taker:%d", g), 1)})
				} else {
					op = engine.WithdrawalRequest(fmt.Sprintf("g%d-%d", g, i), t0, "pot", "", "USD", usd(1))
				}
				_, err := e.ApplyOne(ctx, op)
				switch code := errcode.Code(err); {
				case err == nil:
					ok.Add(1)
				case code == "overdraft":
					refused.Add(1)
				default:
					t.Errorf("goroutine %d draw %d: %v", g, i, err)
				}
			}
		}()
	}
	wg.Wait()
	if ok.Load() != 100 || refused.Load() != 100 {
		t.Errorf("draws: %d succeeded, %d refused; want 100 and 100", ok.Load(), refused.Load())
	}
	wantAvailable(t, s, "pot", "0")
}

// testConcurrentSameKey has 8 goroutines apply the same key at once: one
// entry results, and every caller sees it.
func testConcurrentSameKey(t *testing.T, s Store) {
	e := eng(s)
	ctx := context.Background()
	var wg sync.WaitGroup
	seqs := make([]uint64, 8)
	for g := range seqs {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; i < 10; i++ {
				res, err := e.ApplyOne(ctx, engine.Transfer(fmt.Sprintf("same-%d", i), t0, []ledger.Posting{pay("@world", "a", 1)}))
				if err != nil {
					t.Errorf("goroutine %d: %v", g, err)
					return
				}
				if i == 0 {
					seqs[g] = res.Entry.Seq
				}
			}
		}()
	}
	wg.Wait()
	for g, seq := range seqs {
		if seq != seqs[0] {
			t.Errorf("goroutine %d saw entry %d for key same-0; goroutine 0 saw %d", g, seq, seqs[0])
		}
	}
	wantAvailable(t, s, "a", "10")
	if n := journalLen(t, s); n != 10 {
		t.Errorf("journal has %d entries; want 10", n)
	}
}

func testGapless(t *testing.T, s Store) {
	e := eng(s)
	ctx := context.Background()
	var wg sync.WaitGroup
	for g := 0; g < 4; g++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; i < 20; i++ {
				ops := []engine.Op{
					engine.Transfer(fmt.Sprintf("g%d-%d-a", g, i), t0, []ledger.Posting{pay("@world", fmt.Sprintf("acct:%d", i%3), 2)}),
					engine.Transfer(fmt.Sprintf("g%d-%d-b", g, i), t0, []ledger.Posting{pay(fmt.Sprintf("acct:%d", i%3), "sink", 1)}),
				}
				if _, err := e.Apply(ctx, ops); err != nil {
					t.Errorf("goroutine %d: %v", g, err)
					return
				}
			}
		}()
	}
	wg.Wait()
	ents, err := s.Journal(ctx, 0, 0)
	if err != nil {
		t.Fatal(err)
	}
	for i, ent := range ents {
		if ent.Seq != uint64(i+1) {
			t.Fatalf("journal position %d has seq %d; want %d", i, ent.Seq, i+1)
		}
	}
	evs, err := s.Events(ctx, 0, 0)
	if err != nil {
		t.Fatal(err)
	}
	if len(evs) != len(ents) {
		t.Errorf("events = %d; want one per entry, %d", len(evs), len(ents))
	}
	for i, ev := range evs {
		if ev.Seq != uint64(i+1) || ev.Type != engine.EventEntryCommitted {
			t.Fatalf("event %d = seq %d type %s; want seq %d type %s", i, ev.Seq, ev.Type, i+1, engine.EventEntryCommitted)
		}
	}
	// Paging returns the same journal.
	page, err := s.Journal(ctx, 150, 5)
	if err != nil || len(page) != 5 || page[0].Seq != 151 {
		t.Errorf("Journal(after 150, 5) = %d entries from %v, %v; want 5 from 151", len(page), page, err)
	}
}

// testBatchKeys sends a batch larger than one key lookup whose keys were
// partly committed before: each old key is a replay or, with a changed
// body, a conflict; new keys apply once, also when repeated in the batch.
func testBatchKeys(t *testing.T, s Store) { batchKeys(t, s, 300) }

// testBatchKeysSmall is testBatchKeys for a batch small enough that the
// engine runs it without looking its keys up first (engine.Tx.UniqueKeys):
// the store's refusal of the used keys must bring the same answers.
func testBatchKeysSmall(t *testing.T, s Store) { batchKeys(t, s, 20) }

func batchKeys(t *testing.T, s Store, old int) {
	e := eng(s)
	ctx := context.Background()
	var first []engine.Op
	for i := 0; i < old; i++ {
		first = append(first, engine.Transfer(fmt.Sprintf("old-%d", i), t0, []ledger.Posting{pay("@world", "a", uint64(i+1))}))
	}
	res, err := e.Apply(ctx, first)
	if err != nil {
		t.Fatal(err)
	}
	seqOf := map[string]uint64{}
	for i, r := range res {
		if r.Err != nil {
			t.Fatalf("first batch op %d: %v", i, r.Err)
		}
		seqOf[first[i].Key] = r.Entry.Seq
	}
	var ops []engine.Op
	type want struct {
		code     string
		replayed bool
		seq      uint64 // 0: a new entry, checked below
	}
	var wants []want
	for i := 0; i < old; i++ {
		key := fmt.Sprintf("old-%d", i)
		if i%7 == 3 {
			ops = append(ops, engine.Transfer(key, t0, []ledger.Posting{pay("@world", "a", uint64(i+2))}))
			wants = append(wants, want{"key_conflict", false, 0})
		} else {
			ops = append(ops, engine.Transfer(key, t0, []ledger.Posting{pay("@world", "a", uint64(i+1))}))
			wants = append(wants, want{"", true, seqOf[key]})
		}
		if i%50 == 0 {
			ops = append(ops, engine.Transfer(fmt.Sprintf("new-%d", i), t0, []ledger.Posting{pay("a", "b", 1)}))
			wants = append(wants, want{"", false, 0})
			ops = append(ops, engine.Transfer(fmt.Sprintf("new-%d", i), t0, []ledger.Posting{pay("a", "b", 1)}))
			wants = append(wants, want{"", true, 0})
		}
	}
	ops = append(ops, engine.Transfer("", t0, []ledger.Posting{pay("a", "b", 1)}))
	wants = append(wants, want{"key_invalid", false, 0})
	res, err = e.Apply(ctx, ops)
	if err != nil {
		t.Fatal(err)
	}
	newSeq := uint64(old)
	for i, w := range wants {
		code := ""
		if res[i].Err != nil {
			code = errcode.Code(res[i].Err)
		}
		seq := w.seq
		if w.code == "" && w.seq == 0 {
			if !w.replayed {
				newSeq++
			}
			seq = newSeq
		}
		if w.code != "" {
			seq = 0
		}
		if code != w.code || res[i].Replayed != w.replayed || res[i].Entry.Seq != seq {
			t.Errorf("op %d (%s): code %q replayed %v seq %d; want code %q replayed %v seq %d", i, ops[i].Key, code, res[i].Replayed, res[i].Entry.Seq, w.code, w.replayed, seq)
		}
	}
	if n := journalLen(t, s); n != int(newSeq) {
		t.Errorf("journal has %d entries; want %d", n, newSeq)
	}
	wantAvailable(t, s, "b", fmt.Sprint(newSeq-uint64(old)))
}

// testJournalByAccount checks the journal filtered by account (and time)
// against the whole journal filtered in Go, over random entries between
// external accounts in two currencies (an entry may name an account in
// both), in transactions of 1 to 3 entries and now and then of 60 (each
// balance lists its latest entries, and moves them to an index row when
// there are too many; one transaction can overflow a list alone; an
// account's currencies interleave), in pages of 7 and in one page.
func testJournalByAccount(t *testing.T, s Store) {
	e := eng(s)
	ctx := context.Background()
	rng := rand.New(rand.NewSource(7))
	const n, accounts = 900, 4
	acct := func() string { return fmt.Sprintf("@x%d", rng.Intn(accounts)) }
	currencies := []string{"USD", "USDC"}
	var ops []engine.Op
	batch := 1
	for i := 0; i < n; i++ {
		var ps []ledger.Posting
		for j := 0; j <= rng.Intn(4); j++ {
			from, to := acct(), acct()
			for to == from {
				to = acct()
			}
			ps = append(ps, ledger.Posting{From: from, To: to, Currency: currencies[rng.Intn(len(currencies))], Amount: usd(uint64(rng.Intn(1000) + 1)), Path: fmt.Sprintf("entry %d posting %d", i, j)})
		}
		ops = append(ops, engine.Transfer(fmt.Sprintf("j%d", i), t0.Add(time.Duration(i)*time.Minute), ps))
		if len(ops) >= batch || i == n-1 {
			batch = 1 + rng.Intn(3)
			if rng.Intn(8) == 0 {
				batch = 60
			}
			res, err := e.Apply(ctx, ops)
			if err != nil {
				t.Fatal(err)
			}
			for _, r := range res {
				if r.Err != nil {
					t.Fatal(r.Err)
				}
			}
			ops = nil
		}
	}
	all, err := s.Journal(ctx, 0, 0)
	if err != nil || len(all) != n {
		t.Fatalf("Journal = %d entries, %v; want %d", len(all), err, n)
	}
	// Entries committed last but dated inside the window (and one before
	// it): a period's read is bounded by its entries' sequence numbers,
	// found by time, and must reach these.
	for i, at := range []time.Duration{100 * time.Minute, 499 * time.Minute, 10 * time.Minute} {
		ps := []ledger.Posting{{From: "@x0", To: "@x1", Currency: "USD", Amount: usd(uint64(i + 1)), Path: "late"}}
		res, err := e.Apply(ctx, []engine.Op{engine.Transfer(fmt.Sprintf("late%d", i), t0.Add(at), ps)})
		if err != nil || res[0].Err != nil {
			t.Fatalf("late entry %d: %v, %v", i, err, res[0].Err)
		}
	}
	var names []string
	for a := 0; a <= accounts; a++ { // a == accounts names no entry
		names = append(names, fmt.Sprintf("@x%d", a))
	}
	CheckJournalByAccount(t, s, names, time.Time{}, time.Time{})
	CheckJournalByAccount(t, s, names, t0.Add(30*time.Minute), t0.Add(500*time.Minute))
	// A window ending long before the journal does (its first page not
	// filled: bounded at its last entry, the late one).
	CheckJournalByAccount(t, s, names, t0.Add(95*time.Minute), t0.Add(101*time.Minute))
}

// testLargeBatches commits two batches of 3,000 entries each (large
// enough for a store to write them differently, in a pipeline), the second
// changing the balances the first created, and checks every entry, event,
// balance and account journal against what was sent.
func testLargeBatches(t *testing.T, s Store) {
	e := eng(s)
	ctx := context.Background()
	rng := rand.New(rand.NewSource(11))
	const per, accounts = 3000, 1500
	want := map[ledger.BalanceKey]int64{}
	seq := 0
	for round := 0; round < 2; round++ {
		ops := make([]engine.Op, 0, per)
		for i := 0; i < per; i++ {
			var ps []ledger.Posting
			for j := 0; j <= rng.Intn(3); j++ {
				to := fmt.Sprintf("payee:%04d", rng.Intn(accounts))
				cur := []string{"USD", "USDC"}[rng.Intn(2)]
				units := uint64(rng.Intn(10000) + 1)
				ps = append(ps, ledger.Posting{From: "@buyer", To: to, Currency: cur, Amount: usd(units), Path: fmt.Sprintf("round %d entry %d", round, i)})
				want[ledger.BalanceKey{Account: to, Currency: cur}] += int64(units)
			}
			seq++
			ops = append(ops, engine.Transfer(fmt.Sprintf("large-%d", seq), t0.Add(time.Duration(seq)*time.Second), ps))
		}
		res, err := e.Apply(ctx, ops)
		if err != nil {
			t.Fatal(err)
		}
		for i, r := range res {
			if r.Err != nil || r.Entry.Seq == 0 {
				t.Fatalf("round %d op %d: seq %d, %v", round, i, r.Entry.Seq, r.Err)
			}
		}
	}
	if n := journalLen(t, s); n != 2*per {
		t.Errorf("journal has %d entries; want %d", n, 2*per)
	}
	evs, err := s.Events(ctx, 0, 0)
	if err != nil || len(evs) != 2*per {
		t.Errorf("events = %d, %v; want %d", len(evs), err, 2*per)
	}
	for k, units := range want {
		bals, err := s.AccountBalances(ctx, k.Account)
		if err != nil {
			t.Fatal(err)
		}
		found := false
		for _, b := range bals {
			if b.Currency == k.Currency {
				found = true
				if got := b.CreditsPosted.Uint64(); got != uint64(units) {
					t.Errorf("%s/%s credits = %d; want %d", k.Account, k.Currency, got, units)
				}
			}
		}
		if !found {
			t.Errorf("%s/%s has no balance", k.Account, k.Currency)
		}
	}
	var sample []string
	for a := 0; a < accounts; a += 97 {
		sample = append(sample, fmt.Sprintf("payee:%04d", a))
	}
	CheckJournalByAccount(t, s, append(sample, "@buyer"), time.Time{}, time.Time{})
}

// testLargeBatchEvents commits one batch of 400 operations (large enough
// for a store to take its entries while the engine runs it) of transfers,
// program state changes with events, withdrawal requests and a refusal,
// and checks the outbox: one entry.committed per entry, in entry order,
// naming its entry; then the programs' events in operation order; then one
// withdrawal.changed per withdrawal; numbered without a gap.
func testLargeBatchEvents(t *testing.T, s Store) {
	e := eng(s)
	ctx := context.Background()
	fund(t, e, "fund", "pot", 1000)
	var ops []engine.Op
	var programEvents, withdrawals int
	for i := 0; i < 400; i++ {
		switch i % 4 {
		case 0, 1:
			ops = append(ops, engine.Transfer(fmt.Sprintf("ev-t%d", i), t0, []ledger.Posting{pay("@world", fmt.Sprintf("acct:%d", i%7), uint64(i+1))}))
		case 2:
			ops = append(ops, stateOp(fmt.Sprintf("ev-s%d", i), fmt.Sprintf("c%d", i%5), 1))
			programEvents++
		case 3:
			ops = append(ops, engine.WithdrawalRequest(fmt.Sprintf("ev-w%d", i), t0, "pot", "", "USD", usd(1)))
			withdrawals++
		}
	}
	ops = append(ops, engine.Transfer("ev-refused", t0, []ledger.Posting{pay("nobody", "x", 1)}))
	res, err := e.Apply(ctx, ops)
	if err != nil {
		t.Fatal(err)
	}
	var seqs []uint64
	for i, r := range res {
		if i == len(res)-1 {
			wantCode(t, "the batch's last operation", r.Err, "overdraft")
			continue
		}
		if r.Err != nil {
			t.Fatalf("op %d: %v", i, r.Err)
		}
		seqs = append(seqs, r.Entry.Seq)
	}
	evs, err := s.Events(ctx, 1, 0) // after the funding's event
	if err != nil {
		t.Fatal(err)
	}
	if want := len(seqs) + programEvents + withdrawals; len(evs) != want {
		t.Fatalf("events = %d; want %d", len(evs), want)
	}
	for i, ev := range evs {
		if ev.Seq != uint64(i+2) {
			t.Fatalf("event %d has seq %d; want %d", i, ev.Seq, i+2)
		}
		switch {
		case i < len(seqs):
			var data struct {
				Seq uint64 `json:"seq"`
			}
			if ev.Type != engine.EventEntryCommitted || json.Unmarshal(ev.Data, &data) != nil || data.Seq != seqs[i] {
				t.Fatalf("event %d = %s %s; want entry.committed of entry %d", i, ev.Type, ev.Data, seqs[i])
			}
		case i < len(seqs)+programEvents:
			if ev.Type != engine.EventConfigChanged {
				t.Fatalf("event %d = %s; want the programs' config.changed", i, ev.Type)
			}
		default:
			if ev.Type != engine.EventWithdrawalChanged {
				t.Fatalf("event %d = %s; want withdrawal.changed", i, ev.Type)
			}
		}
	}
}

func entrySeqs(ents []ledger.Entry) []uint64 {
	var out []uint64
	for _, e := range ents {
		out = append(out, e.Seq)
	}
	return out
}
