package usage

import (
	"time"

	"github.com/tributary-ledger/tributary/errcode"
)

// EpochsMax bounds epoch numbers, so that start times never overflow.
const EpochsMax = 1_000_000

// Start returns the start of epoch n (inclusive), in UTC.
func (e Epoch) Start(n uint64) time.Time {
	a := e.Anchor.UTC()
	switch e.Length {
	case EpochDay:
		return a.AddDate(0, 0, int(n))
	case EpochWeek:
		return a.AddDate(0, 0, 7*int(n))
	case EpochMonth:
		return a.AddDate(0, int(n), 0)
	default:
		return a.Add(time.Duration(n) * time.Duration(e.Seconds) * time.Second)
	}
}

// End returns the end of epoch n (exclusive): the next epoch's start.
func (e Epoch) End(n uint64) time.Time { return e.Start(n + 1) }

// Number returns the epoch that contains t.
//
// Errors: ErrEpochFuture when t is before the anchor (there is no epoch
// yet), ErrLimit past EpochsMax.
func (e Epoch) Number(t time.Time) (uint64, error) {
	t = t.UTC()
	a := e.Anchor.UTC()
	if t.Before(a) {
		return 0, errcode.Errorf(ErrEpochFuture, "%s is before the first epoch starts (%s)", t.Format(time.RFC3339), a.Format(time.RFC3339))
	}
	var n uint64
	switch e.Length {
	case EpochMonth:
		months := (t.Year()-a.Year())*12 + int(t.Month()) - int(a.Month())
		n = uint64(max(months, 0))
		for n > 0 && e.Start(n).After(t) {
			n--
		}
	default:
		length := time.Duration(e.Seconds) * time.Second
		switch e.Length {
		case EpochDay:
			length = 24 * time.Hour
		case EpochWeek:
			length = 7 * 24 * time.Hour
		}
		n = uint64(t.Sub(a) / length)
	}
	if n >= EpochsMax {
		return 0, errcode.Errorf(ErrLimit, "%s is epoch %d; at most %d epochs are counted from the anchor", t.Format(time.RFC3339), n, EpochsMax)
	}
	return n, nil
}
