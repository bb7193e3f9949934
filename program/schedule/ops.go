package schedule

import (
	"errors"
	"maps"
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
// Errors: ledger.ErrNotFound, also for a deleted schedule.
func Read(v engine.View, id string) (State, error) {
	s, err := readRecord(v, id)
	if err == nil && s.Deleted {
		err = errcode.Errorf(ledger.ErrNotFound, "schedule %q does not exist", id)
	}
	return s, err
}

// readRecord reads a schedule's record, deleted or not.
func readRecord(v engine.View, id string) (State, error) {
	var s State
	return s, engine.ReadJSON(v, stateKey(id), "schedule", id, &s)
}

func op(key, what string, at time.Time, fields func(*ledger.Hasher), run func(engine.View) (engine.Change, error)) engine.Op {
	return engine.ProgramOp(Program, key, what, at, fields, nil, run)
}

func change(id, action string, w engine.StateWrite) engine.Change {
	return engine.ConfigChange("schedule:"+id, "schedule", id, action, w)
}

// Set creates or replaces a schedule. A replacement with the same start
// and period keeps how far the schedule has run; one that moves them, or a
// schedule set again after a delete, starts a new life (State.Gen) from
// period 0, whose runs have keys of their own. writes maps the operation
// IDs a schedule may name to their route patterns.
//
// Refusals: those of Validate.
func Set(key string, at time.Time, s Schedule, writes map[string]string) engine.Op {
	return op(key, "set", at, func(h *ledger.Hasher) {
		h.String(s.ID).String(s.Operation).Uint(uint64(len(s.Path)))
		for _, k := range slices.Sorted(maps.Keys(s.Path)) {
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
		st, err := readRecord(v, s.ID)
		action := "replaced"
		switch {
		case errors.Is(err, ledger.ErrNotFound):
			action = "created"
			st = State{}
		case err != nil:
			return engine.Change{}, err
		case st.Deleted || !st.Start.Equal(s.Start) || st.Every != s.Every:
			if st.Deleted {
				action = "created"
			}
			st = State{Gen: st.Gen + 1}
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
		st, err := Read(v, id)
		if err != nil {
			return engine.Change{}, err
		}
		// The record stays, marked, so that the ID set again starts a
		// new life whose keys are not this one's.
		gone := State{Schedule: Schedule{ID: id}, Gen: st.Gen, Next: st.Next, Deleted: true}
		return change(id, "deleted", engine.WriteJSON(stateKey(id), gone)), nil
	})
}

// Record records period r.Period's run in the schedule's life gen, the
// periods from from up to it being skipped (CatchUpLatest), and moves the
// schedule past it. Its key is the period's (RecordKey), and its digest
// names the schedule, its life and the periods only, not the outcome: a
// second server recording the same period replays the first's record
// instead of conflicting with it.
//
// Refusals: ledger.ErrNotFound (the schedule was deleted), ErrRecorded.
func Record(at time.Time, id string, gen, from uint64, r Run) engine.Op {
	return op(RecordKey(id, gen, r.Period), "record", at, func(h *ledger.Hasher) { h.String(id).Uint(gen).Uint(from).Uint(r.Period) }, func(v engine.View) (engine.Change, error) {
		st, err := Read(v, id)
		if err != nil {
			return engine.Change{}, err
		}
		if st.Gen != gen || st.Next != from || r.Period < from {
			return engine.Change{}, errcode.Errorf(ErrRecorded, "schedule %s is at life %d, period %d; recording life %d, period %d from %d", id, st.Gen, st.Next, gen, r.Period, from)
		}
		r.Skipped = r.Period - from
		st.Next, st.Last = r.Period+1, &r
		return change(id, "ran", engine.WriteJSON(stateKey(id), st)), nil
	})
}

// RecordKey is the idempotency key of period n's record.
func RecordKey(id string, gen, n uint64) string { return Key(id, gen, n) + ":recorded" }
