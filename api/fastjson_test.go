package api

import (
	"bytes"
	"encoding/json"
	"net/http/httptest"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/tributary-ledger/tributary/errcode"
	"github.com/tributary-ledger/tributary/wire"
)

// The plain JSON paths must answer exactly as encoding/json does, on any
// input: these tests compare the two, and the fuzzers below do so on
// arbitrary input (go test -fuzz=FuzzFastDecode and so on).

var fastRequests = []string{
	`{"postings":[{"from":"@buyer:1","to":"payee:1","amount":"990000","currency":"USDC","path":"bench → split 50%"},{"from":"@buyer:1","to":"platform:fee","amount":"250000","currency":"USDC"}]}`,
	` { "postings" : [ ] } `,
	`{}`,
	`{"postings":[{}]}`,
	`{"entries":[{"key":"k1","postings":[{"from":"@w","to":"a","amount":"1","currency":"USD"}]},{"key":"k2","postings":[]}]}`,
	`{"entries":[]}`,
}

// Each is outside the plain subset, or not JSON, or refused.
var slowRequests = []string{
	``, ` `, `{`, `[`, `null`, `{"postings":null}`, `{"Postings":[]}`, `{"postings":[],"postings":[]}`,
	`{"postings":[{"from":"a","from":"b"}]}`, `{"postings":[{"from":"a\"b"}]}`, `{"postings":[{"from":"\u00e9"}]}`,
	`{"postings":[{"from":"\xff"}]}`, `{"postings":[{"from":1}]}`, `{"postings":[{"extra":"x"}]}`, `{"x":1}`,
	`{"postings":[]} {}`, `{"postings":[]}x`, `{"postings":[],}`, `{"postings":[{"from":"a"},]}`, `{"postings":[{"amount":"1",}]}`,
	"{\"postings\":[{\"from\":\"a\tb\"}]}", `{"entries":[{"key":"k","key":"k"}]}`, `{"entries":null}`, `{"entries":[{"Key":"k"}]}`,
	`{"postings":[{"from":"a"}]`, `{"postings":[{"from":"a"`, `{"postings":{}}`, `{"postings":"x"}`,
}

// decodeBoth decodes body into a fresh T with decode and with encoding/json
// alone, and fails the test where they differ in value or error.
func decodeBoth[T any](t *testing.T, body string) {
	t.Helper()
	var fast, slow T
	errFast := decode(httptest.NewRequest("POST", "/v1/entries", strings.NewReader(body)), &fast)
	errSlow := decodeFrom(strings.NewReader(body), &slow)
	if (errFast == nil) != (errSlow == nil) || errFast != nil && (errFast.Error() != errSlow.Error() || errcode.Code(errFast) != errcode.Code(errSlow)) {
		t.Fatalf("decode %T of %q: error %v; encoding/json says %v", &fast, body, errFast, errSlow)
	}
	if !reflect.DeepEqual(fast, slow) {
		t.Fatalf("decode %T of %q = %#v; encoding/json says %#v", &fast, body, fast, slow)
	}
}

func TestFastDecode(t *testing.T) {
	for _, body := range append(append([]string{}, fastRequests...), slowRequests...) {
		decodeBoth[wire.EntryRequest](t, body)
		decodeBoth[wire.BatchRequest](t, body)
	}
	// The plain bodies do take the plain path.
	for i, body := range fastRequests {
		var v any = &wire.EntryRequest{}
		if strings.Contains(body, "entries") {
			v = &wire.BatchRequest{}
		}
		if !wire.DecodeFast([]byte(body), v) {
			t.Errorf("fastRequests[%d] %q does not take the plain path", i, body)
		}
	}
	for _, body := range slowRequests {
		if wire.DecodeFast([]byte(body), &wire.EntryRequest{}) || wire.DecodeFast([]byte(body), &wire.BatchRequest{}) {
			t.Errorf("%q takes the plain path", body)
		}
	}
}

func FuzzFastDecode(f *testing.F) {
	for _, s := range append(append([]string{}, fastRequests...), slowRequests...) {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, body string) {
		decodeBoth[wire.EntryRequest](t, body)
		decodeBoth[wire.BatchRequest](t, body)
	})
}

// fuzzEntry builds an entry from fuzz input: fields are cut from s at '|'.
func fuzzEntry(seq uint64, nanos int64, offset int32, s string) wire.EntryJSON {
	f := strings.Split(s, "|")
	field := func(i int) string {
		if i < len(f) {
			return f[i]
		}
		return ""
	}
	loc := time.UTC
	if offset != 0 {
		loc = time.FixedZone("", int(offset%(100*3600)))
	}
	e := wire.EntryJSON{Seq: seq, Key: field(0), Kind: field(1), Program: field(2), Ref: field(3), Time: time.Unix(0, nanos).In(loc)}
	if len(f) > 4 {
		e.Postings = []wire.PostingJSON{}
	}
	for i := 4; i < len(f); i += 5 {
		e.Postings = append(e.Postings, wire.PostingJSON{From: field(i), To: field(i + 1), Amount: wire.Amount(field(i + 2)), Currency: field(i + 3), Path: field(i + 4)})
	}
	return e
}

var fastEntrySeeds = []string{
	"k1|transfer|||@buyer:1|payee:1|990000|USDC|bench → split 50%|@buyer:1|platform:fee|250000|USDC|",
	"k|pay|splits|split:album",
	"k|transfer|||a|b|1|USD",
	"<k>|a&b|\u2028|\"|\\|\n|\xff|é|\x00",
	"",
}

// encodeBoth checks the plain writers against encoding/json for e.
func encodeBoth(t *testing.T, e wire.EntryJSON) (plain bool) {
	t.Helper()
	var want bytes.Buffer
	_ = json.NewEncoder(&want).Encode(e)
	got, ok := wire.EncodeFast(nil, e)
	if ok && !bytes.Equal(got, want.Bytes()) {
		t.Fatalf("EncodeFast(%#v) = %s; encoding/json writes %s", e, got, want.Bytes())
	}
	req := wire.EntryRequest{Postings: e.Postings}
	wantReq, errWant := json.Marshal(req)
	gotReq, err := req.AppendJSON([]byte("prefix"))
	if (err == nil) != (errWant == nil) || !bytes.Equal(gotReq, append([]byte("prefix"), wantReq...)) {
		t.Fatalf("AppendJSON(%#v) = %s, %v; json.Marshal gives %s, %v", req, gotReq, err, wantReq, errWant)
	}
	return ok
}

func TestFastEncode(t *testing.T) {
	for i, s := range fastEntrySeeds {
		plain := encodeBoth(t, fuzzEntry(7, 1_790_000_000_123_456_789, 0, s))
		if want := i < 3 || i == 4; plain != want {
			t.Errorf("fastEntrySeeds[%d]: plain path %v; want %v", i, plain, want)
		}
	}
	encodeBoth(t, fuzzEntry(1<<63, -1, 3600+1800, "k|k"))
	encodeBoth(t, wire.EntryJSON{Time: time.Date(10000, 1, 1, 0, 0, 0, 0, time.UTC)}) // MarshalJSON refuses it
	encodeBoth(t, wire.EntryJSON{})
}

func FuzzFastEncode(f *testing.F) {
	for _, s := range fastEntrySeeds {
		f.Add(uint64(7), int64(1_790_000_000_123_456_789), int32(0), s)
	}
	f.Fuzz(func(t *testing.T, seq uint64, nanos int64, offset int32, s string) {
		encodeBoth(t, fuzzEntry(seq, nanos, offset, s))
	})
}

// decodeEntryBoth checks DecodeJSON against json.Decoder on data.
func decodeEntryBoth(t *testing.T, data []byte) {
	t.Helper()
	var fast, slow wire.EntryJSON
	errFast := fast.DecodeJSON(data)
	errSlow := json.NewDecoder(bytes.NewReader(data)).Decode(&slow)
	if (errFast == nil) != (errSlow == nil) || errFast != nil && errFast.Error() != errSlow.Error() {
		t.Fatalf("DecodeJSON(%q): error %v; encoding/json says %v", data, errFast, errSlow)
	}
	if !reflect.DeepEqual(fast, slow) {
		t.Fatalf("DecodeJSON(%q) = %#v; encoding/json says %#v", data, fast, slow)
	}
}

func TestFastDecodeEntry(t *testing.T) {
	for _, s := range fastEntrySeeds {
		for _, offset := range []int32{0, -5 * 3600} {
			var b bytes.Buffer
			_ = json.NewEncoder(&b).Encode(fuzzEntry(42, 1_790_000_000_000_000_001, offset, s))
			decodeEntryBoth(t, b.Bytes())
		}
	}
	for _, s := range []string{``, `{}`, `{} x`, `{"seq":01}`, `{"seq":1.5}`, `{"seq":-1}`, `{"seq":18446744073709551616}`,
		`{"seq":99999999999999999999}`, `{"time":"2026-13-01T00:00:00Z"}`, `{"time":null}`, `{"time":"2026-01-01T00:00:00+25:00"}`,
		`{"unknown":1,"seq":3}`, `{"Seq":3}`, `{"seq":3,"seq":4}`, `{"postings":null}`, `{"postings":[{"path":"\u2028"}]}`} {
		decodeEntryBoth(t, []byte(s))
	}
	// Into an entry that holds something, encoding/json merges.
	held := wire.EntryJSON{Key: "kept", Postings: []wire.PostingJSON{{From: "a", To: "b"}}}
	want := held
	want.Postings = []wire.PostingJSON{{From: "a", To: "b"}}
	if err := json.Unmarshal([]byte(`{"seq":3,"postings":[{"to":"c"}]}`), &want); err != nil {
		t.Fatal(err)
	}
	if err := held.DecodeJSON([]byte(`{"seq":3,"postings":[{"to":"c"}]}`)); err != nil || !reflect.DeepEqual(held, want) {
		t.Errorf("DecodeJSON into a held entry = %#v, %v; encoding/json gives %#v", held, err, want)
	}
}

func FuzzFastDecodeEntry(f *testing.F) {
	for _, s := range fastEntrySeeds {
		var b bytes.Buffer
		_ = json.NewEncoder(&b).Encode(fuzzEntry(42, 1_790_000_000_000_000_001, 0, s))
		f.Add(b.Bytes())
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		decodeEntryBoth(t, data)
	})
}

// TestFastJSONFields fails when a wire type with a plain path changes: the
// readers and writers in fastjson.go follow these fields and tags, and must
// change with them.
func TestFastJSONFields(t *testing.T) {
	want := map[reflect.Type]string{
		reflect.TypeFor[wire.EntryJSON]():    `Seq json:"seq"; Key json:"key"; Kind json:"kind"; Program json:"program,omitempty"; Ref json:"ref,omitempty"; Time json:"time"; Postings json:"postings"`,
		reflect.TypeFor[wire.PostingJSON]():  `From json:"from"; To json:"to"; Amount json:"amount"; Currency json:"currency"; Path json:"path,omitempty"`,
		reflect.TypeFor[wire.EntryRequest](): `Postings json:"postings"`,
		reflect.TypeFor[wire.BatchRequest](): `Entries json:"entries"`,
		reflect.TypeFor[wire.BatchItem]():    `Key json:"key"; Postings json:"postings"`,
	}
	for typ, fields := range want {
		var got []string
		for i := range typ.NumField() {
			got = append(got, typ.Field(i).Name+` json:"`+typ.Field(i).Tag.Get("json")+`"`)
		}
		if g := strings.Join(got, "; "); g != fields {
			t.Errorf("%s has fields %s; fastjson.go follows %s: update both", typ, g, fields)
		}
	}
	if _, ok := any(wire.Amount("")).(json.Marshaler); ok {
		t.Error("Amount has a MarshalJSON, which the plain writer does not call")
	}
}
