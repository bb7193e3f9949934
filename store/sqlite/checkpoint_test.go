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

// TestLargeCommitCheckpoint commits a transaction of more than
// largeCommitRows rows, whose checkpoint is left to the checkpointer: the
// writer's own checkpoints are back on afterwards, the pages reach the
// database file without another commit (only the checkpointer can have
// copied them), small commits go on, and the store reopens with everything
// in it.
func TestLargeCommitCheckpoint(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "t.db")
	s, err := Open(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	e := engine.New(s, money.NewRegistry())
	t0 := time.Date(2026, 12, 3, 12, 0, 0, 0, time.UTC)
	fi, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	before := fi.Size()
	ps := make([]ledger.Posting, largeCommitRows+1)
	for i := range ps {
		ps[i] = ledger.Posting{From: "@world", To: fmt.Sprintf("payee:%06d", i), Currency: "USD", Amount: money.FromUint64(uint64(i + 1)), Path: "t"}
	}
	if _, err := e.ApplyOne(ctx, engine.Transfer("large", t0, ps)); err != nil {
		t.Fatal(err)
	}
	if n := s.ckpt.pokes.Load(); n != 1 {
		t.Errorf("the large commit asked the checkpointer %d times; want 1", n)
	}
	var auto int
	if err := s.w.QueryRowContext(ctx, "PRAGMA wal_autocheckpoint").Scan(&auto); err != nil || auto != walAutoPages {
		t.Errorf("wal_autocheckpoint after a large commit = %d, %v; want %d", auto, err, walAutoPages)
	}
	// A liveness check with a generous bound, not a timing assertion.
	deadline := time.Now().Add(30 * time.Second)
	for {
		fi, err := os.Stat(path)
		if err != nil {
			t.Fatal(err)
		}
		if fi.Size() > before+1<<20 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("database file still %d bytes after a commit of %d balances: no checkpoint ran", fi.Size(), len(ps))
		}
		time.Sleep(10 * time.Millisecond)
	}
	for i := 0; i < 50; i++ {
		if _, err := e.ApplyOne(ctx, engine.Transfer(fmt.Sprintf("small-%d", i), t0, ps[i:i+1])); err != nil {
			t.Fatal(err)
		}
	}
	if n := s.ckpt.pokes.Load(); n != 1 {
		t.Errorf("after small commits the checkpointer was asked %d times; want still 1 (the writer checkpoints them)", n)
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
	if rep.Entries != 51 {
		t.Errorf("journal has %d entries after reopening; want 51", rep.Entries)
	}
}
