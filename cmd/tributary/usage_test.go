package main

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/json"
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
	"github.com/tributary-ledger/tributary/engine"
	"github.com/tributary-ledger/tributary/errcode"
	"github.com/tributary-ledger/tributary/ledger"
	"github.com/tributary-ledger/tributary/money"
	"github.com/tributary-ledger/tributary/program/usage"
	"github.com/tributary-ledger/tributary/programs"
	"github.com/tributary-ledger/tributary/store/sqlite"
)

func TestUsageDemo(t *testing.T) {
	out, err := run(t, "demo", "usage")
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{
		"paid 59040.00 USD, carried 40960.00 USD",
		"wallet                 36840→36840        276300→276300",
		"1680320→552600", // the bot day is clipped at 2x the median
		"epoch 0, quadratic: pool 100000.00 USD, paid 100000.00 USD",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("demo usage output lacks %q:\n%s", want, out)
		}
	}
	again, _ := run(t, "demo", "usage", "--output", "json")
	twice, _ := run(t, "demo", "usage", "--output", "json")
	// One JSON document holding both statements, each a header and five
	// lines, the same every run.
	var doc map[string][]map[string]any
	if err := json.Unmarshal([]byte(again), &doc); err != nil || again != twice || len(doc["ranked_decay"]) != 1+5 || len(doc["quadratic"]) != 1+5 {
		t.Errorf("demo usage --output json is not one document of two identical 6-item statements (%v):\n%s", err, again)
	}
}

const cliConfig = `
currency = "USD"
[epoch]
length = "month"
anchor = 2026-01-01T00:00:00Z
[[metrics]]
name = "calls"
weight_bp = 10000
[pool]
kind = "fixed_amount"
amount = "10000000"
account = "usage:treasury"
[formula]
kind = "ranked_decay"
decay_bp = 2000
`

func TestUsageCommands(t *testing.T) {
	dir := t.TempDir()
	db := filepath.Join(dir, "t.db")
	cfgPath, altPath := filepath.Join(dir, "usage.toml"), filepath.Join(dir, "alt.toml")
	os.WriteFile(cfgPath, []byte(cliConfig), 0o600)
	os.WriteFile(altPath, []byte(strings.Replace(strings.Replace(cliConfig, `kind = "ranked_decay"`, `kind = "pro_rata"`, 1), "decay_bp = 2000", "", 1)), 0o600)
	out, err := run(t, "usage", "apply", "--config", cfgPath, "--db", db, "--key", "cfg-1", "--at", "2025-12-31T00:00:00Z")
	if err != nil || !strings.Contains(out, "applies from epoch 0") {
		t.Fatalf("usage apply = %q, %v", out, err)
	}
	// Participants, funding, reports and the close go through the engine.
	ctx := context.Background()
	s, err := sqlite.Open(ctx, db)
	if err != nil {
		t.Fatal(err)
	}
	e := engine.New(s, money.NewRegistry())
	t0 := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	ops := []engine.Op{
		engine.Transfer("fund", t0, []ledger.Posting{{From: "@platform", To: "usage:treasury", Currency: "USD", Amount: money.FromUint64(100_000_00), Path: "funding"}}),
	}
	var ps []usage.Participant
	var b usage.Batch
	for i := 1; i <= 5; i++ {
		id := fmt.Sprintf("app-%d", i)
		ps = append(ps, usage.Participant{ID: id, Owner: id, Account: id})
		b.Reports = append(b.Reports, usage.Report{Participant: id, Metric: "calls", Count: usage.Count(60 - 10*i)})
	}
	ops = append(ops, usage.Register("reg", t0, ps), usage.ReportUsage("rep", t0.Add(time.Hour), b), usage.CloseEpoch("close", t0.AddDate(0, 1, 0), 0))
	for _, op := range ops {
		if _, err := e.ApplyOne(ctx, op); err != nil {
			t.Fatalf("%s: %v", op.Key, err)
		}
	}
	s.Close()

	out, err = run(t, "usage", "explain", "--epoch", "0", "--participant", "app-3", "--db", db)
	if err != nil {
		t.Fatalf("usage explain: %v", err)
	}
	for _, want := range []string{"paid 67232.00 USD to 5 of 5 participants; carried 32768.00 USD", "participant app-3", "qualified; formula weight 2000000000000000, rank 3; amount 12800.00 USD"} {
		if !strings.Contains(out, want) {
			t.Errorf("usage explain lacks %q:\n%s", want, out)
		}
	}
	if _, err := run(t, "usage", "explain", "--epoch", "1", "--db", db); err == nil || !strings.Contains(err.Error(), "not closed") {
		t.Errorf("explain of an open epoch = %v; want a refusal", err)
	}
	out, err = run(t, "usage", "simulate", "--config", altPath, "--epochs", "0..0", "--db", db)
	if err != nil {
		t.Fatalf("usage simulate: %v", err)
	}
	// pro_rata over 50:40:30:20:10: 33,333.33…, 26,666.66…, 20,000, 13,333.33…, 6,666.66…; the two cents left go to the largest remainders (app-2, app-5).
	for _, want := range []string{"app-1  20000.00   33333.33   +13333.33", "app-5   8192.00    6666.67    -1525.33", "pro_rata would pay 100000.00 USD and carry 0.00 USD"} {
		if !strings.Contains(out, want) {
			t.Errorf("usage simulate lacks %q:\n%s", want, out)
		}
	}
	if _, err := run(t, "usage", "simulate", "--config", altPath, "--epochs", "2..1", "--db", db); err == nil {
		t.Error("simulate --epochs 2..1 was accepted")
	}
}

// TestUsageRoutes drives the HTTP routes end to end: configuration,
// registration (owner or configurator), reports, revenue, close, summary and
// statement, and the refusals' codes and statuses.
func TestUsageRoutes(t *testing.T) {
	ctx := context.Background()
	runCLI := run // the steps below shadow it
	s, err := sqlite.Open(ctx, filepath.Join(t.TempDir(), "api.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	reg := money.NewRegistry()
	var mu sync.Mutex
	now := time.Date(2025, 12, 31, 0, 0, 0, 0, time.UTC)
	srv := httptest.NewServer(api.New(api.Config{Store: s, Engine: engine.New(s, reg), Currencies: reg, Now: func() time.Time { mu.Lock(); defer mu.Unlock(); return now }, Modules: programs.Modules(programs.Deps{})}).Handler())
	defer srv.Close()
	setNow := func(t time.Time) { mu.Lock(); now = t; mu.Unlock() }
	token := func(role auth.Role, accounts ...string) string {
		tok, secret, err := auth.New(role, accounts, string(role), now, rand.Reader)
		if err != nil {
			t.Fatal(err)
		}
		if err := s.PutToken(ctx, tok); err != nil {
			t.Fatal(err)
		}
		return secret
	}
	admin, ingestor, payee := token(auth.Admin), token(auth.Ingestor), token(auth.Payee, "dev-1")
	call := func(secret, method, path, key, body string) (int, map[string]any) {
		t.Helper()
		req, _ := http.NewRequest(method, srv.URL+path, strings.NewReader(body))
		req.Header.Set("Authorization", "Bearer "+secret)
		req.Header.Set("Content-Type", "application/json")
		if key != "" {
			req.Header.Set("Idempotency-Key", key)
		}
		res, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer res.Body.Close()
		raw, _ := io.ReadAll(res.Body)
		var out map[string]any
		_ = json.Unmarshal(raw, &out)
		return res.StatusCode, out
	}
	code := func(out map[string]any) string {
		if e, ok := out["error"].(map[string]any); ok {
			return fmt.Sprint(e["code"])
		}
		return ""
	}
	cfg, _ := usage.ParseConfig([]byte(cliConfig))
	cfgJSON, _ := json.Marshal(cfg)
	steps := []struct {
		name, secret, method, path, key, body string
		status                                int
		code                                  string
	}{
		{"config", admin, "PUT", "/v1/usage/config", "c1", string(cfgJSON), 200, ""},
		{"bad config", admin, "PUT", "/v1/usage/config", "c2", strings.Replace(string(cfgJSON), `"decay_bp":2000`, `"decay_bp":0`, 1), 422, "usage_pool_unallocatable"},
		{"payee registers its own app", payee, "POST", "/v1/usage/participants", "p1", `{"id":"app-1","owner":"dev-1","account":"dev-1"}`, 201, ""},
		{"payee may not register for another owner", payee, "POST", "/v1/usage/participants", "p2", `{"id":"app-2","owner":"dev-2","account":"dev-2"}`, 403, "forbidden"},
		{"configurator batch", admin, "POST", "/v1/usage/participants/batch", "p3", `{"participants":[{"id":"app-2","owner":"dev-2","account":"dev-2"},{"id":"app-3","owner":"dev-3","account":"dev-3"}]}`, 201, ""},
		{"duplicate", admin, "POST", "/v1/usage/participants", "p4", `{"id":"app-2","owner":"dev-2","account":"dev-2"}`, 409, "usage_participant_exists"},
		{"payee may not update another's app", payee, "PUT", "/v1/usage/participants/app-2", "u1", `{"account":"dev-1"}`, 403, "forbidden"},
		{"fund", admin, "POST", "/v1/entries", "f1", `{"postings":[{"from":"@platform","to":"usage:treasury","amount":"10000000","currency":"USD"}]}`, 201, ""},
		{"future epoch", ingestor, "POST", "/v1/usage/reports", "r0", `{"epoch":0,"reports":[{"participant":"app-1","metric":"calls","count":5}]}`, 422, "usage_epoch_future"},
	}
	run := func(list []struct {
		name, secret, method, path, key, body string
		status                                int
		code                                  string
	}) {
		for _, st := range list {
			status, out := call(st.secret, st.method, st.path, st.key, st.body)
			if status != st.status || code(out) != st.code {
				t.Errorf("%s: %s %s = %d %s %v; want %d %s", st.name, st.method, st.path, status, code(out), out, st.status, st.code)
			}
		}
	}
	run(steps)
	setNow(time.Date(2026, 1, 10, 0, 0, 0, 0, time.UTC))
	run([]struct {
		name, secret, method, path, key, body string
		status                                int
		code                                  string
	}{
		{"report", ingestor, "POST", "/v1/usage/reports", "r1", `{"epoch":0,"reports":[{"participant":"app-1","metric":"calls","count":50},{"participant":"app-2","metric":"calls","count":40},{"participant":"app-3","metric":"calls","count":30}]}`, 201, ""},
		{"replay", ingestor, "POST", "/v1/usage/reports", "r1", `{"epoch":0,"reports":[{"participant":"app-1","metric":"calls","count":50},{"participant":"app-2","metric":"calls","count":40},{"participant":"app-3","metric":"calls","count":30}]}`, 201, ""},
		{"same key, other body", ingestor, "POST", "/v1/usage/reports", "r1", `{"epoch":0,"reports":[{"participant":"app-1","metric":"calls","count":51}]}`, 409, "key_conflict"},
		{"negative count", ingestor, "POST", "/v1/usage/reports", "r2", `{"epoch":0,"reports":[{"participant":"app-1","metric":"calls","count":-5}]}`, 400, "usage_count_invalid"},
		{"fractional count", ingestor, "POST", "/v1/usage/reports", "r3", `{"epoch":0,"reports":[{"participant":"app-1","metric":"calls","count":2.5}]}`, 400, "usage_count_invalid"},
		{"unknown metric", ingestor, "POST", "/v1/usage/reports", "r4", `{"epoch":0,"reports":[{"participant":"app-1","metric":"gas","count":5}]}`, 422, "usage_metric_unknown"},
		{"unknown participant", ingestor, "POST", "/v1/usage/reports", "r5", `{"epoch":0,"reports":[{"participant":"app-9","metric":"calls","count":5}]}`, 422, "usage_participant_unknown"},
		{"revenue", ingestor, "POST", "/v1/usage/revenue", "v1", `{"amount":"500","currency":"USD","from":"@platform"}`, 201, ""},
		{"close too early", admin, "POST", "/v1/usage/epochs/0/close", "x0", ``, 409, "usage_epoch_open"},
	})
	setNow(time.Date(2026, 2, 1, 0, 0, 0, 0, time.UTC))
	// The close, from the command line; its replay, as JSON.
	out, err := runCLI(t, "usage", "close", "0", "--key", "x1", "--server", srv.URL, "--token", admin)
	if err != nil || !strings.Contains(out, "epoch 0 (2026-01-01T00:00:00Z to 2026-02-01T00:00:00Z), ranked_decay") || !strings.Contains(out, "paid 48800.00 USD to 3 of 3 participants; carried 51200.00 USD") {
		t.Errorf("usage close 0 = %q, %v; want 48,800 paid (20,000 + 16,000 + 12,800) and 51,200 carried", out, err)
	}
	out, err = runCLI(t, "usage", "close", "0", "--key", "x1", "--server", srv.URL, "--token", admin, "-o", "json")
	var sum map[string]any
	if err != nil || json.Unmarshal([]byte(out), &sum) != nil || sum["paid"] != "4880000" || sum["carry_out"] != "5120000" {
		t.Errorf("usage close 0 replayed, as JSON = %q, %v; want paid 4880000, carry 5120000", out, err)
	}
	if _, err := runCLI(t, "usage", "close", "1", "--key", "x1b", "--server", srv.URL, "--token", admin); errcode.Code(err) != "usage_epoch_open" {
		t.Errorf("usage close 1 before it ends: %v; want usage_epoch_open", err)
	}
	run([]struct {
		name, secret, method, path, key, body string
		status                                int
		code                                  string
	}{
		{"close again", admin, "POST", "/v1/usage/epochs/0/close", "x2", ``, 409, "usage_epoch_closed"},
		{"report for a closed epoch", ingestor, "POST", "/v1/usage/reports", "r6", `{"epoch":0,"reports":[{"participant":"app-1","metric":"calls","count":5}]}`, 409, "usage_epoch_closed"},
		{"ingestor may not close", ingestor, "POST", "/v1/usage/epochs/1/close", "x3", ``, 403, "forbidden"},
		{"summary", admin, "GET", "/v1/usage/epochs/0", "", ``, 200, ""},
		{"no summary", admin, "GET", "/v1/usage/epochs/5", "", ``, 404, "not_found"},
		{"owner deregisters", payee, "DELETE", "/v1/usage/participants/app-1", "d1", ``, 200, ""},
	})
	status, st := call(admin, "GET", "/v1/usage/epochs/0/statement?participant=app-2", "", "")
	rows, _ := st["rows"].([]any)
	if status != 200 || len(rows) != 1 || rows[0].(map[string]any)["amount"] != "1600000" {
		t.Errorf("statement = %d %v; want app-2's line paying 1600000", status, st)
	}
	status, p := call(admin, "GET", "/v1/usage/participants/app-1", "", "")
	if status != 200 || p["active"] != false {
		t.Errorf("app-1 after deregistration = %d %v", status, p)
	}
	var buf bytes.Buffer
	json.NewEncoder(&buf).Encode(sum)
	if !strings.Contains(buf.String(), `"statement_sha256"`) {
		t.Errorf("summary lacks the statement digest: %s", buf.String())
	}
}
