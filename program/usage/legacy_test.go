package usage_test

import (
	"compress/gzip"
	"encoding/json"
	"fmt"
	"io"
	"math/rand/v2"
	"os"
	"slices"
	"testing"
	"time"

	"github.com/tributary-ledger/tributary/engine"
	"github.com/tributary-ledger/tributary/ledger"
	"github.com/tributary-ledger/tributary/money"
	"github.com/tributary-ledger/tributary/program/usage"
	"github.com/tributary-ledger/tributary/split"
)

// legacyFixture is the usage program's whole state as an older build left
// it: JSON state chunks, close summaries without a rules revision, epochs
// 0 and 1 closed under the original rules (the lower median of an even
// number of counts, min_score_bp against the score of one participant
// holding everything), epoch 2 reported but not closed. It was written by
// legacyScenario at commit 3371197, the last before rules revision 2 and
// binary chunks; run at a later commit, legacyScenario writes the current
// formats, so the file is kept as it is, never regenerated.
const legacyFixture = "testdata/legacy-state-3371197.json.gz"

// legacyParticipants fill exactly one chunk, so that a participant
// registered later starts a second one.
const legacyParticipants = usage.ChunkSize

func legacyConfig() usage.Config {
	cfg := baseConfig()
	cfg.Metrics = []usage.Metric{{Name: "calls", WeightBP: 6000, ClipBP: 20000}, {Name: "users", WeightBP: 4000}}
	cfg.Pool = usage.Pool{Kind: usage.PoolFixedAmount, Amount: money.FromUint64(1_000_000_00), Account: "usage:pool"}
	cfg.Qualify = usage.Qualify{MinScoreBP: 1}
	cfg.Tier = &usage.Tier{Metric: "users", Threshold: 50, Levels: []usage.TierLevel{{Epochs: 2, MultiplierBP: 15000}}}
	cfg.Smoothing = usage.Smoothing{Kind: usage.SmoothingRolling, Epochs: 2}
	return cfg
}

// legacyReports reports every active participant's calls (at least 1, so
// that epoch 0 has an even number of counts, 4096, and epoch 1, with one
// participant deregistered, an odd one) and most participants' users.
func legacyReports(m *memView, tb testing.TB, rng *rand.Rand, epoch int, skip map[int]bool) {
	at := anchor.AddDate(0, epoch, 0).Add(time.Hour)
	b := usage.Batch{Epoch: uint64(epoch)}
	for i := 0; i < legacyParticipants; i++ {
		if skip[i] {
			continue
		}
		id := fmt.Sprintf("p%04d", i)
		b.Reports = append(b.Reports, usage.Report{Participant: id, Metric: "calls", Count: usage.Count(1 + rng.Uint64N(1<<uint(1+rng.IntN(16))))})
		if rng.IntN(5) > 0 {
			b.Reports = append(b.Reports, usage.Report{Participant: id, Metric: "users", Count: usage.Count(rng.Uint64N(200))})
		}
		if len(b.Reports) >= 1000 {
			m.run(tb, usage.ReportUsage(fmt.Sprintf("rep-%d-%d", epoch, i), at, b))
			b.Reports = nil
		}
	}
	if len(b.Reports) > 0 {
		m.run(tb, usage.ReportUsage(fmt.Sprintf("rep-%d-end", epoch), at, b))
	}
}

// legacyScenario builds the fixture's state.
func legacyScenario(tb testing.TB) *memView {
	m := &memView{state: map[string][]byte{}}
	m.bal.CreditsPosted = money.FromUint64(1 << 40)
	reg := money.NewRegistry()
	m.run(tb, usage.ApplyConfig("cfg", anchor.Add(-time.Hour), legacyConfig(), reg))
	cats := []string{"", "games", "defi"}
	ps := make([]usage.Participant, 0, legacyParticipants)
	for i := 0; i < legacyParticipants; i++ {
		id := fmt.Sprintf("p%04d", i)
		p := usage.Participant{ID: id, Owner: "o:" + id, Account: "a:" + id, Category: cats[i%len(cats)]}
		if i%97 == 5 {
			p.Split = []split.Share{{Account: "a:" + id, ShareBP: 7000}, {Account: "partner:" + id, ShareBP: 3000}}
		}
		ps = append(ps, p)
	}
	m.run(tb, usage.Register("reg", anchor, ps))
	rng := rand.New(rand.NewPCG(18, 3))
	legacyReports(m, tb, rng, 0, nil)
	m.run(tb, usage.CloseEpoch("close-0", anchor.AddDate(0, 1, 0), 0))
	gone := map[int]bool{7: true}
	m.run(tb, usage.Deregister("dereg", anchor.AddDate(0, 1, 0).Add(time.Minute), "p0007", ""))
	legacyReports(m, tb, rng, 1, gone)
	m.run(tb, usage.CloseEpoch("close-1", anchor.AddDate(0, 2, 0), 1))
	legacyReports(m, tb, rng, 2, gone)
	return m
}

// TestWriteLegacyFixture writes the fixture when USAGE_WRITE_LEGACY_FIXTURE
// is set; see legacyFixture for why it is not run otherwise.
func TestWriteLegacyFixture(t *testing.T) {
	if testingEnv("USAGE_WRITE_LEGACY_FIXTURE") == "" {
		t.Skip("USAGE_WRITE_LEGACY_FIXTURE is not set")
	}
	m := legacyScenario(t)
	state := make(map[string]string, len(m.state))
	for k, v := range m.state {
		state[k] = string(v)
	}
	raw, err := json.Marshal(state)
	if err != nil {
		t.Fatal(err)
	}
	f, err := os.Create(legacyFixture)
	if err != nil {
		t.Fatal(err)
	}
	zw, _ := gzip.NewWriterLevel(f, gzip.BestCompression)
	if _, err := zw.Write(raw); err != nil {
		t.Fatal(err)
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	if err := f.Close(); err != nil {
		t.Fatal(err)
	}
}

// readLegacyFixture returns the fixture's state values by key.
func readLegacyFixture(tb testing.TB) map[string][]byte {
	f, err := os.Open(legacyFixture)
	if err != nil {
		tb.Fatal(err)
	}
	defer f.Close()
	zr, err := gzip.NewReader(f)
	if err != nil {
		tb.Fatal(err)
	}
	raw, err := io.ReadAll(zr)
	if err != nil {
		tb.Fatal(err)
	}
	var state map[string]string
	if err := json.Unmarshal(raw, &state); err != nil {
		tb.Fatal(err)
	}
	out := make(map[string][]byte, len(state))
	for k, v := range state {
		out[k] = []byte(v)
	}
	return out
}

// restore is an operation that writes state values as they are, as an
// older build's transactions left them in a store file.
func restore(state map[string][]byte) engine.Op {
	keys := make([]string, 0, len(state))
	for k := range state {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	ws := make([]engine.StateWrite, 0, len(keys))
	for _, k := range keys {
		ws = append(ws, engine.StateWrite{Key: k, Value: state[k]})
	}
	var h ledger.Hasher
	h.String("usage-legacy-restore")
	return engine.Op{Key: "restore", Hash: h.Sum(), Time: anchor, Program: usage.Program, Run: func(engine.View) (engine.Change, error) {
		return engine.Change{Kind: ledger.Config, Ref: "usage:restore", State: ws}, nil
	}}
}

// TestLegacyState: a SQLite store file holding the state an older build
// wrote reads as it did: its closed epochs' statements recompute to the
// digests stored at their close, and the program goes on from it —
// participants registered into a new chunk, reports into the open epoch,
// its close — with every closed epoch still explained.
func TestLegacyState(t *testing.T) {
	v := newEnv(t)
	v.ok(restore(readLegacyFixture(t)))
	explainAll := func(epochs int) {
		t.Helper()
		for e := 0; e < epochs; e++ {
			if _, sum, err := usage.Explain(view{v}, uint64(e)); err != nil {
				t.Errorf("Explain(%d): %v", e, err)
			} else if sum.Slots == 0 || sum.Digest == "" {
				t.Errorf("epoch %d summary = %+v", e, sum)
			}
		}
	}
	explainAll(2)
	format := func(key string) string {
		t.Helper()
		raw, ok, err := v.s.State(v.ctx, usage.Program, key)
		switch {
		case err != nil || !ok:
			t.Fatalf("state %s: %v, %v", key, ok, err)
		case raw[0] == '{':
			return "json"
		case raw[0] == 1:
			return "binary"
		}
		return fmt.Sprintf("unknown (%x…)", raw[:1])
	}
	formats := func(want map[string]string) {
		t.Helper()
		for key, f := range want {
			if got := format(key); got != f {
				t.Errorf("state %s is %s; want %s", key, got, f)
			}
		}
	}
	formats(map[string]string{"pc/0": "json", "r/0/0": "json", "h/0/0": "json", "h/1/0": "json", "r/2/0": "json"})

	// Participants registered now go to slots 4096…, a second chunk, and
	// report into the open epoch 2 beside the older build's reports.
	at := anchor.AddDate(0, 2, 0).Add(2 * time.Hour)
	var ps []usage.Participant
	b := usage.Batch{Epoch: 2}
	for i := 0; i < 10; i++ {
		id := fmt.Sprintf("new%02d", i)
		ps = append(ps, usage.Participant{ID: id, Owner: "o:" + id, Account: "a:" + id})
		b.Reports = append(b.Reports, usage.Report{Participant: id, Metric: "calls", Count: usage.Count(100_000 + i)}, usage.Report{Participant: id, Metric: "users", Count: 150})
	}
	v.ok(usage.Register("reg-new", at, ps))
	v.ok(usage.ReportUsage("rep-new", at, b))
	// Written chunks are binary; the rest stay as they were until written.
	formats(map[string]string{"pc/0": "json", "pc/1": "binary", "r/2/0": "json", "r/2/1": "binary"})
	v.ok(engine.Transfer("fund", at, []ledger.Posting{{From: "@sponsor", To: "usage:pool", Currency: "USD", Amount: money.FromUint64(1_000_000_00), Path: "funding"}}))
	res := v.ok(usage.CloseEpoch("close-2", anchor.AddDate(0, 3, 0), 2))
	if len(res.Entry.Postings) == 0 {
		t.Fatal("the close of epoch 2 paid nobody")
	}
	sum, err := usage.ReadSummary(view{v}, 2)
	if err != nil || sum.Slots != legacyParticipants+10 || sum.Paid.IsZero() {
		t.Fatalf("epoch 2 summary = %+v, %v; want %d slots and payouts", sum, err, legacyParticipants+10)
	}
	if got := v.balance("a:new09"); got == 0 {
		t.Error("a participant registered after the older build's epochs was paid nothing")
	}
	// The close rewrote the participant chunk it read in JSON (every close
	// reads them all) and wrote its snapshots in binary; the closed
	// epochs' reports and snapshots stay as they were, and still explain.
	formats(map[string]string{"pc/0": "binary", "pc/1": "binary", "h/2/0": "binary", "h/2/1": "binary", "r/0/0": "json", "h/1/0": "json", "r/2/0": "json"})
	explainAll(3)

	// The next epoch reads epoch 2's binary snapshots as its history.
	var rest usage.Batch
	rest.Epoch = 3
	for i := 10; i < 200; i++ { // p0007 is deregistered
		rest.Reports = append(rest.Reports, usage.Report{Participant: fmt.Sprintf("p%04d", i), Metric: "calls", Count: usage.Count(1 + i)})
	}
	v.ok(usage.ReportUsage("rep-3", anchor.AddDate(0, 3, 0).Add(time.Hour), rest))
	v.ok(usage.CloseEpoch("close-3", anchor.AddDate(0, 4, 0), 3))
	explainAll(4)
}
