// Package payout is settlement: every payee paid in one batch. An account
// registers where its money goes (a destination: an external account of
// a bank or payment rail, or an EVM address); a payout batch reserves
// every eligible balance as a pending withdrawal to its destination, in
// one entry; the off-chain lines are exported for a payout provider and
// marked paid or failed, and the on-chain lines become a cumulative claims
// tree whose root a contract publishes, reconciled back by the contract's
// Claimed events (ApplyClaims).
//
// The package is pure, as programs are: the time, the balances a batch
// selects and the chain's events are passed in.
package payout

import (
	"fmt"
	"strings"
	"time"

	"github.com/tributary-ledger/tributary/engine"
	"github.com/tributary-ledger/tributary/errcode"
	"github.com/tributary-ledger/tributary/ledger"
	"github.com/tributary-ledger/tributary/payout/merkle"
)

// Program is the payout program's name: the namespace of its state.
const Program = "payout"

// Rails, as a destination and a line name them.
const (
	RailBank  = "bank"  // an external account: a bank, a PSP
	RailChain = "chain" // an EVM address that claims from the claims contract
)

// EVMPrefix begins the external account an on-chain line pays out to: the
// address follows, in lower case.
const EVMPrefix = "@evm:"

// Errors. The codes are stable.
var (
	ErrDestination        = errcode.New(errcode.Invalid, "payout_destination_invalid", "the payout destination is not an external account or an EVM address")
	ErrDestinationTaken   = errcode.New(errcode.Conflict, "payout_destination_taken", "the EVM address is another account's destination")
	ErrDestinationMissing = errcode.New(errcode.Unprocessable, "payout_destination_missing", "the account has no registered payout destination")
	ErrDestinationOther   = errcode.New(errcode.Forbidden, "payout_destination_not_registered", "a payee withdraws only to its registered destination")
	ErrEmpty              = errcode.New(errcode.Unprocessable, "payout_batch_empty", "no balance is eligible for the payout batch")
	ErrOpen               = errcode.New(errcode.Conflict, "payout_batch_open", "another batch in this currency is still open")
	ErrState              = errcode.New(errcode.Conflict, "payout_batch_state", "the batch is not in a state that allows this")
	ErrLine               = errcode.New(errcode.Unprocessable, "payout_line_invalid", "a result names a line that is not a pending bank line of the batch")
	ErrResult             = errcode.New(errcode.Invalid, "payout_result_invalid", "the result is not paid or failed")
	ErrClaim              = errcode.New(errcode.Unprocessable, "payout_claim_mismatch", "a Claimed event does not match the address's pending on-chain lines")
	ErrBatchID            = errcode.New(errcode.Invalid, "payout_batch_id_invalid", "the batch ID is not a positive whole number")
	// ErrLineReserved keeps the withdrawal IDs of batch lines to the
	// batches: a payee may not void its line behind the batch's back (and
	// claim it on chain as well), nor take a line's ID first.
	ErrLineReserved = errcode.New(errcode.Conflict, "payout_line_reserved", "withdrawal IDs starting payout- (and other keys of a line's shape, payout-<batch>-<line>) are payout batch lines, resolved through their batch")
)

// Destination is where an account's payouts go.
type Destination struct {
	Account string `json:"account" schema:"AccountName"`
	// Destination is an external account (`@bank:…`, `@psp:…`) or an EVM
	// address (`0x` and 40 hex digits, as registered in EIP-55 case).
	Destination string `json:"destination"`
	// Rail is `bank` for an external account, `chain` for an EVM address.
	Rail string `json:"rail"`
	// Set is when the destination was registered.
	Set time.Time `json:"set"`
}

// PayTo is the external account a destination's withdrawals credit.
func (d Destination) PayTo() string {
	if d.Rail == RailChain {
		return EVMPrefix + strings.ToLower(d.Destination)
	}
	return d.Destination
}

// ParseDestination reads a destination as a request names it: an EVM
// address (0x…) or an external account other than the EVM rail's own.
//
// Errors: ErrDestination.
func ParseDestination(account, dest string) (Destination, error) {
	if err := ledger.ValidateAccount(account); err != nil {
		return Destination{}, err
	}
	if ledger.IsExternal(account) {
		return Destination{}, errcode.Errorf(ErrDestination, "account %q is external; only internal accounts are paid out", account)
	}
	if strings.HasPrefix(dest, "0x") || strings.HasPrefix(dest, "0X") {
		a, err := merkle.ParseAddress(dest)
		if err != nil {
			return Destination{}, errcode.Errorf(ErrDestination, "destination %q: %v", dest, err)
		}
		if a.IsZero() {
			return Destination{}, errcode.Errorf(ErrDestination, "destination is the zero address, for which nobody holds a key")
		}
		return Destination{Account: account, Destination: a.Hex(), Rail: RailChain}, nil
	}
	if !ledger.IsExternal(dest) || ledger.ValidateAccount(dest) != nil {
		return Destination{}, errcode.Errorf(ErrDestination, "destination %q: want an external account (@bank:…, @psp:…) or an EVM address (0x and 40 hex digits)", dest)
	}
	if strings.HasPrefix(dest, EVMPrefix) {
		return Destination{}, errcode.Errorf(ErrDestination, "destination %q: %s… accounts are the chain rail's own; register the address (0x…) instead", dest, EVMPrefix)
	}
	return Destination{Account: account, Destination: dest, Rail: RailBank}, nil
}

// LinePrefix begins every batch line's reference, which is its
// withdrawal's ID.
const LinePrefix = "payout-"

// IsLineRef reports whether s has the shape of a batch line's reference
// (LineRef): payout-<batch>-<n> or payout-<batch>-0x<40 hex digits>.
// Only those are reserved: other keys that start payout- (payout-batch-3)
// name nothing of a batch.
func IsLineRef(s string) bool {
	rest, ok := strings.CutPrefix(s, LinePrefix)
	if !ok {
		return false
	}
	batch, line, ok := strings.Cut(rest, "-")
	if !ok || !digits(batch) {
		return false
	}
	if hexAddr, ok := strings.CutPrefix(line, "0x"); ok {
		return len(hexAddr) == 40 && strings.Trim(hexAddr, "0123456789abcdefABCDEF") == ""
	}
	return digits(line)
}

// digits reports whether s is one or more ASCII digits.
func digits(s string) bool {
	return s != "" && strings.Trim(s, "0123456789") == ""
}

// State keys.
const (
	nextKey           = "next"
	destinationPrefix = "destination/"
	batchPrefix       = "batch/"
)

func destinationKey(account string) string { return destinationPrefix + account }
func evmOwnerKey(a string) string          { return "evm_owner/" + strings.ToLower(a) }
func batchKey(id uint64) string            { return fmt.Sprintf("%s%012d", batchPrefix, id) }
func linesKey(id uint64, chunk int) string { return fmt.Sprintf("lines/%012d/%06d", id, chunk) }
func leavesKey(id uint64, chunk int) string {
	return fmt.Sprintf("leaves/%012d/%06d", id, chunk)
}
func openKey(currency string) string    { return "open/" + currency }
func treeKey(currency string) string    { return "tree/" + currency }
func onchainKey(currency string) string { return "onchain/" + currency }
func cursorKey(contract string) string  { return "claims_cursor/" + strings.ToLower(contract) }

// ReadDestination returns account's registered destination.
//
// Errors: ErrDestinationMissing.
func ReadDestination(v engine.View, account string) (Destination, error) {
	var d Destination
	err := engine.ReadJSON(v, destinationKey(account), "destination of", account, &d)
	if errcode.Code(err) == ledger.ErrNotFound.Code() {
		return d, errcode.Errorf(ErrDestinationMissing, "account %q has no registered payout destination; an admin or configurator sets it (PUT /v1/payout-destinations/{account})", account)
	}
	return d, err
}

// op is a payout operation (engine.ProgramOp); the program is new, so no
// digest of an older build exists.
func op(key, what string, at time.Time, fields func(*ledger.Hasher), run func(engine.View) (engine.Change, error)) engine.Op {
	return engine.ProgramOp(Program, key, what, at, fields, nil, run)
}

// SetDestination registers (or replaces) account's destination. An EVM
// address belongs to one account at most: its claims are matched to the
// account's lines by address.
//
// Refusals: ErrDestination, ErrDestinationTaken, ledger.ErrAccount.
func SetDestination(key string, at time.Time, account, dest string) engine.Op {
	return op(key, "destination", at, func(h *ledger.Hasher) { h.String(account).String(dest) }, func(v engine.View) (engine.Change, error) {
		d, err := ParseDestination(account, dest)
		if err != nil {
			return engine.Change{}, err
		}
		d.Set = at
		writes := []engine.StateWrite{engine.WriteJSON(destinationKey(account), d)}
		var old Destination
		if err := engine.ReadJSONOr(v, destinationKey(account), &old); err != nil {
			return engine.Change{}, err
		}
		if old.Rail == RailChain && !strings.EqualFold(old.Destination, d.Destination) {
			writes = append(writes, engine.StateWrite{Key: evmOwnerKey(old.Destination)})
		}
		if d.Rail == RailChain {
			owner, ok, err := v.State(evmOwnerKey(d.Destination))
			if err != nil {
				return engine.Change{}, err
			}
			if ok && string(owner) != account {
				return engine.Change{}, errcode.Errorf(ErrDestinationTaken, "address %s is the destination of %s; an address belongs to one account, whose claims it makes", d.Destination, owner)
			}
			writes = append(writes, engine.StateWrite{Key: evmOwnerKey(d.Destination), Value: []byte(account)})
		}
		return engine.ConfigChange("payout:destination:"+account, "payout_destination", account, "set", writes...), nil
	})
}

// RemoveDestination removes account's destination: its balance is no
// longer paid out until one is registered again.
//
// Refusals: ErrDestinationMissing.
func RemoveDestination(key string, at time.Time, account string) engine.Op {
	return op(key, "destination_remove", at, func(h *ledger.Hasher) { h.String(account) }, func(v engine.View) (engine.Change, error) {
		d, err := ReadDestination(v, account)
		if err != nil {
			return engine.Change{}, err
		}
		writes := []engine.StateWrite{{Key: destinationKey(account)}}
		if d.Rail == RailChain {
			writes = append(writes, engine.StateWrite{Key: evmOwnerKey(d.Destination)})
		}
		return engine.ConfigChange("payout:destination:"+account, "payout_destination", account, "removed", writes...), nil
	})
}
