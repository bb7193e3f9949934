package payout

import (
	"fmt"
	"time"

	"github.com/tributary-ledger/tributary/engine"
	"github.com/tributary-ledger/tributary/errcode"
	"github.com/tributary-ledger/tributary/ledger"
	"github.com/tributary-ledger/tributary/money"
	"github.com/tributary-ledger/tributary/wire"
)

// ErrSchedule is a schedule out of its rules.
var ErrSchedule = errcode.New(errcode.Invalid, "schedule_invalid", "the schedule is invalid")

// Schedule kinds.
const (
	KindPayout = "payout" // a payout batch each period
)

// EveryMin bounds how often a schedule runs.
const EveryMin = 60

// Schedule runs an operation once per period: period k runs at Start +
// (k+1)·Every, the end of the period it settles.
type Schedule struct {
	ID   string `json:"id"`
	Kind string `json:"kind" jsonschema:"enum=payout"`
	// Start is when period 0 begins; EverySeconds the period's length.
	Start        time.Time `json:"start"`
	EverySeconds uint64    `json:"every_seconds" jsonschema:"minimum=60"`
	// The batch a payout schedule makes.
	Currency string      `json:"currency" schema:"Currency"`
	Minimum  wire.Amount `json:"minimum,omitempty"`
	Prefix   string      `json:"prefix,omitempty"`
	// Last is the last period run (or tried: an empty batch is not tried
	// again in its period); -1 before the first.
	Last int64 `json:"last"`
}

func scheduleKey(id string) string { return "schedule/" + id }

// Due returns the latest period whose end is at or before now and after
// the last one run, if any. Missed periods (the server was down) are not
// run one by one: a batch takes every balance, so the latest covers them.
func (s Schedule) Due(now time.Time) (int64, bool) {
	if s.EverySeconds == 0 || now.Before(s.Start) {
		return 0, false
	}
	k := int64(now.Sub(s.Start)/(time.Duration(s.EverySeconds)*time.Second)) - 1
	return k, k >= 0 && k > s.Last
}

// RunKey is the idempotency key of period k's run: two servers running
// the same period apply one batch.
func (s Schedule) RunKey(k int64) string { return fmt.Sprintf("schedule:%s:%d", s.ID, k) }

// Selection is what a payout schedule's batch selects.
func (s Schedule) Selection() (Selection, error) {
	sel := Selection{Currency: s.Currency, Prefix: s.Prefix}
	if s.Minimum != "" {
		m, err := money.ParseUnits(string(s.Minimum))
		if err != nil {
			return sel, errcode.Errorf(ErrSchedule, "minimum: %v", err)
		}
		sel.Minimum = m
	}
	return sel, nil
}

// SetSchedule creates or replaces a schedule; its runs start over from
// the period now due.
//
// Refusals: ErrSchedule, money.ErrUnknownCurrency.
func SetSchedule(key string, at time.Time, s Schedule, currencies ledger.Currencies) engine.Op {
	return op(key, "schedule", at, func(h *ledger.Hasher) {
		h.String(s.ID).String(s.Kind).Time(s.Start).Uint(s.EverySeconds).String(s.Currency).String(string(s.Minimum)).String(s.Prefix)
	}, func(engine.View) (engine.Change, error) {
		if s.ID == "" || ledger.ValidateKey(s.ID) != nil || len(s.ID) > 64 {
			return engine.Change{}, errcode.Errorf(ErrSchedule, "schedule ID %q: want 1 to 64 printable characters", s.ID)
		}
		if s.Kind != KindPayout {
			return engine.Change{}, errcode.Errorf(ErrSchedule, "kind %q: want %q", s.Kind, KindPayout)
		}
		if s.EverySeconds < EveryMin {
			return engine.Change{}, errcode.Errorf(ErrSchedule, "every_seconds is %d; at least %d", s.EverySeconds, EveryMin)
		}
		if _, err := currencies.Lookup(s.Currency); err != nil {
			return engine.Change{}, err
		}
		if _, err := s.Selection(); err != nil {
			return engine.Change{}, err
		}
		s.Last = -1
		if k, ok := s.Due(at); ok {
			s.Last = k // what is due when it is set is not a missed run
		}
		return engine.ConfigChange("payout:schedule:"+s.ID, "schedule", s.ID, "set", engine.WriteJSON(scheduleKey(s.ID), s)), nil
	})
}

// RemoveSchedule removes a schedule.
//
// Refusals: ledger.ErrNotFound.
func RemoveSchedule(key string, at time.Time, id string) engine.Op {
	return op(key, "schedule_remove", at, func(h *ledger.Hasher) { h.String(id) }, func(v engine.View) (engine.Change, error) {
		var s Schedule
		if err := engine.ReadJSON(v, scheduleKey(id), "schedule", id, &s); err != nil {
			return engine.Change{}, err
		}
		return engine.ConfigChange("payout:schedule:"+id, "schedule", id, "removed", engine.StateWrite{Key: scheduleKey(id)}), nil
	})
}

// MarkRun records that period k of schedule id ran (or was tried), so
// that it is not tried again; a later period only moves it forward.
func MarkRun(key string, at time.Time, id string, k int64) engine.Op {
	return op(key, "schedule_ran", at, func(h *ledger.Hasher) { h.String(id).Uint(uint64(k)) }, func(v engine.View) (engine.Change, error) {
		var s Schedule
		if err := engine.ReadJSON(v, scheduleKey(id), "schedule", id, &s); err != nil {
			return engine.Change{}, err
		}
		s.Last = max(s.Last, k)
		return engine.Change{Kind: ledger.Config, Ref: "payout:schedule:" + id, State: []engine.StateWrite{engine.WriteJSON(scheduleKey(id), s)}}, nil
	})
}
