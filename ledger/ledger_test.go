package ledger

import (
	"encoding/hex"
	"maps"
	"math/rand"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/tributary-ledger/tributary/errcode"
	"github.com/tributary-ledger/tributary/money"
)

func usd(n uint64) money.Amount { return money.FromUint64(n) }

func p(from, to string, n uint64) Posting {
	return Posting{From: from, To: to, Currency: "USD", Amount: usd(n)}
}

func TestValidateAccount(t *testing.T) {
	tests := []struct {
		in   string
		want string // error code, "" for valid
	}{
		{"payee:alice", ""},
		{"@world", ""},
		{"@buyer:42", ""},
		{"market/asset-7.owner_1", ""},
		{"0xAbC0000000000000000000000000000000000001", ""},
		{"", "account_invalid"},
		{"@", "account_invalid"},
		{"a b", "account_invalid"},
		{"a@b", "account_invalid"},
		{"é", "account_invalid"},
		{".", "name_path_segment"},
		{"@..", "name_path_segment"},
		{"a/../b", "name_path_segment"},
		{"a/.", "name_path_segment"},
		{"a//b", "name_path_segment"},
		{"a.b/c..d", ""},
		{strings.Repeat("a", AccountMaxLen), ""},
		{strings.Repeat("a", AccountMaxLen+1), "account_invalid"},
	}
	for _, tt := range tests {
		err := ValidateAccount(tt.in)
		if got := code(err); got != tt.want {
			t.Errorf("ValidateAccount(%q) = %v (code %q); want code %q", tt.in, err, got, tt.want)
		}
	}
}

func code(err error) string {
	if err == nil {
		return ""
	}
	return errcode.Code(err)
}

func TestValidateKey(t *testing.T) {
	tests := []struct {
		in   string
		want string
	}{
		{"order-123", ""},
		{"7f3c9a1e-0b2d-4c11-9e7f-2a1d3b4c5d6e", ""},
		{"", "key_invalid"},
		{"has space", "key_invalid"},
		{"tab\t", "key_invalid"},
		{"..", "name_path_segment"},
		{"x/./y", "name_path_segment"},
		{"order/", "name_path_segment"},
		{"v1.2...3", ""},
		{strings.Repeat("k", KeyMaxLen), ""},
		{strings.Repeat("k", KeyMaxLen+1), "key_invalid"},
	}
	for _, tt := range tests {
		if got := code(ValidateKey(tt.in)); got != tt.want {
			t.Errorf("ValidateKey(%q) code = %q; want %q", tt.in, got, tt.want)
		}
	}
}

func TestValidatePostings(t *testing.T) {
	reg := money.NewRegistry()
	tests := []struct {
		name string
		kind Kind
		ps   []Posting
		want string
	}{
		{"ok", Transfer, []Posting{p("@world", "a", 1)}, ""},
		{"empty", Transfer, nil, "posting_invalid"},
		{"zero amount", Transfer, []Posting{p("@world", "a", 0)}, "posting_invalid"},
		{"self", Transfer, []Posting{p("a", "a", 1)}, "posting_invalid"},
		{"bad from", Transfer, []Posting{p("", "a", 1)}, "account_invalid"},
		{"bad to", Transfer, []Posting{p("a", "b c", 1)}, "account_invalid"},
		{"unknown currency", Transfer, []Posting{{From: "@w", To: "a", Currency: "XXX", Amount: usd(1)}}, "currency_unknown"},
		{"long path", Transfer, []Posting{{From: "@w", To: "a", Currency: "USD", Amount: usd(1), Path: strings.Repeat("x", PathMaxLen+1)}}, "posting_invalid"},
		{"config with postings", Config, []Posting{p("@world", "a", 1)}, "posting_invalid"},
		{"config without", Config, nil, ""},
		{"withdrawal with two", WithdrawalRequest, []Posting{p("a", "@x", 1), p("a", "@x", 1)}, "posting_invalid"},
	}
	for _, tt := range tests {
		if got := code(ValidatePostings(tt.kind, tt.ps, reg)); got != tt.want {
			t.Errorf("%s: ValidatePostings code = %q; want %q", tt.name, got, tt.want)
		}
	}
}

func TestApply(t *testing.T) {
	bals := Balances{}
	steps := []struct {
		name  string
		kind  Kind
		ps    []Posting
		want  string            // error code
		avail map[string]string // available after the step
	}{
		{"fund", Transfer, []Posting{p("@world", "a", 100)}, "", map[string]string{"a": "100", "@world": "-100"}},
		{"overdraw", Transfer, []Posting{p("a", "b", 101)}, "overdraft", map[string]string{"a": "100", "b": "0"}},
		{"pass through", Transfer, []Posting{p("a", "b", 100), p("b", "c", 30)}, "", map[string]string{"a": "0", "b": "70", "c": "30"}},
		{"reserve", WithdrawalRequest, []Posting{p("b", "@payout", 50)}, "", map[string]string{"b": "20", "@payout": "0"}},
		{"reserve too much", WithdrawalRequest, []Posting{p("b", "@payout", 21)}, "overdraft", map[string]string{"b": "20"}},
		{"post", WithdrawalPost, []Posting{p("b", "@payout", 50)}, "", map[string]string{"b": "20", "@payout": "50"}},
		{"post again", WithdrawalPost, []Posting{p("b", "@payout", 50)}, "withdrawal_resolved", map[string]string{"b": "20"}},
		{"reserve 2", WithdrawalRequest, []Posting{p("c", "@payout", 30)}, "", map[string]string{"c": "0"}},
		{"void", WithdrawalVoid, []Posting{p("c", "@payout", 30)}, "", map[string]string{"c": "30", "@payout": "50"}},
	}
	for _, s := range steps {
		err := Apply(bals, s.kind, s.ps)
		if got := code(err); got != s.want {
			t.Fatalf("%s: Apply = %v (code %q); want code %q", s.name, err, got, s.want)
		}
		for acct, want := range s.avail {
			if got := bals[BalanceKey{acct, "USD"}].Available().String(); got != want {
				t.Errorf("%s: available(%s) = %s; want %s", s.name, acct, got, want)
			}
		}
	}
	if got := bals[BalanceKey{"b", "USD"}].Posted().String(); got != "20" {
		t.Errorf("posted(b) = %s; want 20", got)
	}
}

// journal builds a small valid journal and the balances it leads to.
func journal(t *testing.T) ([]Entry, []Balance) {
	t.Helper()
	ents := []Entry{
		{Seq: 1, Key: "k1", Kind: Transfer, Postings: []Posting{p("@world", "a", 100), p("@world", "b", 5)}},
		{Seq: 2, Key: "k2", Kind: WithdrawalRequest, Postings: []Posting{p("a", "@payout", 40)}},
		{Seq: 3, Key: "k3", Kind: Config},
		{Seq: 4, Key: "k4", Kind: WithdrawalPost, Postings: []Posting{p("a", "@payout", 40)}},
		{Seq: 5, Key: "k5", Kind: WithdrawalRequest, Postings: []Posting{p("b", "@payout", 5)}},
	}
	bals := Balances{}
	for _, e := range ents {
		if e.Kind != Config {
			if err := Apply(bals, e.Kind, e.Postings); err != nil {
				t.Fatal(err)
			}
		}
	}
	var stored []Balance
	for _, b := range bals {
		stored = append(stored, b)
	}
	return ents, stored
}

func verify(ents []Entry, stored []Balance) (Report, error) {
	v := NewVerifier()
	for _, e := range ents {
		if err := v.Add(e); err != nil {
			return Report{}, err
		}
	}
	return v.Check(stored)
}

func TestVerify(t *testing.T) {
	ents, stored := journal(t)
	rep, err := verify(ents, stored)
	if err != nil {
		t.Fatalf("Verify of a valid journal: %v", err)
	}
	if rep.Entries != 5 || rep.Totals["USD"].String() != "145" {
		t.Errorf("report = %+v; want 5 entries and USD total 145", rep)
	}
	tamper := []struct {
		name string
		fn   func(ents []Entry, stored []Balance) ([]Entry, []Balance)
		want string // part of the message
	}{
		{"gap", func(e []Entry, s []Balance) ([]Entry, []Balance) { return append(e[:2:2], e[3:]...), s }, "where 3 was expected"},
		{"stored balance changed", func(e []Entry, s []Balance) ([]Entry, []Balance) {
			s = append([]Balance(nil), s...)
			s[0].CreditsPosted, _ = s[0].CreditsPosted.Add(usd(1))
			return e, s
		}, "is stored as"},
		{"balance missing", func(e []Entry, s []Balance) ([]Entry, []Balance) {
			out := []Balance{}
			for _, b := range s {
				if b.Account != "b" {
					out = append(out, b)
				}
			}
			return e, out
		}, "not stored"},
		{"overdraft in journal", func(e []Entry, s []Balance) ([]Entry, []Balance) {
			e = append([]Entry(nil), e...)
			e[1] = Entry{Seq: 2, Key: "k2", Kind: Transfer, Postings: []Posting{p("a", "z", 1000)}}
			return e, s
		}, "never go below zero"},
		{"posting amount changed", func(e []Entry, s []Balance) ([]Entry, []Balance) {
			e = append([]Entry(nil), e...)
			e[0] = Entry{Seq: 1, Key: "k1", Kind: Transfer, Postings: []Posting{p("@world", "a", 100), p("@world", "b", 6)}}
			return e, s
		}, "is stored as"},
	}
	for _, tt := range tamper {
		e, s := journal(t)
		e, s = tt.fn(e, s)
		_, err := verify(e, s)
		if code(err) != "verify_failed" || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("%s: Verify = %v; want verify_failed mentioning %q", tt.name, err, tt.want)
		}
	}
	// Stored balances that do not sum to zero per currency, even if the
	// journal were to agree, are caught by the conservation check.
	lopsided := []Balance{{BalanceKey: BalanceKey{"@world", "USD"}, CreditsPosted: usd(1)}}
	v := NewVerifier()
	v.bals[BalanceKey{"@world", "USD"}] = lopsided[0]
	if _, err := v.Check(lopsided); err == nil || !strings.Contains(err.Error(), "does not balance") {
		t.Errorf("Check of unbalanced books = %v; want a conservation failure", err)
	}
}

func TestHashPostingsDistinguishes(t *testing.T) {
	base := []Posting{p("a", "b", 1)}
	variants := map[string][]Posting{
		"amount":   {p("a", "b", 2)},
		"from":     {p("x", "b", 1)},
		"to":       {p("a", "x", 1)},
		"path":     {{From: "a", To: "b", Currency: "USD", Amount: usd(1), Path: "x"}},
		"currency": {{From: "a", To: "b", Currency: "USDC", Amount: usd(1)}},
		"split":    {p("a", "b", 1), p("a", "b", 1)},
		// "ab"+"c" must not hash like "a"+"bc".
		"boundary": {{From: "a", To: "bUSD", Currency: "", Amount: usd(1)}},
	}
	h0 := HashPostings(Transfer, "", base)
	if h0 != HashPostings(Transfer, "", []Posting{p("a", "b", 1)}) {
		t.Fatal("HashPostings is not deterministic")
	}
	for name, ps := range variants {
		if HashPostings(Transfer, "", ps) == h0 {
			t.Errorf("HashPostings ignores a change of %s", name)
		}
	}
	if HashPostings(WithdrawalRequest, "", base) == h0 || HashPostings(Transfer, "r", base) == h0 {
		t.Error("HashPostings ignores the kind or the reference")
	}
}

// TestHashPostingsGolden pins the digest of a known entry: stored entries
// keep the digest of their first request, and a replay is recognised only
// if the same request still hashes the same, in every later release.
func TestHashPostingsGolden(t *testing.T) {
	ps := []Posting{
		{From: "@buyer:7", To: "payee:1", Currency: "USDC", Amount: usd(990000), Path: "sale → split 50%"},
		{From: "@buyer:7", To: "platform:fee", Currency: "USDC", Amount: usd(250000), Path: "sale → fee"},
	}
	h := HashPostings(Transfer, "order-9", ps)
	if got, want := hex.EncodeToString(h[:]), "16ca4754fb3f00d1961a42494c436cb0aa57f186ea8d4ebc2ad4a151cd4e1f49"; got != want {
		t.Errorf("HashPostings = %s; want %s", got, want)
	}
	// One buffer, sized up front, whatever the postings.
	if n := testing.AllocsPerRun(100, func() { HashPostings(Transfer, "order-9", ps) }); n > 1 {
		t.Errorf("HashPostings allocates %v times; want at most 1", n)
	}
}

// applyReference is Apply as it was first written, with a working map of
// its own: the model the in-place version is checked against.
func applyReference(bals Balances, kind Kind, postings []Posting) error {
	work := map[BalanceKey]Balance{}
	get := func(k BalanceKey) Balance {
		if b, ok := work[k]; ok {
			return b
		}
		b := bals[k]
		b.BalanceKey = k
		return b
	}
	for _, p := range postings {
		fk, tk := BalanceKey{p.From, p.Currency}, BalanceKey{p.To, p.Currency}
		from, to := get(fk), get(tk)
		var err error
		add := func(a *money.Amount) {
			if err == nil {
				*a, err = a.Add(p.Amount)
			}
		}
		switch kind {
		case Transfer:
			add(&from.DebitsPosted)
			add(&to.CreditsPosted)
		case WithdrawalRequest:
			add(&from.DebitsPending)
			add(&to.CreditsPending)
		case WithdrawalPost, WithdrawalVoid:
			var e1, e2 error
			from.DebitsPending, e1 = from.DebitsPending.Sub(p.Amount)
			to.CreditsPending, e2 = to.CreditsPending.Sub(p.Amount)
			if e1 != nil || e2 != nil {
				return errcode.Errorf(ErrWithdrawalState, "reference")
			}
			if kind == WithdrawalPost {
				add(&from.DebitsPosted)
				add(&to.CreditsPosted)
			}
		}
		if err != nil {
			return errcode.Errorf(ErrBalanceOverflow, "reference")
		}
		work[fk], work[tk] = from, to
	}
	for k, b := range work {
		if !IsExternal(k.Account) && b.Available().Negative {
			return errcode.Errorf(ErrOverdraft, "reference")
		}
	}
	for k, b := range work {
		bals[k] = b
	}
	return nil
}

// TestApplyAgainstReference applies random entries (amounts near 2^256
// now and then, so that sums overflow) to two copies of random balances,
// with Apply and with the reference: the same outcome every time, and on a
// refusal the balances exactly as they were (no key added either).
func TestApplyAgainstReference(t *testing.T) {
	rng := rand.New(rand.NewSource(5))
	accounts := []string{"a", "b", "c", "@x", "@y"}
	amount := func() money.Amount {
		if rng.Intn(10) == 0 {
			return money.Max
		}
		return money.FromUint64(uint64(rng.Intn(50)))
	}
	kinds := []Kind{Transfer, Transfer, WithdrawalRequest, WithdrawalPost, WithdrawalVoid}
	got, want := Balances{}, Balances{}
	for c := 0; c < 20000; c++ {
		kind := kinds[rng.Intn(len(kinds))]
		var ps []Posting
		for j := 0; j <= rng.Intn(4); j++ {
			from, to := accounts[rng.Intn(len(accounts))], accounts[rng.Intn(len(accounts))]
			if from == to {
				continue
			}
			ps = append(ps, Posting{From: from, To: to, Currency: []string{"USD", "ETH"}[rng.Intn(2)], Amount: amount()})
		}
		before := maps.Clone(got)
		errGot, errWant := Apply(got, kind, ps), applyReference(want, kind, ps)
		if code(errGot) != code(errWant) {
			t.Fatalf("case %d (%v %+v): Apply = %v; the reference says %v", c, kind, ps, errGot, errWant)
		}
		if errGot != nil && !reflect.DeepEqual(got, before) {
			t.Fatalf("case %d: a refused Apply changed the balances", c)
		}
		if !reflect.DeepEqual(got, want) {
			t.Fatalf("case %d: balances differ from the reference's", c)
		}
	}
}

// TestHasherFields: each field kind distinguishes what it should, and a
// time is its instant whatever its location.
func TestHasherFields(t *testing.T) {
	sum := func(f func(h *Hasher)) Hash {
		var h Hasher
		f(&h)
		return h.Sum()
	}
	at := time.Date(2026, 1, 1, 12, 0, 0, 0, time.UTC)
	one, two := uint64(1), uint64(2)
	differ := []struct {
		name string
		a, b func(h *Hasher)
	}{
		{"bool", func(h *Hasher) { h.Bool(true) }, func(h *Hasher) { h.Bool(false) }},
		{"time", func(h *Hasher) { h.Time(at) }, func(h *Hasher) { h.Time(at.Add(time.Nanosecond)) }},
		{"zero time", func(h *Hasher) { h.Time(time.Time{}) }, func(h *Hasher) { h.Time(time.Unix(0, 0)) }},
		{"strings split", func(h *Hasher) { h.Strings([]string{"ab", "c"}) }, func(h *Hasher) { h.Strings([]string{"a", "bc"}) }},
		{"strings count", func(h *Hasher) { h.Strings([]string{"a"}).String("b") }, func(h *Hasher) { h.Strings([]string{"a", "b"}) }},
		{"opt unset", func(h *Hasher) { h.OptUint(nil) }, func(h *Hasher) { h.OptUint(new(uint64)) }},
		{"opt value", func(h *Hasher) { h.OptUint(&one) }, func(h *Hasher) { h.OptUint(&two) }},
	}
	for _, tt := range differ {
		if sum(tt.a) == sum(tt.b) {
			t.Errorf("%s: two different fields give one digest", tt.name)
		}
	}
	paris := at.In(time.FixedZone("CET", 3600))
	if sum(func(h *Hasher) { h.Time(at) }) != sum(func(h *Hasher) { h.Time(paris) }) {
		t.Error("one instant in two locations gives two digests")
	}
}
