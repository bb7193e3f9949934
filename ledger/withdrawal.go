package ledger

import (
	"time"

	"github.com/tributary-ledger/tributary/money"
)

// WithdrawalState is where a withdrawal stands. A withdrawal starts pending
// and resolves exactly once, to posted or voided.
type WithdrawalState uint8

// Withdrawal states. Values are stored; append only, never renumber.
const (
	WithdrawalPending WithdrawalState = 1
	WithdrawalPosted  WithdrawalState = 2
	WithdrawalVoided  WithdrawalState = 3
)

func (s WithdrawalState) String() string {
	switch s {
	case WithdrawalPending:
		return "pending"
	case WithdrawalPosted:
		return "posted"
	case WithdrawalVoided:
		return "voided"
	}
	return "unknown"
}

// DefaultPayoutAccount is where withdrawn money goes when the request names
// no destination: the outside world's payout rail.
const DefaultPayoutAccount = "@payout"

// Withdrawal is a payee taking money out, in two phases: the request
// reserves the amount (it stops being available), then posting sends it or
// voiding returns it.
type Withdrawal struct {
	ID          string
	Account     string // internal account paying out
	Destination string // external account receiving
	Currency    string
	Amount      money.Amount
	State       WithdrawalState
	RequestSeq  uint64 // entry that reserved the amount
	ResolveSeq  uint64 // entry that posted or voided it; 0 while pending
	Created     time.Time
	Resolved    time.Time
}

// Posting returns the single posting that each of the withdrawal's entries
// carries.
func (w Withdrawal) Posting() Posting {
	return Posting{From: w.Account, To: w.Destination, Currency: w.Currency, Amount: w.Amount, Path: WithdrawalPathPrefix + w.ID}
}

// WithdrawalPathPrefix begins the path of every posting of a withdrawal
// entry; the withdrawal's ID follows.
const WithdrawalPathPrefix = "withdrawal:"
