package engine_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/tributary-ledger/tributary/engine"
	"github.com/tributary-ledger/tributary/errcode"
	"github.com/tributary-ledger/tributary/ledger"
	"github.com/tributary-ledger/tributary/money"
)

// lookUpCounter counts transactions and key look-ups, passing the store's
// transactions through with everything they implement but streaming.
type lookUpCounter struct {
	engine.Store
	updates, lookUps int
}

type countedTx struct {
	engine.Tx
	c *lookUpCounter
}

func (t countedTx) Entries(ctx context.Context, keys []string) ([]ledger.Entry, error) {
	t.c.lookUps++
	return t.Tx.Entries(ctx, keys)
}

func (countedTx) Streaming() bool { return false }

func (c *lookUpCounter) Update(ctx context.Context, fn func(engine.Tx) error) error {
	c.updates++
	return c.Store.Update(ctx, func(tx engine.Tx) error { return fn(countedTx{tx, c}) })
}

// TestGuessedKeys: a small batch on a store that refuses used keys runs
// without looking its keys up; a wrong guess (a replay, a conflict, or a
// replay that running again would refuse) runs the batch again with the
// look-up, gives exactly the answers a looked-up batch gives, and makes
// the next batches look up until the count runs out; a large batch always
// looks up.
func TestGuessedKeys(t *testing.T) {
	s := openStore(t)
	ctx := context.Background()
	at := time.Unix(0, 0)
	type step struct {
		name             string
		op               engine.Op
		code             string // the refusal, or ""
		replayOf         uint64 // the entry a replay answers, or 0
		fresh            bool   // on a new engine (no look-ups owed)
		updates, lookUps int
	}
	steps := []step{
		{name: "new key", op: engine.Transfer("a", at, usd("@world", "pot", 10)), fresh: true, updates: 1, lookUps: 0},
		{name: "replay", op: engine.Transfer("a", at, usd("@world", "pot", 10)), replayOf: 1, updates: 2, lookUps: 1},
		{name: "new key after a miss", op: engine.Transfer("b", at, usd("pot", "x", 1)), updates: 1, lookUps: 1},
		{name: "conflict", op: engine.Transfer("a", at, usd("@world", "pot", 11)), code: "key_conflict", fresh: true, updates: 2, lookUps: 1},
		{name: "withdrawal", op: engine.WithdrawalRequest("w1", at, "pot", "", "USD", money.FromUint64(9)), fresh: true, updates: 1, lookUps: 0},
		// Run again, the request would be refused (pot has nothing left
		// to reserve): its key is looked up and the first answer given.
		{name: "withdrawal replay", op: engine.WithdrawalRequest("w1", at, "pot", "", "USD", money.FromUint64(9)), replayOf: 3, fresh: true, updates: 2, lookUps: 2},
		{name: "refused, new key", op: engine.Transfer("c", at, usd("pot", "x", 100)), code: "overdraft", fresh: true, updates: 1, lookUps: 1},
	}
	var e *engine.Engine
	lc := &lookUpCounter{Store: s}
	for _, st := range steps {
		if st.fresh || e == nil {
			e = engine.New(lc, money.NewRegistry())
		}
		lc.updates, lc.lookUps = 0, 0
		res, err := e.ApplyOne(ctx, st.op)
		if code := errcode.Code(err); code != st.code && !(st.code == "" && err == nil) {
			t.Errorf("%s: %v; want code %q", st.name, err, st.code)
		}
		if st.replayOf != 0 && (!res.Replayed || res.Entry.Seq != st.replayOf) {
			t.Errorf("%s: replayed %v entry %d; want a replay of entry %d", st.name, res.Replayed, res.Entry.Seq, st.replayOf)
		}
		if st.replayOf == 0 && res.Replayed {
			t.Errorf("%s: replayed; want a new entry or a refusal", st.name)
		}
		if lc.updates != st.updates || lc.lookUps != st.lookUps {
			t.Errorf("%s: %d transactions, %d look-ups; want %d and %d", st.name, lc.updates, lc.lookUps, st.updates, st.lookUps)
		}
	}

	// After a miss, 64 batches look up; then guessing resumes.
	e = engine.New(lc, money.NewRegistry())
	if _, err := e.ApplyOne(ctx, engine.Transfer("b", at, usd("pot", "x", 1))); err != nil {
		t.Fatal(err)
	}
	for i := 0; i < 64; i++ {
		lc.lookUps = 0
		if _, err := e.ApplyOne(ctx, engine.Transfer(fmt.Sprintf("n%d", i), at, usd("@world", "pot", 1))); err != nil {
			t.Fatal(err)
		}
		if lc.lookUps != 1 {
			t.Fatalf("batch %d after a miss: %d look-ups; want 1", i, lc.lookUps)
		}
	}
	lc.lookUps = 0
	if _, err := e.ApplyOne(ctx, engine.Transfer("n64", at, usd("@world", "pot", 1))); err != nil || lc.lookUps != 0 {
		t.Errorf("the 65th batch after a miss: %v, %d look-ups; want none", err, lc.lookUps)
	}

	// More operations than a guess is worth: looked up at once.
	var ops []engine.Op
	for i := 0; i < 65; i++ {
		ops = append(ops, engine.Transfer(fmt.Sprintf("big%d", i), at, usd("@world", "pot", 1)))
	}
	lc.updates, lc.lookUps = 0, 0
	if _, err := e.Apply(ctx, ops); err != nil || lc.updates != 1 || lc.lookUps != 1 {
		t.Errorf("a batch of 65: %v, %d transactions, %d look-ups; want 1 and 1", err, lc.updates, lc.lookUps)
	}
	if rep, err := engine.Verify(ctx, s); err != nil || rep.Entries != uint64(3+64+1+65) {
		t.Errorf("Verify: %+v, %v; want %d entries", rep, err, 3+64+1+65)
	}
}

// onceOp pays 1 into pot and marks its program state; run where the mark
// is there already, it fails as a broken invariant would (an error
// without a code, which fails the whole batch). A replay must never run
// it: its retry is answered from the journal.
func onceOp(key string, at time.Time) engine.Op {
	ps := usd("@world", "pot", 1)
	return engine.Op{Key: key, Hash: ledger.HashPostings(ledger.Transfer, key, ps), Time: at, Program: "once", Run: func(v engine.View) (engine.Change, error) {
		if _, done, err := v.State(key); err != nil || done {
			return engine.Change{}, fmt.Errorf("%s ran twice (%v)", key, err)
		}
		return engine.Change{Postings: ps, State: []engine.StateWrite{{Key: key, Value: []byte("1")}}}, nil
	}}
}

// TestGuessedKeysBatchFailure: a replay whose operation, run again, fails
// the whole batch is still answered with its first result, alone and in a
// group; and a guessed batch that joiners take past the guess's size
// checks the keys it ran before looking up the joiners'.
func TestGuessedKeysBatchFailure(t *testing.T) {
	s := openStore(t)
	ctx := context.Background()
	at := time.Unix(0, 0)
	lc := &lookUpCounter{Store: s}
	first, err := engine.New(lc, money.NewRegistry()).ApplyOne(ctx, onceOp("o1", at))
	if err != nil {
		t.Fatal(err)
	}
	res, err := engine.New(lc, money.NewRegistry()).ApplyOne(ctx, onceOp("o1", at))
	if err != nil || !res.Replayed || res.Entry.Seq != first.Entry.Seq {
		t.Errorf("replay alone: replayed %v entry %d, %v; want a replay of entry %d", res.Replayed, res.Entry.Seq, err, first.Entry.Seq)
	}
	g := engine.NewGroup(engine.New(lc, money.NewRegistry()), 1, 256)
	res, err = g.Apply(ctx, onceOp("o1", at))
	g.Close()
	if err != nil || !res.Replayed {
		t.Errorf("replay through a group: replayed %v, %v; want a replay", res.Replayed, err)
	}

	pay := usd("@world", "pot", 1)
	joiners := func(prefix string) func(int) []engine.Op {
		asked := 0
		return func(int) []engine.Op {
			if asked++; asked > 1 {
				return nil
			}
			var ops []engine.Op
			for i := 0; i < 70; i++ {
				ops = append(ops, engine.Transfer(fmt.Sprintf("%s%d", prefix, i), at, pay))
			}
			return ops
		}
	}
	for _, tc := range []struct {
		name, prefix     string
		op               engine.Op
		replayed         bool
		updates, lookUps int
	}{
		{"new key, then joiners", "new-", engine.Transfer("j", at, pay), false, 1, 2},
		{"used key, then joiners", "used-", engine.Transfer("j", at, pay), true, 2, 2},
	} {
		lc.updates, lc.lookUps = 0, 0
		res, err := engine.New(lc, money.NewRegistry()).ApplyJoin(ctx, []engine.Op{tc.op}, joiners(tc.prefix))
		if err != nil || len(res) != 71 {
			t.Fatalf("%s: %d results, %v; want 71", tc.name, len(res), err)
		}
		if res[0].Replayed != tc.replayed || lc.updates != tc.updates || lc.lookUps != tc.lookUps {
			t.Errorf("%s: replayed %v, %d transactions, %d look-ups; want %v, %d and %d", tc.name, res[0].Replayed, lc.updates, lc.lookUps, tc.replayed, tc.updates, tc.lookUps)
		}
		for i, r := range res[1:] {
			if r.Err != nil || r.Replayed {
				t.Errorf("%s: joiner %d: %v replayed %v; want a new entry", tc.name, i, r.Err, r.Replayed)
			}
		}
	}
	if rep, err := engine.Verify(ctx, s); err != nil || rep.Entries != 1+1+140 {
		t.Errorf("Verify: %+v, %v; want %d entries", rep, err, 1+1+140)
	}
}
