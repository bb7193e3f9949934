package deps

import (
	"strconv"
	"strings"

	"github.com/tributary-ledger/tributary/errcode"
)

// Decimal is an exact decimal with six places, held as millionths: 1.0 is
// 1_000_000. Multipliers and acceptances are Decimals; their text is the
// decimal as written ("1.0", "0.25", "2"), never a binary float, so that
// "0.1" means exactly a tenth.
type Decimal uint64

// DecimalOne is 1.0.
const DecimalOne Decimal = 1_000_000

// decimalPlaces is how many fractional digits a Decimal keeps.
const decimalPlaces = 6

// ParseDecimal reads an exact decimal: digits, optionally a point and up to
// six more significant digits ("1", "1.0", "0.2848", "100.000000"). Signs,
// exponents, underscores, infinities and more than six significant places
// are refused, as is anything above max.
//
// Errors: ErrDecimal naming field.
func ParseDecimal(field, s string, max Decimal) (Decimal, error) {
	bad := func(why string) error {
		return errcode.Errorf(ErrDecimal, "%s = %q %s; want an exact decimal from 0 to %s with at most %d places, such as \"1.0\"", field, s, why, max, decimalPlaces)
	}
	whole, frac, dot := strings.Cut(s, ".")
	if whole == "" || dot && frac == "" || len(whole) > 9 {
		return 0, bad("is not a decimal")
	}
	frac = strings.TrimRight(frac, "0")
	if len(frac) > decimalPlaces {
		return 0, bad("has more places than are kept")
	}
	for _, part := range []string{whole, frac} {
		for i := 0; i < len(part); i++ {
			if part[i] < '0' || part[i] > '9' {
				return 0, bad("is not a decimal")
			}
		}
	}
	w, _ := strconv.ParseUint(whole, 10, 64)
	f := uint64(0)
	if frac != "" {
		f, _ = strconv.ParseUint(frac+strings.Repeat("0", decimalPlaces-len(frac)), 10, 64)
	}
	d := Decimal(w*uint64(DecimalOne) + f)
	if d > max {
		return 0, bad("is out of range")
	}
	return d, nil
}

// String writes the decimal with at least one place: "1.0", "0.2848".
func (d Decimal) String() string {
	w, f := uint64(d)/uint64(DecimalOne), uint64(d)%uint64(DecimalOne)
	frac := strings.TrimRight(strconv.FormatUint(f+uint64(DecimalOne), 10)[1:], "0")
	if frac == "" {
		frac = "0"
	}
	return strconv.FormatUint(w, 10) + "." + frac
}

// MarshalText writes the decimal's text, so JSON shows "1.0".
func (d Decimal) MarshalText() ([]byte, error) { return []byte(d.String()), nil }

// UnmarshalText reads an exact decimal of any size; ranges are checked by
// the rules that use it.
func (d *Decimal) UnmarshalText(b []byte) error {
	v, err := ParseDecimal("decimal", string(b), Decimal(^uint64(0)>>1))
	*d = v
	return err
}
