package main

import (
	"flag"
	"fmt"
	"net/http"
	"os"
	"strings"
	"testing"

	"github.com/tributary-ledger/tributary/api"
	"github.com/tributary-ledger/tributary/errcode"
)

var update = flag.Bool("update", false, "rewrite the README's generated parts")

// errorTable is the README's table of error codes, made from every code the
// binary declares (the command links every package that declares one).
func errorTable(t *testing.T) string {
	all := errcode.All()
	if len(all) < 100 {
		t.Fatalf("only %d codes registered: the table would miss codes", len(all))
	}
	var b strings.Builder
	b.WriteString("| code | kind | HTTP | meaning |\n| --- | --- | --- | --- |\n")
	seen := map[string]bool{}
	for _, e := range all {
		if e.Kind() == errcode.Internal {
			t.Errorf("%s has no kind: its status would be 500", e.Code())
		}
		msg := strings.TrimSpace(e.Error())
		if msg == "" {
			t.Errorf("%s has no message", e.Code())
		}
		if seen[e.Code()] {
			continue // one code declared by two packages, with one kind
		}
		seen[e.Code()] = true
		st := api.KindStatus(e.Kind())
		fmt.Fprintf(&b, "| `%s` | %s | %d %s | %s |\n", e.Code(), e.Kind(), st, http.StatusText(st), strings.ReplaceAll(msg, "|", "\\|"))
	}
	return b.String()
}

// TestErrorTable checks that every code has a kind and a message, and a
// row in the README's table, which is generated; -update rewrites it.
func TestErrorTable(t *testing.T) {
	const path = "../../README.md"
	readme, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	got, err := replaceBetween(string(readme), "<!-- errcodes:begin -->\n", "<!-- errcodes:end -->", errorTable(t))
	if err != nil {
		t.Fatal(err)
	}
	if got == string(readme) {
		return
	}
	if *update {
		if err := os.WriteFile(path, []byte(got), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	t.Error("the README's table of error codes is stale; run go test ./cmd/tributary -run TestErrorTable -update")
}

// replaceBetween replaces what stands between begin and end in s.
func replaceBetween(s, begin, end, with string) (string, error) {
	i := strings.Index(s, begin)
	j := strings.Index(s, end)
	if i < 0 || j < i {
		return "", fmt.Errorf("markers %q … %q not found", begin, end)
	}
	return s[:i+len(begin)] + with + s[j:], nil
}
