package ledger

import (
	"fmt"
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
// already (keys: each key the postings touch, once).
func ApplyKeys(bals Balances, kind Kind, postings []Posting, keys []BalanceKey) error {
	work := make([]Balance, len(keys))
	pos := make(map[BalanceKey]int32, len(keys))
	for i, k := range keys {
		b := bals[k]
		b.BalanceKey = k
		work[i], pos[k] = b, int32(i)
	}
	sides := make([]int32, 0, 2*len(postings))
	for _, p := range postings {
		fi, ok1 := pos[BalanceKey{p.From, p.Currency}]
		ti, ok2 := pos[BalanceKey{p.To, p.Currency}]
		if !ok1 || !ok2 {
			return errcode.Errorf(ErrPosting, "a posting names %s → %s %s, which keys does not list", p.From, p.To, p.Currency)
		}
		sides = append(sides, fi, ti)
	}
	all := make([]int32, len(keys))
	for i := range all {
		all[i] = int32(i)
	}
	if err := ApplyAt(work, kind, postings, sides, all); err != nil {
		return err
	}
	for i, k := range keys {
		bals[k] = work[i]
	}
	return nil
}

// ApplyAt applies postings to balances held in a slice: sides[2i] and
// sides[2i+1] are the positions in bals of posting i's From and To
// balances, and touched lists each of those positions once. It is Apply
// for a caller that keeps balances by position (the engine, whose batch of
// a million balances would otherwise pay several map lookups per posting):
// all or nothing, the same checks, the same errors. It changes bals in
// place and, on error, puts back the values it saved first.
func ApplyAt(bals []Balance, kind Kind, postings []Posting, sides, touched []int32) error {
	if len(sides) != 2*len(postings) {
		return errcode.Errorf(ErrPosting, "%d positions for %d postings", len(sides), len(postings))
	}
	// A few balances are saved on the stack: most entries have a handful.
	var buf [16]Balance
	saved := buf[:0]
	if len(touched) > len(buf) {
		saved = make([]Balance, 0, len(touched))
	}
	for _, t := range touched {
		saved = append(saved, bals[t])
	}
	if err := applyPostings(bals, kind, postings, sides, touched); err != nil {
		for i, t := range touched {
			bals[t] = saved[i]
		}
		return err
	}
	return nil
}

// applyPostings is ApplyAt without putting anything back on error.
func applyPostings(bals []Balance, kind Kind, postings []Posting, sides, touched []int32) error {
	for i := range postings {
		p := &postings[i]
		from, to := &bals[sides[2*i]], &bals[sides[2*i+1]]
		var err error
		switch kind {
		case Transfer:
			if err = addTo(&from.DebitsPosted, p.Amount); err == nil {
				err = addTo(&to.CreditsPosted, p.Amount)
			}
		case WithdrawalRequest:
			if err = addTo(&from.DebitsPending, p.Amount); err == nil {
				err = addTo(&to.CreditsPending, p.Amount)
			}
		case WithdrawalPost, WithdrawalVoid:
			if from.DebitsPending, err = from.DebitsPending.Sub(p.Amount); err != nil {
				return errcode.Errorf(ErrWithdrawalState, "posting %d: %s has less than %s %s pending", i, p.From, p.Amount, p.Currency)
			}
			if to.CreditsPending, err = to.CreditsPending.Sub(p.Amount); err != nil {
				return errcode.Errorf(ErrWithdrawalState, "posting %d: %s has less than %s %s pending", i, p.To, p.Amount, p.Currency)
			}
			if kind == WithdrawalPost {
				if err = addTo(&from.DebitsPosted, p.Amount); err == nil {
					err = addTo(&to.CreditsPosted, p.Amount)
				}
			}
		default:
			return errcode.Errorf(ErrPosting, "entry kind %d has no postings", kind)
		}
		if err != nil {
			return errcode.Errorf(ErrBalanceOverflow, "posting %d: %s → %s: %v", i, p.From, p.To, err)
		}
	}
	for _, t := range touched {
		b := &bals[t]
		if IsExternal(b.Account) {
			continue
		}
		if av := b.Available(); av.Negative {
			return &OverdraftError{Account: b.Account, Currency: b.Currency, Available: av}
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

// OverdraftError is ErrOverdraft with what it refused: the account, the
// currency, and what would have been available. Its message names the
// amount in base units; In names it as people read it.
type OverdraftError struct {
	Account, Currency string
	Available         Signed
}

func (e *OverdraftError) Error() string { return e.message(e.Available.String()) }

// Unwrap gives the error its code.
func (e *OverdraftError) Unwrap() error { return ErrOverdraft }

// In returns the refusal with the amount in decimals of c, such as
// "would have -1.01 USD available".
func (e *OverdraftError) In(c money.Currency) error {
	amount := money.Format(e.Available.Amount, c)
	if e.Available.Negative {
		amount = "-" + amount
	}
	return errcode.Errorf(ErrOverdraft, "%s", e.message(amount))
}

func (e *OverdraftError) message(amount string) string {
	return fmt.Sprintf("%s would have %s %s available; internal accounts never go below zero", e.Account, amount, e.Currency)
}
