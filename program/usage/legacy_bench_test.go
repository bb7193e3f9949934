package usage

import (
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"strings"
	"testing"
	"time"

	"github.com/tributary-ledger/tributary/engine"
	"github.com/tributary-ledger/tributary/ledger"
	"github.com/tributary-ledger/tributary/money"
)

// mapView is a View over a map, funded without limit.
type mapView map[string][]byte

func (m mapView) State(key string) ([]byte, bool, error) { v, ok := m[key]; return v, ok, nil }
func (m mapView) Withdrawal(string) (ledger.Withdrawal, bool, error) {
	return ledger.Withdrawal{}, false, nil
}
func (m mapView) Balance(string, string) (ledger.Balance, error) {
	return ledger.Balance{CreditsPosted: money.FromUint64(1 << 50)}, nil
}

func (m mapView) run(tb testing.TB, op engine.Op) {
	ch, err := op.Run(m)
	if err != nil {
		tb.Fatalf("%s: %v", op.Key, err)
	}
	for _, w := range ch.State {
		m[w.Key] = w.Value
	}
}

// BenchmarkCloseEpochLegacy1M is the first close after an upgrade from
// JSON chunks, at its worst: 1,000,000 participants whose participant and
// report chunks are all in the JSON of older versions, read with
// encoding/json, and the participant chunks rewritten in binary. The
// state is that of BenchmarkCloseEpochState1M (four metrics, no history),
// built here with the program's own operations and then turned to JSON.
func BenchmarkCloseEpochLegacy1M(b *testing.B) {
	const n = 1_000_000
	anchor := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	cfg := Config{
		Currency: "USD",
		Epoch:    Epoch{Length: EpochMonth, Anchor: anchor},
		Metrics:  []Metric{{Name: "volume", WeightBP: 4000, ClipBP: 30000}, {Name: "users", WeightBP: 3000}, {Name: "calls", WeightBP: 2000}, {Name: "gas", WeightBP: 1000}},
		Pool:     Pool{Kind: PoolFixedAmount, Amount: money.FromUint64(1_000_000_000_000), Account: "usage:pool"},
		Formula:  Formula{Kind: ProRata},
		CapBP:    100,
		Qualify:  Qualify{ActiveUsersMetric: "users", MinActiveUsers: 2},
	}
	m := mapView{}
	m.run(b, ApplyConfig("cfg", anchor, cfg, money.NewRegistry()))
	rng := rand.New(rand.NewPCG(1, 1))
	for lo := 0; lo < n; lo += ParticipantsPerOpMax {
		hi := min(lo+ParticipantsPerOpMax, n)
		ps := make([]Participant, 0, hi-lo)
		bt := Batch{}
		for j := lo; j < hi; j++ {
			id := fmt.Sprintf("app-%07d", j)
			ps = append(ps, Participant{ID: id, Owner: "dev:" + id, Account: "dev:" + id})
			for _, metric := range cfg.Metrics {
				bt.Reports = append(bt.Reports, Report{Participant: id, Metric: metric.Name, Count: Count(2 + rng.Uint64N(1<<uint(4+rng.IntN(20))))})
			}
		}
		m.run(b, Register(fmt.Sprintf("reg-%d", lo), anchor, ps))
		for k := 0; k < len(bt.Reports); k += ReportsMax {
			m.run(b, ReportUsage(fmt.Sprintf("rep-%d-%d", lo, k), anchor.Add(time.Hour), Batch{Reports: bt.Reports[k:min(k+ReportsMax, len(bt.Reports))]}))
		}
	}
	legacy := mapView{}
	for k, v := range m {
		switch {
		case strings.HasPrefix(k, "pc/"):
			var pc participantChunk
			if err := decodeParticipantChunk(v, &pc); err != nil {
				b.Fatal(err)
			}
			v, _ = json.Marshal(participantChunkJSON{ID: pc.ID, Owner: pc.Owner, Account: pc.Account, Category: pc.Category, Active: pc.Active})
		case strings.HasPrefix(k, "r/"):
			var rc reportChunk
			if err := decodeReportChunk(v, &rc); err != nil {
				b.Fatal(err)
			}
			v, _ = json.Marshal(rc)
		}
		legacy[k] = v
	}
	for _, view := range []struct {
		name string
		m    mapView
	}{{"binary", m}, {"json", legacy}} {
		b.Run(view.name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				ch, err := CloseEpoch("close", anchor.AddDate(0, 1, 0), 0).Run(view.m)
				if err != nil {
					b.Fatal(err)
				}
				if len(ch.Postings) == 0 {
					b.Fatal("no postings")
				}
			}
		})
	}
}
