package money

import (
	"strings"

	"github.com/tributary-ledger/tributary/errcode"
)

// Parse reads a decimal string of whole units in currency c, exactly:
// "1.98" USD is 198 cents, "682.5" ETH is 682500000000000000000 wei.
// Digits are required on both sides of an optional point. Trailing zeros past
// the currency's precision are allowed ("1.980" USD is 198) because they lose
// nothing; any other digit there is refused, never rounded.
//
// Errors: ErrFormat (empty, signs, exponents, spaces, separators),
// ErrNegative, ErrPrecision, ErrOverflow.
func Parse(s string, c Currency) (Amount, error) {
	intPart, frac, hasPoint := strings.Cut(s, ".")
	if err := checkDigits(intPart, s, "a decimal such as \"1.98\""); err != nil {
		return Zero, err
	}
	if hasPoint {
		if err := checkDigits(frac, s, "a decimal such as \"1.98\""); err != nil {
			return Zero, err
		}
	}
	if len(frac) > int(c.Decimals) {
		extra := frac[c.Decimals:]
		if strings.Trim(extra, "0") != "" {
			return Zero, errcode.Errorf(ErrPrecision, "amount %q has %d decimals; %s allows at most %d and amounts are never rounded", s, len(frac), c.Code, c.Decimals)
		}
		frac = frac[:c.Decimals]
	}
	digits := intPart + frac + strings.Repeat("0", int(c.Decimals)-len(frac))
	a, err := ParseUnits(digits)
	if err != nil {
		if errcode.Code(err) == ErrOverflow.Code() {
			return Zero, errcode.Errorf(ErrOverflow, "amount %q %s is more than 2^256-1 base units", s, c.Code)
		}
		return Zero, err
	}
	return a, nil
}

// Format writes a in whole units of c. A currency with at most two decimals is
// written with all of them, like a price tag ("0.30" USD); one with more has
// trailing zeros trimmed ("0.297" USDC, "682.5" ETH, "25" ETH), because a
// column of eighteen zeros helps nobody. Parse(Format(a, c), c) == a.
func Format(a Amount, c Currency) string {
	s := a.v.Dec()
	d := int(c.Decimals)
	if d == 0 {
		return s
	}
	if len(s) <= d {
		s = strings.Repeat("0", d-len(s)+1) + s
	}
	intPart, frac := s[:len(s)-d], s[len(s)-d:]
	if d > 2 {
		frac = strings.TrimRight(frac, "0")
		if frac == "" {
			return intPart
		}
	}
	return intPart + "." + frac
}
