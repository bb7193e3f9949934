package postgres

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"os"
	"testing"

	"github.com/tributary-ledger/tributary/store/storetest"
)

// TestConformance runs the store suite against the real PostgreSQL server
// named by TRIBUTARY_POSTGRES_URL, each test in a fresh schema that it drops
// afterwards. Without the variable it is skipped; .ci/run always sets it.
func TestConformance(t *testing.T) {
	url := os.Getenv("TRIBUTARY_POSTGRES_URL")
	if url == "" {
		t.Skip("TRIBUTARY_POSTGRES_URL is not set")
	}
	storetest.Run(t, func(t *testing.T) storetest.Store {
		return OpenTestSchema(t, url)
	})
}

// OpenTestSchema opens a store in a new, randomly named schema and drops the
// schema when t ends.
func OpenTestSchema(t testing.TB, url string) *Store {
	t.Helper()
	var b [6]byte
	if _, err := rand.Read(b[:]); err != nil {
		t.Fatal(err)
	}
	schema := "tributary_test_" + hex.EncodeToString(b[:])
	ctx := context.Background()
	s, err := Open(ctx, url, schema)
	if err != nil {
		t.Fatalf("opening PostgreSQL at %s: %v", url, err)
	}
	t.Cleanup(func() {
		s.Close()
		if err := DropSchema(context.Background(), url, schema); err != nil {
			t.Errorf("dropping schema %s: %v", schema, err)
		}
	})
	return s
}
