package usage

import (
	"bytes"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"reflect"
	"strings"
	"testing"

	"github.com/tributary-ledger/tributary/split"
)

// randName returns a name, mostly plain, sometimes with bytes a validated
// name never has (the encoding does not care).
func randName(rng *rand.Rand) string {
	alphabet := []string{"a", "b", "Z", "0", "9", ".", "_", ":", "-", "app-000", "dev:"}
	if rng.IntN(10) == 0 {
		alphabet = append(alphabet, "é", `"`, `\`, "<", "\n", "\x00", "\xff", "€")
	}
	var b strings.Builder
	for range rng.IntN(12) {
		b.WriteString(alphabet[rng.IntN(len(alphabet))])
	}
	return b.String()
}

func randCount(rng *rand.Rand) uint64 {
	switch rng.IntN(8) {
	case 0:
		return 0
	case 1:
		return 1<<64 - 1 - rng.Uint64N(3)
	}
	return rng.Uint64N(1 << uint(1+rng.IntN(60)))
}

func randCol(rng *rand.Rand, n int) []uint64 {
	col := make([]uint64, n)
	for i := range col {
		col[i] = randCount(rng)
	}
	return col
}

// randPC returns a prepared participant chunk: columns of one length.
func randPC(rng *rand.Rand) participantChunk {
	n := rng.IntN(20)
	if rng.IntN(50) == 0 {
		n = ChunkSize
	}
	pc := participantChunk{}
	if err := pc.prepare(); err != nil {
		panic(err)
	}
	for i := 0; i < n; i++ {
		id := fmt.Sprintf("app-%07d", i)
		if rng.IntN(5) == 0 {
			id = randName(rng)
		}
		p := Participant{ID: id, Owner: "dev:" + id, Account: "acct:" + id, Category: []string{"", "games", randName(rng)}[rng.IntN(3)], Active: rng.IntN(4) > 0}
		if rng.IntN(6) == 0 {
			p.Split = []split.Share{{Account: randName(rng), ShareBP: rng.Uint64N(10001)}, {Account: "x", ShareBP: rng.Uint64()}}
		}
		pc.add(p)
	}
	return pc
}

func randReports(rng *rand.Rand) reportChunk {
	rc := reportChunk{}
	for range rng.IntN(5) {
		name := testMetrics[rng.IntN(len(testMetrics))].Name
		if rng.IntN(3) == 0 {
			name = randName(rng)
		}
		rc[name] = randCol(rng, rng.IntN(9))
	}
	return rc
}

func randSnapshot(rng *rand.Rand) snapshot {
	n := rng.IntN(9)
	sn := snapshot{Category: make([]string, n), Active: make([]bool, n)}
	for i := range n {
		sn.Category[i], sn.Active[i] = randName(rng), rng.IntN(2) == 0
	}
	if rng.IntN(3) > 0 {
		sn.History.Streak = randCol(rng, n)
	}
	if rng.IntN(3) > 0 {
		sn.History.Smoothed = randCol(rng, rng.IntN(n+1))
	}
	for range rng.IntN(4) {
		sn.History.Past = append(sn.History.Past, randCol(rng, n))
	}
	return sn
}

var testMetrics = []Metric{{Name: "calls"}, {Name: "users"}, {Name: "gas"}}

// same compares decoded chunks, an empty column equal to a missing one.
func same(a, b any) bool {
	ja, _ := json.Marshal(a)
	jb, _ := json.Marshal(b)
	return bytes.Equal(bytes.ReplaceAll(ja, []byte("null"), []byte("[]")), bytes.ReplaceAll(jb, []byte("null"), []byte("[]")))
}

// TestChunksRoundTrip: every chunk decodes to what was encoded, and the
// encoding is about a third of the JSON of older versions for a full
// chunk of the shape a close reads.
func TestChunksRoundTrip(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 5))
	var buf []byte
	for iter := 0; iter < 3000; iter++ {
		pc := randPC(rng)
		raw := writeParticipantChunk("k", &pc, &buf).Value
		var back participantChunk
		if err := decodeParticipantChunk(raw, &back); err != nil {
			t.Fatalf("participant chunk %x: %v", raw, err)
		}
		if err := back.prepare(); err != nil || !same(back, pc) {
			t.Fatalf("participant chunk round trip: %+v, %v; want %+v", back, err, pc)
		}
		rc := randReports(rng)
		raw = writeReportChunk("k", rc, &buf).Value
		var rback reportChunk
		if err := decodeReportChunk(raw, &rback); err != nil || !same(rback, rc) {
			t.Fatalf("report chunk round trip: %v, %v; want %v", rback, err, rc)
		}
		sn := randSnapshot(rng)
		raw = writeSnapshot("k", &sn, &buf).Value
		var sback snapshot
		if err := decodeSnapshot(raw, &sback, false); err != nil || !same(sback, sn) {
			t.Fatalf("snapshot round trip: %+v, %v; want %+v", sback, err, sn)
		}
	}
	pcRaw, rcRaw := benchChunks(false)
	pcJSON, rcJSON := benchChunks(true)
	if len(pcRaw)*2 > len(pcJSON) || len(rcRaw)*2 > len(rcJSON) {
		t.Errorf("a full chunk takes %d and %d bytes; its JSON %d and %d", len(pcRaw), len(rcRaw), len(pcJSON), len(rcJSON))
	}
}

// TestLegacyJSONChunks: chunks in the JSON of older versions read as they
// did, split keys spelled twice or empty included.
func TestLegacyJSONChunks(t *testing.T) {
	var pc participantChunk
	raw := `{"id":["a","b"],"owner":["o","p"],"account":["x","y"],"category":["","c"],"active":[true,false],"split":{"01":[{"account":"q","share_bp":1}],"1":[{"account":"y","share_bp":10000}],"0":[]}}`
	if err := decodeParticipantChunk([]byte(raw), &pc); err != nil {
		t.Fatal(err)
	}
	want := participantChunk{ID: []string{"a", "b"}, Owner: []string{"o", "p"}, Account: []string{"x", "y"}, Category: []string{"", "c"}, Active: []bool{true, false},
		Split: map[int][]split.Share{1: {{Account: "y", ShareBP: 10000}}}}
	if !reflect.DeepEqual(pc, want) {
		t.Errorf("legacy participant chunk = %+v; want %+v", pc, want)
	}
	if err := decodeParticipantChunk([]byte(`{"id":["a"],"split":{"x":[{"account":"q","share_bp":1}]}}`), &pc); err == nil {
		t.Error("a split key that is no offset was accepted")
	}
	var rc reportChunk
	if err := decodeReportChunk([]byte(`{"calls":[1,2,3],"users":[0]}`), &rc); err != nil || !reflect.DeepEqual(rc, reportChunk{"calls": {1, 2, 3}, "users": {0}}) {
		t.Errorf("legacy report chunk = %v, %v", rc, err)
	}
	var sn snapshot
	if err := decodeSnapshot([]byte(`{"category":["a",""],"active":[false,true],"history":{"streak":[1,0],"past":[[3,4],[]]}}`), &sn, false); err != nil ||
		!reflect.DeepEqual(sn, snapshot{Category: []string{"a", ""}, Active: []bool{false, true}, History: History{Streak: []uint64{1, 0}, Past: [][]uint64{{3, 4}, {}}}}) {
		t.Errorf("legacy snapshot = %+v, %v", sn, err)
	}
	for _, bad := range []string{`{"id":[1]}`, `[`, ``, `{"calls":[-1]}`} {
		if decodeParticipantChunk([]byte(bad), &pc) == nil && decodeReportChunk([]byte(bad), &rc) == nil {
			t.Errorf("%q decoded", bad)
		}
	}
}

// closeChunk decodes raw participant and report chunks the way a close
// does, into slots 0 … n-1 of a fresh input, and returns what it got.
func closeChunk(pcRaw, rcRaw []byte, n int, metrics []Metric) (*loaded, error) {
	l := &loaded{accounts: make([]string, n)}
	l.in.Config.Metrics = metrics
	l.in.IDs, l.in.Category, l.in.Active = make([]string, n), make([]string, n), make([]bool, n)
	l.in.Counts = make([][]uint64, len(metrics))
	for m := range l.in.Counts {
		l.in.Counts[m] = make([]uint64, n)
	}
	ci := &chunkIn{pc: pcRaw, rc: rcRaw, rcOK: rcRaw != nil}
	err := l.decodeChunk(ci, 0, 0, n, false)
	l.splits = map[int][]split.Share{}
	for _, s := range ci.splits {
		l.splits[s.slot] = s.split
	}
	return l, err
}

// closeChunkRef is what a close must get: the whole chunks decoded, then
// the first n slots taken.
func closeChunkRef(pcRaw, rcRaw []byte, n int, metrics []Metric) (*loaded, error) {
	l := &loaded{accounts: make([]string, n), splits: map[int][]split.Share{}}
	l.in.IDs, l.in.Category, l.in.Active = make([]string, n), make([]string, n), make([]bool, n)
	l.in.Counts = make([][]uint64, len(metrics))
	for m := range l.in.Counts {
		l.in.Counts[m] = make([]uint64, n)
	}
	var pc participantChunk
	if err := decodeParticipantChunk(pcRaw, &pc); err != nil {
		return l, err
	}
	if len(pc.ID) < n || len(pc.Account) < n || len(pc.Category) < n || len(pc.Active) < n {
		return l, fmt.Errorf("usage: participant chunk %d has %d participants; want %d", 0, len(pc.ID), n)
	}
	copy(l.in.IDs, pc.ID)
	copy(l.in.Category, pc.Category)
	copy(l.in.Active, pc.Active)
	copy(l.accounts, pc.Account)
	for j, sp := range pc.Split {
		if j < n {
			l.splits[j] = sp
		}
	}
	if rcRaw != nil {
		var rc reportChunk
		if err := decodeReportChunk(rcRaw, &rc); err != nil {
			return l, err
		}
		for m, metric := range metrics {
			copy(l.in.Counts[m], rc[metric.Name])
		}
	}
	return l, nil
}

func agreeClose(pcRaw, rcRaw []byte, n int) string {
	got, errG := closeChunk(pcRaw, rcRaw, n, testMetrics)
	want, errW := closeChunkRef(pcRaw, rcRaw, n, testMetrics)
	if (errG == nil) != (errW == nil) {
		return fmt.Sprintf("close chunk: error %v; reference %v", errG, errW)
	}
	if errG != nil {
		return ""
	}
	for _, c := range []struct {
		what      string
		got, want any
	}{{"IDs", got.in.IDs, want.in.IDs}, {"categories", got.in.Category, want.in.Category}, {"active", got.in.Active, want.in.Active},
		{"accounts", got.accounts, want.accounts}, {"counts", got.in.Counts, want.in.Counts}, {"splits", got.splits, want.splits}} {
		if !reflect.DeepEqual(c.got, c.want) {
			return fmt.Sprintf("close chunk %s = %v; reference %v", c.what, c.got, c.want)
		}
	}
	return ""
}

// TestCloseDecodesAsWhole: a close's decoding of chunks into its slots
// gives what decoding them whole gives, in both encodings, with fewer
// slots than the chunk holds (an epoch closed before later
// registrations) and more (refused).
func TestCloseDecodesAsWhole(t *testing.T) {
	rng := rand.New(rand.NewPCG(8, 13))
	var buf []byte
	for iter := 0; iter < 3000; iter++ {
		pc, rc := randPC(rng), randReports(rng)
		pcRaw := writeParticipantChunk("k", &pc, &buf).Value
		rcRaw := writeReportChunk("k", rc, &buf).Value
		if iter%2 == 0 { // an older version's JSON
			j := participantChunkJSON{ID: pc.ID, Owner: pc.Owner, Account: pc.Account, Category: pc.Category, Active: pc.Active, Split: map[string][]split.Share{}}
			for k, sp := range pc.Split {
				j.Split[fmt.Sprint(k)] = sp
			}
			pcRaw, _ = json.Marshal(j)
			rcRaw, _ = json.Marshal(rc)
		}
		if d := agreeClose(pcRaw, rcRaw, rng.IntN(pc.len()+2)); d != "" {
			t.Fatalf("iteration %d: %s", iter, d)
		}
	}
}

// TestPrepare: a chunk read for a change is checked.
func TestPrepare(t *testing.T) {
	for _, tc := range []struct {
		pc participantChunk
		ok bool
	}{
		{participantChunk{}, true},
		{participantChunk{ID: []string{"a"}, Owner: []string{"o"}, Account: []string{"x"}, Category: []string{""}, Active: []bool{true}, Split: map[int][]split.Share{0: {{Account: "y", ShareBP: 1}}}}, true},
		{participantChunk{ID: []string{"a"}, Owner: []string{"o"}, Account: []string{"x"}, Category: []string{""}, Active: []bool{true}, Split: map[int][]split.Share{1: {{Account: "y", ShareBP: 1}}}}, false},
		{participantChunk{ID: []string{"a", "b"}, Owner: []string{"o"}, Account: []string{"x"}, Category: []string{""}, Active: []bool{true}}, false},
	} {
		if err := tc.pc.prepare(); (err == nil) != tc.ok {
			t.Errorf("prepare(%+v) = %v; want ok %v", tc.pc, err, tc.ok)
		}
	}
}

// FuzzChunks: on any input the decoders never panic; what they accept
// encodes and decodes again to the same; a close's decoding into its slots
// agrees with decoding the chunk whole.
func FuzzChunks(f *testing.F) {
	rng := rand.New(rand.NewPCG(1, 2))
	var buf []byte
	for range 8 {
		pc, sn, rc := randPC(rng), randSnapshot(rng), randReports(rng)
		f.Add(writeParticipantChunk("k", &pc, &buf).Value)
		f.Add(writeSnapshot("k", &sn, &buf).Value)
		f.Add(writeReportChunk("k", rc, &buf).Value)
	}
	for _, s := range []string{
		`{"id":["a"],"owner":["o"],"account":["x"],"category":[""],"active":[true],"split":{"0":[{"account":"y","share_bp":10000}]}}`,
		`{"category":["a"],"active":[false],"history":{"streak":[1],"smoothed":[2],"past":[[3],[]]}}`,
		`{"calls":[1,2,3],"users":[0]}`, "\x01", "\x01\x00\x00", "\x01\x01\x00\x01a\x00\x01b\x00\x01c\x00\x00\x01\x00",
	} {
		f.Add([]byte(s))
	}
	valid := writeParticipantChunk("k", &participantChunk{ID: []string{"a", "b"}, Owner: []string{"o", "o"}, Account: []string{"x", "y"}, Category: []string{"", "c"}, Active: []bool{true, false}}, &buf).Value
	f.Fuzz(func(t *testing.T, b []byte) {
		var pc participantChunk
		if decodeParticipantChunk(b, &pc) == nil && isBinary(b) {
			var again participantChunk
			if err := decodeParticipantChunk(appendParticipantChunk(nil, &pc), &again); err != nil || !same(again, pc) {
				t.Fatalf("participant chunk %+v encodes to something else: %+v, %v", pc, again, err)
			}
		}
		var rc reportChunk
		if decodeReportChunk(b, &rc) == nil && isBinary(b) {
			var again reportChunk
			if err := decodeReportChunk(appendReportChunk(nil, rc), &again); err != nil || !same(again, rc) {
				t.Fatalf("report chunk %v encodes to something else: %v, %v", rc, again, err)
			}
		}
		var sn snapshot
		if decodeSnapshot(b, &sn, false) == nil && isBinary(b) {
			var again snapshot
			if err := decodeSnapshot(appendSnapshot(nil, &sn), &again, false); err != nil || !same(again, sn) {
				t.Fatalf("snapshot %+v encodes to something else: %+v, %v", sn, again, err)
			}
		}
		if d := agreeClose(b, nil, 2); d != "" {
			t.Fatal(d)
		}
		if d := agreeClose(valid, b, 2); d != "" {
			t.Fatal(d)
		}
	})
}
