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

// Tick runs what is due now: for each schedule, its ended periods in
// order (or only the latest, by its catch-up), stopping at one that must
// be retried. A schedule that fails does not hold up the others: its error
// is returned with theirs, after all have run.
func (r *Runner) Tick(ctx context.Context) error {
	now := r.Now()
	after := ""
	var errs []error
	for {
		page, err := schedule.Page(func(prefix, after string, limit int) ([]engine.StateValue, error) {
			return r.Store.StatePage(ctx, schedule.Program, prefix, after, limit)
		}, after, 100)
		if err != nil {
			return errors.Join(append(errs, err)...)
		}
		for _, st := range page.Schedules {
			if err := r.runDue(ctx, st, now); err != nil {
				errs = append(errs, fmt.Errorf("schedule %s: %w", st.ID, err))
			}
		}
		if page.Next == "" {
			return errors.Join(errs...)
		}
		after = "schedule/" + page.Schedules[len(page.Schedules)-1].ID
	}
}

func (r *Runner) runDue(ctx context.Context, st schedule.State, now time.Time) error {
	due := st.Due(now, perTick)
	if st.CatchUp == schedule.CatchUpLatest && len(due) > 0 {
		last, ok := st.LastEnded(now)
		if !ok || last < st.Next {
			return nil
		}
		due = []uint64{last}
	}
	from := st.Next
	for _, n := range due {
		retry, err := r.runPeriod(ctx, st, from, n)
		if err != nil || retry {
			return err
		}
		from = n + 1
	}
	return nil
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
