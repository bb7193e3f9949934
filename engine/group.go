package engine

import (
	"context"
	"errors"
	"sync"
	"time"

	"github.com/tributary-ledger/tributary/errcode"
)

// Group commits concurrent requests together: while one transaction is
// being committed, the requests that arrive queue up, and the next
// transaction takes all of them (up to a bound on their operations). A
// request is one operation (Apply) or a batch of them (ApplyBatch); each
// keeps its own results, exactly as if applied alone — refusals stay per
// operation, and a failure of one request's batch fails no other request —
// but a durable commit (an fsync, or PostgreSQL's round trips) is paid once
// per group instead of once per request. This is what lets many clients
// each sending one payment go as fast as one client sending batches, and
// several clients sending batches share one commit. Those who arrive while
// a transaction runs join it before it writes (Engine.ApplyJoin), so that a
// group is everyone waiting by then, not only those waiting when it began.
type Group struct {
	e       *Engine
	in      chan *groupReq
	max     int
	wg      sync.WaitGroup
	closeMu sync.Once
}

// groupReq is one request: its operations, applied in order and
// contiguously within the group's transaction.
type groupReq struct {
	ops  []Op
	done chan groupReply
}

// groupReply answers a request: a result per operation, or err for the
// request as a whole (then none of its operations was written).
type groupReply struct {
	res []Result
	err error
}

// groupTimeout bounds one group's transaction. A caller who gives up
// earlier stops waiting; its operations may still commit, which is safe,
// because a retry with the same keys replays them.
const groupTimeout = 30 * time.Second

// NewGroup starts workers committers taking up to max operations per
// transaction (a request larger than max goes alone). SQLite has one
// writer, so one worker is right there; so is it on PostgreSQL, whose
// writers serialize on the journal counters.
func NewGroup(e *Engine, workers, max int) *Group {
	g := &Group{e: e, in: make(chan *groupReq, max*workers), max: max}
	for i := 0; i < workers; i++ {
		g.wg.Add(1)
		go g.loop()
	}
	return g
}

// Close stops the committers after the queued requests are done.
func (g *Group) Close() {
	g.closeMu.Do(func() { close(g.in) })
	g.wg.Wait()
}

// Apply queues op and waits for its result. A refusal is returned as the
// error, as ApplyOne does.
func (g *Group) Apply(ctx context.Context, op Op) (Result, error) {
	res, err := g.ApplyBatch(ctx, []Op{op})
	if err != nil {
		return Result{}, err
	}
	return res[0], res[0].Err
}

// ApplyBatch queues ops as one request and waits for their results, with
// Engine.Apply's meaning: a result per operation, each refused or not on
// its own, and an error only for the request as a whole, which then wrote
// nothing. Other requests may share its transaction; none of their
// failures becomes its error.
func (g *Group) ApplyBatch(ctx context.Context, ops []Op) ([]Result, error) {
	if len(ops) == 0 {
		return nil, nil
	}
	if len(ops) > BatchMax {
		return nil, errcode.Errorf(ErrBatchMax, "batch has %d operations; at most %d are allowed", len(ops), BatchMax)
	}
	r := &groupReq{ops: ops, done: make(chan groupReply, 1)}
	select {
	case g.in <- r:
	case <-ctx.Done():
		return nil, ctx.Err()
	}
	select {
	case rep := <-r.done:
		return rep.res, rep.err
	case <-ctx.Done():
		return nil, ctx.Err()
	}
}

func (g *Group) loop() {
	defer g.wg.Done()
	var held *groupReq
	for {
		first := held
		if first == nil {
			r, ok := <-g.in
			if !ok {
				return
			}
			first = r
		}
		q := &groupRun{g: g, reqs: []*groupReq{first}, n: len(first.ops)}
		q.take(g.max)
		q.commit()
		held = q.held
	}
}

// groupRun is the requests of one group's transaction, n operations in
// all, and the request taken from the queue that did not fit, which starts
// the next group.
type groupRun struct {
	g    *Group
	reqs []*groupReq
	n    int
	held *groupReq
}

// take adds the requests already queued, without waiting, while their
// operations fit within upTo; the first that does not is held for the next
// group, so that requests keep their order.
func (q *groupRun) take(upTo int) {
	for q.held == nil {
		select {
		case r, ok := <-q.g.in:
			if !ok {
				return
			}
			if q.n+len(r.ops) > upTo {
				q.held = r
				return
			}
			q.reqs = append(q.reqs, r)
			q.n += len(r.ops)
		default:
			return
		}
	}
}

func (q *groupRun) commit() {
	ctx, cancel := context.WithTimeout(context.Background(), groupTimeout)
	defer cancel()
	ops := make([]Op, 0, q.n)
	for _, r := range q.reqs {
		ops = append(ops, r.ops...)
	}
	// Those who arrive while the transaction runs join it before it
	// writes (see ApplyJoin); their operations follow in order.
	join := func(room int) []Op {
		before := len(q.reqs)
		q.take(min(q.g.max, q.n+room))
		var more []Op
		for _, r := range q.reqs[before:] {
			more = append(more, r.ops...)
		}
		return more
	}
	res, err := q.g.e.ApplyJoin(ctx, ops, join)
	if err == nil {
		for _, r := range q.reqs {
			r.done <- groupReply{res: res[:len(r.ops):len(r.ops)]}
			res = res[len(r.ops):]
		}
		return
	}
	if len(q.reqs) == 1 || errors.Is(err, context.DeadlineExceeded) {
		for _, r := range q.reqs {
			r.done <- groupReply{err: err}
		}
		return
	}
	// One request's failure must not fail the others: apply them one by
	// one, so that only the culprit gets the error.
	for _, r := range q.reqs {
		res, err := q.g.e.Apply(ctx, r.ops)
		r.done <- groupReply{res: res, err: err}
	}
}
