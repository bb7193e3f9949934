package api

import (
	stdjson "encoding/json"
	"io"
	"net/http/httptest"
	"reflect"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/tributary-ledger/tributary/errcode"
	"github.com/tributary-ledger/tributary/money"
	"github.com/tributary-ledger/tributary/wire"
)

// FuzzDecodeEntry feeds arbitrary bodies to the request decoder and the
// posting conversion: they must never panic, every refusal must carry a
// code, and every accepted posting must have a parsed, known-currency
// amount.
func FuzzDecodeEntry(f *testing.F) {
	for _, s := range []string{
		`{"postings":[{"from":"@w","to":"a","amount":"1","currency":"USD"}]}`,
		`{"postings":[{"from":"@w","to":"a","amount":1,"currency":"USD"}]}`,
		`{"postings":[]} {}`, `{"x":1}`, `[`, ``, `{"postings":[{"amount":"-1"}]}`,
		`{"postings":[{"amount":"115792089237316195423570985008687907853269984665640564039457584007913129639936","currency":"ETH"}]}`,
	} {
		f.Add(s)
	}
	s := &Server{cfg: Config{Currencies: money.NewRegistry()}}
	f.Fuzz(func(t *testing.T, body string) {
		r := httptest.NewRequest("POST", "/v1/entries", strings.NewReader(body))
		r.Header.Set("Content-Type", "application/json")
		var req wire.EntryRequest
		if err := decode(r, &req); err != nil {
			if errcode.Code(err) == errcode.InternalCode {
				t.Fatalf("decode(%q) error without a code: %v", body, err)
			}
			return
		}
		ps, err := s.fromPostings(req.Postings)
		if err != nil {
			if errcode.Code(err) == errcode.InternalCode {
				t.Fatalf("fromPostings(%q) error without a code: %v", body, err)
			}
			return
		}
		for i, p := range ps {
			if p.Amount.String() != strings.TrimLeft(string(req.Postings[i].Amount), "0") && !p.Amount.IsZero() {
				t.Fatalf("posting %d amount %q parsed as %s", i, req.Postings[i].Amount, p.Amount)
			}
		}
	})
}

// FuzzStrictJSON compares the strict decoder with encoding/json: whatever
// the strict decoder accepts, encoding/json (refusing unknown fields and
// trailing data) accepts too and reads to the same value. The strict
// decoder only ever refuses more: duplicate names, names in other letter
// cases, invalid UTF-8.
func FuzzStrictJSON(f *testing.F) {
	for _, s := range []string{
		`{"postings":[{"from":"@w","to":"a","amount":"1","currency":"USD","path":"x"}]}`,
		`{"postings":[{"from":"@w","to":"a","amount":"1","amount":"2","currency":"USD"}]}`,
		`{"Postings":null}`, `{"postings":[{"FROM":"a"}]}`, "{\"postings\":[{\"path\":\"\xff\"}]}",
		`{"postings":[{"path":"\ud800"}]}`, `{"postings":[]}  `, `{"postings":[{}]} x`, `null`, `{"postings":null}`,
		`{"account":"a","amount":"5","currency":"USD","destination":"@p"}`,
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, body string) {
		compareStrict[wire.EntryRequest](t, body)
		compareStrict[wire.WithdrawalRequest](t, body)
	})
}

func compareStrict[T any](t *testing.T, body string) {
	var strict, std T
	if err := decodeFrom(strings.NewReader(body), &strict); err != nil {
		if errcode.Code(err) == errcode.InternalCode {
			t.Fatalf("decodeFrom(%q) error without a code: %v", body, err)
		}
		return
	}
	if !utf8.ValidString(body) {
		t.Fatalf("decodeFrom(%q) accepted invalid UTF-8", body)
	}
	dec := stdjson.NewDecoder(strings.NewReader(body))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&std); err != nil {
		t.Fatalf("decodeFrom(%q) accepted what encoding/json refuses: %v", body, err)
	}
	if _, err := dec.Token(); err != io.EOF {
		t.Fatalf("decodeFrom(%q) accepted trailing data", body)
	}
	if !reflect.DeepEqual(strict, std) {
		t.Fatalf("decodeFrom(%q) = %+v; encoding/json reads %+v", body, strict, std)
	}
}
