package sqlstore

import (
	"bytes"
	"errors"
	"fmt"
	"math/rand"
	"reflect"
	"strings"
	"testing"

	"github.com/holiman/uint256"

	"github.com/tributary-ledger/tributary/ledger"
	"github.com/tributary-ledger/tributary/money"
)

func TestPostingsGolden(t *testing.T) {
	ps := []ledger.Posting{
		{From: "@b", To: "p:1", Currency: "USD", Amount: money.FromUint64(0x0102), Path: "x→p:1"},
		{From: "@b", To: "p:2", Currency: "USD", Amount: money.FromUint64(7), Path: "x→p:2"},
	}
	want := []byte{2, 2,
		0, 2, '@', 'b', 0, 3, 'p', ':', '1', 0, 3, 'U', 'S', 'D', 2, 0x01, 0x02, 0, 7, 'x', 0xe2, 0x86, 0x92, 'p', ':', '1',
		2, 0, 2, 1, '2', 3, 0, 1, 7, 6, 1, '2'}
	if got := encodePostings(nil, ps); !bytes.Equal(got, want) {
		t.Errorf("encodePostings = %v; want %v", got, want)
	}
	if got := encodePostings(nil, nil); !bytes.Equal(got, []byte{2, 0}) {
		t.Errorf("encodePostings(nil) = %v; want [2 0]", got)
	}
	// Zero is no amount bytes at all.
	zero := encodePostings(nil, []ledger.Posting{{From: "a", To: "b", Currency: "USD"}})
	if want := []byte{2, 1, 0, 1, 'a', 0, 1, 'b', 0, 3, 'U', 'S', 'D', 0, 0, 0}; !bytes.Equal(zero, want) {
		t.Errorf("encoding of a zero amount = %v; want %v", zero, want)
	}
}

// TestPostingsV1 reads the encoding that schema version 2 wrote.
func TestPostingsV1(t *testing.T) {
	v1 := []byte{1, 1, 2, '@', 'b', 3, 'p', ':', '1', 3, 'U', 'S', 'D', 2, 0x01, 0x02, 1, 'x'}
	got, err := decodePostings(v1)
	want := []ledger.Posting{{From: "@b", To: "p:1", Currency: "USD", Amount: money.FromUint64(0x0102), Path: "x"}}
	if err != nil || !reflect.DeepEqual(got, want) {
		t.Errorf("decodePostings(v1) = %+v, %v; want %+v", got, err, want)
	}
}

func TestPostingsRoundTrip(t *testing.T) {
	rng := rand.New(rand.NewSource(42))
	str := func(max int) string {
		b := make([]byte, rng.Intn(max+1))
		for i := range b {
			b[i] = byte(rng.Intn(256))
		}
		return string(b)
	}
	amount := func() money.Amount {
		var w [4]uint64
		switch rng.Intn(4) {
		case 0:
			return money.FromUint64(0)
		case 1:
			return money.FromUint256(new(uint256.Int).SetAllOne()) // 2^256-1
		case 2:
			return money.FromUint64(rng.Uint64())
		}
		for i := range w {
			w[i] = rng.Uint64() >> uint(rng.Intn(64))
		}
		v := uint256.Int(w)
		return money.FromUint256(&v)
	}
	for c := 0; c < 5000; c++ {
		var ps []ledger.Posting
		if n := rng.Intn(12); n > 0 {
			ps = make([]ledger.Posting, n)
		}
		for i := range ps {
			ps[i] = ledger.Posting{From: str(ledger.AccountMaxLen), To: str(ledger.AccountMaxLen), Currency: str(16), Amount: amount(), Path: str(ledger.PathMaxLen)}
		}
		enc := encodePostings(nil, ps)
		if len(enc) > postingsLen(ps) {
			t.Fatalf("case %d: encoding is %d bytes; postingsLen said at most %d", c, len(enc), postingsLen(ps))
		}
		got, err := decodePostings(enc)
		if err != nil {
			t.Fatalf("case %d: decode: %v", c, err)
		}
		if !reflect.DeepEqual(got, ps) {
			t.Fatalf("case %d: round trip = %+v; want %+v", c, got, ps)
		}
	}
}

func TestPostingsRefused(t *testing.T) {
	good := encodePostings(nil, []ledger.Posting{{From: "a", To: "b", Currency: "USD", Amount: money.FromUint64(5), Path: "p"}})
	amt33 := []byte{1, 1, 1, 'a', 1, 'b', 1, 'U', 33}
	amt33 = append(amt33, bytes.Repeat([]byte{1}, 33)...)
	amt33 = append(amt33, 0)
	short := []byte{2, 2, 0, 2, 'a', 'b', 0, 1, 'x', 0, 1, 'U', 0, 0, 0,
		1, 1, 'b', 1, 0, 1, 0, 0, 1, 0} // second From "ab" shares 1 byte, then 'b': not the longest prefix
	beyond := []byte{2, 2, 0, 2, 'a', 'b', 0, 1, 'x', 0, 1, 'U', 0, 0, 0,
		3, 0, 1, 0, 1, 0, 0, 1, 0} // shares 3 bytes of a 2-byte string
	tests := []struct {
		name string
		in   []byte
	}{
		{"empty", nil},
		{"unknown version", append([]byte{3}, good[1:]...)},
		{"shared prefix not the longest", short},
		{"shared prefix beyond the string", beyond},
		{"truncated", good[:len(good)-1]},
		{"trailing byte", append(append([]byte{}, good...), 0)},
		{"leading zero amount", []byte{1, 1, 1, 'a', 1, 'b', 1, 'U', 2, 0, 5, 0}},
		{"amount of 33 bytes", amt33},
		{"count beyond the input", []byte{1, 200, 1}},
		{"count beyond the limit", []byte{1, 0xff, 0xff, 0xff, 0xff, 0x0f}},
		{"overlong length", []byte{1, 1, 0x81, 0x00, 'a', 1, 'b', 1, 'U', 0, 0}},
		{"bad varint", []byte{1, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01}},
		{"account too long", append([]byte{1, 1, 0x81, 0x01}, bytes.Repeat([]byte{'a'}, 129+10)...)},
	}
	for _, tt := range tests {
		if _, err := decodePostings(tt.in); !errors.Is(err, errPostingsBlob) {
			t.Errorf("%s: decodePostings(%v) error = %v; want errPostingsBlob", tt.name, tt.in, err)
		}
	}
}

func FuzzDecodePostings(f *testing.F) {
	f.Add(encodePostings(nil, nil))
	f.Add(encodePostings(nil, []ledger.Posting{{From: "@buyer:1", To: "payee:0001", Currency: "USDC", Amount: money.FromUint64(1234567), Path: "product:1 → split 50% → payee:0001"}}))
	f.Add([]byte{1, 200, 1})
	f.Add([]byte{1, 1, 2, '@', 'b', 3, 'p', ':', '1', 3, 'U', 'S', 'D', 2, 0x01, 0x02, 1, 'x'})
	f.Fuzz(func(t *testing.T, b []byte) {
		ps, err := decodePostings(b)
		if err != nil {
			return
		}
		again := encodePostings(nil, ps)
		if b[0] == postingsV2 {
			// Whatever decodes is canonical: it encodes back to the
			// same bytes.
			if !bytes.Equal(again, b) {
				t.Fatalf("decode then encode of %v gave %v", b, again)
			}
			return
		}
		// Version 1 is re-encoded in version 2, to the same postings.
		back, err := decodePostings(again)
		if err != nil || !reflect.DeepEqual(back, ps) {
			t.Fatalf("version 1 %v re-encoded as %v decodes to %+v, %v", b, again, back, err)
		}
	})
}

func TestEntryAccounts(t *testing.T) {
	p := func(from, to string) ledger.Posting { return ledger.Posting{From: from, To: to} }
	many := make([]ledger.Posting, 20)
	for i := range many {
		many[i] = p("@src", fmt.Sprintf("d%d", i%10))
	}
	tests := []struct {
		name string
		in   []ledger.Posting
		want string
	}{
		{"none", nil, ""},
		{"one", []ledger.Posting{p("a", "b")}, "a b"},
		{"repeats", []ledger.Posting{p("a", "b"), p("b", "a"), p("a", "c")}, "a b c"},
		{"large entry (map path)", many, "@src d0 d1 d2 d3 d4 d5 d6 d7 d8 d9"},
	}
	for _, tt := range tests {
		if got := strings.Join(entryAccounts(tt.in, nil), " "); got != tt.want {
			t.Errorf("%s: entryAccounts = %q; want %q", tt.name, got, tt.want)
		}
	}
}
