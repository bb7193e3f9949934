package engine

import (
	"fmt"
	"slices"
	"strings"

	"github.com/tributary-ledger/tributary/ledger"
)

// BalanceRange reads and locks the range in one read and keeps what it
// read as the batch's balances, so that the operation's postings find
// them loaded: a payout batch of a million lines reads its balances once.
func (v *opView) BalanceRange(prefix, currency string) ([]ledger.Balance, error) {
	ov := v.ov
	rows, err := ov.tx.LockBalanceRange(ov.ctx, prefix, currency)
	if err != nil {
		return nil, fmt.Errorf("reading %s balances under %q: %w", currency, prefix, err)
	}
	ov.fillAt()
	// Balances of the range the batch loaded before: their values in the
	// batch are the ones to see, not the stored ones.
	var earlier []ledger.Balance
	for _, b := range ov.bals {
		if b.Currency == currency && strings.HasPrefix(b.Account, prefix) {
			earlier = append(earlier, b)
		}
	}
	start := len(ov.bals)
	if start == 0 {
		ov.bals = rows // no copy of a million balances
	} else {
		ov.bals = slices.Grow(ov.bals, len(rows))
		for _, b := range rows {
			if _, ok := ov.find(b.BalanceKey); !ok {
				ov.bals = append(ov.bals, b)
			}
		}
	}
	// A sorted run, found by search rather than put in the map.
	ov.runs = append(ov.runs, [2]int32{int32(start), int32(len(ov.bals))})
	ov.atFilled = len(ov.bals)
	loaded := ov.bals[start:len(ov.bals):len(ov.bals)]
	if len(earlier) == 0 {
		return loaded, nil
	}
	out := append(slices.Clone(loaded), earlier...)
	slices.SortFunc(out, func(x, y ledger.Balance) int { return x.BalanceKey.Compare(y.BalanceKey) })
	return out, nil
}

// StatePage reads a page from the store and lays the batch's own state
// writes under prefix over it, reading further while they removed
// records, so that a short page still means the last.
func (v *opView) StatePage(prefix, after string, limit int) ([]StateValue, error) {
	ov := v.ov
	written := map[string]stateValue{}
	for k, sv := range ov.state {
		if k[0] == v.program && strings.HasPrefix(k[1], prefix) && k[1] > after {
			written[k[1]] = sv
		}
	}
	var out []StateValue
	for {
		page, err := ov.tx.LockStatePage(ov.ctx, v.program, prefix, after, limit)
		if err != nil {
			return nil, fmt.Errorf("reading state %s/%s…: %w", v.program, prefix, err)
		}
		last := len(page) < limit // the store has no more
		for _, sv := range page {
			if w, ok := written[sv.Key]; ok {
				delete(written, sv.Key)
				if !w.ok {
					continue
				}
				sv.Value = w.value
			}
			out = append(out, sv)
		}
		if !last {
			// The batch's new records up to the page's last key.
			bound := page[len(page)-1].Key
			for k, w := range written {
				if k <= bound {
					delete(written, k)
					if w.ok {
						out = append(out, StateValue{Key: k, Value: w.value})
					}
				}
			}
			after = bound
		} else {
			for k, w := range written {
				if w.ok {
					out = append(out, StateValue{Key: k, Value: w.value})
				}
			}
		}
		slices.SortFunc(out, func(x, y StateValue) int { return strings.Compare(x.Key, y.Key) })
		if last || len(out) >= limit {
			return out[:min(len(out), limit)], nil
		}
	}
}

// find returns the position in ov.bals of a loaded balance.
func (ov *overlay) find(k ledger.BalanceKey) (int32, bool) {
	if p, ok := ov.at[k]; ok {
		return p, true
	}
	for _, r := range ov.runs {
		// Keys are mostly sought in order (an entry's sorted postings):
		// the one after the last found first.
		if h := ov.runHint + 1; h >= r[0] && h < r[1] && ov.bals[h].BalanceKey == k {
			ov.runHint = h
			return h, true
		}
		run := ov.bals[r[0]:r[1]]
		if i, ok := slices.BinarySearchFunc(run, k, func(b ledger.Balance, k ledger.BalanceKey) int { return b.BalanceKey.Compare(k) }); ok {
			ov.runHint = r[0] + int32(i)
			return ov.runHint, true
		}
	}
	return 0, false
}
