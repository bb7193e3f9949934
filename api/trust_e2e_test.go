package api_test

import (
	"context"
	"fmt"
	"testing"

	"github.com/tributary-ledger/tributary/auth"
	"github.com/tributary-ledger/tributary/client"
	"github.com/tributary-ledger/tributary/engine"
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

// TestPayeeSeesOwnPostings: a payee reading the journal of its account
// gets its own postings of each entry, with their explanation paths, and
// none of its co-payees' or the buyer's.
func TestPayeeSeesOwnPostings(t *testing.T) {
	e := start(t, stores(t)["sqlite"](t))
	ctx := context.Background()
	sale := []wire.PostingJSON{
		{From: "@buyer:9", To: "artist:1", Amount: "700", Currency: "USD", Path: "sale/artist:1 70%"},
		{From: "@buyer:9", To: "artist:2", Amount: "200", Currency: "USD", Path: "sale/artist:2 20%"},
		{From: "@buyer:9", To: "platform", Amount: "100", Currency: "USD", Path: "sale/fee 10%"},
	}
	if _, _, err := e.admin.CreateEntry(ctx, "sale-1", wire.EntryRequest{Postings: sale}); err != nil {
		t.Fatal(err)
	}
	if _, _, err := e.admin.CreateEntry(ctx, "move-1", wire.EntryRequest{Postings: []wire.PostingJSON{usd("artist:2", "artist:1", "50"), usd("platform", "artist:2", "1")}}); err != nil {
		t.Fatal(err)
	}
	payee := e.token(t, auth.Payee, "artist:1")
	got, err := payee.ListEntries(ctx, client.ListEntriesQuery{Account: "artist:1"})
	if err != nil || len(got.Entries) != 2 {
		t.Fatalf("payee's entries = %+v, %v; want 2", got, err)
	}
	want := [][]wire.PostingJSON{{sale[0]}, {usd("artist:2", "artist:1", "50")}}
	for i, ent := range got.Entries {
		if fmt.Sprint(ent.Postings) != fmt.Sprint(want[i]) {
			t.Errorf("entry %d as the payee sees it = %+v; want only its own postings %+v", ent.Seq, ent.Postings, want[i])
		}
	}
	// The platform's reader sees every posting.
	all, err := e.token(t, auth.Reader).ListEntries(ctx, client.ListEntriesQuery{Account: "artist:1"})
	if err != nil || len(all.Entries) != 2 || len(all.Entries[0].Postings) != 3 || len(all.Entries[1].Postings) != 2 {
		t.Errorf("reader's entries = %+v, %v; want them whole", all, err)
	}
}

// TestNamesThatArePaths: account names and keys that are or hold dot
// segments are refused with name_path_segment, and the Go client sends
// them escaped, so that they reach the route they were meant for.
func TestNamesThatArePaths(t *testing.T) {
	e := start(t, stores(t)["sqlite"](t))
	ctx := context.Background()
	for _, name := range []string{".", "..", "a/..", "../a", "a/./b", "a/../b", "@x/..", "a//b", "/a", "a/"} {
		_, _, err := e.admin.CreateEntry(ctx, "k-"+fmt.Sprint(len(name)), wire.EntryRequest{Postings: []wire.PostingJSON{usd("@world", name, "1")}})
		wantCode(t, "account "+name, err, "name_path_segment", 400)
		_, _, err = e.admin.CreateEntry(ctx, name, wire.EntryRequest{Postings: []wire.PostingJSON{usd("@world", "a", "1")}})
		wantCode(t, "key "+name, err, "name_path_segment", 400)
	}
	if _, _, err := e.admin.CreateEntry(ctx, "fund", wire.EntryRequest{Postings: []wire.PostingJSON{usd("@world", "a", "10")}}); err != nil {
		t.Fatal(err)
	}
	// Through the client, a dot name reaches its own route and is
	// refused there: it lists no other account's balances.
	for _, name := range []string{".", ".."} {
		_, err := e.admin.GetAccount(ctx, name)
		wantCode(t, "GetAccount("+name+")", err, "name_path_segment", 400)
		_, _, err = e.admin.PostWithdrawal(ctx, "post-"+fmt.Sprint(len(name)), name)
		wantCode(t, "PostWithdrawal("+name+")", err, "name_path_segment", 400)
	}
	payee := e.token(t, auth.Payee, "a")
	_, _, err := payee.RequestWithdrawal(ctx, "..", wire.WithdrawalRequest{Account: "a", Amount: "1", Currency: "USD"})
	wantCode(t, "payee withdrawal keyed ..", err, "name_path_segment", 400)
}

// TestVerifyAtTheTopOfTheRange: two accepted writes, 2^256-1 into one
// account and 1 into another, leave a journal that verifies: each balance
// fits, and the currency's sums, which do not fit 256 bits, are zero.
func TestVerifyAtTheTopOfTheRange(t *testing.T) {
	for name, open := range stores(t) {
		t.Run(name, func(t *testing.T) {
			e := start(t, open(t))
			ctx := context.Background()
			top := "115792089237316195423570985008687907853269984665640564039457584007913129639935" // 2^256-1
			if _, _, err := e.admin.CreateEntry(ctx, "top", wire.EntryRequest{Postings: []wire.PostingJSON{usd("@mint:a", "whale", top)}}); err != nil {
				t.Fatal(err)
			}
			if _, _, err := e.admin.CreateEntry(ctx, "one", wire.EntryRequest{Postings: []wire.PostingJSON{usd("@mint:b", "minnow", "1")}}); err != nil {
				t.Fatal(err)
			}
			rep, err := engine.Verify(ctx, e.s)
			if err != nil {
				t.Fatalf("Verify: %v; want the journal verified", err)
			}
			if got := rep.Totals["USD"].String(); got != "115792089237316195423570985008687907853269984665640564039457584007913129639936" {
				t.Errorf("USD moved = %s; want 2^256", got)
			}
		})
	}
}
