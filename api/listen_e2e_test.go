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
	"github.com/tributary-ledger/tributary/client"
	"github.com/tributary-ledger/tributary/engine"
	"github.com/tributary-ledger/tributary/money"
	"github.com/tributary-ledger/tributary/store/postgres"
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
	b := api.New(api.Config{Store: sb, Engine: engine.New(sb, reg), Currencies: reg, EventPoll: time.Hour})
	listening := make(chan struct{})
	go func() { defer close(listening); b.Listen(ctx) }()
	srvB := httptest.NewServer(b.Handler())
	defer srvB.Close()
	readerB := client.New(srvB.URL, adminSecret, nil)

	// The stream ends before its server closes (which waits for it).
	sctx, stopStream := context.WithCancel(ctx)
	defer stopStream()
	got := make(chan uint64, 16)
	streamDone := make(chan error, 1)
	go func() {
		streamDone <- readerB.Events(sctx, 0, func(ev client.Event) error {
			got <- ev.ID
			return nil
		})
	}()
	// Each write waits for the stream to deliver the one before, so the
	// stream is idle, waiting for a wake-up, when the next one commits.
	for i := 1; i <= 5; i++ {
		if _, _, err := a.admin.CreateEntry(ctx, fmt.Sprintf("k%d", i), []api.PostingJSON{usd("@world", "a", "1")}); err != nil {
			t.Fatal(err)
		}
		select {
		case id := <-got:
			if id != uint64(i) {
				t.Fatalf("event %d arrived as number %d", i, id)
			}
		case err := <-streamDone:
			t.Fatalf("stream ended: %v", err)
		case <-time.After(10 * time.Second):
			t.Fatalf("event %d, written through the other node, not seen in 10 s", i)
		}
	}
	cancel()
	<-listening
	if err := <-streamDone; err != nil && !errors.Is(err, context.Canceled) {
		t.Errorf("stream: %v", err)
	}
}
