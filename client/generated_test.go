package client_test

import (
	"bytes"
	"os"
	"testing"

	"github.com/tributary-ledger/tributary/internal/clientgen"
)

// TestGeneratedClientIsCurrent checks that routes_gen.go is what the
// server's route declarations generate: go generate ./client rewrites it.
func TestGeneratedClientIsCurrent(t *testing.T) {
	want, err := clientgen.FromServer()
	if err != nil {
		t.Fatal(err)
	}
	got, err := os.ReadFile("routes_gen.go")
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got, want) {
		t.Error("client/routes_gen.go is not what the routes generate; run go generate ./client")
	}
}
