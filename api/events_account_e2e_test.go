package api_test

import (
	"context"
	"fmt"
	"net/http"
	"path/filepath"
	"testing"

	"github.com/tributary-ledger/tributary/auth"
	"github.com/tributary-ledger/tributary/store/sqlite"
	"github.com/tributary-ledger/tributary/wire"
)

// TestEventsOfAnAccount: with account=, the stream carries only the events
// about that account (its entries and its withdrawals' changes), and a
// payee token may stream its own accounts' events and no others.
func TestEventsOfAnAccount(t *testing.T) {
	s, err := sqlite.Open(context.Background(), filepath.Join(t.TempDir(), "events.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	e := start(t, s)
	ctx := context.Background()
	// Events 1 to 3: entries paying artist:1, artist:2, artist:1; 4 and 5:
	// a withdrawal of artist:2's, then one of artist:1's (each an entry
	// and a withdrawal.changed event: 4-5, then 6-7, in some order).
	for i, to := range []string{"artist:1", "artist:2", "artist:1"} {
		if _, _, err := e.admin.CreateEntry(ctx, fmt.Sprint("pay-", i), wire.EntryRequest{Postings: []wire.PostingJSON{usd("@world", to, "100")}}); err != nil {
			t.Fatal(err)
		}
	}
	for _, a := range []string{"artist:2", "artist:1"} {
		if _, _, err := e.admin.RequestWithdrawal(ctx, "w-"+a, wire.WithdrawalRequest{Account: a, Amount: "50", Currency: "USD"}); err != nil {
			t.Fatal(err)
		}
	}
	tok, err := e.admin.CreateToken(ctx, wire.TokenRequest{Role: string(auth.Payee), Accounts: []string{"artist:1"}})
	if err != nil {
		t.Fatal(err)
	}
	all := firstEventIDs(t, e, adminSecret, "", "", 7, nil)
	if fmt.Sprint(all) != "[1 2 3 4 5 6 7]" {
		t.Fatalf("the whole stream: %v; want 7 events", all)
	}
	for _, secret := range []string{adminSecret, tok.Secret} {
		if got := fmt.Sprint(firstEventIDs(t, e, secret, "?account=artist:1", "", 4, nil)); got != "[1 3 6 7]" {
			t.Errorf("artist:1's events: %s; want [1 3 6 7] (its two payments, its withdrawal's entry and change)", got)
		}
	}
	if got := fmt.Sprint(firstEventIDs(t, e, adminSecret, "?account=artist:2&after=2", "", 2, nil)); got != "[4 5]" {
		t.Errorf("artist:2's events after 2: %s; want [4 5]", got)
	}
	// An account's tail is its own newest events, even when the stream's
	// newest are about another account.
	if got := fmt.Sprint(firstEventIDs(t, e, tok.Secret, "?account=artist:1&tail=3", "", 3, nil)); got != "[3 6 7]" {
		t.Errorf("artist:1's tail of 3: %s; want [3 6 7]", got)
	}
	if got := fmt.Sprint(firstEventIDs(t, e, adminSecret, "?account=artist:2&tail=2", "", 2, nil)); got != "[4 5]" {
		t.Errorf("artist:2's tail of 2: %s; want [4 5]", got)
	}
	for _, tc := range []struct {
		secret, query string
		status        int
	}{
		{tok.Secret, "", http.StatusForbidden},                  // a payee must name its account
		{tok.Secret, "?account=artist:2", http.StatusForbidden}, // and only its own
		{adminSecret, "?account=bad%20name", http.StatusBadRequest},
	} {
		req, _ := http.NewRequestWithContext(ctx, "GET", e.srv.URL+"/v1/events"+tc.query, nil)
		req.Header.Set("Authorization", "Bearer "+tc.secret)
		res, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		res.Body.Close()
		if res.StatusCode != tc.status {
			t.Errorf("GET /v1/events%s as %s: %d; want %d", tc.query, map[bool]string{true: "admin", false: "payee"}[tc.secret == adminSecret], res.StatusCode, tc.status)
		}
	}
}
