package payout

import (
	"bytes"
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/tributary-ledger/tributary/engine"
	"github.com/tributary-ledger/tributary/ledger"
	"github.com/tributary-ledger/tributary/money"
)

// selectPage is how many records a batch's selection reads at a time.
const selectPage = 10000

// eligible returns b's available amount and whether sel selects it (in
// sel's currency and prefix, internal, at least sel.Minimum and not zero).
func eligible(sel Selection, b ledger.Balance) (money.Amount, bool) {
	if b.Currency != sel.Currency || ledger.IsExternal(b.Account) || !strings.HasPrefix(b.Account, sel.Prefix) {
		return money.Amount{}, false
	}
	av := b.Available()
	if av.Negative || av.Amount.IsZero() || av.Amount.Cmp(sel.Minimum) < 0 {
		return money.Amount{}, false
	}
	return av.Amount, true
}

// Pages are the reads a paged selection makes: the destinations whose
// state keys begin with prefix, after the key after, in key order (a
// page of selectPage); the balances of a filter, in key order.
type Pages struct {
	Destinations func(prefix, after string, limit int) ([]engine.StateValue, error)
	Balances     func(f ledger.BalanceFilter) ([]ledger.Balance, error)
}

// SelectPaged is Select over every balance of sel's currency and prefix
// and the destinations of those accounts, read page by page: both come in
// account order (a destination's key is its account after a fixed
// prefix, and the stores order keys byte by byte), so they are merged as
// they are read, and only the destinations of eligible balances are
// decoded. No map of a million destinations is built.
func SelectPaged(sel Selection, p Pages) (out []Candidate, missing int, err error) {
	d := destCursor{p: p, prefix: destinationKey(sel.Prefix)}
	f := ledger.BalanceFilter{Prefix: sel.Prefix, Currency: sel.Currency, Limit: selectPage}
	for {
		page, err := p.Balances(f)
		if err != nil {
			return nil, 0, err
		}
		for _, b := range page {
			amt, ok := eligible(sel, b)
			if !ok {
				continue
			}
			raw, found, err := d.seek(b.Account)
			if err != nil {
				return nil, 0, err
			}
			if !found {
				missing++
				continue
			}
			dest, err := decodeDestination(raw)
			if err != nil {
				return nil, 0, err
			}
			if dest.Account == b.Account {
				dest.Account = b.Account // one string, not two, per line held
			}
			out = append(out, Candidate{Account: b.Account, Destination: dest, Amount: amt})
		}
		if len(page) < selectPage {
			return out, missing, nil
		}
		f.After = page[len(page)-1].BalanceKey
	}
}

// rangePages serves a balance range read at once as SelectPaged's pages.
func rangePages(bals []ledger.Balance) func(f ledger.BalanceFilter) ([]ledger.Balance, error) {
	return func(f ledger.BalanceFilter) ([]ledger.Balance, error) {
		i, _ := slices.BinarySearchFunc(bals, f.After, func(b ledger.Balance, k ledger.BalanceKey) int {
			if b.BalanceKey.Compare(k) <= 0 {
				return -1
			}
			return 1
		})
		return bals[i:min(i+f.Limit, len(bals))], nil
	}
}

// selectIn is SelectPaged through an engine transaction's view: the
// balances it selects are those the batch then reserves, read and locked
// once, with the destinations as the transaction sees them.
func selectIn(v engine.View, sel Selection) ([]Candidate, int, error) {
	rv, ok := v.(engine.RangeView)
	if !ok {
		return nil, 0, fmt.Errorf("a payout batch selects in an engine transaction; this view reads no ranges")
	}
	bals, err := rv.BalanceRange(sel.Prefix, sel.Currency)
	if err != nil {
		return nil, 0, err
	}
	return SelectPaged(sel, Pages{Destinations: rv.StatePage, Balances: rangePages(bals)})
}

// destCursor walks the destinations in key order, a page at a time.
type destCursor struct {
	p      Pages
	prefix string
	page   []engine.StateValue
	i      int
	done   bool // the last page is read
}

// seek moves to the first destination whose account is at least account
// (accounts are sought in ascending order) and returns its value if it is
// account's.
func (d *destCursor) seek(account string) ([]byte, bool, error) {
	for {
		for ; d.i < len(d.page); d.i++ {
			acct := d.page[d.i].Key[len(destinationPrefix):]
			if acct == account {
				return d.page[d.i].Value, true, nil
			}
			if acct > account {
				return nil, false, nil
			}
		}
		if d.done {
			return nil, false, nil
		}
		after := ""
		if len(d.page) > 0 {
			after = d.page[len(d.page)-1].Key
		}
		page, err := d.p.Destinations(d.prefix, after, selectPage)
		if err != nil {
			return nil, false, err
		}
		d.page, d.i, d.done = page, 0, len(page) < selectPage
	}
}

// decodeDestination reads a stored destination. Those written by
// SetDestination have one shape, {"account":…,"destination":…,"rail":…,
// "set":…} with strings that need no escapes, which is read directly (a
// million of them through encoding/json were a tenth of a batch); any
// other JSON goes through encoding/json.
func decodeDestination(raw []byte) (Destination, error) {
	if d, ok := decodePlainDestination(raw); ok {
		return d, nil
	}
	var d Destination
	err := json.Unmarshal(raw, &d)
	return d, err
}

// destinationFields are the keys of a destination as SetDestination
// writes them, in order.
var destinationFields = [4]string{`{"account":"`, `","destination":"`, `","rail":"`, `","set":"`}

func decodePlainDestination(raw []byte) (Destination, bool) {
	var vals [4]string
	rest := raw
	for i, f := range destinationFields {
		var ok bool
		if rest, ok = bytes.CutPrefix(rest, []byte(f)); !ok {
			return Destination{}, false
		}
		end := bytes.IndexByte(rest, '"')
		if end < 0 {
			return Destination{}, false
		}
		v := rest[:end]
		for _, c := range v {
			// What encoding/json would have escaped, or may decode
			// otherwise (invalid UTF-8): left to it.
			if c < 0x20 || c == '\\' || c >= 0x80 {
				return Destination{}, false
			}
		}
		vals[i], rest = intern(v), rest[end:]
	}
	if string(rest) != `"}` {
		return Destination{}, false
	}
	var set time.Time
	if set.UnmarshalText([]byte(vals[3])) != nil {
		return Destination{}, false
	}
	return Destination{Account: vals[0], Destination: vals[1], Rail: vals[2], Set: set}, true
}

// intern returns the rails' names as the constants, without a string
// allocated for each of a million destinations.
func intern(v []byte) string {
	switch string(v) {
	case RailBank:
		return RailBank
	case RailChain:
		return RailChain
	}
	return string(v)
}
