package deps

import (
	"time"

	"github.com/tributary-ledger/tributary/errcode"
	"github.com/tributary-ledger/tributary/money"
)

// RateScale is the extra precision of a stream rate: base units per second
// times 10^9 (as Drips' amtPerSec), so that a few cents a week still has a
// rate above zero.
const RateScale = 1_000_000_000

// Rate returns a stream's rate: floor(amount × 10^9 / epoch seconds).
//
// Errors: ErrRate, when amount × 10^9 / seconds passes 2^256-1 (the
// configuration refuses base rates that could give such an amount).
func Rate(amount money.Amount, seconds uint64) (money.Amount, error) {
	r, _, err := amount.MulDiv(RateScale, seconds)
	if err != nil {
		return money.Zero, errcode.Errorf(ErrRate, "a stream of %s base units over %d seconds has a rate above 2^256-1 (× 10^-9 units per second)", amount, seconds)
	}
	return r, nil
}

// rateFits reports whether the largest budget a base rate gives (at
// multiplier 100), paid in one second, has a rate.
func rateFits(base money.Amount) bool {
	top, _, err := base.MulDiv(uint64(MultiplierMax), uint64(DecimalOne))
	if err != nil {
		return false
	}
	_, err = Rate(top, 1)
	return err == nil
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
