// Package scheduler runs the schedules' due periods inside a server: it
// reads the schedules (package program/schedule), sends each due period's
// run through the API's own route (api.Server.Invoke) at the period's end
// as the request's time, under the period's idempotency key, and records
// the outcome. It is the one place that reads the clock for them; the
// programs it runs are given the time.
//
// Two servers on one database may both run a period: the second's request
// replays the first's under the same key, and recording the period replays
// too, so each period runs once.
package scheduler

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"slices"
	"time"

	"github.com/tributary-ledger/tributary/api"
	"github.com/tributary-ledger/tributary/engine"
	"github.com/tributary-ledger/tributary/ledger"
	"github.com/tributary-ledger/tributary/program/schedule"
)

// Principal names the scheduler in the journal's requests.
const Principal = "scheduler"

// perTick bounds the periods one schedule runs in one tick, so that a
// schedule catching up on many periods does not hold up the others.
const perTick = 16

// Store is what the scheduler reads schedules from.
type Store interface {
	StatePage(ctx context.Context, program, prefix, after string, limit int) ([]engine.StateValue, error)
}

// Invoker sends a run through a route (api.Server).
type Invoker interface {
	Invoke(ctx context.Context, principal, operation string, path map[string]string, body []byte, key string, at time.Time) (api.Invoked, error)
}

// Applier applies the operation recording a run (engine.Engine).
type Applier interface {
	Apply(ctx context.Context, ops []engine.Op) ([]engine.Result, error)
}

// Runner runs due periods.
type Runner struct {
	Store   Store
	Invoker Invoker
	Engine  Applier
	Now     func() time.Time
	Log     *slog.Logger
}

// Run ticks every interval until ctx ends.
func (r *Runner) Run(ctx context.Context, every time.Duration) {
	t := time.NewTicker(every)
	defer t.Stop()
	for {
		if err := r.Tick(ctx); err != nil && ctx.Err() == nil {
			r.Log.Warn("scheduler: a tick failed; retrying at the next", "err", err)
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}

// Tick runs what is due now: every schedule's ended periods (or only the
// latest, by its catch-up), all schedules' runs in the order their periods
// ended, runs that end at the same time in schedule ID order. So a week
// missed while no server ran replays as it would have run: a dependency
// epoch's close, the next one's open and the settlement, week by week (an
// epoch cannot close before it was opened). A schedule stops at a run that
// must be retried, or that fails; the others go on, and its error is
// returned with theirs, after all have run.
func (r *Runner) Tick(ctx context.Context) error {
	now := r.Now()
	runs, err := r.due(ctx, now)
	if err != nil {
		return err
	}
	var errs []error
	from := map[string]uint64{}
	stopped := map[string]bool{}
	for _, p := range runs {
		id := p.st.ID
		if stopped[id] {
			continue
		}
		if _, ok := from[id]; !ok {
			from[id] = p.st.Next
		}
		retry, err := r.runPeriod(ctx, *p.st, from[id], p.n)
		if err != nil {
			errs = append(errs, fmt.Errorf("schedule %s: %w", id, err))
		}
		if err != nil || retry {
			stopped[id] = true
			continue
		}
		from[id] = p.n + 1
	}
	return errors.Join(errs...)
}

// pending is one schedule's period due to run.
type pending struct {
	st *schedule.State
	n  uint64
}

// due lists every schedule's due periods, in the order they ended (the
// schedules are read in ID order, and the sort keeps it for ties).
func (r *Runner) due(ctx context.Context, now time.Time) ([]pending, error) {
	var runs []pending
	after := ""
	for {
		page, err := schedule.Page(func(prefix, after string, limit int) ([]engine.StateValue, error) {
			return r.Store.StatePage(ctx, schedule.Program, prefix, after, limit)
		}, after, 100)
		if err != nil {
			return nil, err
		}
		for i := range page.Schedules {
			st := &page.Schedules[i]
			for _, n := range dueOf(*st, now) {
				runs = append(runs, pending{st: st, n: n})
			}
		}
		if page.Next == "" {
			break
		}
		after = "schedule/" + page.Schedules[len(page.Schedules)-1].ID
	}
	slices.SortStableFunc(runs, func(a, b pending) int { return a.st.End(a.n).Compare(b.st.End(b.n)) })
	return runs, nil
}

// dueOf is a schedule's periods to run now: its ended periods in order, at
// most perTick, or only the latest by its catch-up.
func dueOf(st schedule.State, now time.Time) []uint64 {
	due := st.Due(now, perTick)
	if st.CatchUp == schedule.CatchUpLatest && len(due) > 0 {
		last, ok := st.LastEnded(now)
		if !ok || last < st.Next {
			return nil
		}
		due = []uint64{last}
	}
	return due
}

// runPeriod sends period n's run and records it; retry says the run must
// be tried again later (a server error, an unavailable chain).
func (r *Runner) runPeriod(ctx context.Context, st schedule.State, from, n uint64) (retry bool, err error) {
	key := schedule.Key(st.ID, st.Gen, n)
	at := st.End(n)
	got, err := r.Invoker.Invoke(ctx, Principal, st.Operation, st.PathFor(n), st.Body, key, at)
	if err != nil {
		return false, err
	}
	if got.Status >= http.StatusInternalServerError {
		r.Log.Warn("scheduler: a run failed; retrying at the next tick", "schedule", st.ID, "period", n, "status", got.Status, "code", got.Code)
		return true, nil
	}
	run := schedule.Run{Period: n, Key: key, Status: got.Status, Code: got.Code, Outcome: schedule.Done, At: at}
	if got.Code != "" {
		run.Outcome = schedule.Refused
		r.Log.Warn("scheduler: a run was refused; recorded, moving on", "schedule", st.ID, "period", n, "code", got.Code)
	}
	res, err := r.Engine.Apply(ctx, []engine.Op{schedule.Record(at, st.ID, st.Gen, from, run)})
	if err != nil {
		return false, err
	}
	if err := res[0].Err; err != nil && !errors.Is(err, ledger.ErrNotFound) && !errors.Is(err, schedule.ErrRecorded) {
		return false, fmt.Errorf("recording period %d of schedule %s: %w", n, st.ID, err)
	}
	return false, nil
}
