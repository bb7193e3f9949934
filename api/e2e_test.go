package api_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/tributary-ledger/tributary/api"
	"github.com/tributary-ledger/tributary/auth"
	"github.com/tributary-ledger/tributary/client"
	"github.com/tributary-ledger/tributary/engine"
	"github.com/tributary-ledger/tributary/money"
	"github.com/tributary-ledger/tributary/program/payout"
	"github.com/tributary-ledger/tributary/program/splitbook"
	"github.com/tributary-ledger/tributary/programs"
	"github.com/tributary-ledger/tributary/store/postgres"
	"github.com/tributary-ledger/tributary/store/sqlite"
	"github.com/tributary-ledger/tributary/wire"
)

const adminSecret = "trb_test_admin_secret"

type testStore interface {
	api.Store
	engine.Store
	engine.JournalReader
}

// stores returns the stores to run end-to-end tests against: SQLite always,
// PostgreSQL when TRIBUTARY_POSTGRES_URL is set.
func stores(t *testing.T) map[string]func(t *testing.T) testStore {
	m := map[string]func(t *testing.T) testStore{
		"sqlite": func(t *testing.T) testStore {
			s, err := sqlite.Open(context.Background(), filepath.Join(t.TempDir(), "e2e.db"))
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { s.Close() })
			return s
		},
	}
	if url := os.Getenv("TRIBUTARY_POSTGRES_URL"); url != "" {
		m["postgres"] = func(t *testing.T) testStore {
			s, _, cleanup, err := postgres.OpenFresh(context.Background(), url)
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { cleanup() })
			return s
		}
	}
	return m
}

type env struct {
	s     testStore
	srv   *httptest.Server
	api   *api.Server
	admin *client.Client
}

// start runs the real handler on a random loopback port.
func start(t *testing.T, s testStore) *env {
	t.Helper()
	if err := s.PutToken(context.Background(), auth.FromSecret(adminSecret, auth.Admin, nil, "test admin", time.Now())); err != nil {
		t.Fatal(err)
	}
	reg := money.NewRegistry()
	a := api.New(api.Config{Store: s, Engine: engine.New(s, reg), Currencies: reg, EventPoll: 20 * time.Millisecond, Modules: programs.Modules(programs.Deps{})})
	srv := httptest.NewServer(a.Handler())
	t.Cleanup(srv.Close)
	return &env{s: s, srv: srv, api: a, admin: client.New(srv.URL, adminSecret, nil)}
}

func (e *env) token(t *testing.T, role auth.Role, accounts ...string) *client.Client {
	t.Helper()
	tok, err := e.admin.CreateToken(context.Background(), wire.TokenRequest{Role: string(role), Accounts: accounts})
	if err != nil {
		t.Fatalf("creating %s token: %v", role, err)
	}
	return client.New(e.srv.URL, tok.Secret, nil)
}

func usd(from, to, units string) wire.PostingJSON {
	return wire.PostingJSON{From: from, To: to, Amount: wire.Amount(units), Currency: "USD"}
}

func wantCode(t *testing.T, what string, err error, code string, status int) {
	t.Helper()
	var ce *client.Error
	if !errors.As(err, &ce) || ce.Code != code || ce.Status != status {
		t.Errorf("%s: error = %v; want %s (HTTP %d)", what, err, code, status)
	}
}

func available(t *testing.T, c *client.Client, account, currency string) string {
	t.Helper()
	acct, err := c.GetAccount(context.Background(), account)
	if err != nil {
		t.Fatalf("Account(%s): %v", account, err)
	}
	for _, b := range acct.Balances {
		if b.Currency == currency {
			return b.Available
		}
	}
	return "0"
}

func TestEndToEnd(t *testing.T) {
	for name, open := range stores(t) {
		t.Run(name, func(t *testing.T) {
			e := start(t, open(t))
			ctx := context.Background()
			ingest := e.token(t, auth.Ingestor)
			config := e.token(t, auth.Configurator)
			reader := e.token(t, auth.Reader)
			payee := e.token(t, auth.Payee, "payee:2")

			// Probes and the document need no token.
			anon := client.New(e.srv.URL, "", nil)
			if err := anon.Healthy(ctx); err != nil {
				t.Errorf("Healthy: %v", err)
			}
			if err := anon.Ready(ctx); err != nil {
				t.Errorf("Ready: %v", err)
			}
			if doc, err := anon.OpenAPI(ctx); err != nil || !bytes.HasPrefix(doc, []byte("{")) || !bytes.Contains(doc, []byte(`"openapi": "3.1`)) {
				t.Errorf("OpenAPI = %.40q, %v; want the 3.1 document", doc, err)
			}

			// A split is configured, then a payment goes by it: the seed's
			// $1.98 at 50/15/35 pays 0.99, 0.30, 0.69, nothing lost.
			def := splitbook.Def{ID: "song-1", Unit: "bp", Receivers: []splitbook.ReceiverDef{{Account: "payee:1", Share: 5000}, {Account: "payee:2", Share: 1500}, {Account: "payee:3", Share: 3500}}}
			if _, _, err := config.CreateSplit(ctx, "split-1", def); err != nil {
				t.Fatalf("CreateSplit: %v", err)
			}
			if _, replayed, err := config.CreateSplit(ctx, "split-1", def); err != nil || !replayed {
				t.Errorf("CreateSplit replay = replayed %v, %v; want a replay", replayed, err)
			}
			_, _, err := config.CreateSplit(ctx, "split-2", def)
			wantCode(t, "creating an existing split", err, "split_exists", 409)
			got, err := reader.GetSplit(ctx, "song-1")
			if err != nil || len(got.Receivers) != 3 || got.Receivers[1].Share != 1500 {
				t.Errorf("Split(song-1) = %+v, %v; want the definition back", got, err)
			}
			ent, _, err := ingest.CreatePayment(ctx, "sale-1", splitbook.PaymentRequest{From: "@buyer:1", Split: "song-1", Amount: "198", Currency: "USD"})
			if err != nil {
				t.Fatalf("Pay: %v", err)
			}
			want := map[string]string{"payee:1": "99", "payee:2": "30", "payee:3": "69"}
			for _, p := range ent.Postings {
				if want[p.To] != string(p.Amount) || !strings.Contains(p.Path, "split:song-1 → split 15%") && p.To == "payee:2" {
					t.Errorf("payment posting %+v; want amount %s and a path through split:song-1", p, want[p.To])
				}
			}
			for acct, units := range want {
				if got := available(t, reader, acct, "USD"); got != units {
					t.Errorf("available(%s) = %s; want %s", acct, got, units)
				}
			}

			// Direct entries: replay, conflict, overdraft.
			post := []wire.PostingJSON{usd("@world", "payee:2", "1000")}
			first, replayed, err := ingest.CreateEntry(ctx, "fund-1", wire.EntryRequest{Postings: post})
			if err != nil || replayed {
				t.Fatalf("CreateEntry = replayed %v, %v", replayed, err)
			}
			again, replayed, err := ingest.CreateEntry(ctx, "fund-1", wire.EntryRequest{Postings: post})
			if err != nil || !replayed || again.Seq != first.Seq {
				t.Errorf("replay = seq %d replayed %v, %v; want seq %d replayed", again.Seq, replayed, err, first.Seq)
			}
			_, _, err = ingest.CreateEntry(ctx, "fund-1", wire.EntryRequest{Postings: []wire.PostingJSON{usd("@world", "payee:2", "1001")}})
			wantCode(t, "same key, other body", err, "key_conflict", 409)
			_, _, err = ingest.CreateEntry(ctx, "over-1", wire.EntryRequest{Postings: []wire.PostingJSON{usd("payee:1", "x", "100")}})
			wantCode(t, "overdraft", err, "overdraft", 422)

			// The payee sees and withdraws its own balance, and nothing else.
			if got := available(t, payee, "payee:2", "USD"); got != "1030" {
				t.Errorf("payee's available = %s; want 1030", got)
			}
			_, err = payee.GetAccount(ctx, "payee:1")
			wantCode(t, "payee reading another account", err, "forbidden", 403)
			_, _, err = payee.RequestWithdrawal(ctx, "w-x", wire.WithdrawalRequest{Account: "payee:1", Amount: "1", Currency: "USD"})
			wantCode(t, "payee withdrawing from another account", err, "forbidden", 403)
			// Only to its registered destination (issue #24.3): none
			// registered is 422, another than the registered one 403.
			_, _, err = payee.RequestWithdrawal(ctx, "w-0", wire.WithdrawalRequest{Account: "payee:2", Amount: "1", Currency: "USD"})
			wantCode(t, "payee withdrawing with no destination registered", err, "payout_destination_missing", 422)
			_, _, err = payee.SetPayoutDestination(ctx, "dest-0", "payee:2", payout.DestinationRequest{Destination: "@attacker"})
			wantCode(t, "payee registering its own destination", err, "forbidden", 403)
			if _, _, err := e.admin.SetPayoutDestination(ctx, "dest-2", "payee:2", payout.DestinationRequest{Destination: "@payout"}); err != nil {
				t.Fatal(err)
			}
			_, _, err = payee.RequestWithdrawal(ctx, "w-0", wire.WithdrawalRequest{Account: "payee:2", Amount: "1", Currency: "USD", Destination: "@attacker"})
			wantCode(t, "payee withdrawing to another destination", err, "payout_destination_not_registered", 403)
			w, _, err := payee.RequestWithdrawal(ctx, "w-1", wire.WithdrawalRequest{Account: "payee:2", Amount: "1000", Currency: "USD"})
			// Its ID is its key in the payee's own key space.
			if err != nil || w.State != "pending" || !strings.HasPrefix(w.ID, "~p") || !strings.HasSuffix(w.ID, "~w-1") {
				t.Fatalf("RequestWithdrawal = %+v, %v; want pending ~p…~w-1", w, err)
			}
			wid := w.ID
			_, _, err = payee.RequestWithdrawal(ctx, "w-2", wire.WithdrawalRequest{Account: "payee:2", Amount: "31", Currency: "USD"})
			wantCode(t, "withdrawing more than is available", err, "overdraft", 422)
			_, _, err = payee.PostWithdrawal(ctx, "w-1-post", "w-1")
			wantCode(t, "payee posting its own withdrawal", err, "forbidden", 403)
			if w, _, err = ingest.PostWithdrawal(ctx, "w-1-post", wid); err != nil || w.State != "posted" {
				t.Fatalf("PostWithdrawal = %+v, %v; want posted", w, err)
			}
			_, _, err = ingest.VoidWithdrawal(ctx, "w-1-void", wid)
			wantCode(t, "voiding a posted withdrawal", err, "withdrawal_resolved", 409)
			if got := available(t, reader, "@payout", "USD"); got != "1000" {
				t.Errorf("@payout available = %s; want 1000", got)
			}
			wl, err := payee.ListWithdrawals(ctx, client.ListWithdrawalsQuery{Account: "payee:2"})
			ws := wl.Withdrawals
			if err != nil || len(ws) != 1 || ws[0].State != "posted" {
				t.Errorf("payee's withdrawals = %+v, %v; want one posted", ws, err)
			}

			// The journal: by account, paginated, by key, by time.
			first2, err := reader.ListEntries(ctx, client.ListEntriesQuery{Account: "payee:2", Limit: 2})
			ents, next := first2.Entries, first2.Next
			if err != nil || len(ents) != 2 || next == "" {
				t.Fatalf("Entries(payee:2, limit 2) = %d entries next %q, %v; want 2 and a cursor", len(ents), next, err)
			}
			var all []wire.EntryJSON
			for after := ""; ; {
				page, err := reader.ListEntries(ctx, client.ListEntriesQuery{Account: "payee:2", After: after, Limit: 2})
				if err != nil {
					t.Fatal(err)
				}
				all = append(all, page.Entries...)
				if page.Next == "" {
					break
				}
				after = page.Next
			}
			if len(all) != 4 { // payment, funding, request, post
				t.Errorf("entries touching payee:2 = %d; want 4", len(all))
			}
			byKey, err := reader.GetEntryByKey(ctx, "sale-1")
			if err != nil || byKey.Seq != ent.Seq {
				t.Errorf("EntryByKey(sale-1) = %d, %v; want %d", byKey.Seq, err, ent.Seq)
			}
			future, err := reader.ListEntries(ctx, client.ListEntriesQuery{Since: time.Now().Add(time.Hour)})
			if err != nil || len(future.Entries) != 0 {
				t.Errorf("entries since an hour from now = %d, %v; want none", len(future.Entries), err)
			}
			// The books verify.
			if _, err := engine.Verify(ctx, e.s); err != nil {
				t.Errorf("Verify: %v", err)
			}
		})
	}
}

// TestBadInput sends malformed requests and checks each gets a clear 4xx
// and that nothing is written.
func TestBadInput(t *testing.T) {
	e := start(t, stores(t)["sqlite"](t))
	huge := `{"postings":[` + strings.Repeat(`{"from":"@w","to":"a","amount":"1","currency":"USD"},`, 80000) + `{"from":"@w","to":"a","amount":"1","currency":"USD"}]}`
	tests := []struct {
		name, method, path, key, body string
		status                        int
		code                          string
		contentType                   string // "" is application/json
	}{
		{"malformed JSON", "POST", "/v1/entries", "k1", `{"postings":[`, 400, "bad_request", ""},
		{"not an object", "POST", "/v1/entries", "k1", `[]`, 400, "bad_request", ""},
		{"empty body", "POST", "/v1/entries", "k1", ``, 400, "bad_request", ""},
		{"trailing data", "POST", "/v1/entries", "k1", `{"postings":[]} {}`, 400, "bad_request", ""},
		{"unknown field", "POST", "/v1/entries", "k1", `{"postings":[],"memo":"x"}`, 400, "bad_request", ""},
		{"unknown posting field", "POST", "/v1/entries", "k1", `{"postings":[{"from":"@w","to":"a","amount":"1","currency":"USD","fee":"1"}]}`, 400, "bad_request", ""},
		{"amount as number", "POST", "/v1/entries", "k1", `{"postings":[{"from":"@w","to":"a","amount":1,"currency":"USD"}]}`, 400, "bad_request", ""},
		{"negative amount", "POST", "/v1/entries", "k1", `{"postings":[{"from":"@w","to":"a","amount":"-5","currency":"USD"}]}`, 400, "amount_negative", ""},
		{"non-integer amount", "POST", "/v1/entries", "k1", `{"postings":[{"from":"@w","to":"a","amount":"1.5","currency":"USD"}]}`, 400, "amount_format", ""},
		{"amount over 2^256", "POST", "/v1/entries", "k1", `{"postings":[{"from":"@w","to":"a","amount":"` + strings.Repeat("9", 78) + `","currency":"USD"}]}`, 422, "amount_overflow", ""},
		{"unknown currency", "POST", "/v1/entries", "k1", `{"postings":[{"from":"@w","to":"a","amount":"1","currency":"XYZ"}]}`, 422, "currency_unknown", ""},
		{"zero amount", "POST", "/v1/entries", "k1", `{"postings":[{"from":"@w","to":"a","amount":"0","currency":"USD"}]}`, 400, "posting_invalid", ""},
		{"bad account", "POST", "/v1/entries", "k1", `{"postings":[{"from":"@w","to":"a b","amount":"1","currency":"USD"}]}`, 400, "account_invalid", ""},
		{"no postings", "POST", "/v1/entries", "k1", `{"postings":[]}`, 400, "posting_invalid", ""},
		{"missing idempotency key", "POST", "/v1/entries", "", `{"postings":[{"from":"@w","to":"a","amount":"1","currency":"USD"}]}`, 400, "idempotency_key_missing", ""},
		{"huge body", "POST", "/v1/entries", "k1", huge, 413, "body_too_large", ""},
		{"empty batch", "POST", "/v1/entries/batch", "", `{"entries":[]}`, 400, "bad_request", ""},
		{"wrong method", "DELETE", "/v1/entries", "", ``, 405, "method_not_allowed", ""},
		{"bad limit", "GET", "/v1/entries?limit=0", "", ``, 400, "query_invalid", ""},
		{"bad cursor", "GET", "/v1/accounts?after=!!", "", ``, 400, "query_invalid", ""},
		{"bad time", "GET", "/v1/entries?since=yesterday", "", ``, 400, "query_invalid", ""},
		{"unknown route", "GET", "/v1/nope", "", ``, 404, "route_unknown", ""},
		{"bad split", "POST", "/v1/splits", "k1", `{"id":"s","unit":"bp","receivers":[{"account":"a","share":5000}]}`, 422, "split_shares_sum", ""},
		{"split unit", "POST", "/v1/splits", "k1", `{"id":"s","unit":"percent","receivers":[{"account":"a","share":1}]}`, 422, "split_unit_invalid", ""},
		{"payment by unknown split", "POST", "/v1/payments", "k1", `{"from":"@b","split":"nope","amount":"1","currency":"USD"}`, 404, "not_found", ""},
		{"bad role", "POST", "/v1/tokens", "", `{"role":"root"}`, 400, "role_invalid", ""},
		// Strict JSON: what the document says, and nothing another reader
		// would read differently.
		{"duplicate member", "POST", "/v1/entries", "k1", `{"postings":[{"from":"@w","to":"a","amount":"1","amount":"100","currency":"USD"}]}`, 400, "json_duplicate_name", ""},
		{"duplicate top-level member", "POST", "/v1/tokens", "", `{"role":"reader","role":"admin"}`, 400, "json_duplicate_name", ""},
		{"member in another case", "POST", "/v1/entries", "k1", `{"postings":[{"from":"@w","to":"a","Amount":"1","currency":"USD"}]}`, 400, "bad_request", ""},
		{"invalid UTF-8", "POST", "/v1/entries", "k1", "{\"postings\":[{\"from\":\"@w\",\"to\":\"a\",\"amount\":\"1\",\"currency\":\"USD\",\"path\":\"\xff\"}]}", 400, "json_invalid_utf8", ""},
		{"form body", "POST", "/v1/entries", "k1", `{"postings":[{"from":"@w","to":"a","amount":"1","currency":"USD"}]}`, 400, "content_type_unsupported", "application/x-www-form-urlencoded"},
		{"text body", "POST", "/v1/tokens", "", `{"role":"reader"}`, 400, "content_type_unsupported", "text/plain"},
		{"no content type", "POST", "/v1/tokens", "", `{"role":"reader"}`, 400, "content_type_unsupported", "none"},
		{"other charset", "POST", "/v1/tokens", "", `{"role":"reader"}`, 400, "content_type_unsupported", "application/json; charset=latin1"},
	}
	for _, tt := range tests {
		req, _ := http.NewRequest(tt.method, e.srv.URL+tt.path, strings.NewReader(tt.body))
		req.Header.Set("Authorization", "Bearer "+adminSecret)
		switch tt.contentType {
		case "":
			req.Header.Set("Content-Type", "application/json")
		case "none":
		default:
			req.Header.Set("Content-Type", tt.contentType)
		}
		if tt.key != "" {
			req.Header.Set("Idempotency-Key", tt.key)
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatalf("%s: %v", tt.name, err)
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != tt.status || !strings.Contains(string(body), `"code":"`+tt.code+`"`) {
			t.Errorf("%s: %s %s = %d %s; want %d with code %s", tt.name, tt.method, tt.path, resp.StatusCode, body, tt.status, tt.code)
		}
	}
	ents, err := e.admin.ListEntries(context.Background(), client.ListEntriesQuery{})
	if err != nil || len(ents.Entries) != 0 {
		t.Errorf("journal after bad input = %d entries, %v; want none", len(ents.Entries), err)
	}
}

// TestEventsResume reads the live stream, disconnects, writes more, and
// resumes with the last event ID: every event arrives exactly once, in
// order.
func TestEventsResume(t *testing.T) {
	e := start(t, stores(t)["sqlite"](t))
	ctx := context.Background()
	write := func(from, to int) {
		for i := from; i < to; i++ {
			if _, _, err := e.admin.CreateEntry(ctx, fmt.Sprintf("k%d", i), wire.EntryRequest{Postings: []wire.PostingJSON{usd("@world", "a", "1")}}); err != nil {
				t.Fatal(err)
			}
		}
	}
	write(0, 5)
	var seen []uint64
	var mu sync.Mutex
	readUntil := func(after uint64, n int) uint64 {
		sctx, cancel := context.WithTimeout(ctx, 10*time.Second)
		defer cancel()
		stop := errors.New("enough")
		last := after
		err := e.admin.Events(sctx, after, func(ev client.Event) error {
			mu.Lock()
			seen = append(seen, ev.ID)
			mu.Unlock()
			last = ev.ID
			if len(seen) >= n {
				return stop
			}
			return nil
		})
		if !errors.Is(err, stop) {
			t.Fatalf("Events: %v", err)
		}
		return last
	}
	last := readUntil(0, 3) // disconnect mid-way
	write(5, 9)
	// Live: a stream that is open while entries commit sees them too.
	done := make(chan uint64)
	go func() { done <- readUntil(last, 12) }()
	time.Sleep(50 * time.Millisecond)
	write(9, 12)
	<-done
	if len(seen) != 12 {
		t.Fatalf("saw %d events; want 12", len(seen))
	}
	for i, id := range seen {
		if id != uint64(i+1) {
			t.Fatalf("events = %v; want 1..12 exactly once in order", seen)
		}
	}
}

// expectedAccess is who may call each route, written out independently of
// the route table so that a change to either is caught. Public routes are
// absent from the map's values: nil.
var expectedAccess = map[string][]auth.Role{
	"GET /healthz":                                  nil,
	"GET /readyz":                                   nil,
	"GET /metrics":                                  nil,
	"GET /v1/openapi.json":                          nil,
	"GET /v1/accounts":                              {auth.Admin, auth.Reader},
	"GET /v1/accounts/{account}":                    {auth.Admin, auth.Reader, auth.Payee},
	"GET /v1/entries":                               {auth.Admin, auth.Reader, auth.Payee},
	"POST /v1/entries":                              {auth.Admin, auth.Ingestor},
	"POST /v1/entries/batch":                        {auth.Admin, auth.Ingestor},
	"GET /v1/entries/{seq}":                         {auth.Admin, auth.Reader},
	"GET /v1/entries/keys/{key}":                    {auth.Admin, auth.Reader, auth.Ingestor},
	"POST /v1/payments":                             {auth.Admin, auth.Ingestor},
	"GET /v1/withdrawals":                           {auth.Admin, auth.Reader, auth.Payee},
	"POST /v1/withdrawals":                          {auth.Admin, auth.Payee},
	"GET /v1/withdrawals/{id}":                      {auth.Admin, auth.Reader, auth.Payee},
	"POST /v1/withdrawals/{id}/post":                {auth.Admin, auth.Ingestor},
	"GET /v1/schedules":                             {auth.Admin, auth.Reader},
	"GET /v1/schedules/{id}":                        {auth.Admin, auth.Reader},
	"PUT /v1/schedules/{id}":                        {auth.Admin},
	"DELETE /v1/schedules/{id}":                     {auth.Admin},
	"POST /v1/withdrawals/{id}/void":                {auth.Admin, auth.Ingestor, auth.Payee},
	"GET /v1/splits":                                {auth.Admin, auth.Reader, auth.Configurator},
	"POST /v1/splits":                               {auth.Admin, auth.Configurator},
	"GET /v1/splits/{id}":                           {auth.Admin, auth.Reader, auth.Configurator},
	"PUT /v1/splits/{id}":                           {auth.Admin, auth.Configurator},
	"GET /v1/tokens":                                {auth.Admin},
	"POST /v1/tokens":                               {auth.Admin},
	"DELETE /v1/tokens/{id}":                        {auth.Admin},
	"GET /v1/events":                                {auth.Admin, auth.Reader, auth.Payee}, // a payee: of its own accounts (account=)
	"GET /v1/config/withdrawal-minimums/{currency}": {auth.Admin, auth.Reader, auth.Payee},
	"PUT /v1/config/withdrawal-minimums/{currency}": {auth.Admin},
	// The console's aggregates: flows for those who read everything, and
	// a payee's of its own accounts; the currencies' decimals for every
	// token.
	"GET /v1/flows":      {auth.Admin, auth.Reader, auth.Payee},
	"GET /v1/currencies": {auth.Admin, auth.Configurator, auth.Ingestor, auth.Reader, auth.Payee},
	// The market: owners configure their own assets with a payee token.
	"GET /v1/market/config":                  {auth.Admin, auth.Reader, auth.Configurator},
	"PUT /v1/market/config":                  {auth.Admin},
	"POST /v1/market/assets":                 {auth.Admin, auth.Configurator, auth.Payee},
	"GET /v1/market/assets/{id}":             {auth.Admin, auth.Reader, auth.Configurator},
	"PUT /v1/market/assets/{id}/split":       {auth.Admin, auth.Configurator, auth.Payee},
	"PUT /v1/market/assets/{id}/royalty":     {auth.Admin, auth.Configurator},
	"POST /v1/market/licenses":               {auth.Admin, auth.Configurator, auth.Payee},
	"GET /v1/market/licenses/{id}":           {auth.Admin, auth.Reader, auth.Configurator},
	"POST /v1/market/licenses/{id}/revoke":   {auth.Admin, auth.Configurator, auth.Payee},
	"POST /v1/market/licenses/{id}/payments": {auth.Admin, auth.Ingestor},
	"POST /v1/market/sales":                  {auth.Admin, auth.Ingestor},
	// Collections: configurators set tracks and collections up.
	"GET /v1/collection/config":                        {auth.Admin, auth.Reader, auth.Configurator},
	"PUT /v1/collection/config":                        {auth.Admin},
	"POST /v1/collection/tracks":                       {auth.Admin, auth.Configurator},
	"GET /v1/collection/tracks/{id}":                   {auth.Admin, auth.Reader, auth.Configurator},
	"PUT /v1/collection/tracks/{id}/price":             {auth.Admin, auth.Configurator},
	"POST /v1/collection/collections":                  {auth.Admin, auth.Configurator},
	"GET /v1/collection/collections/{id}":              {auth.Admin, auth.Reader, auth.Configurator},
	"PUT /v1/collection/collections/{id}":              {auth.Admin, auth.Configurator},
	"POST /v1/collection/purchases":                    {auth.Admin, auth.Ingestor},
	"GET /v1/usage/config":                             {auth.Admin, auth.Reader, auth.Configurator},
	"PUT /v1/usage/config":                             {auth.Admin, auth.Configurator},
	"POST /v1/usage/participants":                      {auth.Admin, auth.Configurator, auth.Payee},
	"POST /v1/usage/participants/batch":                {auth.Admin, auth.Configurator},
	"GET /v1/usage/participants/{id}":                  {auth.Admin, auth.Reader, auth.Configurator},
	"PUT /v1/usage/participants/{id}":                  {auth.Admin, auth.Configurator, auth.Payee},
	"DELETE /v1/usage/participants/{id}":               {auth.Admin, auth.Configurator, auth.Payee},
	"POST /v1/usage/revenue":                           {auth.Admin, auth.Ingestor},
	"POST /v1/usage/reports":                           {auth.Admin, auth.Ingestor},
	"POST /v1/usage/epochs/{epoch}/close":              {auth.Admin, auth.Configurator},
	"GET /v1/usage/epochs/{epoch}":                     {auth.Admin, auth.Reader, auth.Configurator},
	"GET /v1/usage/epochs/{epoch}/statement":           {auth.Admin, auth.Reader, auth.Configurator},
	"POST /v1/usage/epochs/{epoch}/simulate":           {auth.Admin, auth.Reader, auth.Configurator},
	"GET /v1/feeshare/params":                          {auth.Admin, auth.Reader, auth.Configurator},
	"PUT /v1/feeshare/params":                          {auth.Admin},
	"POST /v1/feeshare/register":                       nil, // the deployer's EIP-712 signature, or an admin token
	"POST /v1/feeshare/update":                         nil,
	"POST /v1/feeshare/cancel":                         nil,
	"GET /v1/feeshare/contracts":                       {auth.Admin, auth.Reader, auth.Configurator},
	"GET /v1/feeshare/contracts/{contract}":            {auth.Admin, auth.Reader, auth.Configurator},
	"GET /v1/feeshare/deployers/{address}/contracts":   {auth.Admin, auth.Reader, auth.Configurator},
	"GET /v1/feeshare/withdrawers/{address}/contracts": {auth.Admin, auth.Reader, auth.Configurator},
	"GET /v1/feeshare/cursor":                          {auth.Admin, auth.Reader, auth.Configurator},
	"GET /v1/feeshare/genesis":                         {auth.Admin},
	// Payouts: destinations are the platform's to set, never the payee's.
	"GET /v1/payout-destinations":              {auth.Admin, auth.Reader, auth.Configurator},
	"GET /v1/payout-destinations/{account}":    {auth.Admin, auth.Reader, auth.Configurator, auth.Payee},
	"PUT /v1/payout-destinations/{account}":    {auth.Admin, auth.Configurator},
	"DELETE /v1/payout-destinations/{account}": {auth.Admin, auth.Configurator},
	"POST /v1/payouts":                         {auth.Admin},
	"GET /v1/payouts":                          {auth.Admin, auth.Reader, auth.Configurator},
	"GET /v1/payouts/{id}":                     {auth.Admin, auth.Reader, auth.Configurator},
	"POST /v1/payouts/{id}/cancel":             {auth.Admin},
	"POST /v1/payouts/{id}/publish":            {auth.Admin},
	"POST /v1/payouts/{id}/results":            {auth.Admin, auth.Ingestor},
	"GET /v1/payouts/{id}/export.json":         {auth.Admin, auth.Reader, auth.Configurator},
	"GET /v1/payouts/{id}/export.csv":          {auth.Admin, auth.Reader, auth.Configurator},
	"GET /v1/payouts/{id}/tree":                {auth.Admin, auth.Reader, auth.Configurator, auth.Payee},
	"GET /v1/payouts/{id}/proofs/{address}":    {auth.Admin, auth.Reader, auth.Configurator, auth.Payee},
	"POST /v1/feeshare/genesis":                {auth.Admin},
	// Dependency streams: configurators link repos and map packages (never
	// the repo itself); an owner applies its asset.toml and lockfile.
	"GET /v1/deps/config":                 {auth.Admin, auth.Reader, auth.Configurator},
	"PUT /v1/deps/config":                 {auth.Admin},
	"POST /v1/deps/repos":                 {auth.Admin, auth.Configurator},
	"GET /v1/deps/repos/{id}":             {auth.Admin, auth.Reader, auth.Configurator},
	"PUT /v1/deps/repos/{id}/packages":    {auth.Admin, auth.Configurator},
	"PUT /v1/deps/repos/{id}/meta":        {auth.Admin, auth.Configurator},
	"PUT /v1/deps/repos/{id}/asset":       {auth.Admin, auth.Configurator, auth.Payee},
	"POST /v1/deps/repos/{id}/lockfile":   {auth.Admin, auth.Configurator, auth.Payee},
	"POST /v1/deps/usage":                 {auth.Admin, auth.Ingestor},
	"POST /v1/deps/epochs/{epoch}/open":   {auth.Admin, auth.Configurator},
	"POST /v1/deps/epochs/{epoch}/close":  {auth.Admin, auth.Configurator},
	"POST /v1/deps/epochs/{epoch}/settle": {auth.Admin},
	"GET /v1/deps/epochs/{epoch}":         {auth.Admin, auth.Reader, auth.Configurator},
	"GET /v1/deps/epochs/{epoch}/explain": {auth.Admin, auth.Reader, auth.Configurator},
	"GET /v1/deps/streams":                {auth.Admin, auth.Reader, auth.Configurator},
	"GET /v1/deps/credit/{account}":       {auth.Admin, auth.Reader, auth.Configurator},
}

// TestAccessControl calls every route with no token, a revoked token and a
// token of every role, and checks 401, 403 or admission.
func TestAccessControl(t *testing.T) {
	e := start(t, stores(t)["sqlite"](t))
	ctx := context.Background()
	secrets := map[auth.Role]string{auth.Admin: adminSecret}
	for _, role := range auth.Roles {
		if role == auth.Admin {
			continue
		}
		var accounts []string
		if role == auth.Payee {
			accounts = []string{"payee:1"}
		}
		tok, err := e.admin.CreateToken(ctx, wire.TokenRequest{Role: string(role), Accounts: accounts})
		if err != nil {
			t.Fatal(err)
		}
		secrets[role] = tok.Secret
	}
	revoked, err := e.admin.CreateToken(ctx, wire.TokenRequest{Role: "admin"})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := e.admin.RevokeToken(ctx, revoked.ID); err != nil {
		t.Fatal(err)
	}
	fill := strings.NewReplacer("{account}", "payee:1", "{seq}", "1", "{key}", "k", "{id}", "x", "{currency}", "USD")
	for _, rt := range e.api.Routes() {
		name := rt.Method + " " + rt.Pattern
		allow, ok := expectedAccess[name]
		if !ok {
			t.Errorf("route %s has no row in expectedAccess: decide who may call it", name)
			continue
		}
		call := func(secret string) int {
			wait := 5 * time.Second
			if rt.Pattern == "/v1/events" {
				wait = 300 * time.Millisecond // an admitted stream stays open
			}
			cctx, cancel := context.WithTimeout(ctx, wait)
			defer cancel()
			req, _ := http.NewRequestWithContext(cctx, rt.Method, e.srv.URL+fill.Replace(rt.Pattern)+"?account=payee:1", strings.NewReader(`{"owner":"payee:1"}`))
			if secret != "" {
				req.Header.Set("Authorization", "Bearer "+secret)
			}
			req.Header.Set("Idempotency-Key", "access-test")
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				if errors.Is(err, context.DeadlineExceeded) || strings.Contains(err.Error(), "deadline") {
					return http.StatusOK // an event stream that was admitted and kept open
				}
				t.Fatalf("%s: %v", name, err)
			}
			resp.Body.Close()
			return resp.StatusCode
		}
		if allow == nil {
			if got := call(""); got == 401 || got == 403 {
				t.Errorf("%s without a token = %d; want it public", name, got)
			}
			continue
		}
		if got := call(""); got != 401 {
			t.Errorf("%s without a token = %d; want 401", name, got)
		}
		if got := call("trb_not_a_token"); got != 401 {
			t.Errorf("%s with an unknown token = %d; want 401", name, got)
		}
		if got := call(revoked.Secret); got != 401 {
			t.Errorf("%s with a revoked token = %d; want 401", name, got)
		}
		for _, role := range auth.Roles {
			got := call(secrets[role])
			want := false
			for _, r := range allow {
				want = want || r == role
			}
			if want && (got == 401 || got == 403) {
				t.Errorf("%s as %s = %d; want admitted", name, role, got)
			}
			if !want && got != 403 {
				t.Errorf("%s as %s = %d; want 403", name, role, got)
			}
		}
	}
	for name := range expectedAccess {
		found := false
		for _, rt := range e.api.Routes() {
			found = found || rt.Method+" "+rt.Pattern == name
		}
		if !found {
			t.Errorf("expectedAccess lists %s, which is not a route", name)
		}
	}
}
