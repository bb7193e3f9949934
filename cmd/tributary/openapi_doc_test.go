package main

import (
	"bytes"
	"os"
	"path/filepath"
	"testing"

	"github.com/tributary-ledger/tributary/api"
	"github.com/tributary-ledger/tributary/api/openapi"
	"github.com/tributary-ledger/tributary/programs"
)

// generated is the document as the route declarations make it now.
func generated(t *testing.T) []byte {
	t.Helper()
	dir, err := os.Getwd()
	if err != nil {
		t.Fatal(err)
	}
	t.Chdir("../..") // the comments are read by import path from the module root
	comments, err := openapi.Comments()
	if err != nil {
		t.Fatal(err)
	}
	t.Chdir(dir)
	doc, err := api.New(api.Config{Modules: programs.Modules(programs.Deps{})}).Document(comments)
	if err != nil {
		t.Fatal(err)
	}
	return doc
}

// TestOpenAPIDocumentIsCurrent checks that api/openapi.json, which the
// server serves, is what the route declarations generate; -update rewrites
// it. It runs here, in the command's package, because the document lists
// every error code the server's binary declares, and this test links the
// same packages as the binary.
func TestOpenAPIDocumentIsCurrent(t *testing.T) {
	doc := generated(t)
	path := filepath.Join("..", "..", "api", "openapi.json")
	if bytes.Equal(doc, api.OpenAPI()) {
		return
	}
	if *update {
		if err := os.WriteFile(path, doc, 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	t.Error("api/openapi.json is not what the routes generate; run go test ./cmd/tributary -run TestOpenAPIDocumentIsCurrent -update")
}
