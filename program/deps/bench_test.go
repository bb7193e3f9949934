package deps_test

import (
	"context"
	"fmt"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"runtime"
	"strconv"
	"testing"
	"time"

	"github.com/tributary-ledger/tributary/internal/rusage"

	"github.com/tributary-ledger/tributary/cli"

	"github.com/tributary-ledger/tributary/engine"
	"github.com/tributary-ledger/tributary/ledger"
	"github.com/tributary-ledger/tributary/money"
	"github.com/tributary-ledger/tributary/program/deps"
	"github.com/tributary-ledger/tributary/store/sqlite"
)

var benchAnchor = time.Date(2026, 1, 5, 0, 0, 0, 0, time.UTC)

// synth is a seeded synthetic ecosystem: repos with a heavy-tailed number
// of dependencies drawn towards popular repos (so cycles appear), a tenth
// of the dependencies on packages of no repo, and the first payers repos
// funded and sending beacons.
type synth struct {
	params deps.Params
	repos  []deps.Repo
	deps   map[string][]string
	usage  map[string]map[string]uint64
	funds  map[string]money.Amount
}

func newSynth(repos, payers int, seed uint64) *synth {
	r := rand.New(rand.NewPCG(seed, 7))
	s := &synth{
		params: deps.Params{Currency: "USD", Anchor: benchAnchor, DepthMax: 3, SleeperBP: 100, PassBP: []uint64{2500, 1000}, PassMin: money.FromUint64(100),
			BaseRate: deps.BaseRate{Public: money.FromUint64(55_10), Private: money.FromUint64(58_00), NoTelemetry: money.FromUint64(40_00)}},
		deps: map[string][]string{}, usage: map[string]map[string]uint64{}, funds: map[string]money.Amount{},
	}
	pkg := func(j int) string { return fmt.Sprintf("npm:p%07d", j) }
	for i := 0; i < repos; i++ {
		id := fmt.Sprintf("github.com/o%07d/r", i)
		repo := deps.Repo{ID: id, Owner: fmt.Sprintf("own:%d", i), Treasury: fmt.Sprintf("tr:%d", i), Visibility: deps.Public, Packages: []string{pkg(i)}, Asset: deps.DefaultAsset()}
		if r.IntN(10) == 0 {
			repo.Visibility = deps.Private
		}
		s.repos = append(s.repos, repo)
		// Heavy-tailed: most repos have a few dependencies, some dozens.
		k := 1 + int(r.ExpFloat64()*4)
		ds := make([]string, 0, k)
		u := map[string]uint64{}
		for d := 0; d < k; d++ {
			j := int(float64(repos) * pow3(r.Float64())) // popular repos first
			if r.IntN(10) == 0 {
				j = repos + r.IntN(repos) // a package of no repo
			}
			ds = append(ds, pkg(j))
			u[pkg(j)] = 1 + r.Uint64N(1_000_000)
		}
		s.deps[id] = ds
		if i < payers {
			s.funds[repo.Treasury] = money.FromUint64(1_000_00)
			s.usage[id] = u
		}
	}
	return s
}

func pow3(x float64) float64 { return x * x * x }

func (s *synth) world() deps.World {
	return deps.World{Params: s.params, Repos: s.repos, Deps: s.deps, Usage: s.usage, Available: s.funds}
}

// BenchmarkRule10k is the pure rule and settlement of an epoch of 10,000
// payers among 30,000 repos.
func BenchmarkRule10k(b *testing.B) {
	s := newSynth(30_000, 10_000, 1)
	w := s.world()
	b.ResetTimer()
	for b.Loop() {
		plan, err := deps.Rule(1, w)
		if err != nil {
			b.Fatal(err)
		}
		if _, err := deps.Settle(plan); err != nil {
			b.Fatal(err)
		}
		b.ReportMetric(float64(len(plan.Streams)), "streams")
	}
}

// BenchmarkEpoch10k opens and closes an epoch of 10,000 paying repos
// among 30,000 on SQLite: reading every repo, graph and usage record and
// every treasury, the reservations, the statement, the close's postings
// (one per account) and the contributor credit, each in one transaction.
func BenchmarkEpoch10k(b *testing.B) {
	s := newSynth(30_000, 10_000, 1)
	ctx := context.Background()
	reg := money.NewRegistry()
	for b.Loop() {
		b.StopTimer()
		st, err := sqlite.Open(ctx, filepath.Join(b.TempDir(), "deps.db"))
		if err != nil {
			b.Fatal(err)
		}
		e := engine.New(st, reg)
		setUp(b, e, s, reg)
		b.StartTimer()
		timeEpoch(b, e)
		st.Close()
		b.StartTimer()
	}
}

// timeEpoch opens and closes epoch 1, timed, reports their CPU and wall
// times and the close's postings, and leaves the timer stopped.
func timeEpoch(b *testing.B, e *engine.Engine) {
	ctx := context.Background()
	t0, c0 := time.Now(), rusage.CPU()
	if _, err := e.ApplyOne(ctx, deps.OpenEpoch("open-1", benchAnchor.Add(7*24*time.Hour), 1)); err != nil {
		b.Fatal(err)
	}
	t1, c1 := time.Now(), rusage.CPU()
	res, err := e.ApplyOne(ctx, deps.CloseEpoch("close-1", benchAnchor.Add(14*24*time.Hour), 1))
	if err != nil {
		b.Fatal(err)
	}
	b.StopTimer()
	b.ReportMetric((c1 - c0).Seconds(), "open-cpu-s")
	b.ReportMetric((rusage.CPU() - c1).Seconds(), "close-cpu-s")
	b.ReportMetric(t1.Sub(t0).Seconds(), "open-s")
	b.ReportMetric(time.Since(t1).Seconds(), "close-s")
	b.ReportMetric(float64(len(res.Entry.Postings)), "postings")
}

// setUp links the synthetic repos, stores their graphs, funds the payers,
// records epoch 0's usage, and opens and closes epoch 0.
func setUp(b *testing.B, e *engine.Engine, s *synth, reg *money.Registry) {
	ctx := context.Background()
	at := benchAnchor.Add(-time.Hour)
	apply := func(ops ...engine.Op) {
		for len(ops) > 0 {
			n := min(len(ops), engine.BatchMax)
			res, err := e.Apply(ctx, ops[:n])
			if err != nil {
				b.Fatal(err)
			}
			for _, r := range res {
				if r.Err != nil {
					b.Fatal(r.Err)
				}
			}
			ops = ops[n:]
		}
	}
	apply(deps.SetParams("config", at, s.params, reg))
	var ops []engine.Op
	for i := 0; i < len(s.repos); i += deps.LinkReposMax {
		ops = append(ops, deps.LinkRepos(fmt.Sprintf("link-%d", i), at, s.repos[i:min(i+deps.LinkReposMax, len(s.repos))]))
	}
	apply(ops...)
	ops = ops[:0]
	for _, r := range s.repos {
		ops = append(ops, deps.StoreGraph("graph-"+r.ID, at, r.ID, ledger.Hash{}, deps.Graph{Deps: s.deps[r.ID]}))
	}
	apply(ops...)
	var fund []ledger.Posting
	for acct, amt := range s.funds {
		fund = append(fund, ledger.Posting{From: "@sponsor", To: acct, Currency: "USD", Amount: amt, Path: "fund"})
	}
	apply(engine.Transfer("fund", at, fund))
	apply(deps.OpenEpoch("open-0", benchAnchor, 0))
	ops = ops[:0]
	var batch []deps.Report
	for from, u := range s.usage {
		for to, calls := range u {
			batch = append(batch, deps.Report{From: from, To: to, Calls: calls, Source: deps.SourceProd})
			if len(batch) == deps.ReportsMax {
				ops = append(ops, deps.RecordUsage(fmt.Sprintf("usage-%d", len(ops)), benchAnchor, batch))
				batch = nil
			}
		}
	}
	if len(batch) > 0 {
		ops = append(ops, deps.RecordUsage(fmt.Sprintf("usage-%d", len(ops)), benchAnchor, batch))
	}
	apply(ops...)
	apply(deps.CloseEpoch("close-0", benchAnchor.Add(7*24*time.Hour), 0))
}

// BenchmarkRuleScale is the pure rule and settlement at a scale named by
// TRIBUTARY_DEPS_SCALE ("repos,payers", e.g. "300000,100000"); skipped
// without it. It measures how the rule grows towards the npm-scale epoch.
func BenchmarkRuleScale(b *testing.B) {
	var repos, payers int
	if _, err := fmt.Sscanf(os.Getenv("TRIBUTARY_DEPS_SCALE"), "%d,%d", &repos, &payers); err != nil {
		b.Skip("set TRIBUTARY_DEPS_SCALE=repos,payers")
	}
	s := newSynth(repos, payers, 1)
	w := s.world()
	b.ResetTimer()
	for b.Loop() {
		c0 := rusage.CPU()
		plan, err := deps.Rule(1, w)
		if err != nil {
			b.Fatal(err)
		}
		if _, err := deps.Settle(plan); err != nil {
			b.Fatal(err)
		}
		b.ReportMetric((rusage.CPU() - c0).Seconds(), "cpu-s")
		b.ReportMetric(float64(len(plan.Streams)), "streams")
	}
}

// newNPMSynth is the npm-scale ecosystem of issue #20, divided by div: 1,000,000
// repos publishing 3,300,000 packages (3 or 4 each), 35,000,000 dependencies
// (repo → package) with a heavy-tailed number per repo (Pareto, α = 1.5, mean
// about 35, capped at 5,000) drawn towards popular packages (index ∝ u³, so
// cycles appear), 100,000 paying repos sending beacons; depth 3.
func newNPMSynth(div int, seed uint64) (*synth, int) {
	repos, payers := 1_000_000/div, 100_000/div
	pkgs := repos * 33 / 10
	r := rand.New(rand.NewPCG(seed, 35))
	s := &synth{
		params: deps.Params{Currency: "USD", Anchor: benchAnchor, DepthMax: 3, SleeperBP: 100, PassBP: []uint64{2500, 1000}, PassMin: money.FromUint64(100),
			BaseRate: deps.BaseRate{Public: money.FromUint64(55_10), Private: money.FromUint64(58_00), NoTelemetry: money.FromUint64(40_00)}},
		deps: make(map[string][]string, repos), usage: make(map[string]map[string]uint64, payers), funds: make(map[string]money.Amount, payers),
	}
	pkg := func(j int) string { return "npm:p" + strconv.Itoa(j) }
	edges := 0
	for i := 0; i < repos; i++ {
		id := "github.com/o" + strconv.Itoa(i) + "/r"
		own := make([]string, 0, 4)
		for j := i * pkgs / repos; j < (i+1)*pkgs/repos; j++ {
			own = append(own, pkg(j))
		}
		repo := deps.Repo{ID: id, Owner: "own:" + strconv.Itoa(i), Treasury: "tr:" + strconv.Itoa(i), Visibility: deps.Public, Packages: own, Asset: deps.DefaultAsset()}
		if r.IntN(10) == 0 {
			repo.Visibility = deps.Private
		}
		s.repos = append(s.repos, repo)
		k := min(5000, int(11.7/math.Pow(1-r.Float64(), 1/1.5)))
		ds := make([]string, k)
		for d := range ds {
			ds[d] = pkg(int(float64(pkgs) * pow3(r.Float64())))
		}
		edges += k
		s.deps[id] = ds
		if i < payers {
			u := make(map[string]uint64, k)
			for _, p := range ds {
				u[p] = 1 + r.Uint64N(1_000_000)
			}
			s.funds[repo.Treasury] = money.FromUint64(1_000_00)
			s.usage[id] = u
		}
	}
	return s, edges
}

// BenchmarkEpochNPM opens and closes one epoch of the npm-scale ecosystem
// divided by TRIBUTARY_DEPS_NPM (1 is the full size, 10 a tenth;
// skipped without it) on SQLite: the world is set up (linked, graphs
// stored, funded, epoch 0 opened, its usage reported, closed) untimed; the
// open and the close of epoch 1 are timed, every ledger write and the
// statement included. Peak resident memory (maxrss) covers the whole
// process, the synthetic world and its setup included.
func BenchmarkEpochNPM(b *testing.B) {
	div, err := strconv.Atoi(os.Getenv("TRIBUTARY_DEPS_NPM"))
	if err != nil || div < 1 {
		b.Skip("set TRIBUTARY_DEPS_NPM=1 (full size), 10 (a tenth), …")
	}
	s, edges := newNPMSynth(div, 1)
	ctx := context.Background()
	reg := money.NewRegistry()
	for b.Loop() {
		b.StopTimer()
		st, err := sqlite.Open(ctx, filepath.Join(b.TempDir(), "deps.db"))
		if err != nil {
			b.Fatal(err)
		}
		e := engine.New(st, reg)
		t0 := time.Now()
		setUp(b, e, s, reg)
		b.Logf("set up %d repos, %d dependencies in %s (load %s)", len(s.repos), edges, time.Since(t0).Round(time.Second), rusage.LoadAvg())
		runtime.GC()
		b.StartTimer()
		timeEpoch(b, e)
		rec, err := deps.ReadEpoch(cli.View(ctx, st, deps.Program), 1)
		if err != nil {
			b.Fatal(err)
		}
		b.ReportMetric(float64(len(rec.Plan.Streams)), "streams")
		b.ReportMetric(float64(rusage.MaxRSS())/(1<<20), "maxrss-MiB")
		b.Logf("load average after: %s", rusage.LoadAvg())
		st.Close()
		b.StartTimer()
	}
}
