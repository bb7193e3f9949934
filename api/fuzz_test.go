package api

import (
	"net/http/httptest"
	"strings"
	"testing"

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
