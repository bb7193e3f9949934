package deps

import (
	"encoding/hex"
	"fmt"
	"maps"
	"slices"
	"strconv"

	"github.com/tributary-ledger/tributary/ledger"
	"github.com/tributary-ledger/tributary/money"
)

// ReserveAccount holds epoch n's reservations between its open and its
// close.
func ReserveAccount(n uint64) string { return "deps:reserve:" + strconv.FormatUint(n, 10) }

// EscrowAccount holds an unlinked package's escrow: "deps:escrow:npm:left-pad".
// A name with a byte no account may hold ("npm:@types/node") is written in
// hex after "deps:escrow:x:", so that two packages never share an account.
func EscrowAccount(pkg string) string {
	if ledger.ValidateAccount("deps:escrow:"+pkg) == nil {
		return "deps:escrow:" + pkg
	}
	return "deps:escrow:x:" + hex.EncodeToString([]byte(pkg))
}

// Settlement is what an epoch's close pays: every recipient's income split
// over its contributors, the refunds of refused parts, the sleeper pool and
// the escrow. It is the hook payout batches settle from: Parts lists every
// account and amount the close credited.
type Settlement struct {
	Epoch uint64 `json:"epoch"`
	// Income is each recipient's, with its contributors' parts.
	Income []Income `json:"income"`
	// Refunds return what recipients refused to each payer's treasury.
	Refunds []Part `json:"refunds"`
	// Sleeper is the epoch's skim into the sleeper pool.
	Sleeper money.Amount `json:"sleeper"`
	// Escrow is what each unlinked package accrued.
	Escrow []Part `json:"escrow"`
	// Parts is every account the close credits, with the sum it gets, in
	// account order: the payout batch's lines.
	Parts []Part `json:"parts"`
	// Total is what the close posts: every payer's reservation.
	Total money.Amount `json:"total"`
}

// Income is one recipient's income and how it was split.
type Income struct {
	Repo   string       `json:"repo"`
	Amount money.Amount `json:"amount"`
	Parts  []Part       `json:"parts"`
}

// Part is an account and an amount.
type Part struct {
	Account string       `json:"account"`
	Amount  money.Amount `json:"amount"`
	// Path explains a part paid through a contributor that is a split of
	// the split book: ["contributor 50%", "split:band", "split 20%",
	// "drummer"]. Other parts have none.
	Path []string `json:"path,omitempty"`
}

// Settle computes a plan's close. Each recipient's income is the sum of the
// streams it takes, split over its contributors (as they stood at open) by
// largest remainder, a contributor that is a split through that split (as
// it stood at open, Plan.Splits), or paid whole to its owner when it names
// none.
//
// Errors: an amount overflows, or a split is refused (the plan was made
// from validated splits, so neither happens).
func Settle(plan Plan) (Settlement, error) {
	st := Settlement{Epoch: plan.Epoch, Income: []Income{}, Refunds: []Part{}, Escrow: []Part{}, Sleeper: money.Zero}
	set, err := splitSet(plan.Splits)
	if err != nil {
		return st, err
	}
	income := map[string]money.Amount{}
	escrow := map[string]money.Amount{}
	for _, s := range plan.Streams {
		switch {
		case s.Escrow:
			if escrow[s.To()], err = escrow[s.To()].Add(s.Kept); err != nil {
				return st, err
			}
		case !s.Paid.IsZero():
			if income[s.To()], err = income[s.To()].Add(s.Paid); err != nil {
				return st, err
			}
		}
	}
	credit := map[string]money.Amount{}
	add := func(account string, x money.Amount) error {
		if x.IsZero() {
			return nil
		}
		var err error
		credit[account], err = credit[account].Add(x)
		return err
	}
	for _, r := range plan.Recipients {
		in := Income{Repo: r.Repo, Amount: income[r.Repo]}
		if in.Parts, err = splitIncome(r, in.Amount, set); err != nil {
			return st, err
		}
		for _, p := range in.Parts {
			if err := add(p.Account, p.Amount); err != nil {
				return st, err
			}
		}
		st.Income = append(st.Income, in)
	}
	for _, p := range plan.Payers {
		if st.Sleeper, err = st.Sleeper.Add(p.Sleeper); err != nil {
			return st, err
		}
		if st.Total, err = st.Total.Add(p.Reserved); err != nil {
			return st, err
		}
		if !p.Refused.IsZero() {
			st.Refunds = append(st.Refunds, Part{Account: p.Treasury, Amount: p.Refused})
			if err := add(p.Treasury, p.Refused); err != nil {
				return st, err
			}
		}
	}
	if err := add(SleeperAccount, st.Sleeper); err != nil {
		return st, err
	}
	for _, pkg := range slices.Sorted(maps.Keys(escrow)) {
		st.Escrow = append(st.Escrow, Part{Account: EscrowAccount(pkg), Amount: escrow[pkg]})
		if err := add(EscrowAccount(pkg), escrow[pkg]); err != nil {
			return st, err
		}
	}
	sum := money.Zero
	for _, a := range slices.Sorted(maps.Keys(credit)) {
		st.Parts = append(st.Parts, Part{Account: a, Amount: credit[a]})
		sum = mustAdd(sum, credit[a])
	}
	if sum.Cmp(st.Total) != 0 {
		return st, fmt.Errorf("deps: epoch %d's close pays %s of %s reserved", plan.Epoch, sum, st.Total)
	}
	return st, nil
}

// Credits returns the contributor credit an epoch earns: each recipient's
// income from payers of another owner (income between repos of one owner
// does not count), split over its contributors as its income is, summed
// per account, in account order.
//
// Errors: an amount overflows.
func Credits(plan Plan) ([]Part, error) {
	owner := make(map[string]string, len(plan.Payers))
	for _, p := range plan.Payers {
		owner[p.Repo] = p.Owner
	}
	recipients := make(map[string]Recipient, len(plan.Recipients))
	for _, r := range plan.Recipients {
		recipients[r.Repo] = r
	}
	set, err := splitSet(plan.Splits)
	if err != nil {
		return nil, err
	}
	income := map[string]money.Amount{}
	for _, s := range plan.Streams {
		r, ok := recipients[s.To()]
		if !ok || s.Paid.IsZero() || owner[s.Payer] == r.Owner {
			continue
		}
		if income[r.Repo], err = income[r.Repo].Add(s.Paid); err != nil {
			return nil, err
		}
	}
	credit := map[string]money.Amount{}
	for _, repo := range slices.Sorted(maps.Keys(income)) {
		parts, err := splitIncome(recipients[repo], income[repo], set)
		if err != nil {
			return nil, err
		}
		for _, p := range parts {
			if credit[p.Account], err = credit[p.Account].Add(p.Amount); err != nil {
				return nil, err
			}
		}
	}
	out := make([]Part, 0, len(credit))
	for _, a := range slices.Sorted(maps.Keys(credit)) {
		if !credit[a].IsZero() {
			out = append(out, Part{Account: a, Amount: credit[a]})
		}
	}
	return out, nil
}
