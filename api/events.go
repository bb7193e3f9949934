package api

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"slices"
	"strconv"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/tributary-ledger/tributary/auth"
	"github.com/tributary-ledger/tributary/engine"
	"github.com/tributary-ledger/tributary/errcode"
	"github.com/tributary-ledger/tributary/ledger"
)

const (
	// eventsPage is how many events a stream reads at a time.
	eventsPage = 500
	// heartbeat keeps idle streams (and the proxies between) alive.
	heartbeat = 15 * time.Second
)

// streams tracks the cursors of a server's open event streams, for the
// outbox lag metric.
type streams struct {
	mu      sync.Mutex
	cursors map[*uint64]struct{}
}

func (st *streams) lag(head uint64) float64 {
	st.mu.Lock()
	defer st.mu.Unlock()
	var lag uint64
	for c := range st.cursors {
		if head > *c && head-*c > lag {
			lag = head - *c
		}
	}
	return float64(lag)
}

// eventListener is a store that hears of events other processes commit
// (PostgreSQL's LISTEN/NOTIFY): Listen calls fn for each such commit
// until ctx ends or it fails.
type eventListener interface {
	Listen(ctx context.Context, fn func()) error
}

// listenRetry bounds the wait before listening again after a failure.
const listenRetry = 5 * time.Second

// Listen wakes the server's event streams whenever its store hears that
// another process committed events, so that they see them at once rather
// than at their next poll (Config.EventPoll), until ctx ends. With a store
// that cannot hear (SQLite) it returns at once: streams poll. A listener
// that fails is restarted after a pause; streams poll meanwhile, so an
// event may come late but never goes missing.
func (s *Server) Listen(ctx context.Context) {
	l, ok := s.cfg.Store.(eventListener)
	if !ok {
		return
	}
	wait := 100 * time.Millisecond
	for ctx.Err() == nil {
		start := time.Now()
		err := l.Listen(ctx, s.committed)
		if ctx.Err() != nil {
			return
		}
		s.cfg.Log.Warn("listening for other nodes' events failed; event streams poll until it is back", "err", err)
		if time.Since(start) > listenRetry {
			wait = 100 * time.Millisecond // it had worked for a while
		}
		select {
		case <-ctx.Done():
			return
		case <-time.After(wait):
		}
		wait = min(2*wait, listenRetry)
	}
}

// events streams the outbox as Server-Sent Events. Each event's id is its
// sequence number; a client that reconnects with Last-Event-ID (or
// ?after=N) resumes after it, without gaps or repeats, because events are
// numbered in commit order.
func (s *Server) events(w http.ResponseWriter, r *http.Request, c *Call) error {
	var cursor uint64
	keep, err := s.eventFilter(r, c)
	if err != nil {
		return err
	}
	from := r.Header.Get("Last-Event-ID")
	if from == "" {
		from = r.URL.Query().Get("after")
	}
	if from != "" {
		n, err := strconv.ParseUint(from, 10, 64)
		if err != nil {
			return errcode.Errorf(ErrQuery, "Last-Event-ID %q is not an event id; want the number of the last event received", from)
		}
		cursor = n
	} else if t := r.URL.Query().Get("tail"); t != "" {
		// A live view wants the last few events, not the history: start
		// tail events before the newest.
		n, err := strconv.ParseUint(t, 10, 64)
		if err != nil {
			return errcode.Errorf(ErrQuery, "tail=%q; want how many of the newest events to send first (0: only new ones)", t)
		}
		head, err := s.cfg.Store.EventHead(r.Context())
		if err != nil {
			return err
		}
		cursor = head - min(n, head)
		if n > 0 && r.URL.Query().Has("account") {
			// An account's tail is its own newest events, not those of
			// the stream's newest that happen to be about it.
			if cursor, err = s.tailKept(r.Context(), keep, head, n); err != nil {
				return err
			}
		}
	}
	// Drain the request: net/http notices a client that went away (and
	// cancels r.Context()) only once the body has been read, and a stream
	// that never notices would linger until its next heartbeat fails.
	_, _ = io.Copy(io.Discard, io.LimitReader(r.Body, 1<<10))
	_ = r.Body.Close()
	rc := http.NewResponseController(w)
	w.Header().Set("Content-Type", "text/event-stream")
	w.Header().Set("Cache-Control", "no-store")
	w.Header().Set("X-Accel-Buffering", "no")
	w.WriteHeader(http.StatusOK)
	// The headers now, not with the first event: a client learns at once
	// that its stream is open (and a tail=0 stream may wait long).
	if err := rc.Flush(); err != nil {
		return nil
	}
	s.streams.mu.Lock()
	s.streams.cursors[&cursor] = struct{}{}
	s.streams.mu.Unlock()
	defer func() {
		s.streams.mu.Lock()
		delete(s.streams.cursors, &cursor)
		s.streams.mu.Unlock()
	}()
	ctx := r.Context()
	poll := time.NewTicker(s.cfg.EventPoll)
	defer poll.Stop()
	lastWrite := time.Now()
	for {
		// The server's write timeout is for ordinary requests; a stream
		// lives as long as its client.
		_ = rc.SetWriteDeadline(time.Now().Add(heartbeat * 2))
		wake := s.commitSignal()
		evs, err := s.cfg.Store.Events(ctx, cursor, eventsPage)
		if err != nil {
			if ctx.Err() != nil {
				return nil
			}
			return err
		}
		for _, ev := range evs {
			if ok, err := keep(ctx, ev); err != nil {
				return err
			} else if !ok {
				cursor = ev.Seq
				continue
			}
			if _, err := fmt.Fprintf(w, "id: %d\nevent: %s\ndata: %s\n\n", ev.Seq, ev.Type, ev.Data); err != nil {
				return nil // the client went away
			}
			cursor = ev.Seq
		}
		if len(evs) > 0 {
			s.metrics.head.Set(float64(cursor))
			s.metrics.outboxLag.Set(s.streams.lag(cursor))
			if err := rc.Flush(); err != nil {
				return nil
			}
			lastWrite = time.Now()
			if len(evs) == eventsPage {
				continue
			}
		}
		if time.Since(lastWrite) >= heartbeat {
			if _, err := fmt.Fprint(w, ": keep-alive\n\n"); err != nil || rc.Flush() != nil {
				return nil
			}
			lastWrite = time.Now()
		}
		select {
		case <-ctx.Done():
			return nil
		case <-wake:
		case <-poll.C:
		}
	}
}

func (s *Server) metricsHandler(w http.ResponseWriter, r *http.Request, _ *Call) error {
	promhttp.HandlerFor(s.cfg.Registry, promhttp.HandlerOpts{}).ServeHTTP(w, r)
	return nil
}

// tailScanMax bounds how far back an account's tail is looked for: a
// quiet account's stream starts with what it finds among the newest
// tailScanMax events, however few, rather than reading the whole stream.
const tailScanMax = 10 * eventsPage

// tailKept returns the cursor from which a stream sends the n newest
// events keep accepts, among the tailScanMax before head.
func (s *Server) tailKept(ctx context.Context, keep func(context.Context, engine.Event) (bool, error), head, n uint64) (uint64, error) {
	from := head - min(head, tailScanMax)
	var kept []uint64
	for c := from; c < head; {
		evs, err := s.cfg.Store.Events(ctx, c, eventsPage)
		if err != nil || len(evs) == 0 {
			return from, err
		}
		for _, ev := range evs {
			ok, err := keep(ctx, ev)
			if err != nil {
				return 0, err
			}
			if ok {
				kept = append(kept, ev.Seq)
			}
			c = ev.Seq
		}
	}
	if uint64(len(kept)) <= n {
		return from, nil
	}
	return kept[uint64(len(kept))-n] - 1, nil
}

// eventFilter says which events a stream sends: all of them, or with
// account= only those about that account (a payee token must name one of
// its own). A withdrawal.changed event names its account; an
// entry.committed event is about the accounts its entry's postings move
// money from or to, read from the journal; any other event (configuration,
// a program's own) is about no account.
func (s *Server) eventFilter(r *http.Request, c *Call) (func(context.Context, engine.Event) (bool, error), error) {
	account := r.URL.Query().Get("account")
	if account == "" {
		if c.Token.Role == auth.Payee {
			return nil, errcode.Errorf(auth.ErrForbidden, "a payee token streams the events of its own accounts: add account=…")
		}
		return func(context.Context, engine.Event) (bool, error) { return true, nil }, nil
	}
	if err := ledger.ValidateAccount(account); err != nil {
		return nil, err
	}
	if c.Token.Role == auth.Payee {
		if err := scope(c, account); err != nil {
			return nil, err
		}
	}
	return func(ctx context.Context, ev engine.Event) (bool, error) {
		switch ev.Type {
		case engine.EventWithdrawalChanged:
			var d struct {
				Account string `json:"account"`
			}
			if err := json.Unmarshal(ev.Data, &d); err != nil {
				return false, fmt.Errorf("event %d: %w", ev.Seq, err)
			}
			return d.Account == account, nil
		case engine.EventEntryCommitted:
			var d struct {
				Seq uint64 `json:"seq"`
			}
			if err := json.Unmarshal(ev.Data, &d); err != nil {
				return false, fmt.Errorf("event %d: %w", ev.Seq, err)
			}
			e, err := s.cfg.Store.EntryBySeq(ctx, d.Seq)
			if err != nil {
				return false, err
			}
			return slices.ContainsFunc(e.Postings, func(p ledger.Posting) bool { return p.From == account || p.To == account }), nil
		}
		return false, nil
	}, nil
}
