package main

import (
	"encoding/json"
	"strings"
	"testing"
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
		"github.com/acme/app → npm:meeting-bot               1      $58.00        $0.00009589947/s",
		"npm:meeting-bot → npm:calendar-utils                1      $11.20",
		"npm:meeting-bot → npm:date-fp                       1      $31.40        $0.00005191798/s",
		"npm:meeting-bot → npm:date-fp → npm:calendar-utils  2      $8.40",
		"npm:meeting-bot → npm:date-fp → npm:chrono-utils    2      $4.10",
		"$113.10",
		"$40.60  dev:ana",
		"$17.40  dev:ben",
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
