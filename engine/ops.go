package engine

import (
	"time"

	"github.com/tributary-ledger/tributary/errcode"
	"github.com/tributary-ledger/tributary/ledger"
	"github.com/tributary-ledger/tributary/money"
)

// Transfer returns an operation that commits postings as they are: an entry
// submitted directly, such as an operator's manual adjustment or a payment
// already split by the caller.
func Transfer(key string, at time.Time, postings []ledger.Posting) Op {
	ps := append([]ledger.Posting(nil), postings...)
	return Op{
		Key:  key,
		Hash: ledger.HashPostings(ledger.Transfer, "", ps),
		Time: at,
		Run: func(View) (Change, error) {
			return Change{Kind: ledger.Transfer, Postings: ps}, nil
		},
		Postings: ps,
	}
}

// WithdrawalRequest asks to take amount out of account: it reserves the
// amount at once (it stops being available) and creates a pending
// withdrawal whose ID is the operation's key. destination is the external
// account that receives it, ledger.DefaultPayoutAccount when empty.
//
// Refusals: ledger.ErrOverdraft above the available balance,
// ledger.ErrWithdrawalExists, ledger.ErrAccount, ledger.ErrPosting.
func WithdrawalRequest(key string, at time.Time, account, destination, currency string, amount money.Amount) Op {
	if destination == "" {
		destination = ledger.DefaultPayoutAccount
	}
	var h ledger.Hasher
	h.String("withdrawal_request/v1").String(account).String(destination).String(currency).Amount(amount)
	return Op{
		Key:  key,
		Hash: h.Sum(),
		Time: at,
		Run: func(v View) (Change, error) {
			if ledger.IsExternal(account) {
				return Change{}, errcode.Errorf(ledger.ErrAccount, "account %q is external; only internal accounts withdraw", account)
			}
			if !ledger.IsExternal(destination) {
				return Change{}, errcode.Errorf(ledger.ErrAccount, "destination %q is internal; a withdrawal pays out to an external account (starting with %q)", destination, ledger.ExternalPrefix)
			}
			if minimum, ok, err := WithdrawalMinimum(v, currency); err != nil {
				return Change{}, err
			} else if ok && amount.Cmp(minimum) < 0 {
				return Change{}, errcode.Errorf(ErrWithdrawalMinimum, "withdrawals of %s are at least %s base units; %s asked for %s (the balance keeps accruing until then)", currency, minimum, account, amount)
			}
			if _, exists, err := v.Withdrawal(key); err != nil {
				return Change{}, err
			} else if exists {
				return Change{}, errcode.Errorf(ledger.ErrWithdrawalExists, "withdrawal %q exists", key)
			}
			w := ledger.Withdrawal{ID: key, Account: account, Destination: destination, Currency: currency, Amount: amount, State: ledger.WithdrawalPending, Created: at}
			return Change{Kind: ledger.WithdrawalRequest, Ref: key, Postings: []ledger.Posting{w.Posting()}, Withdrawal: &w}, nil
		},
	}
}

// ErrWithdrawalMinimum refuses a withdrawal below its currency's minimum.
var ErrWithdrawalMinimum = errcode.New(errcode.Unprocessable, "withdrawal_below_minimum", "withdrawal is below the minimum for its currency")

func minimumKey(currency string) string { return "withdrawal_minimum/" + currency }

// WithdrawalMinimum returns the smallest withdrawal allowed in currency, if
// one is set. Small payments accrue until a payee's balance reaches it, so
// that a payout rail's fixed costs are not paid on every cent.
func WithdrawalMinimum(v View, currency string) (money.Amount, bool, error) {
	raw, ok, err := v.State(minimumKey(currency))
	if err != nil || !ok {
		return money.Zero, false, err
	}
	a, err := money.ParseUnits(string(raw))
	return a, err == nil, err
}

// SetWithdrawalMinimum sets (or, with zero, clears) the minimum withdrawal
// in currency.
func SetWithdrawalMinimum(key string, at time.Time, currency string, minimum money.Amount, currencies ledger.Currencies) Op {
	var h ledger.Hasher
	h.String("withdrawal_minimum/v1").String(currency).Amount(minimum)
	return Op{Key: key, Hash: h.Sum(), Time: at, Run: func(View) (Change, error) {
		if _, err := currencies.Lookup(currency); err != nil {
			return Change{}, err
		}
		w := StateWrite{Key: minimumKey(currency), Value: []byte(minimum.String())}
		if minimum.IsZero() {
			w.Value = nil
		}
		ev := mustJSON(map[string]string{"kind": "withdrawal_minimum", "id": currency, "amount": minimum.String()})
		return Change{Kind: ledger.Config, Ref: minimumKey(currency), State: []StateWrite{w}, Events: []Event{{Type: EventConfigChanged, Data: ev}}}, nil
	}}
}

// WithdrawalResolve posts (post true: the money leaves) or voids (post
// false: the money returns to the account) the pending withdrawal id. A
// withdrawal resolves exactly once: resolving it again under another key is
// refused with ledger.ErrWithdrawalState; under the same key it replays.
//
// Refusals: ledger.ErrNotFound, ledger.ErrWithdrawalState.
func WithdrawalResolve(key string, at time.Time, id string, post bool) Op {
	kind, state := ledger.WithdrawalVoid, ledger.WithdrawalVoided
	if post {
		kind, state = ledger.WithdrawalPost, ledger.WithdrawalPosted
	}
	var h ledger.Hasher
	h.String("withdrawal_resolve/v1").String(id).Uint(uint64(kind))
	return Op{
		Key:  key,
		Hash: h.Sum(),
		Time: at,
		Run: func(v View) (Change, error) {
			w, ok, err := v.Withdrawal(id)
			if err != nil {
				return Change{}, err
			}
			if !ok {
				return Change{}, errcode.Errorf(ledger.ErrNotFound, "withdrawal %q does not exist", id)
			}
			if w.State != ledger.WithdrawalPending {
				return Change{}, errcode.Errorf(ledger.ErrWithdrawalState, "withdrawal %q is %s already; only a pending withdrawal can be posted or voided, once", id, w.State)
			}
			w.State, w.Resolved = state, at
			return Change{Kind: kind, Ref: id, Postings: []ledger.Posting{w.Posting()}, Withdrawal: &w}, nil
		},
	}
}
