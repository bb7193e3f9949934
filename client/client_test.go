package client_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"reflect"
	"strings"
	"testing"

	"github.com/tributary-ledger/tributary/client"
	"github.com/tributary-ledger/tributary/wire"
)

// TestEntryAnswers checks that an entry answer decodes as json.Decoder
// decodes it (the client reads answers with go-json-experiment/json), whether its length is announced or not, with data after it,
// outside the plain subset, or cut short.
func TestEntryAnswers(t *testing.T) {
	entry := `{"seq":7,"key":"k1","kind":"transfer","time":"2026-11-22T12:00:00.123456789Z","postings":[{"from":"@buyer:1","to":"payee:1","amount":"990000","currency":"USDC","path":"bench → split 50%"}]}`
	cases := []struct {
		name, body string
		chunked    bool
		cut        int // bytes announced but never sent
	}{
		{name: "plain", body: entry + "\n"},
		{name: "chunked", body: entry + "\n", chunked: true},
		{name: "data after", body: entry + " trailing"},
		{name: "escaped", body: strings.Replace(entry, `"k1"`, `"k\u0031"`, 1)},
		{name: "unknown field", body: strings.Replace(entry, `"seq":7`, `"seq":7,"new":[1,{"a":null}]`, 1)},
		{name: "names in another case", body: strings.Replace(entry, `"seq":7`, `"SEQ":7`, 1)},
		{name: "a name with a delimiter", body: strings.Replace(entry, `"kind"`, `"k_ey":"other","kind"`, 1)},
		{name: "a name twice", body: strings.Replace(entry, `"seq":7`, `"seq":6,"seq":7`, 1)},
		{name: "invalid UTF-8", body: strings.Replace(entry, "bench", "b\xffnch", 1)},
		{name: "cut short", body: entry[:60], cut: 40},
		{name: "not json", body: "<html>"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				if tc.chunked {
					w.Write([]byte(tc.body[:10]))
					w.(http.Flusher).Flush()
					w.Write([]byte(tc.body[10:]))
					return
				}
				w.Header().Set("Content-Length", fmt.Sprint(len(tc.body)+tc.cut))
				w.Write([]byte(tc.body))
				if tc.cut > 0 {
					conn, _, _ := http.NewResponseController(w).Hijack()
					conn.Close()
				}
			}))
			defer srv.Close()
			got, err := client.New(srv.URL, "", nil).GetEntry(context.Background(), 7)
			var want wire.EntryJSON
			wantErr := json.NewDecoder(bytes.NewReader([]byte(tc.body))).Decode(&want)
			if tc.cut > 0 {
				wantErr = fmt.Errorf("unexpected EOF")
				want = wire.EntryJSON{}
			}
			// Refused or not alike; the wording of a refusal is the JSON
			// library's.
			if (err == nil) != (wantErr == nil) || tc.cut > 0 && !strings.HasSuffix(err.Error(), wantErr.Error()) {
				t.Fatalf("Entry: error %v; want %v", err, wantErr)
			}
			if err == nil && !reflect.DeepEqual(got, want) {
				t.Errorf("Entry = %#v; want %#v", got, want)
			}
		})
	}
}
