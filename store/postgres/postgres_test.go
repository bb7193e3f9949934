package postgres

import (
	"context"
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

// OpenTestSchema opens a store in a fresh schema that is dropped when t
// ends.
func OpenTestSchema(t testing.TB, url string) *Store {
	t.Helper()
	s, _, cleanup, err := OpenFresh(context.Background(), url)
	if err != nil {
		t.Fatalf("opening PostgreSQL at %s: %v", url, err)
	}
	t.Cleanup(func() {
		if err := cleanup(); err != nil {
			t.Errorf("dropping test schema: %v", err)
		}
	})
	return s
}
