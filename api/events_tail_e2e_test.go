package api_test

import (
	"bufio"
	"context"
	"fmt"
	"net/http"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/tributary-ledger/tributary/store/sqlite"
	"github.com/tributary-ledger/tributary/wire"
)

// firstEventIDs opens the event stream with secret, query and header and returns
// the ids of its first n events, committing one more entry (by commit)
// once the stream is open, for streams that start empty.
func firstEventIDs(t *testing.T, e *env, secret, query, lastEventID string, n int, commit func()) []string {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	req, _ := http.NewRequestWithContext(ctx, "GET", e.srv.URL+"/v1/events"+query, nil)
	req.Header.Set("Authorization", "Bearer "+secret)
	if lastEventID != "" {
		req.Header.Set("Last-Event-ID", lastEventID)
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	if res.StatusCode != 200 {
		t.Fatalf("GET /v1/events%s: %d", query, res.StatusCode)
	}
	if commit != nil {
		commit()
	}
	var ids []string
	sc := bufio.NewScanner(res.Body)
	for len(ids) < n && sc.Scan() {
		if id, ok := strings.CutPrefix(sc.Text(), "id: "); ok {
			ids = append(ids, id)
		}
	}
	return ids
}

func TestEventsTail(t *testing.T) {
	s, err := sqlite.Open(context.Background(), filepath.Join(t.TempDir(), "tail.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	e := start(t, s)
	ctx := context.Background()
	n := 0
	commit := func() {
		n++
		if _, _, err := e.admin.CreateEntry(ctx, fmt.Sprintf("tail-%d", n), wire.EntryRequest{Postings: []wire.PostingJSON{usd("@world", "artist:1", "100")}}); err != nil {
			t.Fatal(err)
		}
	}
	// An empty outbox: tail=3 waits for the first event.
	if got := fmt.Sprint(firstEventIDs(t, e, adminSecret, "?tail=3", "", 1, commit)); got != "[1]" {
		t.Errorf("tail=3 on an empty outbox: %s; want [1]", got)
	}
	for range 4 {
		commit()
	}
	for _, tc := range []struct {
		query, lastEventID string
		want               string
	}{
		{"?tail=2", "", "[4 5 6]"},  // the two newest, then the one committed after
		{"?tail=0", "", "[7]"},      // only what commits after
		{"?tail=99", "", "[1 2 3]"}, // more than there are: from the first
		{"?tail=1&after=2", "", "[3 4 5]"},
		{"?tail=1", "5", "[6 7 8]"},
	} {
		if got := fmt.Sprint(firstEventIDs(t, e, adminSecret, tc.query, tc.lastEventID, strings.Count(tc.want, " ")+1, commit)); got != tc.want {
			t.Errorf("GET /v1/events%s (Last-Event-ID %q): events %s; want %s", tc.query, tc.lastEventID, got, tc.want)
		}
	}
}
