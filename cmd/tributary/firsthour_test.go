package main

import (
	"context"
	"encoding/json"
	"path/filepath"
	"strings"
	"testing"

	"github.com/tributary-ledger/tributary/client"
	"github.com/tributary-ledger/tributary/errcode"
	"github.com/tributary-ledger/tributary/wire"
)

// TestUnknownCommandFails: a name no command has fails, naming the
// commands there are; a group called alone prints its help.
func TestUnknownCommandFails(t *testing.T) {
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"demo", "nosuch"}, "commands: collection, deps, feeshare, market, payout, usage"},
		{[]string{"nosuch"}, "commands: backup, balance,"},
		{[]string{"token", "nosuch"}, "commands: create, list, revoke"},
	} {
		_, err := run(t, tc.args...)
		if errcode.Code(err) != "command_unknown" || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("tributary %s: %v; want command_unknown listing %q", strings.Join(tc.args, " "), err, tc.want)
		}
	}
	if out, err := run(t, "demo"); err != nil || !strings.Contains(out, "Available Commands") {
		t.Errorf("tributary demo = %q, %v; want its help", out, err)
	}
	_, err := run(t, "split", "-1", "USD", "a:1")
	if errcode.Code(err) != "usage_invalid" || !strings.Contains(err.Error(), "negative") {
		t.Errorf("split -1: %v; want usage_invalid saying why", err)
	}
}

// TestReadOnlyCommandsNeedTheDatabase: commands that read a store refuse
// a --db path that does not exist, and create nothing there.
func TestReadOnlyCommandsNeedTheDatabase(t *testing.T) {
	db := filepath.Join(t.TempDir(), "nope.db")
	for _, args := range [][]string{
		{"ledger", "verify", "--db", db},
		{"token", "list", "--db", db},
		{"token", "revoke", "tok_x", "--db", db},
		{"usage", "explain", "--epoch", "0", "--participant", "p", "--db", db},
	} {
		_, err := run(t, args...)
		if errcode.Code(err) != "database_missing" {
			t.Errorf("tributary %s: %v; want database_missing", strings.Join(args, " "), err)
		}
	}
	if _, err := run(t, "ledger", "verify", "--db", db); err == nil {
		t.Error("the database was created by a read")
	}
}

// TestEventsFollow reads the event stream from the command line, and
// resumes after the last event it printed.
func TestEventsFollow(t *testing.T) {
	ctx := context.Background()
	db := adminStore(t, "events.db")
	url := startServer(t, db)
	c := client.New(url, testAdmin, nil)
	for _, k := range []string{"e1", "e2", "e3"} {
		if _, _, err := c.CreateEntry(ctx, k, wire.EntryRequest{Postings: []wire.PostingJSON{{From: "@world", To: "a", Amount: "1", Currency: "USD"}}}); err != nil {
			t.Fatal(err)
		}
	}
	remote := []string{"--server", url, "--token", testAdmin}
	out, err := run(t, append([]string{"events", "--follow", "--limit", "2", "-o", "json"}, remote...)...)
	if err != nil || strings.Count(out, `"type": "entry.committed"`) != 2 || !strings.Contains(out, `"id": 2`) {
		t.Fatalf("events --follow --limit 2 = %q, %v; want events 1 and 2", out, err)
	}
	// An account nothing was posted to says so rather than printing an
	// empty table.
	if out, err := run(t, append([]string{"balance", "nobody"}, remote...)...); err != nil || !strings.Contains(out, "nobody has no balances") {
		t.Errorf("balance nobody = %q, %v; want a line saying it has none", out, err)
	}
	out, err = run(t, append([]string{"events", "--follow", "--after", "2", "--limit", "1"}, remote...)...)
	if err != nil || !strings.HasPrefix(out, "3\tentry.committed\t") {
		t.Errorf("events --after 2 = %q, %v; want event 3", out, err)
	}
}

// TestSplitsCommands creates a split, reads it, and pays by it from the
// command line.
func TestSplitsCommands(t *testing.T) {
	db := adminStore(t, "splits.db")
	remote := []string{"--server", startServer(t, db), "--token", testAdmin}
	out, err := run(t, append([]string{"splits", "create", "song-1", "artist:1=50%", "artist:2=15%", "artist:3=35%", "--key", "s1"}, remote...)...)
	if err != nil || !strings.Contains(out, "split song-1 (bp)") || !strings.Contains(out, "artist:2  15%") {
		t.Fatalf("splits create = %q, %v", out, err)
	}
	if out, err = run(t, append([]string{"splits", "get", "song-1", "-o", "json"}, remote...)...); err != nil || !strings.Contains(out, `"share": 1500`) {
		t.Errorf("splits get = %q, %v", out, err)
	}
	out, err = run(t, append([]string{"splits", "pay", "song-1", "@buyer:1", "1.98", "USD", "--key", "p1", "-o", "json"}, remote...)...)
	if err != nil || !strings.Contains(out, `"amount": "0.30"`) || !strings.Contains(out, `"amount": "0.69"`) {
		t.Errorf("splits pay = %q, %v; want 0.99, 0.30 and 0.69 USD in decimals", out, err)
	}
	// An entry of one posting; its retry under the same key replays.
	for range 2 {
		out, err = run(t, append([]string{"entry", "@world", "artist:9", "10.00", "USD", "--key", "e1", "--path", "opening balance", "-o", "json"}, remote...)...)
		if err != nil || !strings.Contains(out, `"amount": "10.00"`) || !strings.Contains(out, "opening balance") {
			t.Errorf("entry = %q, %v; want 10.00 USD with its path", out, err)
		}
	}
	if out, err = run(t, append([]string{"balance", "artist:9", "-o", "json"}, remote...)...); err != nil || !strings.Contains(out, `"10.00"`) {
		t.Errorf("balance after the entry and its retry = %q, %v; want 10.00 once", out, err)
	}
}

// TestTokenCommandsOverAPI creates, lists and revokes a token through a
// running server.
func TestTokenCommandsOverAPI(t *testing.T) {
	db := adminStore(t, "tokens.db")
	remote := []string{"--server", startServer(t, db), "--token", testAdmin}
	out, err := run(t, append([]string{"token", "create", "--role", "payee", "--account", "artist:1", "--name", "artist one", "-o", "json"}, remote...)...)
	if err != nil || !strings.Contains(out, `"secret": "trb_`) {
		t.Fatalf("token create over the API = %q, %v", out, err)
	}
	id := out[strings.Index(out, `"id": "`)+7:]
	id = id[:strings.Index(id, `"`)]
	if out, err = run(t, append([]string{"token", "list"}, remote...)...); err != nil || !strings.Contains(out, id) || !strings.Contains(out, "artist one") {
		t.Errorf("token list over the API = %q, %v; want %s", out, err, id)
	}
	if out, err = run(t, append([]string{"token", "revoke", id}, remote...)...); err != nil || !strings.Contains(out, "revoked") {
		t.Errorf("token revoke over the API = %q, %v", out, err)
	}
}

// TestDemoFeeshareJSON: the fee-share demo's JSON holds the postings the
// demo committed, each with its path, besides the balances.
func TestDemoFeeshareJSON(t *testing.T) {
	out, err := run(t, "demo", "feeshare", "-o", "json")
	if err != nil {
		t.Fatalf("demo feeshare -o json: %v", err)
	}
	var got struct {
		Balances []struct{ Account string }
		Postings []struct{ From, To, Amount, Currency, Path string }
	}
	if err := json.Unmarshal([]byte(out), &got); err != nil {
		t.Fatalf("demo feeshare -o json printed %q: %v", out, err)
	}
	if len(got.Balances) == 0 || len(got.Postings) == 0 {
		t.Fatalf("demo feeshare JSON = %+v; want balances and postings", got)
	}
	for _, p := range got.Postings {
		if p.Path == "" || p.Amount == "" || p.Currency == "" {
			t.Errorf("posting %+v lacks its amount, currency or path", p)
		}
	}
}
