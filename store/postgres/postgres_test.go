package postgres

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/tributary-ledger/tributary/engine"
	"github.com/tributary-ledger/tributary/ledger"
	"github.com/tributary-ledger/tributary/money"
	"github.com/tributary-ledger/tributary/store/storetest"
)

// TestConformance runs the store suite against the real PostgreSQL server
// named by TRIBUTARY_POSTGRES_URL, each test in a fresh schema that it drops
// afterwards. Without the variable it is skipped; .ci/run always sets it.
func TestConformance(t *testing.T) {
	url := os.Getenv("TRIBUTARY_POSTGRES_URL")
	if url == "" {
		t.Skip("TRIBUTARY_POSTGRES_URL is not set")
	}
	storetest.Run(t, func(t *testing.T) storetest.Store {
		return OpenTestSchema(t, url)
	})
}

// OpenTestSchema opens a store in a fresh schema that is dropped when t
// ends.
func OpenTestSchema(t testing.TB, url string) *Store {
	t.Helper()
	s, _, cleanup, err := OpenFresh(context.Background(), url)
	if err != nil {
		t.Fatalf("opening PostgreSQL at %s: %v", url, err)
	}
	t.Cleanup(func() {
		if err := cleanup(); err != nil {
			t.Errorf("dropping test schema: %v", err)
		}
	})
	return s
}

// TestListen: a store listening hears another process's commits of
// events on the same schema, once it has said it listens, after quiet
// spells in which it pings its connection too, and with a schema name as
// long as PostgreSQL allows (63 bytes, longer than a channel name may be).
func TestListen(t *testing.T) {
	url := os.Getenv("TRIBUTARY_POSTGRES_URL")
	if url == "" {
		t.Skip("TRIBUTARY_POSTGRES_URL is not set")
	}
	defer func(d time.Duration) { listenPing = d }(listenPing)
	listenPing = 20 * time.Millisecond
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	var rnd [6]byte
	if _, err := rand.Read(rnd[:]); err != nil {
		t.Fatal(err)
	}
	schema := "tributary_test_" + hex.EncodeToString(rnd[:]) + "_"
	schema += strings.Repeat("x", 63-len(schema))
	defer DropSchema(context.Background(), url, schema)
	a, err := Open(ctx, url, schema)
	if err != nil {
		t.Fatal(err)
	}
	aClosed := false
	defer func() {
		if !aClosed {
			a.Close()
		}
	}()
	b, err := Open(ctx, url, schema)
	if err != nil {
		t.Fatal(err)
	}
	defer b.Close()
	heard := make(chan struct{}, 16)
	done := make(chan error, 1)
	go func() { done <- b.Listen(ctx, func() { heard <- struct{}{} }) }()
	wait := func(what string) {
		t.Helper()
		select {
		case <-heard:
		case err := <-done:
			t.Fatalf("%s: Listen returned %v", what, err)
		case <-time.After(10 * time.Second):
			t.Fatalf("%s: heard nothing in 10 s", what)
		}
	}
	wait("listening")
	e := engine.New(a, money.NewRegistry())
	for i := range 3 {
		op := engine.Transfer(fmt.Sprintf("k%d", i), time.Unix(0, 0), []ledger.Posting{{From: "@world", To: "x", Currency: "USD", Amount: money.FromUint64(1)}})
		// A quiet spell first: the listener pings (and must still hear).
		time.Sleep(3 * listenPing)
		if _, err := e.ApplyOne(ctx, op); err != nil {
			t.Fatal(err)
		}
		wait(fmt.Sprintf("commit %d", i))
	}
	// A commit just before Close is still announced.
	op := engine.Transfer("last", time.Unix(0, 0), []ledger.Posting{{From: "@world", To: "x", Currency: "USD", Amount: money.FromUint64(1)}})
	if _, err := e.ApplyOne(ctx, op); err != nil {
		t.Fatal(err)
	}
	aClosed = true
	if err := a.Close(); err != nil {
		t.Fatal(err)
	}
	wait("the commit before Close")
	cancel()
	if err := <-done; !errors.Is(err, context.Canceled) {
		t.Errorf("Listen after its context ended: %v; want context.Canceled", err)
	}
}
