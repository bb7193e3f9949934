// Package money holds exact amounts and the currencies they are counted in.
//
// An Amount is an unsigned 256-bit integer of base units (cents for USD,
// 1e-6 for USDC, wei for ETH). It is a value: copying it copies the number,
// and no method hands out a pointer into it, so an amount can never change
// behind its holder's back. Arithmetic is checked: a sum that does not fit in
// 256 bits and a difference that would go below zero are errors, never
// wrap-arounds. Decimal strings are parsed and formatted exactly: a string
// with more fractional digits than the currency allows is refused, never
// rounded. Nothing in this package uses floating point.
package money

import (
	"math/bits"

	"github.com/holiman/uint256"

	"github.com/tributary-ledger/tributary/errcode"
)

// Error codes returned by this package. They are stable.
var (
	ErrFormat          = errcode.New(errcode.Invalid, "amount_format", "amount is not a decimal number")
	ErrNegative        = errcode.New(errcode.Invalid, "amount_negative", "amount is negative; amounts are zero or more")
	ErrPrecision       = errcode.New(errcode.Invalid, "amount_precision", "amount has more decimals than its currency")
	ErrOverflow        = errcode.New(errcode.Unprocessable, "amount_overflow", "amount does not fit in 256 bits")
	ErrInsufficient    = errcode.New(errcode.Unprocessable, "amount_insufficient", "amount is smaller than what is taken from it")
	ErrUnknownCurrency = errcode.New(errcode.Unprocessable, "currency_unknown", "currency is not registered")
	ErrCurrency        = errcode.New(errcode.Invalid, "currency_invalid", "currency definition is invalid")
)

// Amount is a non-negative integer number of base units below 2^256.
// The zero value is zero.
type Amount struct {
	v uint256.Int
}

// Zero is the zero amount.
var Zero Amount

// Max is the largest amount, 2^256-1 base units.
var Max = Amount{v: uint256.Int{^uint64(0), ^uint64(0), ^uint64(0), ^uint64(0)}}

// FromUint64 returns x base units.
func FromUint64(x uint64) Amount { return Amount{v: uint256.Int{x, 0, 0, 0}} }

// FromUint256 returns the amount x; x is copied, not kept.
func FromUint256(x *uint256.Int) Amount { return Amount{v: *x} }

// Uint256 returns a fresh copy of the amount as a *uint256.Int.
func (a Amount) Uint256() *uint256.Int { v := a.v; return &v }

// IsZero reports whether a is zero.
func (a Amount) IsZero() bool { return a.v.IsZero() }

// IsUint64 reports whether a fits in a uint64.
func (a Amount) IsUint64() bool { return a.v.IsUint64() }

// Uint64 returns the low 64 bits of a; check IsUint64 first.
func (a Amount) Uint64() uint64 { return a.v[0] }

// Cmp returns -1, 0 or +1 as a is less than, equal to or greater than b.
func (a Amount) Cmp(b Amount) int { return a.v.Cmp(&b.v) }

// Add returns a+b, or ErrOverflow when the sum does not fit in 256 bits.
func (a Amount) Add(b Amount) (Amount, error) {
	var z Amount
	if _, overflow := z.v.AddOverflow(&a.v, &b.v); overflow {
		return Zero, errcode.Errorf(ErrOverflow, "%s + %s does not fit in 256 bits", a, b)
	}
	return z, nil
}

// Sub returns a-b, or ErrInsufficient when b is larger than a.
func (a Amount) Sub(b Amount) (Amount, error) {
	var z Amount
	if _, underflow := z.v.SubOverflow(&a.v, &b.v); underflow {
		return Zero, errcode.Errorf(ErrInsufficient, "%s - %s would be negative", a, b)
	}
	return z, nil
}

// MulDiv returns floor(a*num/den) and the remainder (a*num) mod den, computed
// with a 512-bit intermediate so that a*num never overflows. It returns
// ErrOverflow when the quotient does not fit in 256 bits, which can happen
// only when num > den. den must not be zero (a programmer error: it panics).
func (a Amount) MulDiv(num, den uint64) (q Amount, rem uint64, err error) {
	if den == 0 {
		panic("money: MulDiv by zero")
	}
	// Schoolbook: (a*num) limb by limb, then divide the 320-bit product by den
	// from the top limb down. Both steps are exact.
	var p [5]uint64
	var carry uint64
	for i := 0; i < 4; i++ {
		hi, lo := bits.Mul64(a.v[i], num)
		var c uint64
		p[i], c = bits.Add64(lo, carry, 0)
		carry = hi + c
	}
	p[4] = carry
	var r uint64
	var out [5]uint64
	for i := 4; i >= 0; i-- {
		out[i], r = bits.Div64(r, p[i], den)
	}
	if out[4] != 0 {
		return Zero, 0, errcode.Errorf(ErrOverflow, "%s * %d / %d does not fit in 256 bits", a, num, den)
	}
	return Amount{v: uint256.Int{out[0], out[1], out[2], out[3]}}, r, nil
}

// String returns the amount in base units, for example "198".
func (a Amount) String() string { return a.v.Dec() }

// MarshalText encodes the amount as base units in decimal.
func (a Amount) MarshalText() ([]byte, error) { return []byte(a.v.Dec()), nil }

// UnmarshalText decodes base units written by MarshalText; see ParseUnits.
func (a *Amount) UnmarshalText(b []byte) error {
	v, err := ParseUnits(string(b))
	if err != nil {
		return err
	}
	*a = v
	return nil
}

// ParseUnits parses a whole number of base units such as "1980000". It takes
// digits only: no sign, point, exponent, space or separator.
//
// Errors: ErrFormat, ErrNegative, ErrOverflow.
func ParseUnits(s string) (Amount, error) {
	if err := checkDigits(s, s, "base units"); err != nil {
		return Zero, err
	}
	var a Amount
	if err := a.v.SetFromDecimal(s); err != nil {
		return Zero, errcode.Errorf(ErrOverflow, "amount %q does not fit in 256 bits; the largest is %s", s, Max)
	}
	return a, nil
}

// maxInputLen bounds the strings we parse: 2^256 has 78 digits, and the
// largest precision is MaxDecimals, so anything longer is not an amount.
const maxInputLen = 78 + 1 + MaxDecimals

func checkDigits(s, whole, what string) error {
	if len(whole) > maxInputLen {
		return errcode.Errorf(ErrFormat, "amount is %d characters long; at most %d are allowed", len(whole), maxInputLen)
	}
	if s == "" {
		return errcode.Errorf(ErrFormat, "amount %q has no digits; want %s such as \"198\"", whole, what)
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c >= '0' && c <= '9':
		case c == '-' && i == 0:
			return errcode.Errorf(ErrNegative, "amount %q is negative; amounts are zero or more", whole)
		case c == 'e' || c == 'E':
			return errcode.Errorf(ErrFormat, "amount %q has an exponent; write every digit, as in \"1500\"", whole)
		default:
			return errcode.Errorf(ErrFormat, "amount %q has %q at byte %d; want %s: digits with an optional point", whole, c, i, what)
		}
	}
	return nil
}
