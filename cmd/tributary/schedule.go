package main

import (
	"context"
	"errors"
	"log/slog"
	"time"

	"github.com/tributary-ledger/tributary/cli"
	"github.com/tributary-ledger/tributary/engine"
	"github.com/tributary-ledger/tributary/errcode"
	"github.com/tributary-ledger/tributary/ledger"
	"github.com/tributary-ledger/tributary/program/payout"
)

// schedulePoll is how often serve looks for due runs.
const schedulePoll = 30 * time.Second

// scheduler runs what the schedules say is due (/v1/schedules): each run
// is an ordinary idempotent operation keyed by its period, so two servers
// on one database apply it once, and a run missed while the server was
// down runs when it is back. The time is passed in.
type scheduler struct {
	eng *engine.Engine
	s   serveStore
	log *slog.Logger
}

// source is the payout program's state and the balances, read from the
// store, for a batch's selection.
type source struct {
	ctx context.Context
	s   serveStore
}

func (src source) List(prefix, after string, limit int) ([]engine.StateValue, error) {
	return src.s.StatePage(src.ctx, payout.Program, prefix, after, limit)
}

func (src source) Balances(f ledger.BalanceFilter) ([]ledger.Balance, error) {
	return src.s.BalancesFiltered(src.ctx, f)
}

// tick runs every schedule's due period as of now. A run the engine
// refuses (an empty batch, a batch still open) is logged and marked run:
// it is not tried again until the next period.
func (sc *scheduler) tick(ctx context.Context, now time.Time) error {
	src := source{ctx: ctx, s: sc.s}
	all, err := payout.ListSchedules(src)
	if err != nil {
		return err
	}
	var errs []error
	for _, s := range all {
		k, due := s.Due(now)
		if !due {
			continue
		}
		if err := sc.runPayout(ctx, src, s, k, now); err != nil {
			if errcode.Code(err) == errcode.InternalCode {
				errs = append(errs, err) // a store failure: try again at the next tick
				continue
			}
			sc.log.Warn("scheduled payout refused", "schedule", s.ID, "period", k, "err", err, "code", errcode.Code(err))
		} else {
			sc.log.Info("scheduled payout made", "schedule", s.ID, "period", k)
		}
		if _, err := sc.eng.ApplyOne(ctx, payout.MarkRun(s.RunKey(k)+":ran", now, s.ID, k)); err != nil {
			errs = append(errs, err)
		}
	}
	return errors.Join(errs...)
}

func (sc *scheduler) runPayout(ctx context.Context, src source, s payout.Schedule, k int64, now time.Time) error {
	sel, err := s.Selection()
	if err != nil {
		return err
	}
	if m, ok, err := engine.WithdrawalMinimum(cli.View(ctx, sc.s, ""), sel.Currency); err != nil {
		return err
	} else if ok && m.Cmp(sel.Minimum) > 0 {
		sel.Minimum = m
	}
	cands, missing, err := payout.Candidates(src, sel)
	if err != nil {
		return err
	}
	_, err = sc.eng.ApplyOne(ctx, payout.Run(s.RunKey(k), now, sel, cands, missing))
	return err
}

// run ticks every schedulePoll until ctx ends.
func (sc *scheduler) run(ctx context.Context) {
	for {
		if err := sc.tick(ctx, time.Now()); err != nil && ctx.Err() == nil {
			sc.log.Error("scheduler tick failed", "err", err)
		}
		select {
		case <-ctx.Done():
			return
		case <-time.After(schedulePoll):
		}
	}
}
