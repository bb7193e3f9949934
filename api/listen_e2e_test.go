package api_test

import (
	"context"
	"errors"
	"fmt"
	"net/http/httptest"
	"os"
	"testing"
	"time"

	"github.com/tributary-ledger/tributary/api"
	"github.com/tributary-ledger/tributary/auth"
	"github.com/tributary-ledger/tributary/client"
	"github.com/tributary-ledger/tributary/engine"
	"github.com/tributary-ledger/tributary/ledger"
	"github.com/tributary-ledger/tributary/money"
	"github.com/tributary-ledger/tributary/programs"
	"github.com/tributary-ledger/tributary/store/postgres"
	"github.com/tributary-ledger/tributary/wire"
)

// TestEventsFromAnotherNode: two servers on one PostgreSQL schema; a
// stream on one sees what is written through the other at once, although
// it would poll only once an hour: the other node's NOTIFY wakes it.
func TestEventsFromAnotherNode(t *testing.T) {
	url := os.Getenv("TRIBUTARY_POSTGRES_URL")
	if url == "" {
		t.Skip("TRIBUTARY_POSTGRES_URL is not set")
	}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	sa, schemaURL, cleanup, err := postgres.OpenFresh(ctx, url)
	if err != nil {
		t.Fatal(err)
	}
	defer cleanup()
	a := start(t, sa)
	sb, err := postgres.Open(ctx, schemaURL, "")
	if err != nil {
		t.Fatal(err)
	}
	defer sb.Close()
	reg := money.NewRegistry()
	b := api.New(api.Config{Store: sb, Engine: engine.New(sb, reg), Currencies: reg, EventPoll: time.Hour, Modules: programs.Modules(programs.Deps{})})
	listening := make(chan struct{})
	go func() { defer close(listening); b.Listen(ctx) }()
	srvB := httptest.NewServer(b.Handler())
	defer srvB.Close()
	readerB := client.New(srvB.URL, adminSecret, nil)
	eachSeen(t, ctx, readerB, 5, func(i int) {
		if _, _, err := a.admin.CreateEntry(ctx, fmt.Sprintf("k%d", i), []wire.PostingJSON{usd("@world", "a", "1")}); err != nil {
			t.Fatal(err)
		}
	})
	cancel()
	<-listening
}

// TestEventsFromTheEngine: a stream wakes for commits that did not come
// through the API (the chain watcher's, a program's run by the engine
// directly), although it would poll only once an hour: the store says it
// committed events.
func TestEventsFromTheEngine(t *testing.T) {
	for name, open := range stores(t) {
		t.Run(name, func(t *testing.T) {
			ctx := context.Background()
			s := open(t)
			reg := money.NewRegistry()
			eng := engine.New(s, reg)
			if err := s.PutToken(ctx, auth.FromSecret(adminSecret, auth.Admin, nil, "test admin", time.Now())); err != nil {
				t.Fatal(err)
			}
			srv := httptest.NewServer(api.New(api.Config{Store: s, Engine: eng, Currencies: reg, EventPoll: time.Hour, Modules: programs.Modules(programs.Deps{})}).Handler())
			defer srv.Close()
			eachSeen(t, ctx, client.New(srv.URL, adminSecret, nil), 3, func(i int) {
				op := engine.Transfer(fmt.Sprintf("k%d", i), time.Unix(0, 0), []ledger.Posting{{From: "@world", To: "a", Currency: "USD", Amount: money.FromUint64(1)}})
				if _, err := eng.ApplyOne(ctx, op); err != nil {
					t.Fatal(err)
				}
			})
		})
	}
}

// eachSeen streams c's events and, n times, calls write(i) and waits for
// event i. Each write waits for the event before it, so the stream is idle,
// waiting to be woken, when the next one commits.
func eachSeen(t *testing.T, ctx context.Context, c *client.Client, n int, write func(i int)) {
	t.Helper()
	// The stream ends before its server closes (which waits for it).
	sctx, stop := context.WithCancel(ctx)
	got := make(chan uint64, n)
	done := make(chan error, 1)
	go func() {
		done <- c.Events(sctx, 0, func(ev client.Event) error {
			got <- ev.ID
			return nil
		})
	}()
	defer func() {
		stop()
		if err := <-done; err != nil && !errors.Is(err, context.Canceled) {
			t.Errorf("stream: %v", err)
		}
	}()
	for i := 1; i <= n; i++ {
		write(i)
		select {
		case id := <-got:
			if id != uint64(i) {
				t.Fatalf("event %d arrived as number %d", i, id)
			}
		case err := <-done:
			t.Fatalf("stream ended: %v", err)
		case <-time.After(10 * time.Second):
			t.Fatalf("event %d not seen in 10 s", i)
		}
	}
}
