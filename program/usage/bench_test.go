package usage_test

import (
	"context"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/tributary-ledger/tributary/internal/rusage"

	"github.com/tributary-ledger/tributary/engine"
	"github.com/tributary-ledger/tributary/ledger"
	"github.com/tributary-ledger/tributary/money"
	"github.com/tributary-ledger/tributary/program/usage"
	"github.com/tributary-ledger/tributary/store/sqlite"
)

// benchConfig has four metrics (one clipped at 3× its median), a rolling
// average over three epochs, a tier, a cap and a minimum score: every step
// of the score runs.
func benchConfig(formula usage.Formula) usage.Config {
	cfg := baseConfig()
	cfg.Metrics = []usage.Metric{{Name: "volume", WeightBP: 4000, ClipBP: 30000}, {Name: "users", WeightBP: 3000}, {Name: "calls", WeightBP: 2000}, {Name: "gas", WeightBP: 1000}}
	cfg.Pool = usage.Pool{Kind: usage.PoolFixedAmount, Amount: money.FromUint64(1_000_000_000_000), Account: "usage:pool"}
	cfg.Formula = formula
	cfg.CapBP = 100
	cfg.Qualify = usage.Qualify{ActiveUsersMetric: "users", MinActiveUsers: 2}
	cfg.Tier = &usage.Tier{Metric: "users", Threshold: 100, Levels: []usage.TierLevel{{Epochs: 3, MultiplierBP: 12000}}}
	cfg.Smoothing = usage.Smoothing{Kind: usage.SmoothingRolling, Epochs: 3}
	return cfg
}

func benchInput(n int, formula usage.Formula) *usage.Input {
	rng := rand.New(rand.NewPCG(42, 42))
	counts := make([][]uint64, 4)
	for m := range counts {
		counts[m] = make([]uint64, n)
		for i := range counts[m] {
			counts[m][i] = rng.Uint64N(1 << uint(4+rng.IntN(20)))
		}
	}
	in := input(benchConfig(formula), counts...)
	in.History.Past = [][]uint64{make([]uint64, n), make([]uint64, n)}
	in.History.Streak = make([]uint64, n)
	for i := 0; i < n; i++ {
		in.IDs[i] = fmt.Sprintf("app-%07d", i)
		in.History.Past[0][i], in.History.Past[1][i], in.History.Streak[i] = rng.Uint64N(1e10), rng.Uint64N(1e10), rng.Uint64N(4)
	}
	return in
}

// peak samples the heap in use and the process's resident memory while fn
// runs, for rough peak figures. The resident set counts what the heap does
// not: SQLite's page cache and the copies its driver makes of bound values
// live outside the Go heap.
func peak(b *testing.B, fn func()) {
	runtime.GC()
	var before runtime.MemStats
	runtime.ReadMemStats(&before)
	baseRSS := residentBytes()
	done := make(chan struct{})
	var wg sync.WaitGroup
	var top, topRSS uint64
	wg.Add(1)
	go func() {
		defer wg.Done()
		var ms runtime.MemStats
		for {
			select {
			case <-done:
				return
			case <-time.After(20 * time.Millisecond):
				runtime.ReadMemStats(&ms)
				top = max(top, ms.HeapInuse)
				topRSS = max(topRSS, residentBytes())
			}
		}
	}()
	cpu0 := rusage.CPU()
	fn()
	b.ReportMetric((rusage.CPU()-cpu0).Seconds()/float64(b.N), "cpu-s/op")
	close(done)
	wg.Wait()
	var after runtime.MemStats
	runtime.ReadMemStats(&after)
	top = max(top, after.HeapInuse)
	topRSS = max(topRSS, residentBytes())
	b.ReportMetric(float64(top)/(1<<20), "peak-heap-MiB")
	b.ReportMetric(float64(before.HeapInuse)/(1<<20), "base-heap-MiB")
	if topRSS > 0 {
		b.ReportMetric(float64(topRSS)/(1<<20), "peak-rss-MiB")
		b.ReportMetric(float64(baseRSS)/(1<<20), "base-rss-MiB")
	}
}

// residentBytes is the process's resident set from /proc (0 where there is
// none).
func residentBytes() uint64 {
	raw, err := os.ReadFile("/proc/self/statm")
	if err != nil {
		return 0
	}
	f := strings.Fields(string(raw))
	if len(f) < 2 {
		return 0
	}
	pages, err := strconv.ParseUint(f[1], 10, 64)
	if err != nil {
		return 0
	}
	return pages * uint64(os.Getpagesize())
}

// BenchmarkClose1M is the pure computation of an epoch's close for
// 1,000,000 participants and 4 metrics, statement digest included.
func BenchmarkClose1M(b *testing.B) {
	for _, f := range []usage.Formula{{Kind: usage.ProRata}, {Kind: usage.Quadratic}, {Kind: usage.RankedDecay, DecayBP: 2000, Remainder: usage.RemainderSpread}} {
		b.Run(f.Kind, func(b *testing.B) {
			in := benchInput(1_000_000, f)
			b.ReportAllocs()
			b.ResetTimer()
			peak(b, func() {
				for range b.N {
					o, err := usage.Close(in)
					if err != nil {
						b.Fatal(err)
					}
					_ = o.Digest()
				}
			})
		})
	}
}

// BenchmarkCloseEpochSQLite closes an epoch end to end on SQLite: loading
// the chunks, computing, one entry paying every participant, snapshots and
// summary. Setup (registration, reports) is not timed. USAGE_BENCH_N sets
// the participants (default 100,000; the 1M figure in BENCHMARKS.md uses
// USAGE_BENCH_N=1000000).
func BenchmarkCloseEpochSQLite(b *testing.B) {
	n := 100_000
	if s := testingEnv("USAGE_BENCH_N"); s != "" {
		fmt.Sscan(s, &n)
	}
	ctx := context.Background()
	for i := 0; i < b.N; i++ {
		b.StopTimer()
		s, err := sqlite.Open(ctx, filepath.Join(b.TempDir(), "bench.db"))
		if err != nil {
			b.Fatal(err)
		}
		reg := money.NewRegistry()
		e := engine.New(s, reg)
		cfg := benchConfig(usage.Formula{Kind: usage.ProRata})
		cfg.Tier, cfg.Smoothing = nil, usage.Smoothing{}
		apply := func(ops ...engine.Op) {
			res, err := e.Apply(ctx, ops)
			if err != nil {
				b.Fatal(err)
			}
			for _, r := range res {
				if r.Err != nil {
					b.Fatal(r.Err)
				}
			}
		}
		apply(usage.ApplyConfig("cfg", anchor, cfg, reg),
			engine.Transfer("fund", anchor, []ledger.Posting{{From: "@sponsor", To: "usage:pool", Currency: "USD", Amount: money.FromUint64(1_000_000_000_000), Path: "funding"}}))
		rng := rand.New(rand.NewPCG(1, 1))
		for lo := 0; lo < n; lo += usage.ParticipantsPerOpMax {
			hi := min(lo+usage.ParticipantsPerOpMax, n)
			ps := make([]usage.Participant, 0, hi-lo)
			for j := lo; j < hi; j++ {
				id := fmt.Sprintf("app-%07d", j)
				ps = append(ps, usage.Participant{ID: id, Owner: "dev:" + id, Account: "dev:" + id})
			}
			apply(usage.Register(fmt.Sprintf("reg-%d", lo), anchor, ps))
			var ops []engine.Op
			for k := lo; k < hi; k += 2500 {
				bt := usage.Batch{Epoch: 0}
				for j := k; j < min(k+2500, hi); j++ {
					for _, m := range cfg.Metrics {
						bt.Reports = append(bt.Reports, usage.Report{Participant: fmt.Sprintf("app-%07d", j), Metric: m.Name, Count: usage.Count(2 + rng.Uint64N(1<<uint(4+rng.IntN(20))))})
					}
				}
				ops = append(ops, usage.ReportUsage(fmt.Sprintf("rep-%d", k), anchor.Add(time.Hour), bt))
			}
			apply(ops...)
		}
		b.StartTimer()
		peak(b, func() {
			res, err := e.ApplyOne(ctx, usage.CloseEpoch("close", anchor.AddDate(0, 1, 0), 0))
			if err != nil {
				b.Fatal(err)
			}
			if len(res.Entry.Postings) != n {
				b.Fatalf("%d postings; want %d", len(res.Entry.Postings), n)
			}
		})
		b.StopTimer()
		s.Close()
	}
}

// memView is a View over a map, for measuring the usage program's own part
// of a close without the engine and the store.
type memView struct {
	state map[string][]byte
	bal   ledger.Balance
}

func (m *memView) State(key string) ([]byte, bool, error) { v, ok := m.state[key]; return v, ok, nil }
func (m *memView) Withdrawal(string) (ledger.Withdrawal, bool, error) {
	return ledger.Withdrawal{}, false, nil
}
func (m *memView) Balance(string, string) (ledger.Balance, error) { return m.bal, nil }

func (m *memView) run(tb testing.TB, op engine.Op) engine.Change {
	ch, err := op.Run(m)
	if err != nil {
		tb.Fatalf("%s: %v", op.Key, err)
	}
	for _, w := range ch.State {
		m.state[w.Key] = w.Value
	}
	return ch
}

// BenchmarkCloseEpochState1M is CloseEpoch's Run for 1,000,000
// participants and 4 metrics against in-memory state: reading and decoding
// the chunks, computing, the digest, building 1M postings and the
// snapshots. What the engine and SQLite add is BenchmarkCloseEpochSQLite
// minus this.
func BenchmarkCloseEpochState1M(b *testing.B) {
	const n = 1_000_000
	m := closeState(b, n)
	b.ReportAllocs()
	b.ResetTimer()
	peak(b, func() {
		for range b.N {
			ch, err := usage.CloseEpoch("close", anchor.AddDate(0, 1, 0), 0).Run(m)
			if err != nil {
				b.Fatal(err)
			}
			if len(ch.Postings) != n {
				b.Fatalf("%d postings; want %d", len(ch.Postings), n)
			}
		}
	})
}

// closeState is the in-memory state of BenchmarkCloseEpochState1M before
// the close: n participants registered in batches of ParticipantsPerOpMax,
// each with four counts in epoch 0, and a funded pool.
func closeState(tb testing.TB, n int) *memView {
	m := &memView{state: map[string][]byte{}}
	m.bal.CreditsPosted = money.FromUint64(1_000_000_000_000)
	reg := money.NewRegistry()
	cfg := benchConfig(usage.Formula{Kind: usage.ProRata})
	cfg.Tier, cfg.Smoothing = nil, usage.Smoothing{}
	m.run(tb, usage.ApplyConfig("cfg", anchor, cfg, reg))
	rng := rand.New(rand.NewPCG(1, 1))
	for lo := 0; lo < n; lo += usage.ParticipantsPerOpMax {
		hi := min(lo+usage.ParticipantsPerOpMax, n)
		ps := make([]usage.Participant, 0, hi-lo)
		for j := lo; j < hi; j++ {
			id := fmt.Sprintf("app-%07d", j)
			ps = append(ps, usage.Participant{ID: id, Owner: "dev:" + id, Account: "dev:" + id})
		}
		m.run(tb, usage.Register(fmt.Sprintf("reg-%d", lo), anchor, ps))
		for k := lo; k < hi; k += 2500 {
			bt := usage.Batch{Epoch: 0}
			for j := k; j < min(k+2500, hi); j++ {
				for _, metric := range cfg.Metrics {
					bt.Reports = append(bt.Reports, usage.Report{Participant: fmt.Sprintf("app-%07d", j), Metric: metric.Name, Count: usage.Count(2 + rng.Uint64N(1<<uint(4+rng.IntN(20))))})
				}
			}
			m.run(tb, usage.ReportUsage(fmt.Sprintf("rep-%d", k), anchor.Add(time.Hour), bt))
		}
	}
	return m
}

// BenchmarkRegister is Register's Run against in-memory state: the
// program's own cost per registered participant, by how many are
// registered already and how many one operation registers. Each run
// starts from its own state, so that runs do not pile participants up
// past ParticipantsMax.
func BenchmarkRegister(b *testing.B) {
	for _, fill := range []int{0, 500_000} {
		for _, size := range []int{1, 100, usage.ParticipantsPerOpMax} {
			b.Run(fmt.Sprintf("fill=%d/batch=%d", fill, size), func(b *testing.B) {
				m := &memView{state: map[string][]byte{}}
				cfg := benchConfig(usage.Formula{Kind: usage.ProRata})
				m.run(b, usage.ApplyConfig("cfg", anchor, cfg, money.NewRegistry()))
				next := 0
				participants := func(k int) []usage.Participant {
					ps := make([]usage.Participant, k)
					for j := range ps {
						id := fmt.Sprintf("app-%07d", next+j)
						ps[j] = usage.Participant{ID: id, Owner: "dev:" + id, Account: "dev:" + id}
					}
					next += k
					return ps
				}
				for next < fill {
					m.run(b, usage.Register(fmt.Sprintf("reg-%d", next), anchor, participants(min(usage.ParticipantsPerOpMax, fill-next))))
				}
				b.ReportAllocs()
				b.ResetTimer()
				var d time.Duration
				for range b.N {
					op := usage.Register(fmt.Sprintf("reg-%d", next), anchor, participants(size)) // not timed: the op's hash is the engine's
					t0 := time.Now()
					m.run(b, op)
					d += time.Since(t0)
				}
				b.ReportMetric(float64(d.Nanoseconds())/float64(b.N*size), "ns/participant")
			})
		}
	}
}
