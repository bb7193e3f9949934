package engine_test

import (
	"context"
	"path/filepath"
	"testing"

	"github.com/tributary-ledger/tributary/ledger"
	"github.com/tributary-ledger/tributary/money"
	"github.com/tributary-ledger/tributary/store/sqlite"
)

// openStore opens a SQLite store in t's temporary directory, closed when
// t ends.
func openStore(t *testing.T) *sqlite.Store {
	t.Helper()
	s, err := sqlite.Open(context.Background(), filepath.Join(t.TempDir(), "e.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

// usd is one posting of n USD units from one account to another.
func usd(from, to string, n uint64) []ledger.Posting {
	return []ledger.Posting{{From: from, To: to, Currency: "USD", Amount: money.FromUint64(n)}}
}
