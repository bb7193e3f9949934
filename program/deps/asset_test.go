package deps

import (
	"errors"
	"testing"
	"time"

	"github.com/tributary-ledger/tributary/money"
	"github.com/tributary-ledger/tributary/split"
)

func TestParseAsset(t *testing.T) {
	a, err := ParseAsset([]byte(`
[royalties]
multiplier = 1.25
acceptance = 0.5
allow_forks = true
pass_bp = [2848, 1000]

[[contributors]]
account = "dev:ana"
share = 7000

[[contributors]]
account = "dev:ben"
share = 3000
`))
	if err != nil {
		t.Fatal(err)
	}
	if a.Multiplier != 1_250_000 || a.Acceptance != 500_000 || !a.AllowForks || len(a.PassBP) != 2 || a.PassBP[0] != 2848 || len(a.Contributors) != 2 {
		t.Errorf("asset %+v", a)
	}
	if a, err := ParseAsset([]byte("[royalties]\npass_bp = []\n")); err != nil || !a.PassSet || len(a.PassBP) != 0 || a.Multiplier != DecimalOne {
		t.Errorf("empty pass_bp: %+v, %v; want an empty list (no pass-through) and the default multiplier", a, err)
	}
	if a, err := ParseAsset(nil); err != nil || a.PassSet {
		t.Errorf("no pass_bp: %+v, %v; want nil (the program's default)", a, err)
	}
	for _, tt := range []struct {
		doc  string
		want error
	}{
		{"[royalties]\nmultiplier = 100.5\n", ErrDecimal},
		{"[royalties]\nmultiplier = 1e2\n", ErrDecimal},
		{"[royalties]\nmultiplier = -1.0\n", ErrDecimal},
		{"[royalties]\nmultiplier = inf\n", ErrDecimal},
		{"[royalties]\nacceptance = 1.0000001\n", ErrDecimal},
		{"[royalties]\nacceptance = 0.1234567\n", ErrDecimal},
		{"[royalties]\nacceptance = \"x\"\n", ErrDecimal},
		{"[royalties]\npass_bp = [10001]\n", ErrAsset},
		{"[royalties]\nunknown = 1\n", ErrAsset},
		{"[royalties\n", ErrAsset},
		{"[[contributors]]\naccount = \"a\"\nshare = 9999\n", split.ErrSharesSum},
		{"[[contributors]]\naccount = \"@ext\"\nshare = 10000\n", split.ErrReceiverInvalid},
	} {
		if _, err := ParseAsset([]byte(tt.doc)); !errors.Is(err, tt.want) {
			t.Errorf("%q: %v; want %v", tt.doc, err, tt.want)
		}
	}
}

func TestDecimal(t *testing.T) {
	for _, tt := range []struct {
		in   string
		want Decimal
		text string
	}{{"1", DecimalOne, "1.0"}, {"1.0", DecimalOne, "1.0"}, {"0.2848", 284_800, "0.2848"}, {"100.000000", 100 * DecimalOne, "100.0"}, {"0.000001", 1, "0.000001"}, {"0", 0, "0.0"}} {
		d, err := ParseDecimal("x", tt.in, MultiplierMax)
		if err != nil || d != tt.want || d.String() != tt.text {
			t.Errorf("%q: %d (%s), %v; want %d (%s)", tt.in, d, d, err, tt.want, tt.text)
		}
	}
	for _, in := range []string{"", ".5", "1.", "1_0", "+1", "0x10", "1.0000001", "100.000001", "nan"} {
		if _, err := ParseDecimal("x", in, MultiplierMax); !errors.Is(err, ErrDecimal) {
			t.Errorf("%q: %v; want %v", in, err, ErrDecimal)
		}
	}
}

func TestRateAndAccrued(t *testing.T) {
	amt := money.FromUint64(3140)
	end := anchor.Add(EpochSecondsDefault * time.Second)
	if r, err := Rate(amt, EpochSecondsDefault); err != nil || r.String() != "5191798" { // 3140e9 / 604800
		t.Errorf("rate %s, %v", r, err)
	}
	// 2^256-1 × 10^9 over one second has no 256-bit rate: refused, not zero.
	if r, err := Rate(money.Max, 1); !errors.Is(err, ErrRate) || !r.IsZero() {
		t.Errorf("an overflowing rate: %s, %v; want %v", r, err, ErrRate)
	}
	for _, tt := range []struct {
		at   time.Time
		want uint64
	}{{anchor.Add(-time.Second), 0}, {anchor, 0}, {anchor.Add(EpochSecondsDefault / 2 * time.Second), 1570}, {end.Add(-time.Second), 3139}, {end, 3140}, {end.Add(time.Hour), 3140}} {
		if got := Accrued(amt, anchor, end, tt.at); got.Uint64() != tt.want {
			t.Errorf("accrued at %s: %s; want %d", tt.at, got, tt.want)
		}
	}
}

// TestForksAndAcceptance: a fork's stream into a repo that refuses forks
// is refused whole; acceptance 0 refuses everything; the refused part is
// counted against no one.
func TestForksAndAcceptance(t *testing.T) {
	w := SeedWorld()
	for i := range w.Repos {
		switch w.Repos[i].ID {
		case "npm:meeting-bot":
			w.Repos[i].ForkOf = "github.com/someone/meeting-bot"
		case "npm:calendar-utils":
			w.Repos[i].Asset.AllowForks = true
			w.Repos[i].Asset.Acceptance = 500_000
		case "npm:chrono-utils":
			w.Repos[i].Asset.Acceptance = 0
		}
	}
	plan, err := Rule(0, w)
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range plan.Streams {
		if s.Payer != "npm:meeting-bot" {
			continue
		}
		switch s.To() {
		case "npm:date-fp", "npm:chrono-utils":
			if !s.Paid.IsZero() || s.Refused.Cmp(s.Kept) != 0 {
				t.Errorf("%v: paid %s refused %s; want all refused", s.Path, s.Paid, s.Refused)
			}
		case "npm:calendar-utils":
			if want, _, _ := s.Kept.MulDiv(1, 2); s.Paid.Cmp(want) != 0 {
				t.Errorf("%v: paid %s of %s at acceptance 0.5", s.Path, s.Paid, s.Kept)
			}
		}
	}
}

// TestEscrowAndFallback: an unlinked dependency accrues escrow; a payer
// without beacons is of class no_telemetry and weighs by (stars+1) ×
// (commits+1).
func TestEscrowAndFallback(t *testing.T) {
	w := SeedWorld()
	delete(w.Usage, "npm:meeting-bot")
	w.Deps["npm:meeting-bot"] = append(w.Deps["npm:meeting-bot"], "npm:left-pad")
	for i := range w.Repos {
		if w.Repos[i].ID == "npm:date-fp" {
			w.Repos[i].Meta = Meta{Stars: 9, Commits90: 1} // weight 20
		}
		if w.Repos[i].ID == "npm:calendar-utils" {
			w.Repos[i].Meta = Meta{Stars: 4, Commits90: 0} // weight 5
		}
	}
	plan, err := Rule(0, w)
	if err != nil {
		t.Fatal(err)
	}
	var line Payer
	for _, p := range plan.Payers {
		if p.Repo == "npm:meeting-bot" {
			line = p
		}
	}
	// 4000 split 5 : 20 : 1 (calendar-utils, date-fp, left-pad).
	if line.Class != ClassNoTelemetry || line.Budget.Uint64() != 4000 || line.Escrow.Uint64() != 154 {
		t.Errorf("line %+v; want no_telemetry, 4000, escrow 154 (4000/26 rounded by largest remainder)", line)
	}
	st, err := Settle(plan)
	if err != nil {
		t.Fatal(err)
	}
	if len(st.Escrow) != 1 || st.Escrow[0].Account != "deps:escrow:npm:left-pad" {
		t.Errorf("escrow %+v", st.Escrow)
	}
	if EscrowAccount("npm:@types/node") != "deps:escrow:x:6e706d3a4074797065732f6e6f6465" {
		t.Errorf("escrow account of a scoped package: %s", EscrowAccount("npm:@types/node"))
	}
}
