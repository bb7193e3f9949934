package ledger

import (
	"strings"

	"github.com/tributary-ledger/tributary/errcode"
	"github.com/tributary-ledger/tributary/money"
)

// BalanceKey names one balance: an account in one currency.
type BalanceKey struct {
	Account  string
	Currency string
}

// Less orders keys by account, then currency. Stores lock balance rows in
// this order so that concurrent writers never wait on each other in a cycle.
func (k BalanceKey) Less(o BalanceKey) bool {
	if k.Account != o.Account {
		return k.Account < o.Account
	}
	return k.Currency < o.Currency
}

// Compare orders keys as Less does, returning -1, 0 or +1: one pass over
// the strings where a sort calling Less twice makes two.
func (k BalanceKey) Compare(o BalanceKey) int {
	if c := strings.Compare(k.Account, o.Account); c != 0 {
		return c
	}
	return strings.Compare(k.Currency, o.Currency)
}

// Balance holds an account's totals in one currency, TigerBeetle-style: four
// monotonic, unsigned sums from which every figure is derived. Keeping debits
// and credits apart lets external accounts go below zero without signed
// arithmetic, and lets Verify recompute each sum independently.
type Balance struct {
	BalanceKey
	DebitsPosted   money.Amount
	CreditsPosted  money.Amount
	DebitsPending  money.Amount
	CreditsPending money.Amount
}

// Signed is an amount with a sign, for figures of external accounts.
type Signed struct {
	Amount   money.Amount
	Negative bool
}

// String writes the signed amount in base units, "-5" or "5".
func (s Signed) String() string {
	if s.Negative && !s.Amount.IsZero() {
		return "-" + s.Amount.String()
	}
	return s.Amount.String()
}

func diff(a, b money.Amount) Signed {
	if a.Cmp(b) >= 0 {
		d, _ := a.Sub(b)
		return Signed{Amount: d}
	}
	d, _ := b.Sub(a)
	return Signed{Amount: d, Negative: true}
}

// Posted is credits minus debits, counting only posted amounts.
func (b Balance) Posted() Signed { return diff(b.CreditsPosted, b.DebitsPosted) }

// Available is what the account can still spend: posted credits minus posted
// and pending debits. Pending credits are not counted: money on its way in
// has not arrived.
func (b Balance) Available() Signed {
	out, overflow := b.DebitsPosted.Add(b.DebitsPending)
	if overflow != nil {
		return Signed{Amount: money.Max, Negative: true}
	}
	return diff(b.CreditsPosted, out)
}

// Pending is the amount reserved by pending withdrawals.
func (b Balance) Pending() money.Amount { return b.DebitsPending }

// Balances is a working set of balances, keyed by account and currency.
// Missing keys are zero balances.
type Balances map[BalanceKey]Balance

// Keys returns the balance keys an entry's postings touch, without
// duplicates, in the order they first appear.
func Keys(postings []Posting) []BalanceKey {
	seen := make(map[BalanceKey]struct{}, 2*len(postings))
	out := make([]BalanceKey, 0, 2*len(postings))
	for _, p := range postings {
		for _, k := range [2]BalanceKey{{p.From, p.Currency}, {p.To, p.Currency}} {
			if _, ok := seen[k]; !ok {
				seen[k] = struct{}{}
				out = append(out, k)
			}
		}
	}
	return out
}

// Apply applies an entry's postings to bals, all or nothing. For every
// internal account it touches, the available balance must be zero or more
// once the whole entry has been applied (an entry may pass money through an
// account). On error bals is unchanged.
//
// Errors: ErrOverdraft, ErrBalanceOverflow, ErrWithdrawalState (a post or
// void without the matching pending amount).
func Apply(bals Balances, kind Kind, postings []Posting) error {
	return ApplyKeys(bals, kind, postings, Keys(postings))
}

// ApplyKeys is Apply for a caller that has the postings' balance keys
// already (keys: each key the postings touch, once; a key missing from it
// would not be put back on error). It changes bals in
// place and, on error, puts back the values it saved before: for an entry
// of a million postings that costs a slice of a million balances, where a
// working map of its own cost twice as much and a copy back.
func ApplyKeys(bals Balances, kind Kind, postings []Posting, keys []BalanceKey) error {
	saved := make([]Balance, len(keys))
	had := make([]bool, len(keys))
	for i, k := range keys {
		saved[i], had[i] = bals[k]
	}
	restore := func(err error) error {
		for i, k := range keys {
			if had[i] {
				bals[k] = saved[i]
			} else {
				delete(bals, k)
			}
		}
		return err
	}
	get := func(k BalanceKey) Balance {
		b := bals[k]
		b.BalanceKey = k
		return b
	}
	for i, p := range postings {
		fk, tk := BalanceKey{p.From, p.Currency}, BalanceKey{p.To, p.Currency}
		from := get(fk)
		var err error
		switch kind {
		case Transfer:
			err = addTo(&from.DebitsPosted, p.Amount)
		case WithdrawalRequest:
			err = addTo(&from.DebitsPending, p.Amount)
		case WithdrawalPost, WithdrawalVoid:
			if from.DebitsPending, err = from.DebitsPending.Sub(p.Amount); err != nil {
				return restore(errcode.Errorf(ErrWithdrawalState, "posting %d: %s has less than %s %s pending", i, p.From, p.Amount, p.Currency))
			}
			if kind == WithdrawalPost {
				err = addTo(&from.DebitsPosted, p.Amount)
			}
		default:
			return restore(errcode.Errorf(ErrPosting, "entry kind %d has no postings", kind))
		}
		if err != nil {
			return restore(errcode.Errorf(ErrBalanceOverflow, "posting %d: %s → %s: %v", i, p.From, p.To, err))
		}
		// Written before the other side is read: a posting from an
		// account to itself (refused by ValidatePostings, but Apply does
		// not rely on it) then sees both sides.
		bals[fk] = from
		to := get(tk)
		switch kind {
		case Transfer:
			err = addTo(&to.CreditsPosted, p.Amount)
		case WithdrawalRequest:
			err = addTo(&to.CreditsPending, p.Amount)
		case WithdrawalPost, WithdrawalVoid:
			if to.CreditsPending, err = to.CreditsPending.Sub(p.Amount); err != nil {
				return restore(errcode.Errorf(ErrWithdrawalState, "posting %d: %s has less than %s %s pending", i, p.To, p.Amount, p.Currency))
			}
			if kind == WithdrawalPost {
				err = addTo(&to.CreditsPosted, p.Amount)
			}
		}
		if err != nil {
			return restore(errcode.Errorf(ErrBalanceOverflow, "posting %d: %s → %s: %v", i, p.From, p.To, err))
		}
		bals[tk] = to
	}
	for _, k := range keys {
		if IsExternal(k.Account) {
			continue
		}
		if av := bals[k].Available(); av.Negative {
			return restore(errcode.Errorf(ErrOverdraft, "%s would have %s %s available; internal accounts never go below zero", k.Account, av, k.Currency))
		}
	}
	return nil
}

func addTo(a *money.Amount, x money.Amount) error {
	n, err := a.Add(x)
	if err != nil {
		return err
	}
	*a = n
	return nil
}

