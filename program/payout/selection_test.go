package payout

import (
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/tributary-ledger/tributary/engine"
	"github.com/tributary-ledger/tributary/ledger"
	"github.com/tributary-ledger/tributary/money"
)

// memPages serves sorted destinations and balances as the stores do:
// by key, after a cursor, a page of at most limit.
type memPages struct {
	dests []engine.StateValue
	bals  []ledger.Balance
	reads int
}

func (m *memPages) pages() Pages {
	return Pages{
		Destinations: func(prefix, after string, limit int) ([]engine.StateValue, error) {
			m.reads++
			var out []engine.StateValue
			for _, sv := range m.dests {
				if sv.Key > after && strings.HasPrefix(sv.Key, prefix) && len(out) < limit {
					out = append(out, sv)
				}
			}
			return out, nil
		},
		Balances: func(f ledger.BalanceFilter) ([]ledger.Balance, error) {
			m.reads++
			var out []ledger.Balance
			for _, b := range m.bals {
				if b.BalanceKey.Compare(f.After) > 0 && strings.HasPrefix(b.Account, f.Prefix) && (f.Currency == "" || b.Currency == f.Currency) && len(out) < f.Limit {
					out = append(out, b)
				}
			}
			return out, nil
		},
	}
}

// TestSelectPaged: over random balances and destinations spanning
// several pages (accounts with a destination and none, destinations
// without a balance, other currencies, other prefixes, external
// accounts, balances under the minimum), the merged paged selection
// selects what Select does from every record at once.
func TestSelectPaged(t *testing.T) {
	r := rand.New(rand.NewPCG(19, 7))
	at := time.Date(2026, 3, 2, 0, 0, 0, 0, time.UTC)
	m := &memPages{}
	dests := map[string]Destination{}
	for i := range 3 * selectPage {
		acct := fmt.Sprintf("%s:%06d", []string{"p", "q", "pp", "@ext"}[r.IntN(4)], r.IntN(1_000_000))
		if _, dup := dests[acct]; !dup && r.IntN(3) > 0 {
			d := Destination{Account: acct, Destination: fmt.Sprintf("@bank:%d", i), Rail: RailBank, Set: at}
			if r.IntN(2) == 0 {
				d = Destination{Account: acct, Destination: fmt.Sprintf("0x%040x", i+1), Rail: RailChain, Set: at.Add(time.Duration(i) * time.Nanosecond)}
			}
			dests[acct] = d
			raw, _ := json.Marshal(d)
			m.dests = append(m.dests, engine.StateValue{Key: destinationKey(acct), Value: raw})
		}
		if r.IntN(4) > 0 {
			for _, cur := range []string{"EUR", "USD"}[r.IntN(2):] {
				m.bals = append(m.bals, ledger.Balance{BalanceKey: ledger.BalanceKey{Account: acct, Currency: cur}, CreditsPosted: money.FromUint64(uint64(r.IntN(300)))})
			}
		}
	}
	slices.SortFunc(m.dests, func(x, y engine.StateValue) int { return strings.Compare(x.Key, y.Key) })
	m.dests = slices.CompactFunc(m.dests, func(x, y engine.StateValue) bool { return x.Key == y.Key })
	slices.SortFunc(m.bals, func(x, y ledger.Balance) int { return x.BalanceKey.Compare(y.BalanceKey) })
	m.bals = slices.CompactFunc(m.bals, func(x, y ledger.Balance) bool { return x.BalanceKey == y.BalanceKey })
	for _, sel := range []Selection{
		{Currency: "USD", Minimum: money.FromUint64(100)},
		{Currency: "USD", Minimum: money.FromUint64(1), Prefix: "p"},
		{Currency: "EUR", Minimum: money.FromUint64(250), Prefix: "pp:"},
		{Currency: "USD", Prefix: "zz"},
	} {
		want, wantMissing := Select(sel, m.bals, dests)
		got, missing, err := SelectPaged(sel, m.pages())
		if err != nil {
			t.Fatal(err)
		}
		if missing != wantMissing || !reflect.DeepEqual(got, want) {
			t.Errorf("%+v: %d candidates, %d missing; want %d, %d", sel, len(got), missing, len(want), wantMissing)
		}
	}
}

// FuzzDecodeDestination: whatever the bytes, the direct reading of a
// destination agrees with encoding/json's: when it reads one, it is the
// one encoding/json reads.
func FuzzDecodeDestination(f *testing.F) {
	at := time.Date(2026, 3, 2, 1, 2, 3, 4, time.UTC)
	for _, d := range []Destination{
		{Account: "p:1", Destination: "@bank:x", Rail: RailBank, Set: at},
		{Account: "p:2", Destination: "0x5B38Da6a701c568545dCfcB03FcB875f56beddC4", Rail: RailChain, Set: at.In(time.FixedZone("", 3600))},
		{Account: `a"b`, Destination: "@psp:<é>", Rail: RailBank},
	} {
		raw, _ := json.Marshal(d)
		f.Add(raw)
	}
	f.Add([]byte(`{"account":"x","destination":"y","rail":"bank","set":"2026-13-01T00:00:00Z"}`))
	f.Add([]byte(`{"account":"x","destination":"y","rail":"bank","set":"2026-01-01T00:00:00Z"} `))
	f.Fuzz(func(t *testing.T, raw []byte) {
		got, ok := decodePlainDestination(raw)
		var want Destination
		err := json.Unmarshal(raw, &want)
		if !ok {
			return
		}
		if err != nil {
			t.Fatalf("read %q as %+v; encoding/json refuses it: %v", raw, got, err)
		}
		if !reflect.DeepEqual(got, want) {
			t.Fatalf("read %q as %+v; encoding/json reads %+v", raw, got, want)
		}
	})
}
