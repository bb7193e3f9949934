package main

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/tributary-ledger/tributary/auth"
	"github.com/tributary-ledger/tributary/cli"
	"github.com/tributary-ledger/tributary/client"
	"github.com/tributary-ledger/tributary/engine"
	"github.com/tributary-ledger/tributary/program/collection"
	"github.com/tributary-ledger/tributary/program/market"
	"github.com/tributary-ledger/tributary/store/postgres"
	"github.com/tributary-ledger/tributary/wire"
)

const (
	serveChildEnv = "TRIBUTARY_TEST_SERVE_DB"
	testAdmin     = "trb_e2e_admin_0123456789abcdef0123456789"
)

// TestServeChild is the child side of the multi-process tests: it runs
// `serve` on a random port and prints the address.
func TestServeChild(t *testing.T) {
	db := os.Getenv(serveChildEnv)
	if db == "" {
		t.Skip("run by other tests only")
	}
	ready := make(chan string, 1)
	go func() {
		addr := <-ready
		fmt.Printf("ADDR %s\n", addr)
	}()
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := serve(ctx, db, "127.0.0.1:0", slog.New(slog.NewJSONHandler(io.Discard, nil)), ready); err != nil {
		fmt.Println("serve:", err)
		os.Exit(3)
	}
	os.Exit(0)
}

// adminStore makes a SQLite store named name in a temporary directory
// holding the test admin token, and returns its path.
func adminStore(t *testing.T, name string) string {
	t.Helper()
	db := filepath.Join(t.TempDir(), name)
	s, err := cli.OpenStore(context.Background(), db)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if err := s.PutToken(context.Background(), auth.FromSecret(testAdmin, auth.Admin, nil, "", time.Now())); err != nil {
		t.Fatal(err)
	}
	return db
}

// serveHere runs `serve` on db in this process, on a random loopback
// port, until ctx ends: it returns the address once the server listens,
// and the channel serve's result comes on; or serve's error when it
// stopped before listening.
func serveHere(ctx context.Context, db string) (string, <-chan error, error) {
	ready := make(chan string, 1)
	done := make(chan error, 1)
	go func() { done <- serve(ctx, db, "127.0.0.1:0", slog.New(slog.NewJSONHandler(io.Discard, nil)), ready) }()
	select {
	case addr := <-ready:
		return addr, done, nil
	case err := <-done:
		return "", nil, err
	}
}

// startServer runs `serve` in a child process and returns its URL.
func startServer(t *testing.T, db string) string {
	t.Helper()
	cmd := exec.Command(os.Args[0], "-test.run=^TestServeChild$", "-test.count=1")
	cmd.Env = append(os.Environ(), serveChildEnv+"="+db, "TRIBUTARY_ADMIN_TOKEN="+testAdmin)
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		cmd.Process.Signal(syscall.SIGTERM)
		done := make(chan error, 1)
		go func() { done <- cmd.Wait() }()
		select {
		case <-done:
		case <-time.After(10 * time.Second):
			cmd.Process.Kill()
			t.Error("server did not stop within 10s of SIGTERM")
		}
	})
	sc := bufio.NewScanner(out)
	for sc.Scan() {
		if addr, ok := strings.CutPrefix(sc.Text(), "ADDR "); ok {
			go io.Copy(io.Discard, out)
			return "http://" + addr
		}
		t.Logf("server: %s", sc.Text())
	}
	t.Fatalf("server exited before listening")
	return ""
}

// TestTwoServersOnePostgres runs two server processes on one PostgreSQL
// database and has 16 concurrent clients, spread over both, retry the same
// idempotency keys against an account that can afford only half of them:
// every key is applied at most once, the account never goes below zero,
// every client agrees on each key's entry, and the journal verifies.
func TestTwoServersOnePostgres(t *testing.T) {
	url := os.Getenv("TRIBUTARY_POSTGRES_URL")
	if url == "" {
		t.Skip("TRIBUTARY_POSTGRES_URL is not set")
	}
	ctx := context.Background()
	s, dsn, cleanup, err := postgres.OpenFresh(ctx, url)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { cleanup() })
	urls := []string{startServer(t, dsn), startServer(t, dsn)}
	admin := client.New(urls[0], testAdmin, nil)
	if _, _, err := admin.CreateEntry(ctx, "fund", wire.EntryRequest{Postings: []wire.PostingJSON{{From: "@world", To: "pot", Amount: "50", Currency: "USD"}}}); err != nil {
		t.Fatal(err)
	}
	const keys = 100
	var mu sync.Mutex
	seqOf := map[string]uint64{}
	var wg sync.WaitGroup
	for g := 0; g < 16; g++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			c := client.New(urls[g%2], testAdmin, nil)
			for i := 0; i < keys; i++ {
				k := fmt.Sprintf("draw-%d", (i*7+g*13)%keys)
				e, _, err := c.CreateEntry(ctx, k, wire.EntryRequest{Postings: []wire.PostingJSON{{From: "pot", To: "taker:" + k, Amount: "1", Currency: "USD"}}})
				var ce *client.Error
				switch {
				case err == nil:
					mu.Lock()
					if prev, ok := seqOf[k]; ok && prev != e.Seq {
						t.Errorf("key %s answered as entry %d and as entry %d", k, prev, e.Seq)
					}
					seqOf[k] = e.Seq
					mu.Unlock()
				case errors.As(err, &ce) && ce.Code == "overdraft":
				default:
					t.Errorf("client %d key %s: %v", g, k, err)
				}
			}
		}()
	}
	wg.Wait()
	if len(seqOf) != 50 {
		t.Errorf("%d keys applied; want exactly 50 (the pot held 50 units)", len(seqOf))
	}
	acct, err := admin.GetAccount(ctx, "pot")
	if err != nil || len(acct.Balances) != 1 || acct.Balances[0].Available != "0" {
		t.Errorf("pot = %+v, %v; want 0 available", acct, err)
	}
	rep, err := engine.Verify(ctx, s)
	if err != nil {
		t.Fatalf("Verify: %v", err)
	}
	if rep.Entries != 51 {
		t.Errorf("journal has %d entries; want 51 (funding and 50 draws)", rep.Entries)
	}
}

// TestCLIAgainstServer drives the client commands against a running server.
func TestCLIAgainstServer(t *testing.T) {
	ctx := context.Background()
	db := adminStore(t, "cli.db")
	url := startServer(t, db)
	c := client.New(url, testAdmin, nil)
	if _, _, err := c.CreateEntry(ctx, "fund", wire.EntryRequest{Postings: []wire.PostingJSON{{From: "@world", To: "payee:1", Amount: "1250", Currency: "USD"}}}); err != nil {
		t.Fatal(err)
	}
	remote := []string{"--server", url, "--token", testAdmin}
	out, err := run(t, append([]string{"balance", "payee:1"}, remote...)...)
	if err != nil || !strings.Contains(out, "12.50") {
		t.Errorf("balance = %q, %v; want 12.50", out, err)
	}
	out, err = run(t, append([]string{"withdraw", "request", "payee:1", "10.00", "USD", "--key", "w1"}, remote...)...)
	if err != nil || !strings.Contains(out, "pending") {
		t.Errorf("withdraw request = %q, %v; want pending", out, err)
	}
	out, err = run(t, append([]string{"withdraw", "post", "w1", "--key", "w1-post", "-o", "json"}, remote...)...)
	if err != nil || !strings.Contains(out, `"state": "posted"`) {
		t.Errorf("withdraw post = %q, %v; want posted", out, err)
	}
	out, err = run(t, append([]string{"balance", "payee:1", "-o", "json"}, remote...)...)
	if err != nil || !strings.Contains(out, `"available": "2.50"`) {
		t.Errorf("balance after withdrawal = %q, %v; want 2.50 available", out, err)
	}
	// JSON prints decimals too, as the tables do.
	out, err = run(t, append([]string{"journal", "--account", "payee:1", "-o", "json"}, remote...)...)
	if err != nil || !strings.Contains(out, `"amount": "12.50"`) || !strings.Contains(out, `"amount": "10.00"`) || strings.Contains(out, `"1250"`) {
		t.Errorf("journal -o json = %q, %v; want amounts in decimals", out, err)
	}
	out, err = run(t, append([]string{"withdraw", "list", "--account", "payee:1", "-o", "json"}, remote...)...)
	if err != nil || !strings.Contains(out, `"amount": "10.00"`) {
		t.Errorf("withdraw list -o json = %q, %v; want amounts in decimals", out, err)
	}
	out, err = run(t, append([]string{"journal", "--account", "payee:1"}, remote...)...)
	if err != nil || strings.Count(out, "payee:1") < 3 {
		t.Errorf("journal = %q, %v; want the funding and both withdrawal entries", out, err)
	}
	_, err = run(t, append([]string{"withdraw", "request", "payee:1", "10.00", "USD", "--key", "w2"}, remote...)...)
	var ce *client.Error
	if !errors.As(err, &ce) || ce.Code != "overdraft" {
		t.Errorf("withdrawing too much: %v; want overdraft", err)
	}
	// The market, from the command line.
	if _, _, err := c.CreateMarketAsset(ctx, "asset", market.AssetRequest{ID: "asset-7", Owner: "owner", Split: []market.Recipient{{Account: "owner", ShareBP: 7000}, {Account: "collaborator", ShareBP: 3000}}}); err != nil {
		t.Fatal(err)
	}
	out, err = run(t, append([]string{"market", "sell", "asset-7", "1000", "ETH", "--key", "s1"}, remote...)...)
	if err != nil || !strings.Contains(out, "682.5 ETH") || !strings.Contains(out, "primary sale → split 70% → owner") {
		t.Errorf("market sell = %q, %v; want 682.5 ETH to the owner by the 70%% split", out, err)
	}
	out, err = run(t, append([]string{"market", "sell", "asset-7", "1000", "ETH", "--seller", "seller", "--key", "s2"}, remote...)...)
	if err != nil || !strings.Contains(out, "900 ETH") {
		t.Errorf("secondary market sell = %q, %v; want 900 ETH to the seller", out, err)
	}
	out, err = run(t, append([]string{"market", "asset", "asset-7"}, remote...)...)
	if err != nil || !strings.Contains(out, "royalty 10% (default)") || !strings.Contains(out, "70%  owner") {
		t.Errorf("market asset = %q, %v", out, err)
	}
	// A collection, from the command line.
	if _, _, err := c.CreateCollectionTrack(ctx, "t1", collection.TrackRequest{ID: "song-1", Price: "198", Currency: "USD", Split: []collection.Recipient{{Account: "payee-1", ShareBP: 5000}, {Account: "payee-2", ShareBP: 1500}, {Account: "payee-3", ShareBP: 3500}}}); err != nil {
		t.Fatal(err)
	}
	if _, _, err := c.CreateCollection(ctx, "c1", collection.CollectionRequest{ID: "best-of-2026", Creator: "payee-3", Price: "500", Currency: "USD", Tracks: []string{"song-1"}}); err != nil {
		t.Fatal(err)
	}
	out, err = run(t, append([]string{"collection", "buy", "best-of-2026", "USD", "--key", "b1"}, remote...)...)
	if err != nil || !strings.Contains(out, "0.30 USD") || !strings.Contains(out, "surplus → creator → payee-3") {
		t.Errorf("collection buy = %q, %v; want payee-2's 0.30 and the creator's surplus", out, err)
	}
	out, err = run(t, append([]string{"collection", "show", "best-of-2026"}, remote...)...)
	if err != nil || !strings.Contains(out, "5.00 USD, 1 tracks") {
		t.Errorf("collection show = %q, %v", out, err)
	}
	// The fee-share program, from the command line: this server follows
	// no chain, so reads answer the defaults and writes are refused.
	out, err = run(t, append([]string{"feeshare", "query", "params"}, remote...)...)
	if err != nil || !strings.Contains(out, "developer_shares 0.5 (5000 bp)") {
		t.Errorf("feeshare query params = %q, %v; want the default half", out, err)
	}
	out, err = run(t, append([]string{"feeshare", "query", "contracts", "--limit", "5"}, remote...)...)
	if err != nil || !strings.Contains(out, "0 of 0") {
		t.Errorf("feeshare query contracts = %q, %v; want none", out, err)
	}
	const contract, deployer = "0x96B0a3d596F71ee95fB5b1Bb70854f9441B88827", "0xDE00000000000000000000000000000000000001"
	_, err = run(t, append([]string{"feeshare", "register", "--contract", contract, "--deployer", deployer, "--nonces", "5,2,1", "--key", "r1"}, remote...)...)
	if !errors.As(err, &ce) || ce.Code != "feeshare_chain_unavailable" {
		t.Errorf("feeshare register by admin token: %v; want feeshare_chain_unavailable", err)
	}
	// A signed request goes without the token: a reader's token sent along
	// would be refused (403) before the missing chain is noticed.
	reader, err := c.CreateToken(ctx, wire.TokenRequest{Role: string(auth.Reader)})
	if err != nil {
		t.Fatal(err)
	}
	_, err = run(t, "feeshare", "register", "--contract", contract, "--deployer", deployer, "--nonces", "5,2,1", "--key", "r2",
		"--chain-id", "9001", "--expiry", "4102444800", "--nonce", "1", "--signature", "0x"+strings.Repeat("ab", 65), "--server", url, "--token", reader.Secret)
	if !errors.As(err, &ce) || ce.Code != "feeshare_chain_unavailable" {
		t.Errorf("feeshare register signed: %v; want feeshare_chain_unavailable", err)
	}
	_, err = run(t, "balance", "payee:1", "--server", url, "--token", "wrong")
	if !errors.As(err, &ce) || ce.Status != 401 {
		t.Errorf("bad token: %v; want 401", err)
	}
}
