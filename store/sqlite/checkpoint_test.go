package sqlite

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/tributary-ledger/tributary/engine"
	"github.com/tributary-ledger/tributary/ledger"
	"github.com/tributary-ledger/tributary/money"
)

// TestCheckpointsInBackground checks that committed pages reach the
// database file although the writer no longer checkpoints (below its
// backstop): only the checkpointer copies them there, so the file growing
// means it ran. The WAL must also stay bounded, and the store must reopen
// with everything in it.
func TestCheckpointsInBackground(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "t.db")
	s, err := Open(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	fi, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	before := fi.Size()
	e := engine.New(s, money.NewRegistry())
	t0 := time.Date(2026, 12, 3, 12, 0, 0, 0, time.UTC)
	const batches, per = 20, 200
	for b := 0; b < batches; b++ {
		ops := make([]engine.Op, per)
		for i := range ops {
			n := b*per + i
			ops[i] = engine.Transfer(fmt.Sprintf("k%d", n), t0, []ledger.Posting{{From: "@world", To: fmt.Sprintf("payee:%d", n), Currency: "USD", Amount: money.FromUint64(uint64(n + 1)), Path: "t"}})
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
	}
	// A liveness check with a generous bound, not a timing assertion.
	deadline := time.Now().Add(20 * time.Second)
	for {
		fi, err := os.Stat(path)
		if err != nil {
			t.Fatal(err)
		}
		if fi.Size() > before {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("database file still %d bytes after %d commits: no checkpoint ran", fi.Size(), batches)
		}
		time.Sleep(10 * time.Millisecond)
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	if err := s.Close(); err != nil { // twice is harmless
		t.Fatal(err)
	}
	s, err = Open(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	rep, err := engine.Verify(ctx, s)
	if err != nil {
		t.Fatal(err)
	}
	if rep.Entries != batches*per {
		t.Errorf("journal has %d entries after reopening; want %d", rep.Entries, batches*per)
	}
}
