package usage

import (
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"testing"
)

// benchChunks returns a full participant chunk and report chunk as a
// close of the 1M benchmark reads them.
func benchChunks() (pc, rc []byte) {
	rng := rand.New(rand.NewPCG(1, 1))
	var p participantChunk
	r := reportChunk{}
	for _, m := range []string{"volume", "users", "calls", "gas"} {
		col := make(counts, ChunkSize)
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
	pc, _ = json.Marshal(p)
	rc, _ = json.Marshal(r)
	return pc, rc
}

// BenchmarkDecodeChunk is a close's decoding of one chunk of 4096
// participants and their four counts.
func BenchmarkDecodeChunk(b *testing.B) {
	pcRaw, rcRaw := benchChunks()
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
}

// BenchmarkWriteChunk is a registration's writing of a full participant
// chunk.
func BenchmarkWriteChunk(b *testing.B) {
	pcRaw, _ := benchChunks()
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
