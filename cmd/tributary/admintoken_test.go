package main

import (
	"context"
	"net/http"
	"path/filepath"
	"strings"
	"testing"
)

// TestAdminTokenFromEnvironment starts serve with TRIBUTARY_ADMIN_TOKEN
// values in turn and calls it over HTTP: a short value stops the start, a
// new value revokes the one installed before, and a revoked value stops
// the start with a message that says so.
func TestAdminTokenFromEnvironment(t *testing.T) {
	db := filepath.Join(t.TempDir(), "admin.db")
	first := strings.Repeat("a", 64)
	second := strings.Repeat("b", 32)
	// run starts serve with secret, calls GET /v1/tokens with each of
	// calls, and returns the statuses, or the start's error.
	run := func(secret string, calls ...string) ([]int, error) {
		t.Helper()
		t.Setenv(envAdmin, secret)
		ctx, cancel := context.WithCancel(context.Background())
		addr, done, err := serveHere(ctx, db)
		if err != nil {
			cancel()
			return nil, err
		}
		var codes []int
		for _, c := range calls {
			req, _ := http.NewRequest("GET", "http://"+addr+"/v1/tokens", nil)
			req.Header.Set("Authorization", "Bearer "+c)
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			resp.Body.Close()
			codes = append(codes, resp.StatusCode)
		}
		cancel()
		if err := <-done; err != nil {
			t.Fatalf("serve: %v", err)
		}
		return codes, nil
	}
	if _, err := run("short"); err == nil || !strings.Contains(err.Error(), "at least 32") {
		t.Errorf("serve with a 5-character token: %v; want a start-up error naming the minimum", err)
	}
	if codes, err := run(first, first); err != nil || codes[0] != 200 {
		t.Fatalf("first token: %v, %v; want 200", codes, err)
	}
	// The same value again starts as before.
	if codes, err := run(first, first); err != nil || codes[0] != 200 {
		t.Fatalf("first token again: %v, %v; want 200", codes, err)
	}
	// A new value replaces it.
	if codes, err := run(second, second, first); err != nil || codes[0] != 200 || codes[1] != 401 {
		t.Errorf("second token: %v, %v; want 200 for it and 401 for the first", codes, err)
	}
	// The revoked value does not come back.
	if _, err := run(first); err == nil || !strings.Contains(err.Error(), "revoked") {
		t.Errorf("serve with the revoked token: %v; want a start-up error saying it was revoked", err)
	}
}
