package api

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/tributary-ledger/tributary/wire"
)

func BenchmarkDecodeEntryRequest(b *testing.B) {
	body := fastRequests[0]
	b.Run("plain", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			var req wire.EntryRequest
			r := &http.Request{ContentLength: int64(len(body)), Body: io.NopCloser(strings.NewReader(body))}
			if err := decode(r, &req); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("encoding-json", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			var req wire.EntryRequest
			if err := decodeFrom(strings.NewReader(body), &req); err != nil {
				b.Fatal(err)
			}
		}
	})
}

func BenchmarkEncodeEntry(b *testing.B) {
	e := fuzzEntry(42, time.Now().UnixNano(), 0, fastEntrySeeds[0]+"|@buyer:1|payee:2|990000|USDC|x|@buyer:1|payee:3|990000|USDC|y")
	b.Run("plain", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			writeFast(io.Discard, e)
		}
	})
	b.Run("encoding-json", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			_ = json.NewEncoder(io.Discard).Encode(e)
		}
	})
	var buf bytes.Buffer
	_ = json.NewEncoder(&buf).Encode(e)
	b.Run("decode-plain", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			var out wire.EntryJSON
			if err := out.DecodeJSON(buf.Bytes()); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("decode-encoding-json", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			var out wire.EntryJSON
			if err := json.NewDecoder(bytes.NewReader(buf.Bytes())).Decode(&out); err != nil {
				b.Fatal(err)
			}
		}
	})
}
