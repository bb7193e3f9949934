package money

import (
	"math/big"
	"math/rand/v2"
	"testing"

	"github.com/holiman/uint256"

	"github.com/tributary-ledger/tributary/errcode"
)

func TestParse(t *testing.T) {
	tests := []struct {
		in       string
		cur      Currency
		want     string // base units
		wantCode string
	}{
		{"1.98", USD, "198", ""},
		{"1.980", USD, "198", ""},
		{"0.30", USD, "30", ""},
		{"5", USD, "500", ""},
		{"007.10", USD, "710", ""},
		{"0", USDC, "0", ""},
		{"0.297", USDC, "297000", ""},
		{"682.5", ETH, "682500000000000000000", ""},
		{"1.000000000000000001", ETH, "1000000000000000001", ""},
		{"1.999", USD, "", "amount_precision"},
		{"0.0000001", USDC, "", "amount_precision"},
		{"", USD, "", "amount_format"},
		{".5", USD, "", "amount_format"},
		{"5.", USD, "", "amount_format"},
		{"-1.00", USD, "", "amount_negative"},
		{"+1.00", USD, "", "amount_format"},
		{"1e3", USD, "", "amount_format"},
		{"1E3", USD, "", "amount_format"},
		{" 1", USD, "", "amount_format"},
		{"1,000.00", USD, "", "amount_format"},
		{"1_000", USD, "", "amount_format"},
		{"1.2.3", USD, "", "amount_format"},
		{"0x10", USD, "", "amount_format"},
		{"NaN", USD, "", "amount_format"},
		// 2^256-1 wei is 115792089237316195423570985008687907853269984665640564039457.584007913129639935 ETH.
		{"115792089237316195423570985008687907853269984665640564039457.584007913129639935", ETH, "115792089237316195423570985008687907853269984665640564039457584007913129639935", ""},
		{"115792089237316195423570985008687907853269984665640564039457.584007913129639936", ETH, "", "amount_overflow"},
		{"1" + string(make([]byte, 200)), USD, "", "amount_format"},
	}
	for _, tt := range tests {
		got, err := Parse(tt.in, tt.cur)
		if tt.wantCode != "" {
			if code := errcode.Code(err); code != tt.wantCode {
				t.Errorf("Parse(%q, %s) error code = %q (%v); want %q", tt.in, tt.cur.Code, code, err, tt.wantCode)
			}
			continue
		}
		if err != nil {
			t.Errorf("Parse(%q, %s) error: %v", tt.in, tt.cur.Code, err)
			continue
		}
		if got.String() != tt.want {
			t.Errorf("Parse(%q, %s) = %s; want %s", tt.in, tt.cur.Code, got, tt.want)
		}
	}
}

func TestFormat(t *testing.T) {
	tests := []struct {
		units string
		cur   Currency
		want  string
	}{
		{"30", USD, "0.30"},
		{"0", USD, "0.00"},
		{"371", USD, "3.71"},
		{"5", USD, "0.05"},
		{"297000", USDC, "0.297"},
		{"3713000", USDC, "3.713"},
		{"990000", USDC, "0.99"},
		{"0", USDC, "0"},
		{"1", USDC, "0.000001"},
		{"682500000000000000000", ETH, "682.5"},
		{"25000000000000000000", ETH, "25"},
		{"7", Currency{Code: "PTS", Decimals: 0}, "7"},
	}
	for _, tt := range tests {
		a, err := ParseUnits(tt.units)
		if err != nil {
			t.Fatalf("ParseUnits(%q): %v", tt.units, err)
		}
		if got := Format(a, tt.cur); got != tt.want {
			t.Errorf("Format(%s, %s) = %q; want %q", tt.units, tt.cur.Code, got, tt.want)
		}
		back, err := Parse(tt.want, tt.cur)
		if err != nil || back != a {
			t.Errorf("Parse(Format(%s)) = %s, %v; want %s", tt.units, back, err, a)
		}
	}
}

func TestParseUnits(t *testing.T) {
	tests := []struct {
		in, wantCode string
	}{
		{"1980000", ""},
		{"0", ""},
		{"115792089237316195423570985008687907853269984665640564039457584007913129639935", ""},
		{"115792089237316195423570985008687907853269984665640564039457584007913129639936", "amount_overflow"},
		{"1.5", "amount_format"},
		{"-5", "amount_negative"},
		{"", "amount_format"},
		{"5e2", "amount_format"},
	}
	for _, tt := range tests {
		got, err := ParseUnits(tt.in)
		if code := ""; err != nil {
			code = errcode.Code(err)
			if code != tt.wantCode {
				t.Errorf("ParseUnits(%q) code = %q (%v); want %q", tt.in, code, err, tt.wantCode)
			}
			continue
		}
		if tt.wantCode != "" {
			t.Errorf("ParseUnits(%q) = %s; want error %q", tt.in, got, tt.wantCode)
		} else if got.String() != tt.in {
			t.Errorf("ParseUnits(%q) = %s; want %s", tt.in, got, tt.in)
		}
	}
}

func TestArithmetic(t *testing.T) {
	one := FromUint64(1)
	if _, err := Max.Add(one); errcode.Code(err) != "amount_overflow" {
		t.Errorf("Max+1 error = %v; want amount_overflow", err)
	}
	if _, err := Zero.Sub(one); errcode.Code(err) != "amount_insufficient" {
		t.Errorf("0-1 error = %v; want amount_insufficient", err)
	}
	if got, err := FromUint64(5).Sub(FromUint64(3)); err != nil || got != FromUint64(2) {
		t.Errorf("5-3 = %s, %v; want 2", got, err)
	}
	if _, _, err := Max.MulDiv(3, 2); errcode.Code(err) != "amount_overflow" {
		t.Errorf("Max*3/2 error = %v; want amount_overflow", err)
	}
	// Uint256 hands out a copy: changing it must not change the amount.
	a := FromUint64(9)
	p := a.Uint256()
	p.SetUint64(1)
	if a != FromUint64(9) {
		t.Errorf("mutating Uint256() changed the amount to %s", a)
	}
}

// TestMulDivMatchesBig checks MulDiv against math/big on random operands,
// including operands near 2^256.
func TestMulDivMatchesBig(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	for i := 0; i < 200000; i++ {
		var v uint256.Int
		for j := range v {
			if r.IntN(3) > 0 {
				v[j] = r.Uint64()
			}
		}
		a := FromUint256(&v)
		den := r.Uint64()>>uint(r.IntN(64)) | 1
		num := r.Uint64() % (den + 1) // num <= den never overflows
		if r.IntN(4) == 0 {
			num = r.Uint64()
		}
		q, rem, err := a.MulDiv(num, den)
		want := new(big.Int).Mul(v.ToBig(), new(big.Int).SetUint64(num))
		wantRem := new(big.Int)
		want.QuoRem(want, new(big.Int).SetUint64(den), wantRem)
		if want.BitLen() > 256 {
			if err == nil {
				t.Fatalf("MulDiv(%s, %d, %d) = %s; want overflow", a, num, den, q)
			}
			continue
		}
		if err != nil || q.Uint256().ToBig().Cmp(want) != 0 || rem != wantRem.Uint64() {
			t.Fatalf("MulDiv(%s, %d, %d) = %s r %d, %v; want %s r %s", a, num, den, q, rem, err, want, wantRem)
		}
	}
}

func TestRegistry(t *testing.T) {
	r := NewRegistry()
	for _, code := range []string{"USD", "USDC", "ETH"} {
		if _, err := r.Lookup(code); err != nil {
			t.Errorf("Lookup(%q): %v", code, err)
		}
	}
	if _, err := r.Lookup("EUR"); errcode.Code(err) != "currency_unknown" {
		t.Errorf("Lookup(EUR) error = %v; want currency_unknown", err)
	}
	if err := r.Register(Currency{Code: "EUR", Decimals: 2}); err != nil {
		t.Fatalf("Register(EUR): %v", err)
	}
	if c, err := r.Lookup("EUR"); err != nil || c.Decimals != 2 {
		t.Errorf("Lookup(EUR) = %v, %v; want 2 decimals", c, err)
	}
	bad := []Currency{
		{Code: "EUR", Decimals: 3}, // changing decimals
		{Code: "eur", Decimals: 2},
		{Code: "E", Decimals: 2},
		{Code: "1AB", Decimals: 2},
		{Code: "ABCDEFGHIJKLMNOPQ", Decimals: 2},
		{Code: "BIG", Decimals: MaxDecimals + 1},
	}
	for _, c := range bad {
		if err := r.Register(c); errcode.Code(err) != "currency_invalid" {
			t.Errorf("Register(%+v) error = %v; want currency_invalid", c, err)
		}
	}
}

// FuzzParse checks that Parse never panics, and that whatever it accepts
// formats back to a string that parses to the same amount.
func FuzzParse(f *testing.F) {
	for _, s := range []string{"1.98", "0", "682.5", "-1", "1e5", "", ".", "1.999", "115792089237316195423570985008687907853269984665640564039457.584007913129639935"} {
		f.Add(s, uint8(2))
		f.Add(s, uint8(18))
	}
	f.Fuzz(func(t *testing.T, s string, decimals uint8) {
		c := Currency{Code: "FZ", Decimals: decimals % (MaxDecimals + 1)}
		a, err := Parse(s, c)
		if err != nil {
			if errcode.Code(err) == errcode.InternalCode {
				t.Fatalf("Parse(%q) returned an error without a code: %v", s, err)
			}
			return
		}
		out := Format(a, c)
		b, err := Parse(out, c)
		if err != nil || b != a {
			t.Fatalf("Parse(%q) = %s; Format = %q; Parse again = %s, %v", s, a, out, b, err)
		}
	})
}

func BenchmarkParse(b *testing.B) {
	for b.Loop() {
		if _, err := Parse("682.5", ETH); err != nil {
			b.Fatal(err)
		}
	}
}
