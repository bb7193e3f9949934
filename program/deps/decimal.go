package deps

import (
	"strconv"
	"strings"

	"github.com/tributary-ledger/tributary/errcode"
	"github.com/tributary-ledger/tributary/money"
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

// ParseDecimal reads an exact decimal as money.Parse reads an amount of
// six decimals: digits, optionally a point and more digits, with at most
// six significant places ("1", "1.0", "0.2848", "100.000000"). Signs,
// exponents, underscores, infinities and more than six significant places
// are refused, as is anything above max.
//
// Errors: ErrDecimal naming field.
func ParseDecimal(field, s string, max Decimal) (Decimal, error) {
	a, err := money.Parse(s, decimalUnit)
	if err != nil {
		return 0, errcode.Errorf(ErrDecimal, "%s = %q: %v; want an exact decimal from 0 to %s with at most %d places, such as \"1.0\"", field, s, err, max, decimalPlaces)
	}
	if a.Cmp(money.FromUint64(uint64(max))) > 0 {
		return 0, errcode.Errorf(ErrDecimal, "%s = %q is out of range; want an exact decimal from 0 to %s with at most %d places, such as \"1.0\"", field, s, max, decimalPlaces)
	}
	return Decimal(a.Uint64()), nil
}

// decimalUnit reads Decimals: millionths.
var decimalUnit = money.Currency{Code: "decimal", Decimals: decimalPlaces}

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
