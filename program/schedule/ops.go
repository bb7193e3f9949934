package schedule

import (
	"errors"
	"slices"
	"time"

	"github.com/tributary-ledger/tributary/engine"
	"github.com/tributary-ledger/tributary/errcode"
	"github.com/tributary-ledger/tributary/ledger"
)

// ErrRecorded refuses recording a period that is not the schedule's next:
// another server recorded it first.
var ErrRecorded = errcode.New(errcode.Conflict, "schedule_period_recorded", "the schedule's period was recorded already")

func stateKey(id string) string { return "schedule/" + id }

// Read returns a schedule's state.
//
// Errors: ledger.ErrNotFound.
func Read(v engine.View, id string) (State, error) {
	var s State
	return s, engine.ReadJSON(v, stateKey(id), "schedule", id, &s)
}

func op(key, what string, at time.Time, fields func(*ledger.Hasher), run func(engine.View) (engine.Change, error)) engine.Op {
	return engine.ProgramOp(Program, key, what, at, fields, nil, run)
}

func change(id, action string, w engine.StateWrite) engine.Change {
	return engine.ConfigChange("schedule:"+id, "schedule", id, action, w)
}

// Set creates or replaces a schedule; a replacement keeps how far the
// schedule has run (its next period and last run). writes are the
// operation IDs a schedule may name.
//
// Refusals: those of Validate.
func Set(key string, at time.Time, s Schedule, writes map[string]bool) engine.Op {
	return op(key, "set", at, func(h *ledger.Hasher) {
		h.String(s.ID).String(s.Operation).Uint(uint64(len(s.Path)))
		for _, k := range sortedKeys(s.Path) {
			h.String(k).String(s.Path[k])
		}
		h.String(string(s.Body)).Time(s.Start).String(s.Every).String(string(s.CatchUp)).Bool(s.Paused)
	}, func(v engine.View) (engine.Change, error) {
		if err := s.Validate(writes); err != nil {
			return engine.Change{}, err
		}
		if s.CatchUp == "" {
			s.CatchUp = CatchUpAll
		}
		st, err := Read(v, s.ID)
		action := "replaced"
		if errors.Is(err, ledger.ErrNotFound) {
			action, err = "created", nil
		}
		if err != nil {
			return engine.Change{}, err
		}
		st.Schedule = s
		return change(s.ID, action, engine.WriteJSON(stateKey(s.ID), st)), nil
	})
}

// Delete removes a schedule.
//
// Refusals: ledger.ErrNotFound.
func Delete(key string, at time.Time, id string) engine.Op {
	return op(key, "delete", at, func(h *ledger.Hasher) { h.String(id) }, func(v engine.View) (engine.Change, error) {
		if _, err := Read(v, id); err != nil {
			return engine.Change{}, err
		}
		return change(id, "deleted", engine.StateWrite{Key: stateKey(id)}), nil
	})
}

// Record records period r.Period's run, the periods from from up to it
// being skipped (CatchUpLatest), and moves the schedule past it. Its key is
// the period's (RecordKey), and its digest names the schedule and the
// periods only, not the outcome: a second server recording the same period
// replays the first's record instead of conflicting with it.
//
// Refusals: ledger.ErrNotFound (the schedule was deleted), ErrRecorded.
func Record(at time.Time, id string, from uint64, r Run) engine.Op {
	return op(RecordKey(id, r.Period), "record", at, func(h *ledger.Hasher) { h.String(id).Uint(from).Uint(r.Period) }, func(v engine.View) (engine.Change, error) {
		st, err := Read(v, id)
		if err != nil {
			return engine.Change{}, err
		}
		if st.Next != from || r.Period < from {
			return engine.Change{}, errcode.Errorf(ErrRecorded, "schedule %s is at period %d; recording %d from %d", id, st.Next, r.Period, from)
		}
		st.Next, st.Last = r.Period+1, &r
		return change(id, "ran", engine.WriteJSON(stateKey(id), st)), nil
	})
}

// RecordKey is the idempotency key of period n's record.
func RecordKey(id string, n uint64) string { return Key(id, n) + ":recorded" }

func sortedKeys(m map[string]string) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}
