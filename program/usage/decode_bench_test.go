package usage

import (
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"testing"

	"github.com/tributary-ledger/tributary/money"
)

// benchChunks returns a full participant chunk and report chunk as a
// close of the 1M benchmark reads them, in the binary encoding or, with
// legacy, in the JSON of older versions.
func benchChunks(legacy bool) (pc, rc []byte) {
	rng := rand.New(rand.NewPCG(1, 1))
	var p participantChunk
	r := reportChunk{}
	for _, m := range []string{"volume", "users", "calls", "gas"} {
		col := make([]uint64, ChunkSize)
		for i := range col {
			col[i] = 2 + rng.Uint64N(1<<uint(4+rng.IntN(20)))
		}
		r[m] = col
	}
	for i := range ChunkSize {
		id := fmt.Sprintf("app-%07d", i)
		p.ID, p.Owner, p.Account = append(p.ID, id), append(p.Owner, "dev:"+id), append(p.Account, "dev:"+id)
		p.Category, p.Active = append(p.Category, ""), append(p.Active, true)
	}
	if legacy {
		pc, _ = json.Marshal(participantChunkJSON{ID: p.ID, Owner: p.Owner, Account: p.Account, Category: p.Category, Active: p.Active})
		rc, _ = json.Marshal(r)
		return pc, rc
	}
	return appendParticipantChunk(nil, &p), appendReportChunk(nil, r)
}

// BenchmarkDecodeChunk is a close's decoding of one chunk of 4096
// participants and their four counts, in the binary encoding and in the
// JSON of older versions (read once, by the first close after an
// upgrade).
func BenchmarkDecodeChunk(b *testing.B) {
	for _, legacy := range []bool{false, true} {
		b.Run(map[bool]string{false: "binary", true: "json"}[legacy], func(b *testing.B) {
			pcRaw, rcRaw := benchChunks(legacy)
			metrics := []Metric{{Name: "volume"}, {Name: "users"}, {Name: "calls"}, {Name: "gas"}}
			l := &loaded{accounts: make([]string, ChunkSize)}
			l.in.Config.Metrics = metrics
			l.in.IDs, l.in.Category, l.in.Active = make([]string, ChunkSize), make([]string, ChunkSize), make([]bool, ChunkSize)
			l.in.Counts = make([][]uint64, len(metrics))
			for m := range l.in.Counts {
				l.in.Counts[m] = make([]uint64, ChunkSize)
			}
			b.SetBytes(int64(len(pcRaw) + len(rcRaw)))
			b.ReportAllocs()
			for b.Loop() {
				ci := &chunkIn{pc: pcRaw, rc: rcRaw, rcOK: true}
				if err := l.decodeChunk(ci, 0, 0, ChunkSize, false); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// BenchmarkWriteChunk is a registration's writing of a full participant
// chunk.
func BenchmarkWriteChunk(b *testing.B) {
	pcRaw, _ := benchChunks(false)
	var pc participantChunk
	if err := decodeParticipantChunk(pcRaw, &pc); err != nil {
		b.Fatal(err)
	}
	var buf []byte
	b.SetBytes(int64(len(pcRaw)))
	b.ReportAllocs()
	for b.Loop() {
		writeParticipantChunk("pc/0", &pc, &buf)
	}
}

// BenchmarkAppendRows formats the statement lines of 100,000
// participants (four metrics, every step of the score), without hashing.
func BenchmarkAppendRows(b *testing.B) {
	const n = 100_000
	rng := rand.New(rand.NewPCG(42, 42))
	cfg := Config{
		Currency: "USD",
		Metrics:  []Metric{{Name: "volume", WeightBP: 4000, ClipBP: 30000}, {Name: "users", WeightBP: 3000}, {Name: "calls", WeightBP: 2000}, {Name: "gas", WeightBP: 1000}},
		Pool:     Pool{Kind: PoolFixedAmount, Amount: money.FromUint64(1_000_000_000_000), Account: "usage:pool"},
		Formula:  Formula{Kind: ProRata},
	}
	in := &Input{Config: cfg, IDs: make([]string, n), Category: make([]string, n), Active: make([]bool, n), Funding: money.Max, Counts: make([][]uint64, 4)}
	for m := range in.Counts {
		in.Counts[m] = make([]uint64, n)
		for i := range in.Counts[m] {
			in.Counts[m][i] = rng.Uint64N(1 << uint(4+rng.IntN(20)))
		}
	}
	for i := range n {
		in.IDs[i], in.Active[i] = fmt.Sprintf("app-%07d", i), true
	}
	o, err := Close(in)
	if err != nil {
		b.Fatal(err)
	}
	buf := make([]byte, 0, 1<<20)
	b.ReportAllocs()
	for b.Loop() {
		for i := range n {
			buf = o.AppendRow(buf[:0], i)
		}
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*n), "ns/row")
}
