package usage

import (
	"bytes"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"reflect"
	"strconv"
	"strings"
	"testing"

	"github.com/tributary-ledger/tributary/split"
)

// The chunk decoders must agree with encoding/json on every input: the
// same values when both accept, an error when encoding/json refuses. The
// plain types below are decoded by encoding/json alone (no UnmarshalJSON
// of the package's column types), so they are the reference.

type plainPC struct {
	ID       []string                 `json:"id"`
	Owner    []string                 `json:"owner"`
	Account  []string                 `json:"account"`
	Category []string                 `json:"category"`
	Active   []bool                   `json:"active"`
	Split    map[string][]split.Share `json:"split,omitempty"`
}

type plainHistory struct {
	Streak   []uint64   `json:"streak,omitempty"`
	Smoothed []uint64   `json:"smoothed,omitempty"`
	Past     [][]uint64 `json:"past,omitempty"`
}

type plainSnapshot struct {
	Category []string     `json:"category"`
	Active   []bool       `json:"active"`
	History  plainHistory `json:"history"`
}

func plainOfPC(pc participantChunk) plainPC {
	return plainPC{ID: pc.ID, Owner: pc.Owner, Account: pc.Account, Category: pc.Category, Active: pc.Active, Split: pc.Split}
}

func plainOfSnapshot(sn snapshot) plainSnapshot {
	p := plainSnapshot{Category: sn.Category, Active: sn.Active, History: plainHistory{Streak: sn.History.Streak, Smoothed: sn.History.Smoothed}}
	if sn.History.Past != nil {
		p.History.Past = make([][]uint64, len(sn.History.Past))
		for k, col := range sn.History.Past {
			p.History.Past[k] = col
		}
	}
	return p
}

func plainOfReports(rc reportChunk) map[string][]uint64 {
	if rc == nil {
		return nil
	}
	m := make(map[string][]uint64, len(rc))
	for k, col := range rc {
		m[k] = col
	}
	return m
}

// agree decodes b both ways and returns a description of any difference.
func agree(b []byte) string {
	var pc participantChunk
	var ppc plainPC
	errF, errJ := decodeParticipantChunk(b, &pc), json.Unmarshal(b, &ppc)
	if d := compare("participant chunk", errF, errJ, plainOfPC(pc), ppc); d != "" {
		return d
	}
	var sn snapshot
	var psn plainSnapshot
	errF, errJ = decodeSnapshot(b, &sn), json.Unmarshal(b, &psn)
	if d := compare("snapshot", errF, errJ, plainOfSnapshot(sn), psn); d != "" {
		return d
	}
	var rc reportChunk
	var prc map[string][]uint64
	errF, errJ = decodeReportChunk(b, &rc), json.Unmarshal(b, &prc)
	if d := compare("report chunk", errF, errJ, plainOfReports(rc), prc); d != "" {
		return d
	}
	return ""
}

func compare(what string, errF, errJ error, got, want any) string {
	if (errF == nil) != (errJ == nil) {
		return fmt.Sprintf("%s: decoder error %v, encoding/json error %v", what, errF, errJ)
	}
	if errF == nil && !reflect.DeepEqual(got, want) {
		return fmt.Sprintf("%s: decoder %#v, encoding/json %#v", what, got, want)
	}
	return ""
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

// closeChunkRef is how a close decoded chunks before the scanner: all by
// encoding/json, then copied.
func closeChunkRef(pcRaw, rcRaw []byte, n int, metrics []Metric) (*loaded, error) {
	l := &loaded{accounts: make([]string, n), splits: map[int][]split.Share{}}
	l.in.IDs, l.in.Category, l.in.Active = make([]string, n), make([]string, n), make([]bool, n)
	l.in.Counts = make([][]uint64, len(metrics))
	for m := range l.in.Counts {
		l.in.Counts[m] = make([]uint64, n)
	}
	var pc participantChunk
	if err := json.Unmarshal(pcRaw, &pc); err != nil {
		return l, corrupt("participant chunk", "0", err)
	}
	if len(pc.ID) < n || len(pc.Account) < n || len(pc.Category) < n || len(pc.Active) < n {
		return l, fmt.Errorf("usage: participant chunk %d has %d participants; want %d", 0, len(pc.ID), n)
	}
	copy(l.in.IDs, pc.ID)
	copy(l.in.Category, pc.Category)
	copy(l.in.Active, pc.Active)
	copy(l.accounts, pc.Account)
	for k, sp := range pc.Split {
		j, err := strconv.Atoi(k)
		if err != nil || j < 0 || j >= n {
			continue
		}
		if _, dup := l.splits[j]; dup {
			l.splits[j] = nil // two spellings of one slot: either may win
			continue
		}
		l.splits[j] = sp
	}
	if rcRaw != nil {
		var rc reportChunk
		if err := json.Unmarshal(rcRaw, &rc); err != nil {
			return l, corruptState(reportKey(0, 0), err)
		}
		for m, metric := range metrics {
			if col := rc[metric.Name]; col != nil {
				copy(l.in.Counts[m], col)
			}
		}
	}
	return l, nil
}

var testMetrics = []Metric{{Name: "calls"}, {Name: "users"}, {Name: "gas"}}

func agreeClose(pcRaw, rcRaw []byte, n int) string {
	got, errG := closeChunk(pcRaw, rcRaw, n, testMetrics)
	want, errW := closeChunkRef(pcRaw, rcRaw, n, testMetrics)
	if (errG == nil) != (errW == nil) || errG != nil && errG.Error() != errW.Error() {
		return fmt.Sprintf("close chunk: error %v; reference %v", errG, errW)
	}
	if errG != nil {
		return ""
	}
	for _, c := range []struct {
		what      string
		got, want any
	}{{"IDs", got.in.IDs, want.in.IDs}, {"categories", got.in.Category, want.in.Category}, {"active", got.in.Active, want.in.Active},
		{"accounts", got.accounts, want.accounts}, {"counts", got.in.Counts, want.in.Counts}} {
		if !reflect.DeepEqual(c.got, c.want) {
			return fmt.Sprintf("close chunk %s = %v; reference %v", c.what, c.got, c.want)
		}
	}
	// When two keys spell one slot ("07" and "7") the reference picks
	// either, by map order.
	for j, sp := range want.splits {
		if sp != nil && !reflect.DeepEqual(got.splits[j], sp) {
			return fmt.Sprintf("close chunk split of %d = %v; reference %v", j, got.splits[j], sp)
		}
	}
	if len(got.splits) != len(want.splits) {
		return fmt.Sprintf("close chunk splits %v; reference %v", got.splits, want.splits)
	}
	return ""
}

// randName returns a name, mostly plain, sometimes with what needs
// escaping or is not UTF-8.
func randName(rng *rand.Rand) string {
	alphabet := []string{"a", "b", "Z", "0", "9", ".", "_", ":", "-", "/", "@"}
	if rng.IntN(10) == 0 {
		alphabet = append(alphabet, "é", `"`, `\`, "<", "&", "\n", "\x00", "\xff", "\u2028", " ", "€")
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
		return 1<<64 - 1 - rng.Uint64N(3) // 20 digits: off the plain path
	}
	return rng.Uint64N(1 << uint(1+rng.IntN(60)))
}

func randPC(rng *rand.Rand) participantChunk {
	n := rng.IntN(9)
	pc := participantChunk{}
	for _, col := range []*names{&pc.ID, &pc.Owner, &pc.Account, &pc.Category} {
		if rng.IntN(20) == 0 {
			continue // nil: written as null
		}
		m := n
		if rng.IntN(20) == 0 {
			m = rng.IntN(9) // columns that disagree
		}
		*col = make(names, m)
		for i := range *col {
			(*col)[i] = randName(rng)
		}
	}
	if rng.IntN(20) > 0 {
		pc.Active = make(flags, n)
		for i := range pc.Active {
			pc.Active[i] = rng.IntN(2) == 0
		}
	}
	if rng.IntN(3) == 0 {
		pc.Split = map[string][]split.Share{}
		for range 1 + rng.IntN(3) {
			k := fmt.Sprint(rng.IntN(n + 2))
			if rng.IntN(10) == 0 {
				k = "0" + k
			}
			pc.Split[k] = []split.Share{{Account: randName(rng), ShareBP: rng.Uint64N(10001)}}
		}
	}
	return pc
}

func randCol(rng *rand.Rand, n int) counts {
	if rng.IntN(20) == 0 {
		return nil
	}
	col := make(counts, n)
	for i := range col {
		col[i] = randCount(rng)
	}
	return col
}

func randSnapshot(rng *rand.Rand) snapshot {
	n := rng.IntN(7)
	sn := snapshot{Category: make(names, n), Active: make(flags, n)}
	for i := range n {
		sn.Category[i], sn.Active[i] = randName(rng), rng.IntN(2) == 0
	}
	if rng.IntN(3) > 0 {
		sn.History.Streak = randCol(rng, n)
	}
	if rng.IntN(3) > 0 {
		sn.History.Smoothed = randCol(rng, rng.IntN(n+1))
	}
	if rng.IntN(2) == 0 {
		for range rng.IntN(4) {
			sn.History.Past = append(sn.History.Past, randCol(rng, n))
		}
	}
	return sn
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

// perturb changes well-formed JSON in ways encoding/json accepts or
// refuses: space, case, duplicated or unknown keys, nulls, truncation.
func perturb(rng *rand.Rand, b []byte) []byte {
	switch rng.IntN(12) {
	case 0:
		var out bytes.Buffer
		json.Indent(&out, b, " ", "\t")
		return out.Bytes()
	case 1:
		return bytes.Replace(b, []byte(`"id"`), []byte(`"ID"`), 1)
	case 2:
		return bytes.Replace(b, []byte(`{`), []byte(`{"category":[],`), 1)
	case 3:
		return bytes.Replace(b, []byte(`{`), []byte(`{"extra":[1],`), 1)
	case 4:
		return bytes.Replace(b, []byte(`[`), []byte(`null,[`), 1)
	case 5:
		return b[:rng.IntN(len(b)+1)]
	case 6:
		return bytes.Replace(b, []byte(`]`), []byte(`],]`), 1)
	case 7:
		i := rng.IntN(len(b) + 1)
		return append(append(append([]byte{}, b[:i]...), " \n"[rng.IntN(2)]), b[i:]...)
	case 8:
		return bytes.Replace(b, []byte(`1`), []byte(`1.0`), 1)
	case 9:
		return bytes.Replace(b, []byte(`true`), []byte(`tru`), 1)
	}
	return b
}

// TestChunksAgreeWithEncodingJSON: on random chunks, as written and
// perturbed, the decoders give what encoding/json gives, and refuse what
// it refuses; what the program writes itself takes the fast path.
func TestChunksAgreeWithEncodingJSON(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 5))
	for iter := 0; iter < 6000; iter++ {
		var raw []byte
		var plainPath bool
		switch iter % 3 {
		case 0:
			pc := randPC(rng)
			raw, _ = json.Marshal(pc)
			plainPath = pc.Active != nil
			for _, col := range [][]string{pc.ID, pc.Owner, pc.Account, pc.Category} {
				plainPath = plainPath && col != nil
				for _, s := range col {
					plainPath = plainPath && plain(s)
				}
			}
			if plainPath {
				var s scanner
				s.reset(raw)
				var got participantChunk
				if !s.participants(&pcInto{pc: &got, grow: true}) || !s.atEnd() {
					t.Fatalf("participant chunk %s left the fast path", raw)
				}
			}
		case 1:
			sn := randSnapshot(rng)
			raw, _ = json.Marshal(sn)
			plainPath = true
			for _, s := range sn.Category {
				plainPath = plainPath && plain(s)
			}
			for _, col := range append([]counts{sn.History.Streak, sn.History.Smoothed}, sn.History.Past...) {
				for _, v := range col {
					plainPath = plainPath && v < 1e19
				}
				plainPath = plainPath && (col != nil || !bytes.Contains(raw, []byte("null")))
			}
			if plainPath {
				var s scanner
				s.reset(raw)
				var got snapshot
				if !s.snapshotInto(&got, false) || !s.atEnd() {
					t.Fatalf("snapshot %s left the fast path", raw)
				}
			}
		case 2:
			raw, _ = json.Marshal(randReports(rng))
		}
		if rng.IntN(2) == 0 {
			raw = perturb(rng, raw)
		}
		if d := agree(raw); d != "" {
			t.Fatalf("iteration %d, %s:\n%s", iter, raw, d)
		}
		if iter%3 == 0 {
			rc, _ := json.Marshal(randReports(rng))
			if rng.IntN(3) == 0 {
				rc = perturb(rng, rc)
			}
			if d := agreeClose(raw, rc, rng.IntN(9)); d != "" {
				t.Fatalf("iteration %d, %s, %s:\n%s", iter, raw, rc, d)
			}
		}
	}
}

// TestWritersMatchEncodingJSON: the writers give json.Marshal's bytes,
// and step aside only for strings that need escaping.
func TestWritersMatchEncodingJSON(t *testing.T) {
	rng := rand.New(rand.NewPCG(8, 13))
	check := func(what string, v any, b []byte, ok bool, w func(buf *[]byte) []byte) {
		t.Helper()
		want, err := json.Marshal(v)
		if err != nil {
			t.Fatal(err)
		}
		if ok && !bytes.Equal(b, want) {
			t.Fatalf("%s writer:\n%s\nencoding/json:\n%s", what, b, want)
		}
		if !ok && bytes.Equal(b, want) {
			t.Fatalf("%s writer refused %s", what, want)
		}
		var buf []byte
		for range 2 { // the scratch buffer is reused
			if got := w(&buf); !bytes.Equal(got, want) {
				t.Fatalf("%s write:\n%s\nencoding/json:\n%s", what, got, want)
			}
		}
	}
	for range 5000 {
		pc := randPC(rng)
		b, ok := appendParticipantChunk(nil, &pc)
		check("participant chunk", pc, b, ok, func(buf *[]byte) []byte { return writeParticipantChunk("k", &pc, buf).Value })
		sn := randSnapshot(rng)
		b, ok = appendSnapshot(nil, &sn)
		check("snapshot", sn, b, ok, func(buf *[]byte) []byte { return writeSnapshot("k", &sn, buf).Value })
		rc := randReports(rng)
		if rng.IntN(20) == 0 {
			rc = nil
		}
		b, ok = appendReportChunk(nil, rc)
		check("report chunk", rc, b, ok, func(buf *[]byte) []byte { return writeReportChunk("k", rc, buf).Value })
	}
}

// TestPrepare: a chunk read for a change is checked, and written back as
// a chunk built participant by participant would be.
func TestPrepare(t *testing.T) {
	for _, tc := range []struct{ raw, want string }{
		{`{}`, `{"id":[],"owner":[],"account":[],"category":[],"active":[]}`},
		{`{"id":["a"],"owner":["o"],"account":["x"],"category":[""],"active":[true],"split":{"00":[{"account":"y","share_bp":1}],"0":[]}}`,
			`{"id":["a"],"owner":["o"],"account":["x"],"category":[""],"active":[true],"split":{"0":[{"account":"y","share_bp":1}]}}`},
		{`{"id":["a"],"owner":["o"],"account":["x"],"category":[""],"active":[true],"split":{"1":[{"account":"y","share_bp":1}]}}`, "error"},
		{`{"id":["a","b"],"owner":["o"],"account":["x"],"category":[""],"active":[true]}`, "error"},
	} {
		var pc participantChunk
		if err := decodeParticipantChunk([]byte(tc.raw), &pc); err != nil {
			t.Fatal(err)
		}
		if err := pc.prepare(); err != nil {
			if tc.want != "error" {
				t.Errorf("%s: %v", tc.raw, err)
			}
			continue
		}
		var buf []byte
		if got := string(writeParticipantChunk("k", &pc, &buf).Value); got != tc.want {
			t.Errorf("%s written back as %s; want %s", tc.raw, got, tc.want)
		}
	}
}

// FuzzChunks: on any input, the chunk decoders agree with encoding/json
// (values, and whether it is refused) and never panic; so does a close's
// decoding of a participant and a report chunk into its slots.
func FuzzChunks(f *testing.F) {
	rng := rand.New(rand.NewPCG(1, 2))
	for range 8 {
		pc, sn, rc := randPC(rng), randSnapshot(rng), randReports(rng)
		for _, v := range []any{pc, sn, rc} {
			b, _ := json.Marshal(v)
			f.Add(b)
		}
	}
	for _, s := range []string{
		`{"id":["a"],"owner":["o"],"account":["x"],"category":[""],"active":[true],"split":{"0":[{"account":"y","share_bp":10000}]}}`,
		`{"category":["a"],"active":[false],"history":{"streak":[1],"smoothed":[2],"past":[[3],[]]}}`,
		`{"calls":[1,2,3],"users":[0]}`, `{"calls":[1],"calls":[2]}`, `{"id":["\u0061"]}`, `{"Id":["a"]}`, `null`, `{}`, `[]`,
		`{"calls":[18446744073709551615]}`, `{"calls":[18446744073709551616]}`, `{"calls":[01]}`, `{"active":[true,]}`, "{\"id\":[\"\xff\"]}",
	} {
		f.Add([]byte(s))
	}
	valid, _ := json.Marshal(participantChunk{ID: names{"a", "b"}, Owner: names{"o", "o"}, Account: names{"x", "y"}, Category: names{"", "c"}, Active: flags{true, false}})
	f.Fuzz(func(t *testing.T, b []byte) {
		if d := agree(b); d != "" {
			t.Fatal(d)
		}
		if d := agreeClose(b, nil, 2); d != "" {
			t.Fatal(d)
		}
		if d := agreeClose(valid, b, 2); d != "" {
			t.Fatal(d)
		}
	})
}
