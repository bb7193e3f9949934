package api_test

import (
	"context"
	"database/sql"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/tributary-ledger/tributary/auth"
	"github.com/tributary-ledger/tributary/engine"
	"github.com/tributary-ledger/tributary/ledger"
	"github.com/tributary-ledger/tributary/money"
	"github.com/tributary-ledger/tributary/program/payout"
	"github.com/tributary-ledger/tributary/store/postgres"
	"github.com/tributary-ledger/tributary/store/sqlite"
	"github.com/tributary-ledger/tributary/wire"
)

// TestKeysScopedByPrincipal: a payee's key never collides with the
// platform's or another payee's, and the platform's tokens share one
// space.
func TestKeysScopedByPrincipal(t *testing.T) {
	for name, open := range stores(t) {
		t.Run(name, func(t *testing.T) {
			e := start(t, open(t))
			ctx := context.Background()
			ingest := e.token(t, auth.Ingestor)
			payee1 := e.token(t, auth.Payee, "artist:1")
			payee1b := e.token(t, auth.Payee, "artist:1") // the same principal
			payee2 := e.token(t, auth.Payee, "artist:2")
			fund := wire.EntryRequest{Postings: []wire.PostingJSON{usd("@world", "artist:1", "500"), usd("@world", "artist:2", "500")}}
			if _, _, err := e.admin.CreateEntry(ctx, "fund", fund); err != nil {
				t.Fatal(err)
			}
			for _, a := range []string{"artist:1", "artist:2"} {
				if _, _, err := e.admin.SetPayoutDestination(ctx, "dest-"+a, a, payout.DestinationRequest{Destination: "@bank:" + a}); err != nil {
					t.Fatal(err)
				}
			}
			wd := wire.WithdrawalRequest{Account: "artist:1", Amount: "100", Currency: "USD"}
			first, _, err := payee1.RequestWithdrawal(ctx, "order-5001", wd)
			if err != nil {
				t.Fatalf("payee withdrawal: %v", err)
			}
			// The platform's later payment under the same key is its own.
			pay := wire.EntryRequest{Postings: []wire.PostingJSON{usd("@buyer", "artist:1", "7")}}
			ent, replayed, err := ingest.CreateEntry(ctx, "order-5001", pay)
			if err != nil || replayed {
				t.Fatalf("ingestor after a payee used its key: replayed %v, %v; want a new entry", replayed, err)
			}
			// A retry through another platform token replays it.
			again, replayed, err := e.admin.CreateEntry(ctx, "order-5001", pay)
			if err != nil || !replayed || again.Seq != ent.Seq {
				t.Errorf("admin retry of the ingestor's request: seq %d replayed %v, %v; want a replay of %d", again.Seq, replayed, err, ent.Seq)
			}
			// Another payee has a space of its own: a new withdrawal.
			wd2 := wire.WithdrawalRequest{Account: "artist:2", Amount: "30", Currency: "USD"}
			second, replayed, err := payee2.RequestWithdrawal(ctx, "order-5001", wd2)
			if err != nil || replayed || second.ID == first.ID {
				t.Errorf("second payee under the same key: %+v replayed %v, %v; want its own withdrawal", second, replayed, err)
			}
			// A token for the same accounts is the same principal.
			same, replayed, err := payee1b.RequestWithdrawal(ctx, "order-5001", wd)
			if err != nil || !replayed || same.ID != first.ID {
				t.Errorf("same principal, other token: %+v replayed %v, %v; want a replay of %s", same, replayed, err, first.ID)
			}
			// A conflict within its own space names only its own entry.
			_, _, err = payee2.RequestWithdrawal(ctx, "order-5001", wire.WithdrawalRequest{Account: "artist:2", Amount: "31", Currency: "USD"})
			wantCode(t, "payee conflict", err, "key_conflict", 409)
			if err != nil && (strings.Contains(err.Error(), "entry 2)") || strings.Contains(err.Error(), "entry 3)")) {
				t.Errorf("payee conflict = %v; names another principal's entry", err)
			}
			// The payee reads and voids its withdrawal by the key it sent.
			if got, err := payee1.GetWithdrawal(ctx, "order-5001"); err != nil || got.ID != first.ID {
				t.Errorf("payee GetWithdrawal(order-5001) = %+v, %v; want %s", got, err, first.ID)
			}
			if _, _, err := payee1.VoidWithdrawal(ctx, "void-1", "order-5001"); err != nil {
				t.Errorf("payee void by its key: %v", err)
			}
			// The platform may not send a key shaped like a payee's.
			_, _, err = ingest.CreateEntry(ctx, first.ID, pay)
			wantCode(t, "platform key of a payee's shape", err, "key_reserved", 400)
		})
	}
}

type closingStore interface {
	testStore
	Close() error
}

// TestKeysScopedMigration opens a database of schema version 4 (3 on
// PostgreSQL), where a payee's withdrawal was stored under its bare key:
// the payee's retry after the upgrade replays it, and another payee's
// request under the same key is its own.
func TestKeysScopedMigration(t *testing.T) {
	type reopen struct {
		raw  func() (*sql.DB, error)
		open func() (closingStore, error)
		old  int
	}
	cases := map[string]func(t *testing.T) reopen{
		"sqlite": func(t *testing.T) reopen {
			path := filepath.Join(t.TempDir(), "old.db")
			return reopen{
				raw:  func() (*sql.DB, error) { return sql.Open("sqlite", "file:"+path) },
				open: func() (closingStore, error) { return sqlite.Open(context.Background(), path) },
				old:  4,
			}
		},
	}
	if url := os.Getenv("TRIBUTARY_POSTGRES_URL"); url != "" {
		cases["postgres"] = func(t *testing.T) reopen {
			s, schemaURL, cleanup, err := postgres.OpenFresh(context.Background(), url)
			if err != nil {
				t.Fatal(err)
			}
			s.Close()
			t.Cleanup(func() { cleanup() })
			return reopen{
				raw:  func() (*sql.DB, error) { return sql.Open("pgx", schemaURL) },
				open: func() (closingStore, error) { return postgres.Open(context.Background(), schemaURL, "") },
				old:  3,
			}
		}
	}
	for name, mk := range cases {
		t.Run(name, func(t *testing.T) {
			ctx := context.Background()
			r := mk(t)
			s, err := r.open()
			if err != nil {
				t.Fatal(err)
			}
			// What the build before scoped keys wrote: a payee's
			// withdrawal under its bare key.
			eng := engine.New(s, money.NewRegistry())
			at := time.Date(2026, 12, 1, 0, 0, 0, 0, time.UTC)
			fund := usdPostings(t, "@world", "artist:1", 500)
			fund = append(fund, usdPostings(t, "@world", "artist:2", 500)...)
			if _, err := eng.ApplyOne(ctx, engine.Transfer("fund", at, fund)); err != nil {
				t.Fatal(err)
			}
			if _, err := eng.ApplyOne(ctx, engine.WithdrawalRequest("w-1", at, "artist:1", "", "USD", money.FromUint64(100))); err != nil {
				t.Fatal(err)
			}
			s.Close()
			db, err := r.raw()
			if err != nil {
				t.Fatal(err)
			}
			if _, err := db.Exec("UPDATE counters SET value = $1 WHERE name = 'schema'", r.old); err != nil {
				t.Fatal(err)
			}
			if _, err := db.Exec("DELETE FROM counters WHERE name = 'shared_keys'"); err != nil {
				t.Fatal(err)
			}
			db.Close()

			s, err = r.open()
			if err != nil {
				t.Fatalf("opening the old database: %v", err)
			}
			t.Cleanup(func() { s.Close() })
			e := start(t, s)
			payee1 := e.token(t, auth.Payee, "artist:1")
			payee2 := e.token(t, auth.Payee, "artist:2")
			wd := wire.WithdrawalRequest{Account: "artist:1", Amount: "100", Currency: "USD"}
			got, replayed, err := payee1.RequestWithdrawal(ctx, "w-1", wd)
			if err != nil || !replayed || got.ID != "w-1" {
				t.Errorf("payee retry after the upgrade = %+v replayed %v, %v; want a replay of w-1", got, replayed, err)
			}
			if _, _, err := e.admin.SetPayoutDestination(ctx, "dest-2", "artist:2", payout.DestinationRequest{Destination: "@bank:artist-2"}); err != nil {
				t.Fatal(err)
			}
			other, replayed, err := payee2.RequestWithdrawal(ctx, "w-1", wire.WithdrawalRequest{Account: "artist:2", Amount: "5", Currency: "USD"})
			if err != nil || replayed || other.ID == "w-1" {
				t.Errorf("another payee under an old key = %+v replayed %v, %v; want its own withdrawal", other, replayed, err)
			}
			acct, err := e.admin.GetAccount(ctx, "artist:1")
			if err != nil || acct.Balances[0].Available != "400" {
				t.Errorf("artist:1 = %+v, %v; want 400 available (one withdrawal)", acct, err)
			}
		})
	}
}

func usdPostings(t *testing.T, from, to string, units uint64) []ledger.Posting {
	t.Helper()
	return []ledger.Posting{{From: from, To: to, Currency: "USD", Amount: money.FromUint64(units)}}
}
