package sqlite

import (
	"context"
	"path/filepath"
	"testing"

	"github.com/tributary-ledger/tributary/store/storetest"
)

// BenchmarkCommit measures durable commits (WAL, synchronous=FULL) of
// 4-posting payment entries; one op is one entry. Each run opens a fresh
// file, so run with -benchtime=Nx to bound the journal's size. batch=8 is
// the size of the groups that single payments over HTTP from 16 clients
// commit in (see client's BenchmarkHTTPPayments).
func BenchmarkCommit(b *testing.B) {
	for _, bc := range []struct {
		name  string
		batch int
	}{
		{"single", 1},
		{"batch=8", 8},
		{"batch=100", 100},
		{"batch=1000", 1000},
	} {
		b.Run(bc.name, func(b *testing.B) {
			s, err := Open(context.Background(), filepath.Join(b.TempDir(), "bench.db"))
			if err != nil {
				b.Fatal(err)
			}
			defer s.Close()
			storetest.BenchCommits(b, s, bc.batch, 1)
		})
	}
}
