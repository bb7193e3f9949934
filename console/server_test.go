package console_test

import (
	"context"
	"net/http/httptest"
	"path/filepath"
	"testing"
	"time"

	"github.com/tributary-ledger/tributary/api"
	"github.com/tributary-ledger/tributary/auth"
	"github.com/tributary-ledger/tributary/client"
	"github.com/tributary-ledger/tributary/console"
	"github.com/tributary-ledger/tributary/engine"
	"github.com/tributary-ledger/tributary/money"
	"github.com/tributary-ledger/tributary/program/market"
	"github.com/tributary-ledger/tributary/program/payout"
	"github.com/tributary-ledger/tributary/programs"
	"github.com/tributary-ledger/tributary/store/sqlite"
	"github.com/tributary-ledger/tributary/wire"
)

const adminSecret = "trb_console_test_admin"

// demoStart is the first moment of the demo's data: the console tests look
// at the period from it to demoEnd.
var demoStart = time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)

const (
	demoSince = "2026-01-01"
	demoUntil = "2026-04-01"
)

// demoServer is what `tributary serve` runs (the API with this build's
// programs, behind console.Mount) on a random loopback port, over a fresh
// SQLite store holding the market demo's data (the seed of `tributary
// demo market`) and a few USD payments. It returns the server's URL and an
// admin client.
func demoServer(t *testing.T) (string, *client.Client) {
	t.Helper()
	return demoServerAt(t, time.Now)
}

// demoServerAt is demoServer with the server's clock now (programs whose
// epochs end by the server's time are seeded by moving it).
func demoServerAt(t *testing.T, now func() time.Time) (string, *client.Client) {
	t.Helper()
	return demoServerWith(t, now, nil)
}

// demoServerWith is demoServerAt with more operations applied after the
// market demo's (another program's seed).
func demoServerWith(t *testing.T, now func() time.Time, more []engine.Op) (string, *client.Client) {
	t.Helper()
	ctx := context.Background()
	s, err := sqlite.Open(ctx, filepath.Join(t.TempDir(), "console.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	if err := s.PutToken(ctx, auth.FromSecret(adminSecret, auth.Admin, nil, "console test admin", time.Now())); err != nil {
		t.Fatal(err)
	}
	reg := money.NewRegistry()
	eng := engine.New(s, reg)
	eth := func(v string) money.Amount { a, _ := money.Parse(v, money.ETH); return a }
	usd := func(v string) money.Amount { a, _ := money.Parse(v, money.USD); return a }
	month := 30 * 24 * time.Hour
	t0 := demoStart
	ops := []engine.Op{
		market.CreateAsset("demo:asset-7", t0, market.Asset{ID: "asset-7", Owner: "owner", Split: []market.Recipient{{Account: "owner", ShareBP: 7000}, {Account: "collaborator", ShareBP: 3000}}}),
		market.CreateAsset("demo:asset-8", t0, market.Asset{ID: "asset-8", Owner: "owner"}),
		market.CreateLicense("demo:lic-1", t0, market.License{ID: "lic-1", Asset: "asset-8", Currency: "ETH", Base: eth("100"), Penalty: eth("5"), PeriodSeconds: uint64(month / time.Second), LastPaid: t0}, reg),
		market.Sell("demo:primary", t0.Add(time.Hour), market.Sale{Asset: "asset-7", Amount: eth("1000"), Currency: "ETH", Buyer: "@buyer:1"}),
		market.Sell("demo:secondary", t0.Add(2*time.Hour), market.Sale{Asset: "asset-7", Amount: eth("1000"), Currency: "ETH", Buyer: "@buyer:2", Seller: "seller"}),
		market.Pay("demo:recurring", t0.Add(2*month), "lic-1", eth("105"), "ETH", "@licensee"),
		market.Sell("demo:usd-1", t0.Add(3*time.Hour), market.Sale{Asset: "asset-8", Amount: usd("19.99"), Currency: "USD", Buyer: "@buyer:3"}),
		market.Sell("demo:usd-2", t0.Add(4*time.Hour), market.Sale{Asset: "asset-7", Amount: usd("1234.57"), Currency: "USD", Buyer: "@buyer:4", Seller: "seller"}),
		// A payee withdraws to its registered destination only (set before
		// the period the tests look at).
		payout.SetDestination("demo:dest-collaborator", t0.Add(-time.Hour), "collaborator", "@bank:collaborator"),
		payout.SetDestination("demo:dest-owner", t0.Add(-time.Hour), "owner", "@bank:owner"),
	}
	for _, op := range append(ops, more...) {
		if _, err := eng.ApplyOne(ctx, op); err != nil {
			t.Fatalf("seeding %s: %v", op.Key, err)
		}
	}
	a := api.New(api.Config{Store: s, Engine: eng, Currencies: reg, EventPoll: 50 * time.Millisecond, Now: now, Modules: programs.Modules(programs.Deps{})})
	srv := httptest.NewServer(console.Mount(a.Handler()))
	// Event streams stay open while a page shows: close them with the server.
	t.Cleanup(func() { srv.CloseClientConnections(); srv.Close() })
	return srv.URL, client.New(srv.URL, adminSecret, nil)
}

// payeeToken makes a payee token for accounts and returns its secret.
func payeeToken(t *testing.T, admin *client.Client, accounts ...string) string {
	t.Helper()
	tok, err := admin.CreateToken(context.Background(), wire.TokenRequest{Role: string(auth.Payee), Accounts: accounts, Name: "console test payee"})
	if err != nil {
		t.Fatal(err)
	}
	return tok.Secret
}
