package payout

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"runtime/pprof"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/tributary-ledger/tributary/internal/rusage"

	"github.com/tributary-ledger/tributary/engine"
	"github.com/tributary-ledger/tributary/ledger"
	"github.com/tributary-ledger/tributary/money"
	"github.com/tributary-ledger/tributary/payout/merkle"
	"github.com/tributary-ledger/tributary/store/sqlite"
)

// residentBytes is the process's resident set from /proc.
func residentBytes() uint64 {
	raw, err := os.ReadFile("/proc/self/statm")
	if err != nil {
		return 0
	}
	f := strings.Fields(string(raw))
	if len(f) < 2 {
		return 0
	}
	pages, _ := strconv.ParseUint(f[1], 10, 64)
	return pages * uint64(os.Getpagesize())
}

// sampler records the peak heap in use and resident set while it runs.
type sampler struct {
	done          chan struct{}
	wg            sync.WaitGroup
	heap, rss     uint64
	baseHeap, rs0 uint64
}

func sample() *sampler {
	runtime.GC()
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	s := &sampler{done: make(chan struct{}), baseHeap: ms.HeapInuse, rs0: residentBytes()}
	s.wg.Add(1)
	go func() {
		defer s.wg.Done()
		var ms runtime.MemStats
		for {
			select {
			case <-s.done:
				return
			case <-time.After(20 * time.Millisecond):
				runtime.ReadMemStats(&ms)
				s.heap, s.rss = max(s.heap, ms.HeapInuse), max(s.rss, residentBytes())
			}
		}
	}()
	return s
}

func (s *sampler) stop(b *testing.B) {
	close(s.done)
	s.wg.Wait()
	b.ReportMetric(float64(s.heap)/(1<<20), "peak-heap-MiB")
	b.ReportMetric(float64(s.rss)/(1<<20), "peak-rss-MiB")
	b.ReportMetric(float64(s.rs0)/(1<<20), "base-rss-MiB")
}

// BenchmarkBatchSQLite is a payout batch end to end on SQLite: selecting
// the balances with a destination inside the batch's transaction (the
// balances read and locked once, the destinations by pages, as the route
// does), one entry of pending withdrawals with
// the claims tree, and the JSON and CSV exports; then a proof from the
// built tree. Setup (funding and registering every payee) is not timed.
// PAYOUT_BENCH_N sets the payees (default 100,000; BENCHMARKS.md's figure
// uses 1,000,000); one in four is paid by bank, the others on chain.
func BenchmarkBatchSQLite(b *testing.B) {
	n := 100_000
	if s := os.Getenv("PAYOUT_BENCH_N"); s != "" {
		fmt.Sscan(s, &n)
	}
	ctx := context.Background()
	at := time.Date(2026, 3, 2, 0, 0, 0, 0, time.UTC)
	for range b.N {
		b.StopTimer()
		st, err := sqlite.Open(ctx, filepath.Join(b.TempDir(), "bench.db"))
		if err != nil {
			b.Fatal(err)
		}
		eng := engine.New(st, money.NewRegistry())
		postings := make([]ledger.Posting, n)
		dests := make([]engine.StateWrite, n)
		for i := range n {
			acct := fmt.Sprintf("p:%07d", i)
			postings[i] = ledger.Posting{From: "@world", To: acct, Currency: "USD", Amount: money.FromUint64(uint64(100 + i%10_000)), Path: "bench"}
			d := Destination{Account: acct, Destination: merkle.Address{0xaa, byte(i >> 16), byte(i >> 8), byte(i)}.Hex(), Rail: RailChain, Set: at}
			if i%4 == 0 {
				d = Destination{Account: acct, Destination: fmt.Sprintf("@bank:%d", i), Rail: RailBank, Set: at}
			}
			dests[i] = engine.WriteJSON(destinationKey(acct), d)
		}
		register := engine.ProgramOp(Program, "bench-dests", "bench", at, func(*ledger.Hasher) {}, nil, func(engine.View) (engine.Change, error) {
			return engine.Change{Kind: ledger.Config, State: dests}, nil
		})
		for _, op := range []engine.Op{engine.Transfer("bench-fund", at, postings), register} {
			if _, err := eng.ApplyOne(ctx, op); err != nil {
				b.Fatal(err)
			}
		}
		postings, dests = nil, nil
		sm := sample()
		stopProfile := profileTimed(b)
		cpu0, t0 := rusage.CPU(), time.Now()
		b.StartTimer()

		// The batch as the route runs it: the selection (balances and
		// destinations read in its transaction), pending withdrawals,
		// lines, the claims tree.
		sel := Selection{Currency: "USD", Minimum: money.FromUint64(1), Prefix: "p:"}
		if _, err := eng.ApplyOne(ctx, RunSelected("bench-batch", at, sel)); err != nil {
			b.Fatal(err)
		}
		tRun := time.Since(t0)

		// The exports, as the routes make them.
		t2 := time.Now()
		v := storeView{ctx: ctx, st: st}
		bt, err := ReadBatch(v, 1)
		if err != nil {
			b.Fatal(err)
		}
		ex, err := BuildExport(v, bt, money.USD)
		if err != nil {
			b.Fatal(err)
		}
		js, err := json.Marshal(ex)
		if err != nil {
			b.Fatal(err)
		}
		csv := CSV(ex)
		tExport := time.Since(t2)
		b.StopTimer()
		total := time.Since(t0)
		cpu := rusage.CPU() - cpu0
		stopProfile()
		sm.stop(b)
		if bt.Lines != n || len(ex.Lines) != n {
			b.Fatalf("batch of %d lines; want %d", bt.Lines, n)
		}

		// A proof from a built tree, as the proof route answers once its
		// cache holds the tree.
		leaves, err := ReadLeaves(v, bt)
		if err != nil {
			b.Fatal(err)
		}
		tree, err := merkle.Build(leaves)
		if err != nil {
			b.Fatal(err)
		}
		const proofs = 10_000
		t3 := time.Now()
		for i := range proofs {
			p, err := tree.Proof(leaves[(i*7919)%len(leaves)].Account)
			if err != nil {
				b.Fatal(err)
			}
			_ = ProofOf(1, tree.Root(), p)
		}
		tProof := time.Since(t3) / proofs

		b.ReportMetric(tRun.Seconds(), "batch-s")
		b.ReportMetric(tExport.Seconds(), "export-s")
		b.ReportMetric(total.Seconds(), "total-s")
		b.ReportMetric(cpu.Seconds(), "cpu-s")
		b.ReportMetric(float64(tProof.Microseconds()), "proof-µs")
		b.ReportMetric(float64(len(js)+len(csv))/(1<<20), "export-MiB")
		st.Close()
	}
}

// profileTimed writes a CPU profile of the timed part to the file
// PAYOUT_BENCH_CPUPROFILE names, if it is set: -test.cpuprofile would
// include the setup, which funds and registers every payee.
func profileTimed(b *testing.B) (stop func()) {
	path := os.Getenv("PAYOUT_BENCH_CPUPROFILE")
	if path == "" {
		return func() {}
	}
	f, err := os.Create(path)
	if err != nil {
		b.Fatal(err)
	}
	if err := pprof.StartCPUProfile(f); err != nil {
		b.Fatal(err)
	}
	return func() {
		pprof.StopCPUProfile()
		if err := f.Close(); err != nil {
			b.Fatal(err)
		}
	}
}

// storeView reads committed state, for the exports.
type storeView struct {
	ctx context.Context
	st  *sqlite.Store
}

func (v storeView) State(key string) ([]byte, bool, error) { return v.st.State(v.ctx, Program, key) }
func (v storeView) Withdrawal(id string) (ledger.Withdrawal, bool, error) {
	w, err := v.st.Withdrawal(v.ctx, id)
	return w, err == nil, nil
}
func (v storeView) Balance(string, string) (ledger.Balance, error) { return ledger.Balance{}, nil }
