package engine

import (
	"context"
	"errors"
	"sync"
	"time"
)

// Group commits concurrent operations together: while one transaction is
// being committed, the operations that arrive queue up, and the next
// transaction takes all of them (up to a bound). Each keeps its own result,
// exactly as if applied alone — refusals stay per operation — but a durable
// commit (an fsync) is paid once per group instead of once per operation.
// This is what lets many clients each sending one payment go as fast as one
// client sending batches. Those who arrive while a transaction runs join it
// before it writes (Engine.ApplyJoin), so that a group is everyone waiting
// by then, not only those waiting when it began.
type Group struct {
	e       *Engine
	in      chan *groupReq
	max     int
	wg      sync.WaitGroup
	closeMu sync.Once
}

type groupReq struct {
	op   Op
	done chan groupReply
}

type groupReply struct {
	res Result
	err error
}

// groupTimeout bounds one group's transaction. A caller who gives up
// earlier stops waiting; its operation may still commit, which is safe,
// because a retry with the same key replays it.
const groupTimeout = 30 * time.Second

// NewGroup starts workers committers taking up to max operations per
// transaction. SQLite has one writer, so one worker is right there; a
// PostgreSQL store benefits from a few.
func NewGroup(e *Engine, workers, max int) *Group {
	g := &Group{e: e, in: make(chan *groupReq, max*workers), max: max}
	for i := 0; i < workers; i++ {
		g.wg.Add(1)
		go g.loop()
	}
	return g
}

// Close stops the committers after the queued operations are done.
func (g *Group) Close() {
	g.closeMu.Do(func() { close(g.in) })
	g.wg.Wait()
}

// Apply queues op and waits for its result. A refusal is returned as the
// error, as ApplyOne does.
func (g *Group) Apply(ctx context.Context, op Op) (Result, error) {
	r := &groupReq{op: op, done: make(chan groupReply, 1)}
	select {
	case g.in <- r:
	case <-ctx.Done():
		return Result{}, ctx.Err()
	}
	select {
	case rep := <-r.done:
		return rep.res, rep.err
	case <-ctx.Done():
		return Result{}, ctx.Err()
	}
}

func (g *Group) loop() {
	defer g.wg.Done()
	for first := range g.in {
		g.commit(g.take([]*groupReq{first}, g.max))
	}
}

// take appends to batch the requests already queued, without waiting,
// until batch holds upTo.
func (g *Group) take(batch []*groupReq, upTo int) []*groupReq {
	for len(batch) < upTo {
		select {
		case r, ok := <-g.in:
			if !ok {
				return batch
			}
			batch = append(batch, r)
		default:
			return batch
		}
	}
	return batch
}

func (g *Group) commit(batch []*groupReq) {
	ctx, cancel := context.WithTimeout(context.Background(), groupTimeout)
	defer cancel()
	ops := make([]Op, len(batch))
	for i, r := range batch {
		ops[i] = r.op
	}
	// Those who arrive while the transaction runs join it before it
	// writes (see ApplyJoin); their requests follow batch in order.
	join := func(room int) []Op {
		before := len(batch)
		batch = g.take(batch, min(g.max, before+room))
		var more []Op
		for _, r := range batch[before:] {
			more = append(more, r.op)
		}
		return more
	}
	res, err := g.e.ApplyJoin(ctx, ops, join)
	if err == nil {
		for i, r := range batch {
			r.done <- groupReply{res: res[i], err: res[i].Err}
		}
		return
	}
	if len(batch) == 1 || errors.Is(err, context.DeadlineExceeded) {
		for _, r := range batch {
			r.done <- groupReply{err: err}
		}
		return
	}
	// One operation's failure must not fail the others: apply them one by
	// one, so that only the culprit gets the error.
	for _, r := range batch {
		res, err := g.e.Apply(ctx, []Op{r.op})
		if err != nil {
			r.done <- groupReply{err: err}
			continue
		}
		r.done <- groupReply{res: res[0], err: res[0].Err}
	}
}
