package engine_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/tributary-ledger/tributary/engine"
	"github.com/tributary-ledger/tributary/ledger"
	"github.com/tributary-ledger/tributary/money"
)

// TestLegacyDigestReplays: a request committed by an older build, whose
// digest was made differently, replays when retried after the upgrade
// (its op names the old digest as Legacy), and conflicts when its body
// differs.
func TestLegacyDigestReplays(t *testing.T) {
	ctx := context.Background()
	e := engine.New(openStore(t), money.NewRegistry())
	at := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	run := func(engine.View) (engine.Change, error) {
		return engine.Change{Postings: usd("@world", "a", 5)}, nil
	}
	digest := func(s string) ledger.Hash {
		var h ledger.Hasher
		return h.String(s).Sum()
	}
	old := engine.Op{Key: "k", Hash: digest("v1 body"), Time: at, Program: "p", Run: run}
	if _, err := e.ApplyOne(ctx, old); err != nil {
		t.Fatal(err)
	}
	retried := engine.Op{Key: "k", Hash: digest("v2 body"), Time: at, Program: "p", Run: run, Legacy: func() ledger.Hash { return digest("v1 body") }}
	res, err := e.ApplyOne(ctx, retried)
	if err != nil || !res.Replayed {
		t.Fatalf("a retry whose legacy digest is the stored one = %+v, %v; want a replay", res, err)
	}
	other := retried
	other.Legacy = func() ledger.Hash { return digest("another v1 body") }
	if _, err := e.ApplyOne(ctx, other); !errors.Is(err, ledger.ErrKeyConflict) {
		t.Fatalf("a retry whose digests are both new = %v; want key_conflict", err)
	}
	none := retried
	none.Legacy = nil
	if _, err := e.ApplyOne(ctx, none); !errors.Is(err, ledger.ErrKeyConflict) {
		t.Fatalf("a retry without a legacy digest = %v; want key_conflict", err)
	}
}

// TestProgramOpDigest: ProgramOp's digest covers the program, what the op
// does and its fields, and nothing else.
func TestProgramOpDigest(t *testing.T) {
	at := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	op := func(program, what, field string) engine.Op {
		return engine.ProgramOp(program, "k", what, at, func(h *ledger.Hasher) { h.String(field) }, field, nil)
	}
	base := op("p", "w", "x").Hash
	for name, o := range map[string]engine.Op{"program": op("q", "w", "x"), "what": op("p", "v", "x"), "field": op("p", "w", "y")} {
		if o.Hash == base {
			t.Errorf("another %s gives the same digest", name)
		}
	}
	if got, want := op("p", "w", "x").Legacy(), engine.LegacyHash("p", "w", "x"); got != want {
		t.Errorf("Legacy = %x; want LegacyHash's %x", got, want)
	}
}
