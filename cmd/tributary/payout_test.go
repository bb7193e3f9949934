package main

import (
	"context"
	"crypto/rand"
	"encoding/json"
	"fmt"
	"net"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/tributary-ledger/tributary/api"
	"github.com/tributary-ledger/tributary/auth"
	"github.com/tributary-ledger/tributary/chain"
	"github.com/tributary-ledger/tributary/engine"
	"github.com/tributary-ledger/tributary/errcode"
	"github.com/tributary-ledger/tributary/ledger"
	"github.com/tributary-ledger/tributary/money"
	"github.com/tributary-ledger/tributary/payout/merkle"
	"github.com/tributary-ledger/tributary/program/payout"
	"github.com/tributary-ledger/tributary/programs"
	"github.com/tributary-ledger/tributary/store/sqlite"
)

// TestPayoutCommands runs a payout's day from the command line against a
// server: destinations, a batch, its exports, a verified export and a
// tampered one, publishing, the provider's results, and the refusals.
func TestPayoutCommands(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	e, remote := testServer(t, dir)
	for acct, units := range map[string]uint64{"market:a": 12_50, "usage:b": 7_25, "usage:c": 3_00} {
		if _, err := e.ApplyOne(ctx, engine.Transfer("fund-"+acct, time.Now(), []ledger.Posting{{From: "@world", To: acct, Currency: "USD", Amount: money.FromUint64(units), Path: "test"}})); err != nil {
			t.Fatal(err)
		}
	}
	cli := func(args ...string) string {
		t.Helper()
		out, err := run(t, append(args, remote...)...)
		if err != nil {
			t.Fatalf("tributary %s: %v\n%s", strings.Join(args, " "), err, out)
		}
		return out
	}
	if out, err := run(t, append([]string{"payout", "run", "USD", "--key", "b0"}, remote...)...); err == nil || !strings.Contains(err.Error(), "3 such balances lack one") {
		t.Errorf("a batch with no destination = %v %s; want the count of balances without one", err, out)
	}
	cli("payout", "destination", "market:a", "@bank:a", "--key", "d1")
	cli("payout", "destination", "usage:b", "0x5B38Da6a701c568545dCfcB03FcB875f56beddC4", "--key", "d2")
	if out := cli("payout", "destination", "usage:b"); !strings.Contains(out, "usage:b pays out to 0x5B38Da6a701c568545dCfcB03FcB875f56beddC4 (chain rail)") {
		t.Errorf("payout destination usage:b = %q", out)
	}
	if out := cli("payout", "run", "USD", "--minimum", "5.00", "--key", "b1"); !strings.Contains(out, "batch 1: open, 2 lines, total 19.75 USD (bank 12.50, chain 7.25)") {
		t.Errorf("payout run = %q", out)
	}
	csvOut := cli("payout", "export", "1", "--format", "csv")
	if csvOut != "reference,destination,amount,currency\npayout-1-1,@bank:a,12.50,USD\n" {
		t.Errorf("payout export --format csv = %q", csvOut)
	}
	exPath, treePath := filepath.Join(dir, "ex.json"), filepath.Join(dir, "tree.json")
	cli("payout", "export", "1", "--format", "json", "--file", exPath)
	cli("payout", "export", "1", "--format", "tree", "--file", treePath)
	if out, err := run(t, "payout", "verify", exPath, "--tree", treePath); err != nil || !strings.Contains(out, "ok: batch 1, 2 lines summing to 1975, 1 leaves") {
		t.Errorf("payout verify = %q, %v", out, err)
	}
	raw, _ := os.ReadFile(exPath)
	tampered := filepath.Join(dir, "tampered.json")
	os.WriteFile(tampered, []byte(strings.Replace(string(raw), `"units":"725"`, `"units":"726"`, 1)), 0o600)
	if _, err := run(t, "payout", "verify", tampered); err == nil {
		t.Error("payout verify accepted an export whose line was changed")
	}
	// An unreachable chain: tried twice with a wait between, refused, and
	// the batch stays open.
	keyFile := filepath.Join(dir, "k")
	os.WriteFile(keyFile, []byte("4c0883a69102937d6231471b5dbb6204fe5129617082792ae468d01a3f362318"), 0o600)
	_, err := run(t, append([]string{"payout", "publish", "1", "--chain-rpc", "http://127.0.0.1:1", "--chain-key", keyFile, "--contract", "0x5B38Da6a701c568545dCfcB03FcB875f56beddC4", "--attempts", "2", "--key", "p0"}, remote...)...)
	if errcode.Code(err) != "chain_unavailable" {
		t.Errorf("publishing to an unreachable chain: %v; want chain_unavailable", err)
	}
	if out := cli("payout", "show", "1"); !strings.Contains(out, "batch 1: open") {
		t.Errorf("after a failed publish: %q; want the batch open", out)
	}
	cli("payout", "publish", "1", "--key", "p1")
	results := filepath.Join(dir, "results.csv")
	os.WriteFile(results, []byte("reference,result\npayout-1-1,paid\n"), 0o600)
	if out := cli("payout", "results", "1", results, "--key", "r1"); !strings.Contains(out, "pending 1, paid 1") {
		t.Errorf("payout results = %q", out)
	}
	if _, err := run(t, append([]string{"payout", "results", "1", results, "--key", "r2"}, remote...)...); err == nil || !strings.Contains(err.Error(), "posted already") {
		t.Errorf("results for a resolved line = %v; want a refusal", err)
	}
	if _, err := run(t, append([]string{"payout", "cancel", "1", "--key", "c1"}, remote...)...); err == nil {
		t.Error("cancelling a published batch was accepted")
	}
	if out := cli("payout", "list"); !strings.Contains(out, "1   published  2      19.75 USD  1") {
		t.Errorf("payout list = %q", out)
	}
}

// TestDemoPayout: the demo prints a batch, its bank file, its root and a
// proof, and its JSON holds the same.
func TestDemoPayout(t *testing.T) {
	out, err := run(t, "demo", "payout")
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"Batch 1 (open): 3 lines, 860.05 USDC (bank 57.3, chain 802.75)", "payout-1-1,@bank:DE89370400440532013000,57.3,USDC", "Claims tree root: 0x", "Proof for 0x5B38Da6a701c568545dCfcB03FcB875f56beddC4, cumulative 682.5 USDC", "collection:artist-2  USDC      3.1"} {
		if !strings.Contains(out, want) {
			t.Errorf("demo payout lacks %q:\n%s", want, out)
		}
	}
	js, err := run(t, "demo", "payout", "--output", "json")
	if err != nil || !strings.Contains(js, `"root": "0x`) || !strings.Contains(js, `"proof": [`) {
		t.Errorf("demo payout --output json = %s, %v", js, err)
	}
}

// TestServePayoutClaims: the claims reconciler's flags go together, and a
// contract that cannot be checked fails the start before the server
// listens.
func TestServePayoutClaims(t *testing.T) {
	db := filepath.Join(t.TempDir(), "s.db")
	if _, err := run(t, "serve", "--db", db, "--addr", "127.0.0.1:0", "--payout-chain-rpc", "http://127.0.0.1:1"); err == nil || !strings.Contains(err.Error(), "go together") {
		t.Errorf("serve --payout-chain-rpc alone: %v; want a refusal", err)
	}
	_, err := run(t, "serve", "--db", db, "--addr", "127.0.0.1:0", "--payout-chain-rpc", "http://127.0.0.1:1", "--payout-contract", "0x5B38Da6a701c568545dCfcB03FcB875f56beddC4")
	if errcode.Code(err) != "chain_unavailable" {
		t.Errorf("serve with an unreachable claims chain: %v; want chain_unavailable", err)
	}
}

// TestPayoutPublishOnChain: `tributary payout publish --chain-rpc` checks
// the contract's code, posts the batch's root on a simulated chain served
// over JSON-RPC, and records the transaction as the batch's receipt; a
// contract whose code is not the claims contract's is refused and the
// batch stays open.
func TestPayoutPublishOnChain(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	port := ln.Addr().(*net.TCPAddr).Port
	ln.Close()
	const operatorHex = "4c0883a69102937d6231471b5dbb6204fe5129617082792ae468d01a3f362318" // a test key, no funds anywhere
	operator, err := chain.ParseKey(operatorHex)
	if err != nil {
		t.Fatal(err)
	}
	sim, err := chain.NewSimHTTP(ctx, port, operator)
	if err != nil {
		t.Fatal(err)
	}
	defer sim.Close()
	// The simulated chain mines when told: mine every few milliseconds
	// while the test runs, as a real chain would.
	stop := make(chan struct{})
	stopped := make(chan struct{})
	go func() {
		defer close(stopped)
		for {
			select {
			case <-stop:
				return
			case <-time.After(10 * time.Millisecond):
				sim.Commit()
			}
		}
	}()
	defer func() { close(stop); <-stopped }()
	b := sim.ClaimsBackend()
	opAddr := merkle.Address(chain.KeyAddress(operator))
	// The token's deployment, then the contract's: waiting for the second
	// waits for both.
	token, _, err := chain.DeployTestToken(ctx, b, operator)
	if err != nil {
		t.Fatal(err)
	}
	claims, h, err := chain.DeployClaims(ctx, b, operator, token, opAddr)
	if err != nil {
		t.Fatal(err)
	}
	mined := func(h merkle.Hash) {
		t.Helper()
		var err error
		for range 200 { // a new node answers "indexing in progress" at first
			if _, err = claims.Wait(ctx, h, 10*time.Millisecond); err == nil {
				return
			}
			time.Sleep(10 * time.Millisecond)
		}
		t.Fatal(err)
	}
	mined(h)
	if h, err = chain.MintTestToken(ctx, b, operator, token, claims.Address(), money.FromUint64(725)); err != nil {
		t.Fatal(err)
	}
	mined(h)

	e, remote := testServer(t, dir)
	if _, err := e.ApplyOne(ctx, engine.Transfer("fund", time.Now(), []ledger.Posting{{From: "@world", To: "usage:b", Currency: "USDC", Amount: money.FromUint64(725), Path: "test"}})); err != nil {
		t.Fatal(err)
	}
	cli := func(args ...string) (string, error) { return run(t, append(args, remote...)...) }
	if out, err := cli("payout", "destination", "usage:b", "0x5B38Da6a701c568545dCfcB03FcB875f56beddC4", "--key", "d"); err != nil {
		t.Fatal(err, out)
	}
	if out, err := cli("payout", "run", "USDC", "--key", "b"); err != nil {
		t.Fatal(err, out)
	}
	keyFile := filepath.Join(dir, "operator.key")
	os.WriteFile(keyFile, []byte(operatorHex+"\n"), 0o600)
	rpc := fmt.Sprintf("http://127.0.0.1:%d", port)
	_, err = cli("payout", "publish", "1", "--chain-rpc", rpc, "--chain-key", keyFile, "--contract", token.Hex(), "--key", "p0")
	if errcode.Code(err) != "chain_claims_code_mismatch" {
		t.Errorf("publishing to the token's address: %v; want chain_claims_code_mismatch", err)
	}
	out, err := cli("payout", "publish", "1", "--chain-rpc", rpc, "--chain-key", keyFile, "--contract", claims.Address().Hex(), "--key", "p1", "--output", "json")
	if err != nil {
		t.Fatalf("payout publish: %v\n%s", err, out)
	}
	var batch payout.Batch
	if err := json.Unmarshal([]byte(out[strings.Index(out, "{"):]), &batch); err != nil {
		t.Fatalf("%v: %s", err, out)
	}
	if batch.State != payout.StatePublished || batch.Receipt == nil || batch.Receipt.Contract != claims.Address().Hex() || batch.Receipt.Block == 0 {
		t.Fatalf("published batch = %+v", batch)
	}
	posted, err := claims.Root(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if posted.Batch != 1 || posted.Root.Hex() != batch.Root {
		t.Errorf("the contract's root = %+v; want batch 1's %s", posted, batch.Root)
	}
}

// testServer serves the API over a SQLite store in dir and returns its
// engine and the flags that reach it as an admin.
func testServer(t *testing.T, dir string) (*engine.Engine, []string) {
	t.Helper()
	ctx := context.Background()
	s, err := sqlite.Open(ctx, filepath.Join(dir, "api.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	reg := money.NewRegistry()
	e := engine.New(s, reg)
	srv := httptest.NewServer(api.New(api.Config{Store: s, Engine: e, Currencies: reg, Modules: programs.Modules(programs.Deps{})}).Handler())
	t.Cleanup(srv.Close)
	tok, admin, err := auth.New(auth.Admin, nil, "admin", time.Now(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	if err := s.PutToken(ctx, tok); err != nil {
		t.Fatal(err)
	}
	return e, []string{"--server", srv.URL, "--token", admin}
}
