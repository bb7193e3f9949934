package usage_test

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"math/rand/v2"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/tributary-ledger/tributary/engine"
	"github.com/tributary-ledger/tributary/money"
	"github.com/tributary-ledger/tributary/program/usage"
	"github.com/tributary-ledger/tributary/split"
)

// The pinned tests hold the usage program to the bytes it writes: every
// state value, posting (Path included), event and statement of a scenario
// that exercises each formula, smoothing kind, tier, cap, split, category,
// deregistration and late registration over several epochs. The expected
// digests were taken from the code before any of the performance work, so
// a faster decoder, encoder or posting builder that changes a byte fails
// here, not in a store or an auditor's check months later. They changed
// once on purpose, with rules revision 2 (the median of an even number of
// counts, min_score_bp against the top score); under RulesOriginal the
// statements still hash to the digest taken before the performance work,
// b5971e8f…, and TestLegacyState explains an older build's closes.

// changeHasher accumulates everything an operation writes. The values
// of state chunks (participants, reports, snapshots: their encoding is the
// program's own business, and changed once, to a binary one) go to chunks
// with their keys; everything else, state keys included, to h.
type changeHasher struct{ h, chunks io.Writer }

func (c changeHasher) str(s string) { hashStr(c.h, s) }

func hashStr(w io.Writer, s string) {
	fmt.Fprintf(w, "%d:", len(s))
	io.WriteString(w, s)
}

// isChunk reports whether a state key holds a chunk.
func isChunk(key string) bool {
	return strings.HasPrefix(key, "pc/") || strings.HasPrefix(key, "r/") || strings.HasPrefix(key, "h/")
}

func (c changeHasher) value(key string, v []byte) {
	if isChunk(key) {
		hashStr(c.chunks, key)
		hashStr(c.chunks, string(v))
		return
	}
	c.str(string(v))
}

func (c changeHasher) change(ch engine.Change) {
	c.str(string(ch.Kind))
	c.str(ch.Ref)
	c.str(strconv.Itoa(len(ch.Postings)))
	for _, p := range ch.Postings {
		c.str(p.From)
		c.str(p.To)
		c.str(p.Currency)
		c.str(p.Amount.String())
		c.str(p.Path)
	}
	c.str(strconv.Itoa(len(ch.State)))
	for _, w := range ch.State {
		c.str(w.Key)
		c.value(w.Key, w.Value)
	}
	for _, e := range ch.Events {
		c.str(e.Type)
		c.str(string(e.Data))
	}
}

// pinnedConfigs are the scenario's configurations, one per epoch from 0.
func pinnedConfigs() []usage.Config {
	base := benchConfig(usage.Formula{Kind: usage.ProRata})
	var cs []usage.Config
	// 0: pro_rata, rolling over 3 epochs, tier, cap, qualify, a clipped metric.
	cs = append(cs, base)
	// 1: quadratic, decay smoothing, revenue-based pool.
	c := base
	c.Formula = usage.Formula{Kind: usage.Quadratic}
	c.Smoothing = usage.Smoothing{Kind: usage.SmoothingDecay, DecayBP: 3500}
	c.Pool = usage.Pool{Kind: usage.PoolFixedPercentage, PercentBP: 2500, Account: "usage:pool"}
	c.CapBP = 0
	cs = append(cs, c)
	// 2: ranked_decay, spread, limited ranks, rolling again.
	c = base
	c.Formula = usage.Formula{Kind: usage.RankedDecay, DecayBP: 700, Remainder: usage.RemainderSpread, Ranks: 5000}
	c.Smoothing = usage.Smoothing{Kind: usage.SmoothingRolling, Epochs: 2}
	cs = append(cs, c)
	// 3: category_weighted, dynamic pool, no tier, a minimum score.
	c = base
	c.Formula = usage.Formula{Kind: usage.CategoryWeighted, Categories: []usage.Category{{Name: "games", ShareBP: 5000}, {Name: "defi", ShareBP: 3000}, {Name: "empty", ShareBP: 2000}}}
	c.Pool = usage.Pool{Kind: usage.PoolDynamic, Bands: []usage.Band{{UpTo: money.FromUint64(1_000_000), RateBP: 5000}, {RateBP: 1000}}, Account: "usage:pool"}
	c.Tier = nil
	c.Qualify.MinScoreBP = 1
	cs = append(cs, c)
	// 4: ranked_decay, carry, everything ranked, no smoothing.
	c = base
	c.Formula = usage.Formula{Kind: usage.RankedDecay, DecayBP: 20}
	c.Smoothing = usage.Smoothing{}
	cs = append(cs, c)
	return cs
}

// pinnedScenario runs the scenario with n participants registered before
// epoch 0 (and n/10 more in epoch 2) and returns the digest of every
// change and statement, of the final state, and of the chunks written and
// left (which the other digests leave out).
func pinnedScenario(tb testing.TB, n int) (changes, statements, state, chunks string) {
	m := &memView{state: map[string][]byte{}}
	reg := money.NewRegistry()
	hc, hs, hk := sha256.New(), sha256.New(), sha256.New()
	ch := changeHasher{hc, hk}
	run := func(op engine.Op) { ch.change(m.run(tb, op)) }
	rng := rand.New(rand.NewPCG(2026, 1))
	cs := pinnedConfigs()
	month := func(e int) time.Time { return anchor.AddDate(0, e, 0) }
	run(usage.ApplyConfig("cfg-0", anchor.Add(-time.Hour), cs[0], reg))
	cats := []string{"", "games", "defi", "other"}
	gone := map[string]bool{} // deregistered
	slots := 0
	register := func(count int, at time.Time) {
		for count > 0 {
			size := min(count, []int{1, 7, 333, 4096, usage.ParticipantsPerOpMax}[rng.IntN(5)])
			ps := make([]usage.Participant, size)
			for j := range ps {
				id := fmt.Sprintf("app-%07d", slots+j)
				ps[j] = usage.Participant{ID: id, Owner: "dev:" + id, Account: "dev:" + id, Category: cats[rng.IntN(len(cats))]}
				if rng.IntN(50) == 0 {
					ps[j].Split = []split.Share{{Account: "dev:" + id, ShareBP: 6667}, {Account: "partner:" + id, ShareBP: 3333}}
				}
			}
			run(usage.Register(fmt.Sprintf("reg-%d", slots), at, ps))
			slots += size
			count -= size
		}
	}
	register(n, anchor)
	for e := 0; e < len(cs); e++ {
		at := month(e).Add(time.Hour)
		if e == 2 {
			register(n/10, at)
		}
		if e+1 < len(cs) {
			run(usage.ApplyConfig(fmt.Sprintf("cfg-%d", e+1), at, cs[e+1], reg))
		}
		run(usage.RecordRevenue(fmt.Sprintf("rev-%d", e), at, "@platform", money.FromUint64(rng.Uint64N(1<<30)), "USD"))
		// Some participants leave, some change category or split.
		for k := 0; k < 20; k++ {
			id := fmt.Sprintf("app-%07d", rng.IntN(slots))
			p, err := usage.ReadParticipant(m, id)
			if err != nil {
				tb.Fatal(err)
			}
			if !p.Active {
				continue
			}
			if k%3 == 0 {
				gone[id] = true
				run(usage.Deregister(fmt.Sprintf("dereg-%d-%d", e, k), at, id, ""))
				continue
			}
			p.Category = cats[rng.IntN(len(cats))]
			if k%2 == 0 {
				p.Split = []split.Share{{Account: "dev:" + id, ShareBP: 5000}, {Account: "other:" + id, ShareBP: 5000}}
			}
			run(usage.Update(fmt.Sprintf("upd-%d-%d", e, k), at, p, p.Owner))
		}
		// Reports: most participants, in batches of mixed sizes, some twice.
		var b usage.Batch
		flush := func() {
			if len(b.Reports) > 0 {
				run(usage.ReportUsage(fmt.Sprintf("rep-%d-%d", e, len(m.state)), at, b))
			}
			b = usage.Batch{Epoch: uint64(e)}
		}
		flush()
		for i := 0; i < slots; i++ {
			id := fmt.Sprintf("app-%07d", i)
			if gone[id] || rng.IntN(8) == 0 {
				continue
			}
			for _, metric := range cs[e].Metrics {
				if rng.IntN(6) == 0 {
					continue
				}
				b.Reports = append(b.Reports, usage.Report{Participant: id, Metric: metric.Name, Count: usage.Count(rng.Uint64N(1 << uint(1+rng.IntN(30))))})
			}
			if len(b.Reports) > usage.ReportsMax-len(cs[e].Metrics) || rng.IntN(500) == 0 {
				flush()
			}
		}
		flush()
		// Funding: plenty, except in epoch 1, which runs short.
		m.bal.CreditsPosted = money.FromUint64(1 << 50)
		if e == 1 {
			m.bal.CreditsPosted = money.FromUint64(12345)
		}
		run(usage.CloseEpoch(fmt.Sprintf("close-%d", e), month(e+1), uint64(e)))
	}
	// Every closed epoch's statement, recomputed, and a what-if.
	for e := 0; e < len(cs); e++ {
		o, sum, err := usage.Explain(m, uint64(e))
		if err != nil {
			tb.Fatalf("Explain(%d): %v", e, err)
		}
		io.WriteString(hs, sum.Digest)
		if testing.Verbose() {
			tb.Logf("epoch %d: %d slots, pool %s, shortfall %s, paid %d of %d listed, carry %s, notes %q", e, sum.Slots, sum.Pool, sum.Shortfall, sum.PaidCount, sum.Listed, sum.CarryOut, sum.Notes)
		}
		if err := o.WriteStatement(hs); err != nil {
			tb.Fatal(err)
		}
	}
	sims, err := usage.Simulate(m, cs[2], 0, uint64(len(cs)-1))
	if err != nil {
		tb.Fatalf("Simulate: %v", err)
	}
	for _, s := range sims {
		io.WriteString(hs, s.Alt.Digest())
	}
	hst := sha256.New()
	keys := make([]string, 0, len(m.state))
	for k := range m.state {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	for _, k := range keys {
		hashStr(hst, k)
		changeHasher{hst, hk}.value(k, m.state[k])
	}
	return hex.EncodeToString(hc.Sum(nil)), hex.EncodeToString(hs.Sum(nil)), hex.EncodeToString(hst.Sum(nil)), hex.EncodeToString(hk.Sum(nil))
}

func TestPinnedBytes(t *testing.T) {
	c, s, st, k := pinnedScenario(t, 9000)
	const (
		wantChanges    = "1c8fafab7f5043fba01844265b21ad7c2fe9d4fa684222e35aefeeadd1e7a4b5"
		wantStatements = "f84e4e348ef3045298e6c2b28571596f31107a139cfa986160921c6d028594b7"
		wantState      = "dee6daa373e60fdda8a0a5f125fe7d56abb3aadbd6d34d5b6764c3a3a57b0d94"
		wantChunks     = "4ab2be27b110d2123038f325db08bd4e587887c324641de3eae5075dc72fcd5c" // binary chunks since ef18ae6+1 (93704d53… in JSON)
	)
	if c != wantChanges || s != wantStatements || st != wantState || k != wantChunks {
		t.Errorf("pinned digests:\nchanges    %s\nstatements %s\nstate      %s\nchunks     %s\nwant\nchanges    %s\nstatements %s\nstate      %s\nchunks     %s", c, s, st, k, wantChanges, wantStatements, wantState, wantChunks)
	}
}

// TestPinned1M pins the close of the BenchmarkCloseEpochState1M state: a
// million participants, one entry. It takes half a minute, so it runs
// only with USAGE_PIN_1M=1.
func TestPinned1M(t *testing.T) {
	if testingEnv("USAGE_PIN_1M") == "" {
		t.Skip("USAGE_PIN_1M is not set")
	}
	m := closeState(t, 1_000_000)
	op := usage.CloseEpoch("close", anchor.AddDate(0, 1, 0), 0)
	ch, err := op.Run(m)
	if err != nil {
		t.Fatal(err)
	}
	h, hk := sha256.New(), sha256.New()
	changeHasher{h, hk}.change(ch)
	const (
		want       = "3f7d8a9b0cd418f875578fd61c9e92d2ad797e9e9e5fdd71110abd98186f722e"
		wantChunks = "c9474c76104a74cbe2e9caa327a97b1a5edb0610e68221569018656d9df5faa4" // binary chunks (a63fdb5c… in JSON)
	)
	if got, gotChunks := hex.EncodeToString(h.Sum(nil)), hex.EncodeToString(hk.Sum(nil)); got != want || gotChunks != wantChunks {
		t.Errorf("1M close digest %s, chunks %s; want %s, %s", got, gotChunks, want, wantChunks)
	}
}
