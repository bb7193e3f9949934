package wire

import (
	"bytes"
	"encoding/json"
	"testing"
	"time"
)

// TestServerAnswersTakePlainPath: an entry as the server writes it
// (encoding/json's bytes, or the plain writer's) is read by the plain
// reader, not handed to encoding/json; the agreement of the two paths on
// any input is tested in package api, beside the server's decoding.
func TestServerAnswersTakePlainPath(t *testing.T) {
	e := EntryJSON{Seq: 42, Key: "k1", Kind: "transfer", Time: time.Unix(0, 1_790_000_000_000_000_001).UTC(), Postings: []PostingJSON{
		{From: "@buyer:1", To: "payee:1", Amount: "990000", Currency: "USDC", Path: "bench → split 50%"},
		{From: "@buyer:1", To: "platform:fee", Amount: "250000", Currency: "USDC"},
	}}
	var std bytes.Buffer
	if err := json.NewEncoder(&std).Encode(e); err != nil {
		t.Fatal(err)
	}
	plain, ok := EncodeFast(nil, e)
	if !ok || !bytes.Equal(plain, std.Bytes()) {
		t.Fatalf("EncodeFast = %s, %v; encoding/json writes %s", plain, ok, std.Bytes())
	}
	var got EntryJSON
	if r := (&jsonReader{b: plain}); !r.entry(&got) {
		t.Fatalf("the plain reader gives way on %s", plain)
	}
	var want EntryJSON
	if err := json.Unmarshal(plain, &want); err != nil {
		t.Fatal(err)
	}
	if got.Key != want.Key || got.Seq != want.Seq || !got.Time.Equal(want.Time) || len(got.Postings) != len(want.Postings) || got.Postings[0] != want.Postings[0] {
		t.Errorf("plain reader read %+v; encoding/json reads %+v", got, want)
	}
}
