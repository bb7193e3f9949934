package deps

import (
	"fmt"
	"strconv"
	"time"

	"github.com/tributary-ledger/tributary/engine"
	"github.com/tributary-ledger/tributary/errcode"
	"github.com/tributary-ledger/tributary/ledger"
	"github.com/tributary-ledger/tributary/program/payout"
)

// Settling a closed epoch through the payouts program: one payout batch
// whose lines are exactly what the epoch's close paid each payee, with one
// claims tree root for its on-chain lines. The batch is made by payout's
// own operation (payout.Run), from candidates this program names, so that
// the batch, its withdrawals and its tree are the payout program's, as
// every other batch.

// Payable returns what a closed epoch paid to people, summed per account in
// account order: each recipient's income as split over its contributors
// (or paid to its owner), the sleeper pool's payments and escrow released
// to packages linked since. Refunds to treasuries, the sleeper skim and
// escrow that stays are not payees' money and are left out.
func Payable(es EpochState) []Part {
	var parts []Part
	for _, in := range es.Settlement.Income {
		parts = append(parts, in.Parts...)
	}
	for _, in := range es.SleeperPaid {
		parts = append(parts, in.Parts...)
	}
	for _, r := range es.Released {
		if r.To != ExpiryRefund && r.To != ExpirySleeper {
			parts = append(parts, r.Parts...)
		}
	}
	return nonZero(mergeParts(nil, parts))
}

// SettleKey is the key an epoch's payout batch is written under: one per
// epoch, whatever key the request came with, so that settling an epoch
// twice answers the first batch instead of paying twice.
func SettleKey(n uint64) string { return SettleKeyPrefix + strconv.FormatUint(n, 10) }

// SettleKeyPrefix starts every SettleKey; the module reserves it.
const SettleKeyPrefix = "deps:settle:"

// Settled is what settling an epoch made: its payout batch, and the payees
// left out of it (their money stays in their accounts, for a later batch).
type Settled struct {
	Epoch uint64       `json:"epoch"`
	Batch payout.Batch `json:"batch"`
	// Missing are the payees without a registered payout destination.
	Missing []Part `json:"missing"`
	// BelowMinimum are the payees paid less than the currency's
	// withdrawal minimum.
	BelowMinimum []Part `json:"below_minimum"`
}

// settling is what a settlement's run leaves for its answer.
type settling struct {
	batch           uint64
	missing, minimi []Part
}

// SettleEpoch makes closed epoch n's payout batch: one line per payee of
// payable (Payable of the epoch's state) with a registered destination, for
// exactly what the epoch paid it, reserved as a pending withdrawal (payout's
// batch), under SettleKey(n). It is an operation of the payout program: it
// reads the destinations and writes the batch.
//
// Refusals: payout.ErrEmpty (no payee has a destination), payout.ErrOpen
// (another batch of the currency is open), ledger.ErrOverdraft (a payee
// spent or withdrew part of what the epoch paid it).
func SettleEpoch(at time.Time, n uint64, currency string, payable []Part) (engine.Op, func(engine.View) (Settled, error)) {
	s := &settling{}
	op := engine.ProgramOp(payout.Program, SettleKey(n), "deps_epoch", at, func(h *ledger.Hasher) {
		h.Uint(n).String(currency).Uint(uint64(len(payable)))
		for _, p := range payable {
			h.String(p.Account).Amount(p.Amount)
		}
	}, nil, func(v engine.View) (engine.Change, error) {
		*s = settling{missing: []Part{}, minimi: []Part{}}
		minimum, _, err := engine.WithdrawalMinimum(v, currency)
		if err != nil {
			return engine.Change{}, err
		}
		cands := make([]payout.Candidate, 0, len(payable))
		for _, p := range payable {
			if p.Amount.Cmp(minimum) < 0 {
				s.minimi = append(s.minimi, p)
				continue
			}
			d, err := payout.ReadDestination(v, p.Account)
			if errcode.Code(err) == payout.ErrDestinationMissing.Code() {
				s.missing = append(s.missing, p)
				continue
			}
			if err != nil {
				return engine.Change{}, err
			}
			cands = append(cands, payout.Candidate{Account: p.Account, Destination: d, Amount: p.Amount})
		}
		if len(cands) == 0 {
			return engine.Change{}, errcode.Errorf(payout.ErrEmpty, "epoch %d paid %d payees; %d have no payout destination and %d were paid less than the withdrawal minimum %s (register destinations with PUT /v1/payout-destinations/{account})", n, len(payable), len(s.missing), len(s.minimi), minimum)
		}
		ch, err := payout.Run(SettleKey(n), at, payout.Selection{Currency: currency, Minimum: minimum}, cands, len(s.missing)).Run(v)
		if err != nil {
			return ch, err
		}
		if _, err := fmt.Sscanf(ch.Ref, "payout:%d", &s.batch); err != nil {
			return engine.Change{}, fmt.Errorf("deps: the payout batch's entry ref %q names no batch: %w", ch.Ref, err)
		}
		return ch, nil
	})
	return op, func(v engine.View) (Settled, error) {
		b, err := payout.ReadBatch(v, s.batch)
		return Settled{Epoch: n, Batch: b, Missing: s.missing, BelowMinimum: s.minimi}, err
	}
}

// settleable returns a closed epoch's payees and currency, read outside
// the settlement's transaction: a closed epoch's state never changes.
//
// Refusals: ErrEpochUnknown, ErrEpochState (the epoch is open).
func settleable(v engine.View, n uint64) ([]Part, string, error) {
	es, err := readEpochState(v, n)
	if err != nil {
		return nil, "", err
	}
	if es.State != EpochClosed {
		return nil, "", errcode.Errorf(ErrEpochState, "epoch %d is open; an epoch is settled after its close", n)
	}
	p, err := ReadParams(v)
	if err != nil {
		return nil, "", err
	}
	return Payable(es), p.Currency, nil
}
