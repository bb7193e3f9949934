// Package api is Tributary's HTTP API under /v1: accounts and balances, the
// journal, entries and payments, withdrawals, splits, tokens and a live
// event stream, with one route table that drives routing, access control,
// metrics and the check that /v1/openapi.json documents every route.
package api

import (
	"context"
	"errors"
	"log/slog"
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/tributary-ledger/tributary/auth"
	"github.com/tributary-ledger/tributary/engine"
	"github.com/tributary-ledger/tributary/errcode"
	"github.com/tributary-ledger/tributary/ledger"
	"github.com/tributary-ledger/tributary/money"
	"github.com/tributary-ledger/tributary/program"
	"github.com/tributary-ledger/tributary/wire"
)

// Limits.
const (
	// BodyMax bounds a request body.
	BodyMax = 4 << 20
	// PostingsMax bounds the postings of one entry sent over HTTP.
	PostingsMax = 1000
	// BatchMax bounds the entries of one batch request.
	BatchMax = 1000
	// PageMax bounds a page of any list.
	PageMax = 1000
	// pageDefault is a page's size when the client does not say.
	pageDefault = 100
)

// Store is what the API needs of a store.
type Store interface {
	Ping(ctx context.Context) error
	EntryByKey(ctx context.Context, key string) (ledger.Entry, error)
	EntryBySeq(ctx context.Context, seq uint64) (ledger.Entry, error)
	JournalFiltered(ctx context.Context, f ledger.JournalFilter) ([]ledger.Entry, error)
	AccountBalances(ctx context.Context, account string) ([]ledger.Balance, error)
	BalancesFiltered(ctx context.Context, f ledger.BalanceFilter) ([]ledger.Balance, error)
	Withdrawal(ctx context.Context, id string) (ledger.Withdrawal, error)
	Withdrawals(ctx context.Context, f ledger.WithdrawalFilter) ([]ledger.Withdrawal, error)
	State(ctx context.Context, program, key string) ([]byte, bool, error)
	StatePage(ctx context.Context, program, prefix, after string, limit int) ([]engine.StateValue, error)
	Events(ctx context.Context, after uint64, limit int) ([]engine.Event, error)
	EventHead(ctx context.Context) (uint64, error)
	PutToken(ctx context.Context, t auth.Token) error
	TokenByHash(ctx context.Context, hash [32]byte) (auth.Token, error)
	Tokens(ctx context.Context) ([]auth.Token, error)
	RevokeToken(ctx context.Context, id string, at time.Time) (auth.Token, error)
}

// Config is what a Server is built from.
type Config struct {
	Store  Store
	Engine *engine.Engine
	// Group, when set, commits single writes and entry batches from
	// concurrent requests together; nil applies each alone.
	Group      *engine.Group
	Currencies *money.Registry
	Log        *slog.Logger
	// Registry receives the server's Prometheus metrics; nil makes one.
	Registry *prometheus.Registry
	// Now is the clock that stamps writes; nil is time.Now.
	Now func() time.Time
	// EventPoll is how often event streams look for events committed by
	// other processes; zero is 200ms.
	EventPoll time.Duration
	// Ready are further conditions /readyz reports besides the store.
	Ready []ReadyCheck
	// Modules are the programs whose routes the server serves (package
	// programs lists this build's).
	Modules []program.Module
}

// Server serves the API.
type Server struct {
	cfg     Config
	mux     *http.ServeMux
	routes  []Route
	metrics *metrics
	// commits is closed and replaced after every local commit, waking the
	// event streams at once instead of at their next poll.
	commitsMu sync.Mutex
	commits   chan struct{}
	// commitsTaken is whether a stream holds commits: only then is there
	// anyone to wake, and a commit with no stream listening (most of them)
	// costs no new channel.
	commitsTaken bool
	// storeWakes: the store calls committed after each commit of events,
	// whoever made it (see commitHook); otherwise the handlers do.
	storeWakes bool
	streams    streams
	tokens     *tokenCache
	// shared caches where the shared key space ended (see legacyKey).
	shared sharedUntil
	// flowsMax is FlowsEntriesMax, lowered by tests to see paging.
	flowsMax int
	// rollups are the whole hours' flows kept summed.
	rollups *rollups
}

// Handler is a route's handler. It returns an error instead of writing one,
// so that every error is mapped and written the same way.
type Handler func(w http.ResponseWriter, r *http.Request, c *Call) error

// Call is what a handler knows about the caller.
type Call struct {
	Token auth.Token
	Now   time.Time
	// internal marks a call from the server itself (Invoke), which may
	// use the scheduler's reserved keys.
	internal bool
}

// Route is one documented endpoint.
type Route struct {
	Method  string
	Pattern string      // net/http pattern, e.g. /v1/accounts/{account}
	Allow   []auth.Role // roles allowed; nil means public (no token needed)
	Handler Handler
	// TokenOptional: a public route that still judges a token when one
	// is sent, which must then have one of these roles (see
	// program.Route.TokenOptional).
	TokenOptional []auth.Role
	// Spec declares the route for the document and the client; Tag is
	// its group there.
	Spec program.Route
	Tag  string
	// metrics counts the route's answers; set by Register.
	metrics *routeMetrics
}

// New returns a server with the core routes registered.
func New(cfg Config) *Server {
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.Log == nil {
		cfg.Log = slog.New(slog.DiscardHandler)
	}
	if cfg.Registry == nil {
		cfg.Registry = prometheus.NewRegistry()
	}
	if cfg.EventPoll == 0 {
		cfg.EventPoll = 200 * time.Millisecond
	}
	s := &Server{cfg: cfg, mux: http.NewServeMux(), metrics: newMetrics(cfg.Registry), commits: make(chan struct{}), streams: streams{cursors: map[*uint64]struct{}{}}, tokens: newTokenCache(time.Now), flowsMax: FlowsEntriesMax, rollups: newRollups(RollupKeysMax)}
	if h, ok := cfg.Store.(commitHook); ok {
		h.OnEvents(s.committed)
		s.storeWakes = true
	}
	s.Register(s.coreRoutes()...)
	s.Register(s.flowRoutes()...)
	for _, m := range cfg.Modules {
		s.Register(s.moduleRoutes(m)...)
	}
	s.mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		// The catch-all also receives known paths called with another
		// method: those are 405, with the methods that are allowed.
		if methods := s.methods(r); len(methods) > 0 {
			w.Header().Set("Allow", strings.Join(methods, ", "))
			s.writeError(w, r, errcode.Errorf(ErrMethod, "%s is not allowed on %s; allowed: %s", r.Method, r.URL.Path, strings.Join(methods, ", ")))
			return
		}
		s.writeError(w, r, errcode.Errorf(ErrRouteUnknown, "no route %s %s; see /v1/openapi.json", r.Method, r.URL.Path))
	})
	return s
}

// methods returns the methods registered for r's path, if any.
func (s *Server) methods(r *http.Request) []string {
	var out []string
	for _, rt := range s.routes {
		probe := http.NewServeMux()
		probe.Handle(rt.Pattern, http.NotFoundHandler())
		if _, pat := probe.Handler(r); pat != "" {
			out = append(out, rt.Method)
		}
	}
	return out
}

// Routes returns every registered route.
func (s *Server) Routes() []Route { return append([]Route(nil), s.routes...) }

// Register adds routes; programs call it to add their own.
func (s *Server) Register(routes ...Route) {
	for _, rt := range routes {
		rt.metrics = s.metrics.route(rt.Method, rt.Pattern)
		s.routes = append(s.routes, rt)
		s.mux.Handle(rt.Method+" "+rt.Pattern, s.wrap(rt))
	}
}

// Handler returns the HTTP handler. Every route's body is limited to
// BodyMax (by wrap); the catch-all for unknown routes reads none.
func (s *Server) Handler() http.Handler { return s.mux }

// wrap applies the body limit, authentication, authorization, metrics and
// error writing.
func (s *Server) wrap(rt Route) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { s.handle(rt, w, r, nil) })
}

// handle answers a request to rt with what every request has: the body
// limit, metrics and error writing around the route's handler. The caller
// is the request's token (serve), or, when own is not nil, the server
// itself (Invoke). It returns the status answered and the error, if any,
// that the answer reports.
func (s *Server) handle(rt Route, w http.ResponseWriter, r *http.Request, own *Call) (int, error) {
	start := time.Now()
	// Here rather than by http.MaxBytesHandler, which copies the
	// request to replace its body; w is the server's own, so that a
	// body over the limit closes the connection after the answer.
	r.Body = http.MaxBytesReader(w, r.Body, BodyMax)
	// One allocation for what every request needs.
	st := &struct {
		sw   statusWriter
		call Call
	}{sw: statusWriter{ResponseWriter: w}}
	sw := &st.sw
	var err error
	if own != nil {
		st.call = *own
		err = rt.Handler(sw, r, &st.call)
	} else {
		err = s.serve(rt, sw, r, &st.call)
	}
	if err != nil {
		if errcode.Code(err) == errcode.InternalCode {
			s.cfg.Log.Error("request failed", "method", r.Method, "route", rt.Pattern, "err", err)
		}
		s.writeError(sw, r, err)
	}
	rt.metrics.observe(sw.code(), time.Since(start))
	return sw.code(), err
}

func (s *Server) serve(rt Route, w http.ResponseWriter, r *http.Request, c *Call) error {
	c.Now = s.cfg.Now().UTC()
	if rt.TokenOptional != nil && r.Header.Get("Authorization") != "" {
		tok, err := s.authenticate(r)
		if err != nil {
			return err
		}
		if !allowed(rt.TokenOptional, tok.Role) {
			return errcode.Errorf(auth.ErrForbidden, "a %s token may not call %s %s; send it without a token, or with a token of role %s", tok.Role, rt.Method, rt.Pattern, roleList(rt.TokenOptional))
		}
		c.Token = tok
	}
	if rt.Allow != nil {
		tok, err := s.authenticate(r)
		if err != nil {
			return err
		}
		if !allowed(rt.Allow, tok.Role) {
			return errcode.Errorf(auth.ErrForbidden, "a %s token may not call %s %s", tok.Role, rt.Method, rt.Pattern)
		}
		c.Token = tok
	}
	return rt.Handler(w, r, c)
}

func roleList(roles []auth.Role) string {
	names := make([]string, len(roles))
	for i, r := range roles {
		names[i] = string(r)
	}
	return strings.Join(names, ", ")
}

func allowed(roles []auth.Role, role auth.Role) bool {
	for _, r := range roles {
		if r == role {
			return true
		}
	}
	return false
}

// authenticate returns the token of the request's bearer secret. A valid
// token is remembered for TokenRecheck (see tokenCache); the token returned
// may be shared with other requests and is read, never changed.
func (s *Server) authenticate(r *http.Request) (auth.Token, error) {
	h := r.Header.Get("Authorization")
	secret, ok := strings.CutPrefix(h, "Bearer ")
	if !ok || secret == "" {
		return auth.Token{}, errcode.Errorf(auth.ErrUnauthenticated, "missing bearer token; send Authorization: Bearer <token>")
	}
	digest := auth.Digest(secret)
	tok, hit, gen := s.tokens.get(digest)
	if !hit {
		fetched := s.tokens.now()
		var err error
		tok, err = s.cfg.Store.TokenByHash(r.Context(), digest)
		if errors.Is(err, ledger.ErrNotFound) {
			return auth.Token{}, errUnknownToken()
		}
		if err != nil {
			return auth.Token{}, err
		}
		s.tokens.put(tok, fetched, gen)
	}
	// The digest found the record; the comparison that decides stays in
	// constant time, whether the record came from the store or the cache.
	if !tok.Valid() || !auth.Equal(tok.Hash, digest) {
		return auth.Token{}, errUnknownToken()
	}
	return tok, nil
}

func errUnknownToken() error {
	return errcode.Errorf(auth.ErrUnauthenticated, "the bearer token is unknown or revoked")
}

// scope refuses a payee token acting on an account that is not its own.
func scope(c *Call, account string) error {
	if !c.Token.MayAct(account) {
		return errcode.Errorf(auth.ErrForbidden, "this payee token may act on %s only, not %q", strings.Join(c.Token.Accounts, ", "), account)
	}
	return nil
}

func (s *Server) writeError(w http.ResponseWriter, _ *http.Request, err error) {
	writeJSON(w, status(err), wire.ErrorBody{Error: toErrorJSON(err)})
}

// commitHook is a store that says when it committed events (sqlstore's
// stores): the streams then wake for every local commit, the chain
// watcher's and the programs' included, not only the API's own writes.
type commitHook interface {
	OnEvents(fn func())
}

// committed wakes the event streams.
func (s *Server) committed() {
	s.commitsMu.Lock()
	if s.commitsTaken {
		close(s.commits)
		s.commits = make(chan struct{})
		s.commitsTaken = false
	}
	s.commitsMu.Unlock()
}

// commitSignal returns a channel closed at the next local commit.
func (s *Server) commitSignal() <-chan struct{} {
	s.commitsMu.Lock()
	defer s.commitsMu.Unlock()
	s.commitsTaken = true
	return s.commits
}

// statusWriter remembers the status code for metrics, and passes Flush
// through for event streams.
type statusWriter struct {
	http.ResponseWriter
	status int
}

func (w *statusWriter) WriteHeader(code int) {
	if w.status == 0 {
		w.status = code
	}
	w.ResponseWriter.WriteHeader(code)
}

func (w *statusWriter) Write(b []byte) (int, error) {
	if w.status == 0 {
		w.status = http.StatusOK
	}
	return w.ResponseWriter.Write(b)
}

func (w *statusWriter) code() int {
	if w.status == 0 {
		return http.StatusOK
	}
	return w.status
}

// Unwrap lets http.ResponseController reach the connection.
func (w *statusWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }
