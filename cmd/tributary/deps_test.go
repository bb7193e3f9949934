package main

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/tributary-ledger/tributary/engine"
	"github.com/tributary-ledger/tributary/money"
	"github.com/tributary-ledger/tributary/program/deps/depscli"
	"github.com/tributary-ledger/tributary/program/payout"
	"github.com/tributary-ledger/tributary/store/sqlite"
)

// TestDepsDemo runs `tributary demo deps` and finds the seed's worked
// example in what it prints: each stream with its path, depth, amount and
// rate, the $113.10 total, and the contributors' parts.
func TestDepsDemo(t *testing.T) {
	out, err := run(t, "demo", "deps")
	if err != nil {
		t.Fatalf("demo deps: %v\n%s", err, out)
	}
	for _, want := range []string{
		"in USD:",
		"github.com/acme/app → npm:meeting-bot               1      58.00         0.00009589947/s",
		"npm:meeting-bot → npm:calendar-utils                1      11.20",
		"npm:meeting-bot → npm:date-fp                       1      31.40         0.00005191798/s",
		"npm:meeting-bot → npm:date-fp → npm:calendar-utils  2      8.40",
		"npm:meeting-bot → npm:date-fp → npm:chrono-utils    2      4.10",
		"113.10",
		"40.60  dev:ana",
		"17.40  dev:ben",
		"deps:reserve:1        USD       0.00",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("output lacks %q:\n%s", want, out)
		}
	}
}

// TestDepsScan scans real lockfiles offline and checks the JSON document's
// integer counts.
func TestDepsScan(t *testing.T) {
	for _, tt := range []struct {
		file            string
		packages, edges int
	}{
		{"../../lockfile/testdata/npm-v3.package-lock.json", 17, 17},
		{"../../lockfile/testdata/cargo-v4.Cargo.lock", 5, 6},
	} {
		out, err := run(t, "deps", "scan", tt.file, "--output", "json")
		if err != nil {
			t.Fatalf("scan %s: %v\n%s", tt.file, err, out)
		}
		var doc struct {
			Format   string `json:"format"`
			Packages int    `json:"packages"`
			Edges    int    `json:"edges"`
			Graph    struct {
				Packages []json.RawMessage `json:"packages"`
				Edges    []json.RawMessage `json:"edges"`
			} `json:"graph"`
		}
		if err := json.Unmarshal([]byte(out), &doc); err != nil {
			t.Fatalf("scan %s: %v\n%.300s", tt.file, err, out)
		}
		if doc.Packages != tt.packages || doc.Edges != tt.edges || doc.Packages != len(doc.Graph.Packages) || doc.Edges != len(doc.Graph.Edges) {
			t.Errorf("scan %s: %d packages, %d edges (want %d, %d); the graph has %d and %d", tt.file, doc.Packages, doc.Edges, tt.packages, tt.edges, len(doc.Graph.Packages), len(doc.Graph.Edges))
		}
		text, err := run(t, "deps", "scan", tt.file)
		if err != nil || !strings.Contains(text, "packages ") || !strings.Contains(text, "depth") {
			t.Errorf("scan %s (table): %v\n%s", tt.file, err, text)
		}
	}
	if _, err := run(t, "deps", "scan", "../../lockfile/testdata/README.md"); err == nil {
		t.Error("scanning a README succeeded; want lockfile_format_unknown")
	}
}

// TestDepsSimulate recomputes the demo's epoch 1 from its store under a
// doubled public base rate: meeting-bot's budget doubles, the store is
// left as it was.
func TestDepsSimulate(t *testing.T) {
	ctx := context.Background()
	db := filepath.Join(t.TempDir(), "deps.db")
	st, err := sqlite.Open(ctx, db)
	if err != nil {
		t.Fatal(err)
	}
	reg := money.NewRegistry()
	e := engine.New(st, reg)
	ops, err := depscli.SeedOps(reg)
	if err != nil {
		t.Fatal(err)
	}
	for _, op := range ops {
		if _, err := e.ApplyOne(ctx, op); err != nil {
			t.Fatal(err)
		}
	}
	st.Close()
	cfg := filepath.Join(t.TempDir(), "params.json")
	params := `{"currency":"USD","anchor":"2026-01-05T00:00:00Z","base_rate":{"public":"11020","private":"5800","no_telemetry":"4000"},"sleeper_bp":0,"pass_min":"0"}`
	if err := os.WriteFile(cfg, []byte(params), 0o600); err != nil {
		t.Fatal(err)
	}
	out, err := run(t, "deps", "simulate", "--db", db, "--config", cfg, "--epochs", "1")
	if err != nil {
		t.Fatalf("simulate: %v\n%s", err, out)
	}
	if !regexp.MustCompile(`1\s+npm:meeting-bot\s+public\s+110.20\s+110.20\s+110.20`).MatchString(out) || !strings.Contains(out, "github.com/acme/app  private  58.00") {
		t.Errorf("simulate:\n%s\nwant meeting-bot at $110.20 and acme/app unchanged", out)
	}
	if _, err := run(t, "deps", "simulate", "--db", db, "--config", cfg, "--epochs", "3-1"); err == nil {
		t.Error("a backwards range was accepted")
	}
}

// TestDepsSettleCommand settles the seed's epoch 1 from the command line
// against a server: one line for the payee with a destination, the others
// listed, and a second settle answering the same batch.
func TestDepsSettleCommand(t *testing.T) {
	ctx := context.Background()
	e, remote := testServer(t, t.TempDir())
	ops, err := depscli.SeedOps(money.NewRegistry())
	if err != nil {
		t.Fatal(err)
	}
	for _, op := range append(ops, payout.SetDestination("dest-ana", time.Now(), "dev:ana", "@bank:ana")) {
		if _, err := e.ApplyOne(ctx, op); err != nil {
			t.Fatal(err)
		}
	}
	out, err := run(t, append([]string{"deps", "settle", "1", "--key", "s1"}, remote...)...)
	if err != nil {
		t.Fatalf("deps settle 1: %v\n%s", err, out)
	}
	for _, want := range []string{"epoch 1: payout batch 1, open, 1 lines (0 on chain), total 40.60 USD", "left out, without a payout destination:", "17.40  dev:ben", "19.60  dev:eli"} {
		if !strings.Contains(out, want) {
			t.Errorf("deps settle 1 lacks %q:\n%s", want, out)
		}
	}
	out, err = run(t, append([]string{"deps", "settle", "1", "--key", "s2"}, remote...)...)
	if err != nil || !strings.Contains(out, "epoch 1: payout batch 1 (settled before)") {
		t.Errorf("deps settle 1 again: %v\n%s", err, out)
	}
	if _, err := run(t, append([]string{"deps", "settle", "x"}, remote...)...); err == nil {
		t.Error("deps settle x succeeded; want an epoch number")
	}
}
