package postgres

import (
	"fmt"
	"os"
	"testing"

	"github.com/tributary-ledger/tributary/store/storetest"
)

// BenchmarkCommit measures commits of 4-posting payment entries to the
// PostgreSQL server named by TRIBUTARY_POSTGRES_URL, by 1 and by 8
// concurrent writers; one op is one entry, shared between the writers.
// Each run uses a fresh schema.
func BenchmarkCommit(b *testing.B) {
	url := os.Getenv("TRIBUTARY_POSTGRES_URL")
	if url == "" {
		b.Skip("TRIBUTARY_POSTGRES_URL is not set")
	}
	for _, bc := range []struct {
		name  string
		batch int
	}{
		{"single", 1},
		{"batch=100", 100},
		{"batch=1000", 1000},
	} {
		for _, writers := range []int{1, 8} {
			b.Run(fmt.Sprintf("%s/writers=%d", bc.name, writers), func(b *testing.B) {
				storetest.BenchCommits(b, OpenTestSchema(b, url), bc.batch, writers)
			})
		}
	}
}
