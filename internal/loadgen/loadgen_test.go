package loadgen_test

import (
	"context"
	"encoding/json"
	"errors"
	"log/slog"
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
	"github.com/tributary-ledger/tributary/engine"
	"github.com/tributary-ledger/tributary/internal/loadgen"
	"github.com/tributary-ledger/tributary/ledger"
	"github.com/tributary-ledger/tributary/money"
	"github.com/tributary-ledger/tributary/programs"
	"github.com/tributary-ledger/tributary/store/postgres"
	"github.com/tributary-ledger/tributary/store/sqlite"
)

const secret = "trb_loadgen_test_admin"

type store interface {
	api.Store
	engine.Store
	AccountBalances(ctx context.Context, account string) ([]ledger.Balance, error)
	Journal(ctx context.Context, after uint64, limit int) ([]ledger.Entry, error)
}

// server runs the real API with group commit, as `tributary serve` does.
func server(t *testing.T, s store, workers int) string {
	t.Helper()
	if err := s.PutToken(context.Background(), auth.FromSecret(secret, auth.Admin, nil, "", time.Now())); err != nil {
		t.Fatal(err)
	}
	reg := money.NewRegistry()
	eng := engine.New(s, reg)
	g := engine.NewGroup(eng, workers, 256)
	srv := httptest.NewServer(api.New(api.Config{Store: s, Engine: eng, Group: g, Currencies: reg, Modules: programs.Modules(programs.Deps{}),
		Log: slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelError}))}).Handler())
	t.Cleanup(func() { srv.Close(); g.Close() })
	return srv.URL
}

func stores(t *testing.T) map[string]func(t *testing.T) (store, int) {
	m := map[string]func(t *testing.T) (store, int){"sqlite": func(t *testing.T) (store, int) {
		s, err := sqlite.Open(context.Background(), filepath.Join(t.TempDir(), "l.db"))
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { s.Close() })
		return s, 1
	}}
	if url := os.Getenv("TRIBUTARY_POSTGRES_URL"); url != "" {
		m["postgres"] = func(t *testing.T) (store, int) {
			s, _, cleanup, err := postgres.OpenFresh(context.Background(), url)
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { cleanup() })
			return s, 4
		}
	}
	return m
}

// TestRunTributary: every mode's payments reach a real server's journal,
// once each, and the money lands where the workload says: 2.50 of every
// 100.00 at the treasury, 68.25, 19.50 and 9.75 at the sellers.
func TestRunTributary(t *testing.T) {
	for name, open := range stores(t) {
		for _, tc := range []struct {
			batch  int
			spread bool
		}{{1, false}, {1, true}, {100, false}, {100, true}} {
			t.Run(name+mode(tc.batch, tc.spread), func(t *testing.T) {
				s, workers := open(t)
				ctx := context.Background()
				const n = 600
				rep, err := loadgen.Run(ctx, loadgen.Config{URL: server(t, s, workers), Token: secret, Target: loadgen.TargetTributary,
					Clients: 4, Batch: tc.batch, Spread: tc.spread, Payments: n, Prefix: "t"}, nil)
				if err != nil {
					t.Fatal(err)
				}
				if rep.Payments != n || rep.Requests != n/tc.batch || rep.Rate <= 0 || rep.P50 <= 0 || rep.P99 < rep.P50 {
					t.Errorf("report %+v; want %d payments in %d requests, a rate and ordered percentiles", rep, n, n/tc.batch)
				}
				ents, err := s.Journal(ctx, 0, 2*n)
				if err != nil || len(ents) != n {
					t.Fatalf("journal: %d entries, %v; want %d", len(ents), err, n)
				}
				keys := map[string]bool{}
				for _, e := range ents {
					keys[e.Key] = true
					if len(e.Postings) != 4 {
						t.Fatalf("entry %s has %d postings; want 4", e.Key, len(e.Postings))
					}
				}
				if len(keys) != n {
					t.Errorf("%d distinct keys in %d entries", len(keys), n)
				}
				if got := credits(t, s, loadgen.Treasury); got != n*loadgen.FeeCents {
					t.Errorf("treasury holds %d cents; want %d", got, n*loadgen.FeeCents)
				}
				sellers, first := 0, credits(t, s, loadgen.SellerAccount(0))
				for i := range loadgen.SpreadSellers {
					sellers += credits(t, s, loadgen.SellerAccount(i))
				}
				if want := n * (loadgen.PaymentCents - loadgen.FeeCents); sellers != want {
					t.Errorf("sellers hold %d cents; want %d", sellers, want)
				}
				if !tc.spread && first != n*loadgen.Shares[0] {
					t.Errorf("hot seller 0 holds %d cents; want %d", first, n*loadgen.Shares[0])
				}
			})
		}
	}
}

func mode(batch int, spread bool) string {
	m := "/single"
	if batch > 1 {
		m = "/batched"
	}
	if spread {
		return m + "/spread"
	}
	return m + "/hot"
}

// credits is what an account holds in USD, in cents (0 if nothing).
func credits(t *testing.T, s store, account string) int {
	t.Helper()
	bals, err := s.AccountBalances(context.Background(), account)
	if err != nil {
		if errors.Is(err, ledger.ErrNotFound) {
			return 0
		}
		t.Fatal(err)
	}
	for _, b := range bals {
		if b.Currency == "USD" {
			return int(b.CreditsPosted.Uint64() - b.DebitsPosted.Uint64())
		}
	}
	return 0
}

// TestRunFormance: the requests sent to a Formance Ledger v2 server have
// the shape its OpenAPI document (v2.4.12) gives — a transaction's
// postings of source, destination, integer amount and asset, forced;
// a bulk of CREATE_TRANSACTION elements each under its own key — and the
// generator reads the answers that document gives. Formance does not run
// here: the handler below is that document's contract, nothing more.
func TestRunFormance(t *testing.T) {
	type posting struct {
		Source      string `json:"source"`
		Destination string `json:"destination"`
		Amount      int    `json:"amount"`
		Asset       string `json:"asset"`
	}
	type tx struct {
		Metadata map[string]string `json:"metadata"`
		Force    bool              `json:"force"`
		Postings []posting         `json:"postings"`
	}
	var mu sync.Mutex
	keys := map[string]bool{}
	var problems []string
	checkTx := func(key string, x tx) {
		mu.Lock()
		defer mu.Unlock()
		sum := 0
		for _, p := range x.Postings {
			sum += p.Amount
			if p.Asset != "USD/2" || !strings.HasPrefix(p.Source, "buyers:") {
				problems = append(problems, "posting "+p.Source+" "+p.Asset)
			}
		}
		if len(x.Postings) != 4 || sum != loadgen.PaymentCents || !x.Force || x.Metadata == nil || key == "" || keys[key] {
			problems = append(problems, "transaction under "+key)
		}
		keys[key] = true
	}
	var created bool
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		dec := json.NewDecoder(r.Body)
		dec.DisallowUnknownFields()
		switch {
		case r.Method == "POST" && r.URL.Path == "/v2/ldg":
			created = true
			w.WriteHeader(http.StatusNoContent)
		case r.Method == "POST" && r.URL.Path == "/v2/ldg/transactions":
			var x tx
			if err := dec.Decode(&x); err != nil {
				http.Error(w, err.Error(), 400)
				return
			}
			checkTx(r.Header.Get("Idempotency-Key"), x)
			w.Write([]byte(`{"data":{"id":1}}`))
		case r.Method == "POST" && r.URL.Path == "/v2/ldg/_bulk" && r.URL.Query().Get("atomic") == "true":
			var bulk []struct {
				Action string `json:"action"`
				IK     string `json:"ik"`
				Data   tx     `json:"data"`
			}
			if err := dec.Decode(&bulk); err != nil {
				http.Error(w, err.Error(), 400)
				return
			}
			var out []map[string]any
			for _, el := range bulk {
				if el.Action != "CREATE_TRANSACTION" {
					http.Error(w, el.Action, 400)
					return
				}
				checkTx(el.IK, el.Data)
				out = append(out, map[string]any{"responseType": "CREATE_TRANSACTION", "logID": 1, "data": map[string]any{}})
			}
			json.NewEncoder(w).Encode(map[string]any{"data": out})
		default:
			http.Error(w, r.URL.String(), 404)
		}
	}))
	defer srv.Close()
	for _, batch := range []int{1, 50} {
		_, err := loadgen.Run(context.Background(), loadgen.Config{URL: srv.URL, Target: loadgen.TargetFormance, Ledger: "ldg", Atomic: true,
			Clients: 3, Batch: batch, Payments: 300, Prefix: "f" + mode(batch, false)}, nil)
		if err != nil {
			t.Fatal(err)
		}
	}
	if !created || len(keys) != 600 || len(problems) > 0 {
		t.Errorf("ledger created %v, %d keys; want 600; problems: %v", created, len(keys), problems)
	}
}

// TestRunRefusal: a payment the server refuses ends the run with its
// answer, instead of counting it.
func TestRunRefusal(t *testing.T) {
	open := stores(t)["sqlite"]
	s, workers := open(t)
	_, err := loadgen.Run(context.Background(), loadgen.Config{URL: server(t, s, workers), Token: "wrong", Target: loadgen.TargetTributary,
		Clients: 2, Batch: 1, Payments: 10, Prefix: "r"}, nil)
	if err == nil || !strings.Contains(err.Error(), "401") {
		t.Errorf("run with a wrong token: %v; want the 401", err)
	}
	_, err = loadgen.Run(context.Background(), loadgen.Config{URL: "http://x", Target: "ledgerx", Clients: 1, Batch: 1, Payments: 1}, nil)
	if !errors.Is(err, loadgen.ErrConfig) {
		t.Errorf("unknown target: %v; want ErrConfig", err)
	}
}
