package ledger

import (
	"fmt"
	"math/big"
	"sort"

	"github.com/tributary-ledger/tributary/errcode"
	"github.com/tributary-ledger/tributary/money"
)

// ErrVerify is returned when the journal and the stored balances disagree.
// It means the books are broken, never that a caller's input was bad.
var ErrVerify = errcode.New(errcode.Broken, "verify_failed", "journal does not verify")

// Verifier recomputes every balance from the journal, entry by entry, and
// then checks the stored balances against it. Feed it the whole journal in
// sequence order with Add, then call Check.
type Verifier struct {
	bals    Balances
	next    uint64
	entries uint64
}

// NewVerifier returns a verifier expecting the entry with sequence 1.
func NewVerifier() *Verifier { return &Verifier{bals: make(Balances), next: 1} }

// Add replays one entry. Sequences must run 1, 2, 3… without gaps, and
// replaying the entry must not overdraw an internal account.
//
// Errors: ErrVerify.
func (v *Verifier) Add(e Entry) error {
	if e.Seq != v.next {
		return errcode.Errorf(ErrVerify, "journal has entry %d where %d was expected: entries are missing or out of order", e.Seq, v.next)
	}
	v.next++
	v.entries++
	if e.Kind == Config {
		if len(e.Postings) != 0 {
			return errcode.Errorf(ErrVerify, "configuration entry %d (key %q) has %d postings", e.Seq, e.Key, len(e.Postings))
		}
		return nil
	}
	if err := Apply(v.bals, e.Kind, e.Postings); err != nil {
		return errcode.Errorf(ErrVerify, "replaying entry %d (key %q): %v", e.Seq, e.Key, err)
	}
	return nil
}

// Report sums up a successful verification.
type Report struct {
	Entries  uint64
	Balances int
	// Totals maps each currency to the sum of posted credits over all
	// accounts, which equals the sum of posted debits; it may exceed 2^256
	// although every balance fits.
	Totals map[string]*big.Int
}

// Check compares the recomputed balances with the stored ones and checks
// conservation: per currency, posted credits equal posted debits and pending
// credits equal pending debits, over the stored balances as well as the
// recomputed ones.
//
// Errors: ErrVerify, naming the first difference.
func (v *Verifier) Check(stored []Balance) (Report, error) {
	rep := Report{Entries: v.entries, Balances: len(stored), Totals: map[string]*big.Int{}}
	seen := make(map[BalanceKey]bool, len(stored))
	for _, s := range stored {
		if seen[s.BalanceKey] {
			return rep, errcode.Errorf(ErrVerify, "balance %s/%s is stored twice", s.Account, s.Currency)
		}
		seen[s.BalanceKey] = true
		want := v.bals[s.BalanceKey]
		want.BalanceKey = s.BalanceKey
		if want != s {
			return rep, errcode.Errorf(ErrVerify, "balance %s/%s is stored as %s but the journal gives %s", s.Account, s.Currency, describe(s), describe(want))
		}
		if !IsExternal(s.Account) && s.Available().Negative {
			return rep, errcode.Errorf(ErrVerify, "internal account %s has %s %s available", s.Account, s.Available(), s.Currency)
		}
	}
	keys := make([]BalanceKey, 0, len(v.bals))
	for k, b := range v.bals {
		if !seen[k] && b != (Balance{BalanceKey: k}) {
			keys = append(keys, k)
		}
	}
	if len(keys) > 0 {
		sort.Slice(keys, func(i, j int) bool { return keys[i].Less(keys[j]) })
		return rep, errcode.Errorf(ErrVerify, "the journal gives %s/%s a balance that is not stored", keys[0].Account, keys[0].Currency)
	}
	// Conservation is checked on exact sums: each balance is a 256-bit
	// number, but their sum over a currency need not be (2^256-1 into one
	// account and 1 into another are both valid), so the sums are taken
	// with unbounded integers, never a running 256-bit total that could
	// overflow on a valid journal.
	type sums struct{ dp, cp, dq, cq big.Int }
	per := map[string]*sums{}
	for _, s := range stored {
		t := per[s.Currency]
		if t == nil {
			t = &sums{}
			per[s.Currency] = t
		}
		for _, f := range [4]struct {
			acc *big.Int
			x   money.Amount
		}{{&t.dp, s.DebitsPosted}, {&t.cp, s.CreditsPosted}, {&t.dq, s.DebitsPending}, {&t.cq, s.CreditsPending}} {
			f.acc.Add(f.acc, f.x.Uint256().ToBig())
		}
	}
	for cur, t := range per {
		if t.dp.Cmp(&t.cp) != 0 || t.dq.Cmp(&t.cq) != 0 {
			return rep, errcode.Errorf(ErrVerify, "%s does not balance: posted debits %s, credits %s; pending debits %s, credits %s", cur, &t.dp, &t.cp, &t.dq, &t.cq)
		}
		rep.Totals[cur] = new(big.Int).Set(&t.cp)
	}
	return rep, nil
}

func describe(b Balance) string {
	return fmt.Sprintf("{debits %s, credits %s, pending debits %s, pending credits %s}", b.DebitsPosted, b.CreditsPosted, b.DebitsPending, b.CreditsPending)
}
