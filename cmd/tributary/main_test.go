package main

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/tributary-ledger/tributary/auth"
	"github.com/tributary-ledger/tributary/engine"
	"github.com/tributary-ledger/tributary/errcode"
	"github.com/tributary-ledger/tributary/ledger"
	"github.com/tributary-ledger/tributary/money"
	"github.com/tributary-ledger/tributary/store/sqlite"
)

func run(t *testing.T, args ...string) (string, error) {
	t.Helper()
	root := newRoot()
	var out bytes.Buffer
	root.SetOut(&out)
	root.SetErr(&out)
	root.SetArgs(args)
	err := root.Execute()
	return out.String(), err
}

func TestSplitJSON(t *testing.T) {
	tests := []struct {
		args []string
		want []string
	}{
		{[]string{"1.98", "USD", "50%", "15%", "35%"}, []string{"0.99", "0.30", "0.69"}},
		{[]string{"1.98", "USDC", "50%", "15%", "35%"}, []string{"0.99", "0.297", "0.693"}},
		{[]string{"1.00", "USD", "1", "1", "1"}, []string{"0.34", "0.33", "0.33"}},
		{[]string{"1000", "ETH", "5000bp", "3000bp", "2000bp"}, []string{"500", "300", "200"}},
		{[]string{"1.98", "USD", "50%", "1500bp", "35%"}, []string{"0.99", "0.30", "0.69"}},
		{[]string{"10", "USD", "12.5%", "87.5%"}, []string{"1.25", "8.75"}},
	}
	for _, tt := range tests {
		out, err := run(t, append([]string{"split", "--output", "json"}, tt.args...)...)
		if err != nil {
			t.Fatalf("split %v: %v", tt.args, err)
		}
		var got struct {
			Parts []struct{ Receiver, Amount string }
		}
		if err := json.Unmarshal([]byte(out), &got); err != nil {
			t.Fatalf("split %v printed %q: %v", tt.args, out, err)
		}
		if len(got.Parts) != len(tt.want) {
			t.Fatalf("split %v = %d parts; want %d", tt.args, len(got.Parts), len(tt.want))
		}
		for i, p := range got.Parts {
			if p.Amount != tt.want[i] || p.Receiver != string(rune('1'+i)) {
				t.Errorf("split %v part %d = %+v; want receiver %d amount %s", tt.args, i, p, i+1, tt.want[i])
			}
		}
	}
}

func TestSplitTable(t *testing.T) {
	out, err := run(t, "split", "1.98", "USD", "50%", "15%", "35%")
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"0.99", "0.30", "0.69", "15%", "1.98"} {
		if !strings.Contains(out, want) {
			t.Errorf("split table %q does not contain %q", out, want)
		}
	}
}

func TestSplitRefusals(t *testing.T) {
	tests := []struct {
		args []string
		code string
	}{
		{[]string{"1.999", "USD", "50%", "50%"}, "amount_precision"},
		{[]string{"--", "-1", "USD", "50%", "50%"}, "amount_negative"},
		{[]string{"1", "XYZ", "50%", "50%"}, "currency_unknown"},
		{[]string{"1", "USD", "50%", "40%"}, "split_shares_sum"},
		{[]string{"1", "USD", "50%", "1"}, "share_invalid"},
		{[]string{"1", "USD", "12.345%", "87.655%"}, "share_invalid"},
		{[]string{"1", "USD", "abc"}, "share_invalid"},
		{[]string{"1", "USD", "0", "1"}, "split_share_zero"},
		{[]string{"1", "USD", "101%"}, "share_invalid"},
	}
	for _, tt := range tests {
		_, err := run(t, append([]string{"split"}, tt.args...)...)
		if got := errcode.Code(err); got != tt.code {
			t.Errorf("split %v error = %v (code %q); want code %q", tt.args, err, got, tt.code)
		}
	}
	if _, err := run(t, "split", "--output", "xml", "1", "USD", "1"); errcode.Code(err) != "output_invalid" {
		t.Errorf("--output xml error = %v; want output_invalid", err)
	}
}

func TestLedgerVerify(t *testing.T) {
	db := filepath.Join(t.TempDir(), "v.db")
	ctx := context.Background()
	s, err := sqlite.Open(ctx, db)
	if err != nil {
		t.Fatal(err)
	}
	e := engine.New(s, money.NewRegistry())
	ps := []ledger.Posting{{From: "@world", To: "a", Currency: "USD", Amount: money.FromUint64(500)}}
	if _, err := e.ApplyOne(ctx, engine.Transfer("k", time.Unix(0, 0), ps)); err != nil {
		t.Fatal(err)
	}
	s.Close()
	out, err := run(t, "ledger", "verify", "--db", db, "--output", "json")
	if err != nil {
		t.Fatalf("ledger verify: %v", err)
	}
	var rep struct {
		OK      bool              `json:"ok"`
		Entries int               `json:"entries"`
		Totals  map[string]string `json:"totals"`
	}
	if err := json.Unmarshal([]byte(out), &rep); err != nil || !rep.OK || rep.Entries != 1 || rep.Totals["USD"] != "500" {
		t.Errorf("ledger verify printed %q (%v); want ok, 1 entry, USD 500", out, err)
	}
}

func TestServeHealthAndShutdown(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	addr, done, err := serveHere(ctx, filepath.Join(t.TempDir(), "s.db"))
	if err != nil {
		t.Fatalf("serve: %v", err)
	}
	for _, path := range []string{"/healthz", "/readyz"} {
		resp, err := http.Get("http://" + addr + path)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusOK {
			t.Errorf("GET %s = %d; want 200", path, resp.StatusCode)
		}
	}
	// The console is served beside the API.
	resp, err := http.Get("http://" + addr + "/")
	if err != nil {
		t.Fatal(err)
	}
	page, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK || !strings.Contains(string(page), "<title>Tributary console</title>") {
		t.Errorf("GET / = %d %.80q; want the console's page", resp.StatusCode, page)
	}
	cancel()
	if err := <-done; err != nil {
		t.Errorf("serve after shutdown: %v", err)
	}
}

// TestServeChainBaseFee: --chain-base-fee takes collected or burned; any
// other value fails the start with chain_config_invalid, before the
// server listens.
func TestServeChainBaseFee(t *testing.T) {
	db := filepath.Join(t.TempDir(), "s.db")
	_, err := run(t, "serve", "--db", db, "--addr", "127.0.0.1:0", "--chain-rpc", "http://127.0.0.1:1", "--chain-base-fee", "vault")
	if errcode.Code(err) != "chain_config_invalid" || !strings.Contains(err.Error(), "collected") {
		t.Errorf("serve --chain-base-fee vault: %v; want chain_config_invalid naming collected and burned", err)
	}
}

func TestDemoMarket(t *testing.T) {
	out, err := run(t, "demo", "market", "--output", "json")
	if err != nil {
		t.Fatal(err)
	}
	var got struct {
		Balances []struct{ Account, Currency, Amount string }
		Postings []struct{ Entry, To, Amount, Path string }
	}
	if err := json.Unmarshal([]byte(out), &got); err != nil {
		t.Fatalf("demo market printed %q: %v", out, err)
	}
	// The JSON holds the postings with their paths, as the table does.
	found := false
	for _, p := range got.Postings {
		found = found || p.Entry == "demo:secondary" && p.To == "owner" && p.Path == "market:asset-7 → secondary sale → royalty 10% → split 70% → owner"
	}
	if !found {
		t.Errorf("demo market postings = %+v; want the secondary sale's royalty to the owner with its path", got.Postings)
	}
	want := map[string]string{"market:treasury": "27.625", "owner": "854.875", "collaborator": "322.5", "seller": "900"}
	if len(got.Balances) != len(want) {
		t.Fatalf("demo market balances = %+v; want %v", got.Balances, want)
	}
	for _, b := range got.Balances {
		if want[b.Account] != b.Amount || b.Currency != "ETH" {
			t.Errorf("demo market: %s = %s %s; want %s ETH", b.Account, b.Amount, b.Currency, want[b.Account])
		}
	}
	table, err := run(t, "demo", "market")
	if err != nil || !strings.Contains(table, "market:asset-7 → secondary sale → royalty 10% → split 70% → owner") {
		t.Errorf("demo market table lacks the explained paths: %q, %v", table, err)
	}
}

func TestDemoCollection(t *testing.T) {
	out, err := run(t, "demo", "collection", "--output", "json")
	if err != nil {
		t.Fatal(err)
	}
	var got struct {
		Balances  []struct{ Account, Currency, Amount string }
		Purchases []struct {
			Currency, Total string
			Postings        []struct{ From, To, Amount, Path string }
		}
	}
	if err := json.Unmarshal([]byte(out), &got); err != nil {
		t.Fatalf("demo collection printed %q: %v", out, err)
	}
	// The JSON holds everything the table shows: the buyer's totals and
	// every posting with its path, besides the balances.
	if len(got.Purchases) != 2 || got.Purchases[0].Total != "5.72" || got.Purchases[1].Total != "5.715757" || len(got.Purchases[0].Postings) == 0 || got.Purchases[0].Postings[0].Path == "" {
		t.Errorf("demo collection purchases = %+v; want USD 5.72 and USDC 5.715757 with their postings and paths", got.Purchases)
	}
	want := map[string]string{
		"payee-1/USD": "0.99", "payee-2/USD": "0.30", "payee-3/USD": "3.71", "collection:treasury/USD": "0.25",
		"payee-1/USDC": "0.99", "payee-2/USDC": "0.297", "payee-3/USDC": "3.713", "collection:treasury/USDC": "0.25",
	}
	if len(got.Balances) != len(want) {
		t.Fatalf("demo collection balances = %+v; want %v", got.Balances, want)
	}
	for _, b := range got.Balances {
		if w := want[b.Account+"/"+b.Currency]; w != b.Amount {
			t.Errorf("demo collection: %s = %s %s; want %s", b.Account, b.Amount, b.Currency, w)
		}
	}
}

// TestTokenListRevoke creates a token in a store file, lists it, revokes it
// without a server, and checks that the store no longer accepts its secret;
// an unknown ID is refused with its code.
func TestTokenListRevoke(t *testing.T) {
	db := filepath.Join(t.TempDir(), "t.db")
	out, err := run(t, "token", "create", "--role", "reader", "--name", "ops", "--db", db, "--output", "json")
	if err != nil {
		t.Fatal(err)
	}
	var created struct{ ID, Secret string }
	if err := json.Unmarshal([]byte(out), &created); err != nil || created.ID == "" {
		t.Fatalf("token create printed %q: %v", out, err)
	}
	out, err = run(t, "token", "list", "--db", db)
	if err != nil || !strings.Contains(out, created.ID) || !strings.Contains(out, "active") {
		t.Fatalf("token list = %q, %v; want %s active", out, err, created.ID)
	}
	if out, err = run(t, "token", "revoke", created.ID, "--db", db); err != nil || !strings.Contains(out, "revoked") {
		t.Fatalf("token revoke = %q, %v", out, err)
	}
	out, err = run(t, "token", "list", "--db", db, "--output", "json")
	if err != nil || !strings.Contains(out, `"revoked"`) {
		t.Fatalf("token list after revoking = %q, %v; want it revoked", out, err)
	}
	s, err := sqlite.Open(context.Background(), db)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	tok, err := s.TokenByHash(context.Background(), auth.Digest(created.Secret))
	if err != nil || tok.Valid() {
		t.Errorf("the revoked token in the store: valid %v, %v; want revoked", tok.Valid(), err)
	}
	if _, err := run(t, "token", "revoke", "tok_nope", "--db", db); errcode.Code(err) != "not_found" {
		t.Errorf("revoking an unknown token: %v (code %q); want not_found", err, errcode.Code(err))
	}
}
