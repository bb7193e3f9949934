package merkle

import (
	"math/rand/v2"
	"runtime"
	"sync"
	"testing"
	"time"

	"github.com/tributary-ledger/tributary/internal/rusage"
)

// loopCPU runs f in b.Loop and reports its CPU time per run as cpu-ms/op
// (the sum over cores, for the parallel parts).
func loopCPU(b *testing.B, f func()) {
	b.ReportAllocs()
	var cpu time.Duration
	for b.Loop() {
		start := rusage.CPU()
		f()
		cpu += rusage.CPU() - start
	}
	b.ReportMetric(float64(cpu.Milliseconds())/float64(b.N), "cpu-ms/op")
}

// benchLeaves is the million-payee batch the issue sizes payouts for, made
// once and shared by the benchmarks.
var benchLeaves = sync.OnceValue(func() []Leaf {
	return randLeaves(rand.New(rand.NewPCG(14, 15)), 1_000_000)
})

var benchTree = sync.OnceValue(func() *Tree {
	t, err := Build(benchLeaves())
	if err != nil {
		panic(err)
	}
	return t
})

// BenchmarkBuild1M builds a tree of 1,000,000 leaves. B/op is everything
// Build allocates; retained-MiB is what the built tree keeps (the heap
// in use after a collection, the leaves' own slice subtracted).
func BenchmarkBuild1M(b *testing.B) {
	leaves := benchLeaves()
	var kept *Tree
	loopCPU(b, func() {
		t, err := Build(leaves)
		if err != nil {
			b.Fatal(err)
		}
		kept = t
	})
	b.StopTimer()
	runtime.GC()
	var with runtime.MemStats
	runtime.ReadMemStats(&with)
	runtime.KeepAlive(kept)
	kept = nil
	runtime.GC()
	var without runtime.MemStats
	runtime.ReadMemStats(&without)
	b.ReportMetric(float64(with.HeapAlloc-without.HeapAlloc)/(1<<20), "retained-MiB")
}

// BenchmarkProof answers one proof from a built tree of 1,000,000 leaves,
// for addresses spread over the tree.
func BenchmarkProof(b *testing.B) {
	t := benchTree()
	leaves := benchLeaves()
	b.ReportAllocs()
	i := 0
	for b.Loop() {
		if _, err := t.Proof(leaves[i].Account); err != nil {
			b.Fatal(err)
		}
		i = (i + 7919) % len(leaves)
	}
}

// BenchmarkVerify checks one proof of the million-leaf tree (21 hashes).
func BenchmarkVerify(b *testing.B) {
	t := benchTree()
	p := t.ProofAt(12345)
	root := t.Root()
	b.ReportAllocs()
	for b.Loop() {
		if !Verify(root, p.Leaf, p.Hashes) {
			b.Fatal("does not verify")
		}
	}
}

// BenchmarkDump1M writes the million-leaf tree's JSON dump.
func BenchmarkDump1M(b *testing.B) {
	t := benchTree()
	var n int
	loopCPU(b, func() { n = len(t.Dump()) })
	b.ReportMetric(float64(n)/(1<<20), "dump-MiB")
}

// BenchmarkLoad1M reads and checks the million-leaf tree's JSON dump.
func BenchmarkLoad1M(b *testing.B) {
	d := benchTree().Dump()
	loopCPU(b, func() {
		if _, err := Load(d); err != nil {
			b.Fatal(err)
		}
	})
}

// BenchmarkDumpJSON1M is the dump by encoding/json, the reference Dump is
// checked against: what writing Dump by hand saves.
func BenchmarkDumpJSON1M(b *testing.B) {
	t := benchTree()
	loopCPU(b, func() { jsonDump(t) })
}
