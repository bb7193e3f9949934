package lockfile

import "testing"

// Parsing each real lockfile; the target is under 50 ms each (BENCHMARKS.md):
//
//	go test -run=NONE -bench=. -benchmem -count=10 ./lockfile/
func BenchmarkParse(b *testing.B) {
	for _, r := range realLockfiles {
		b.Run(r.file, func(b *testing.B) {
			benchParse(b, shared(b, r.file), Options{Name: r.file})
		})
	}
	b.Run("tributary.go.graph", func(b *testing.B) {
		benchParse(b, testdata(b, "go/tributary.graph"), Options{Format: FormatGo, GoMod: testdata(b, "go/tributary.go.mod")})
	})
}

func benchParse(b *testing.B, data []byte, opt Options) {
	b.SetBytes(int64(len(data)))
	b.ReportAllocs()
	for b.Loop() {
		if _, err := Parse(data, opt); err != nil {
			b.Fatal(err)
		}
	}
}

// Summarizing (cycles and depths) the largest real graph.
func BenchmarkSummarize(b *testing.B) {
	g := mustParse(b, shared(b, "nushell.Cargo.lock"), Options{Name: "Cargo.lock"})
	b.ReportAllocs()
	for b.Loop() {
		Summarize(g)
	}
}
