package api_test

import (
	"context"
	"fmt"
	"testing"

	"github.com/tributary-ledger/tributary/auth"
	"github.com/tributary-ledger/tributary/client"
	"github.com/tributary-ledger/tributary/wire"
)

// TestWhoMovesMoneyWhere: a direct entry that pays an internal account
// out into an external one is for admin tokens only; money in, and money
// between internal accounts, is the ingestor's too. Table: role × the
// shape of the entry, singly and in a batch.
func TestWhoMovesMoneyWhere(t *testing.T) {
	e := start(t, stores(t)["sqlite"](t))
	ctx := context.Background()
	if _, _, err := e.admin.CreateEntry(ctx, "fund", wire.EntryRequest{Postings: []wire.PostingJSON{usd("@world", "artist:1", "1000"), usd("@world", "artist:2", "1000")}}); err != nil {
		t.Fatal(err)
	}
	clients := map[auth.Role]*client.Client{auth.Admin: e.admin, auth.Ingestor: e.token(t, auth.Ingestor)}
	shapes := []struct {
		name     string
		postings []wire.PostingJSON
		// allowed lists the roles whose entry is committed; others
		// are refused with direct_payout_forbidden.
		allowed []auth.Role
	}{
		{"external into internal", []wire.PostingJSON{usd("@buyer", "artist:1", "5")}, []auth.Role{auth.Admin, auth.Ingestor}},
		{"internal into internal", []wire.PostingJSON{usd("artist:1", "artist:2", "5")}, []auth.Role{auth.Admin, auth.Ingestor}},
		{"external into external", []wire.PostingJSON{usd("@a", "@b", "5")}, []auth.Role{auth.Admin, auth.Ingestor}},
		{"internal out to external", []wire.PostingJSON{usd("artist:2", "@attacker", "5")}, []auth.Role{auth.Admin}},
		{"a payout hidden among payments", []wire.PostingJSON{usd("@buyer", "artist:1", "5"), usd("artist:1", "@attacker", "5")}, []auth.Role{auth.Admin}},
	}
	for i, sh := range shapes {
		for _, role := range []auth.Role{auth.Admin, auth.Ingestor} {
			want := false
			for _, r := range sh.allowed {
				want = want || r == role
			}
			key := fmt.Sprintf("shape-%d-%s", i, role)
			_, _, err := clients[role].CreateEntry(ctx, key, wire.EntryRequest{Postings: sh.postings})
			if want && err != nil {
				t.Errorf("%s by %s: %v; want it committed", sh.name, role, err)
			}
			if !want {
				wantCode(t, sh.name+" by "+string(role), err, "direct_payout_forbidden", 403)
			}
			res, err := clients[role].CreateEntries(ctx, wire.BatchRequest{Entries: []wire.BatchItem{{Key: key + "-batch", Postings: sh.postings}}})
			if err != nil {
				t.Fatalf("batch: %v", err)
			}
			got := res.Results[0]
			if want && got.Status != "created" || !want && (got.Status != "refused" || got.Error.Code != "direct_payout_forbidden") {
				t.Errorf("%s by %s in a batch: %+v; want committed %v", sh.name, role, got, want)
			}
		}
	}
	if got := available(t, e.admin, "@attacker", "USD"); got != "20" {
		t.Errorf("@attacker = %s; want 20 (the admin's four entries only)", got)
	}
}
