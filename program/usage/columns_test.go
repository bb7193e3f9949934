package usage

import (
	"encoding/json"
	"fmt"
	"testing"

	"github.com/tributary-ledger/tributary/split"
)

// decodeBoth decodes b with the column type and with encoding/json into
// the plain slice, and says whether they agree.
func decodeBoth[C any, P any](b []byte) (agree bool, detail string) {
	var c C
	var p P
	errC, errP := json.Unmarshal(b, &c), json.Unmarshal(b, &p)
	if (errC == nil) != (errP == nil) {
		return false, fmt.Sprintf("column error %v, encoding/json error %v", errC, errP)
	}
	if errC != nil {
		return true, ""
	}
	jc, _ := json.Marshal(c)
	jp, _ := json.Marshal(p)
	return string(jc) == string(jp), fmt.Sprintf("column %s, encoding/json %s", jc, jp)
}

func TestColumns(t *testing.T) {
	for _, in := range []string{`[]`, ` [ "a" , "b:c" ] `, `["a\"b"]`, `["é"]`, `[1,2]`, `[`, `["a",]`, `null`, `["\u00e9", "x"]`, "[\"\xff\"]"} {
		if ok, d := decodeBoth[names, []string]([]byte(in)); !ok {
			t.Errorf("names %s: %s", in, d)
		}
	}
	for _, in := range []string{`[]`, `[0,1,18446744073709551615]`, `[01]`, `[1.5]`, `[-1]`, `[1e3]`, `[ 7 ]`, `[18446744073709551616]`, `["1"]`} {
		if ok, d := decodeBoth[counts, []uint64]([]byte(in)); !ok {
			t.Errorf("counts %s: %s", in, d)
		}
	}
	for _, in := range []string{`[]`, `[true,false]`, `[ true ]`, `[1]`, `[tru]`} {
		if ok, d := decodeBoth[flags, []bool]([]byte(in)); !ok {
			t.Errorf("flags %s: %s", in, d)
		}
	}
	ps := []Participant{{ID: "a", Owner: "o", Account: "x", Active: true, Slot: 8192}, {ID: "b", Owner: "o", Account: "y", Category: "c", Split: []split.Share{{Account: "y", ShareBP: 10000}}, Slot: 8193}}
	var pc participantChunk
	if err := pc.prepare(); err != nil {
		t.Fatal(err)
	}
	for _, p := range ps {
		pc.add(p)
	}
	raw, _ := json.Marshal(pc)
	var back participantChunk
	if err := decodeParticipantChunk(raw, &back); err != nil {
		t.Fatal(err)
	}
	if err := back.prepare(); err != nil {
		t.Fatal(err)
	}
	for i, p := range ps {
		if got := back.at(i, 8192); fmt.Sprint(got) != fmt.Sprint(p) {
			t.Errorf("chunk round trip %d = %v; want %v", i, got, p)
		}
	}
}

// FuzzColumns: the hand-written column decoders agree with encoding/json
// on every input, accepted or refused.
func FuzzColumns(f *testing.F) {
	for _, s := range []string{`["a","b"]`, `[1,2,3]`, `[true,false]`, `[ ]`, `["a\n"]`, `[01]`} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		if ok, d := decodeBoth[names, []string](b); !ok {
			t.Fatalf("names %q: %s", b, d)
		}
		if ok, d := decodeBoth[counts, []uint64](b); !ok {
			t.Fatalf("counts %q: %s", b, d)
		}
		if ok, d := decodeBoth[flags, []bool](b); !ok {
			t.Fatalf("flags %q: %s", b, d)
		}
	})
}
