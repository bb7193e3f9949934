package deps

import (
	"time"

	"github.com/tributary-ledger/tributary/money"
)

// RateScale is the extra precision of a stream rate: base units per second
// times 10^9 (as Drips' amtPerSec), so that a few cents a week still has a
// rate above zero.
const RateScale = 1_000_000_000

// Rate returns a stream's rate: floor(amount × 10^9 / epoch seconds).
func Rate(amount money.Amount, seconds uint64) money.Amount {
	r, _, err := amount.MulDiv(RateScale, seconds)
	if err != nil {
		return money.Zero // a 256-bit amount times 10^9: not one a budget reaches
	}
	return r
}

// Accrued returns what a stream of amount over [start, end) has accrued at
// t, in whole seconds, rounded down: zero before the start, the whole
// amount from the end on.
func Accrued(amount money.Amount, start, end, t time.Time) money.Amount {
	total := uint64(end.Sub(start) / time.Second)
	switch {
	case !t.After(start) || total == 0:
		return money.Zero
	case !t.Before(end):
		return amount
	}
	a, _, _ := amount.MulDiv(uint64(t.Sub(start)/time.Second), total)
	return a
}
