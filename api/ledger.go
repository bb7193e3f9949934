package api

import (
	"context"
	"errors"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/tributary-ledger/tributary/auth"
	"github.com/tributary-ledger/tributary/engine"
	"github.com/tributary-ledger/tributary/errcode"
	"github.com/tributary-ledger/tributary/ledger"
	"github.com/tributary-ledger/tributary/program"
	"github.com/tributary-ledger/tributary/program/payout"
	"github.com/tributary-ledger/tributary/wire"
)

// Who may do what. A payee is further scoped to its own accounts by the
// handlers that take an account.
var (
	readers   = program.Readers
	ingestors = program.Ingestors
	admins    = program.Admins
	readOwn   = []auth.Role{auth.Admin, auth.Reader, auth.Payee}
)

// Parameters of the core routes.
var (
	accountParam    = program.Param{Name: "account", In: "path", Doc: "The account. Percent-encode `/` as `%2F`.", Schema: "AccountName"}
	withdrawalParam = program.Param{Name: "id", In: "path", Doc: "The withdrawal's ID: the `Idempotency-Key` of its request.", Schema: "Key"}
	currencyParam   = program.Param{Name: "currency", In: "path", Doc: "A registered currency code, such as USD.", Schema: "Currency"}
	cursorParams    = []program.Param{program.LimitParam, program.AfterParam}
)

// The core's groups in the document, in order.
const (
	tagSystem      = "System"
	tagAccounts    = "Accounts"
	tagEntries     = "Entries"
	tagWithdrawals = "Withdrawals"
	tagTokens      = "Tokens"
	tagEvents      = "Events"
)

// coreRoutes are the routes the API serves itself: the ledger's, tokens,
// events and the system's. Each is declared as a program's route is (for
// the document and the client), with a handler of its own.
func (s *Server) coreRoutes() []Route {
	type (
		none = program.NoBody
	)
	return []Route{
		core(tagSystem, program.Route{Method: "GET", Path: "/healthz", ID: "getHealth", Handler: plain(program.Describe[none, wire.StatusJSON](false))}, s.healthz),
		core(tagSystem, program.Route{Method: "GET", Path: "/readyz", ID: "getReadiness", Handler: plain(program.Describe[none, wire.StatusJSON](false))}, s.readyz),
		core(tagSystem, program.Route{Method: "GET", Path: "/metrics", ID: "getMetrics", Handler: withContent(plain(program.Describe[none, string](false)), "text/plain")}, s.metricsHandler),
		core(tagSystem, program.Route{Method: "GET", Path: "/v1/openapi.json", ID: "getOpenAPI", Handler: plain(program.Describe[none, map[string]any](false))}, s.openapi),
		core(tagAccounts, program.Route{Method: "GET", Path: "/v1/accounts", ID: "listAccounts", Roles: readers, Params: append(cursorParams,
			program.QueryParam("prefix", "Only accounts whose name starts with this (for example `artist:` or `@`).", ""),
			program.Param{Name: "currency", In: "query", Doc: "Only balances in this currency code.", Schema: "Currency"}), Handler: program.Describe[none, wire.BalanceListJSON](false)}, s.listAccounts),
		core(tagAccounts, program.Route{Method: "GET", Path: "/v1/accounts/{account}", ID: "getAccount", Roles: readOwn, Params: []program.Param{accountParam}, Handler: program.Describe[none, wire.AccountJSON](false)}, s.getAccount),
		core(tagEntries, program.Route{Method: "GET", Path: "/v1/entries", ID: "listEntries", Roles: readOwn, Params: []program.Param{program.LimitParam,
			{Name: "after", In: "query", Doc: "Only entries with a sequence number greater than this; the `next` of the previous page.", Schema: "SeqString"},
			{Name: "account", In: "query", Doc: "Only entries with a posting from or to this account. Required for payee tokens, which see only the postings (and their paths) that move their own accounts' money.", Schema: "AccountName"},
			{Name: "since", In: "query", Doc: "Only entries at or after this RFC 3339 time.", Schema: "Time"},
			{Name: "until", In: "query", Doc: "Only entries before this RFC 3339 time.", Schema: "Time"}}, Handler: program.Describe[none, wire.EntryListJSON](false)}, s.listEntries),
		core(tagEntries, program.Route{Method: "POST", Path: "/v1/entries", ID: "createEntry", Roles: ingestors, Status: program.Created, Handler: program.Describe[wire.EntryRequest, wire.EntryJSON](true)}, s.createEntry),
		core(tagEntries, program.Route{Method: "POST", Path: "/v1/entries/batch", ID: "createEntries", Roles: ingestors, Handler: program.Describe[wire.BatchRequest, wire.BatchResponse](false)}, s.createEntries),
		core(tagEntries, program.Route{Method: "GET", Path: "/v1/entries/{seq}", ID: "getEntry", Roles: readers, Params: []program.Param{{Name: "seq", In: "path", Doc: "The entry's sequence number.", Schema: "Seq"}}, Handler: program.Describe[none, wire.EntryJSON](false)}, s.getEntry),
		core(tagEntries, program.Route{Method: "GET", Path: "/v1/entries/keys/{key}", ID: "getEntryByKey", Roles: append(readers, auth.Ingestor), Params: []program.Param{{Name: "key", In: "path", Doc: "The idempotency key the entry was committed under.", Schema: "Key"}}, Handler: program.Describe[none, wire.EntryJSON](false)}, s.getEntryByKey),
		core(tagWithdrawals, program.Route{Method: "GET", Path: "/v1/withdrawals", ID: "listWithdrawals", Roles: readOwn, Params: append(cursorParams,
			program.Param{Name: "account", In: "query", Doc: "Only withdrawals from this account. Required for payee tokens.", Schema: "AccountName"},
			program.Param{Name: "state", In: "query", Doc: "Only withdrawals in this state.", Schema: "WithdrawalState"}), Handler: program.Describe[none, wire.WithdrawalListJSON](false)}, s.listWithdrawals),
		core(tagWithdrawals, program.Route{Method: "POST", Path: "/v1/withdrawals", ID: "requestWithdrawal", Roles: []auth.Role{auth.Admin, auth.Payee}, Status: program.Created, Handler: program.Describe[wire.WithdrawalRequest, wire.WithdrawalJSON](true)}, s.requestWithdrawal),
		core(tagWithdrawals, program.Route{Method: "GET", Path: "/v1/withdrawals/{id}", ID: "getWithdrawal", Roles: readOwn, Params: []program.Param{withdrawalParam}, Handler: program.Describe[none, wire.WithdrawalJSON](false)}, s.getWithdrawal),
		core(tagWithdrawals, program.Route{Method: "POST", Path: "/v1/withdrawals/{id}/post", ID: "postWithdrawal", Roles: ingestors, Params: []program.Param{withdrawalParam}, Status: program.Created, Handler: program.Describe[none, wire.WithdrawalJSON](true)}, s.postWithdrawal),
		core(tagWithdrawals, program.Route{Method: "POST", Path: "/v1/withdrawals/{id}/void", ID: "voidWithdrawal", Roles: []auth.Role{auth.Admin, auth.Ingestor, auth.Payee}, Params: []program.Param{withdrawalParam}, Status: program.Created, Handler: program.Describe[none, wire.WithdrawalJSON](true)}, s.voidWithdrawal),
		core(tagWithdrawals, program.Route{Method: "GET", Path: "/v1/config/withdrawal-minimums/{currency}", ID: "getWithdrawalMinimum", Roles: []auth.Role{auth.Admin, auth.Reader, auth.Payee}, Params: []program.Param{currencyParam}, Handler: program.Describe[none, wire.MinimumJSON](false)}, s.getWithdrawalMinimum),
		core(tagWithdrawals, program.Route{Method: "PUT", Path: "/v1/config/withdrawal-minimums/{currency}", ID: "setWithdrawalMinimum", Roles: admins, Params: []program.Param{currencyParam}, Handler: program.Describe[wire.MinimumRequest, wire.MinimumJSON](true)}, s.putWithdrawalMinimum),
		core(tagTokens, program.Route{Method: "GET", Path: "/v1/tokens", ID: "listTokens", Roles: admins, Handler: program.Describe[none, wire.TokenListJSON](false)}, s.listTokens),
		core(tagTokens, program.Route{Method: "POST", Path: "/v1/tokens", ID: "createToken", Roles: admins, Status: program.Created, Handler: program.Describe[wire.TokenRequest, wire.NewTokenJSON](false)}, s.createToken),
		core(tagTokens, program.Route{Method: "DELETE", Path: "/v1/tokens/{id}", ID: "revokeToken", Roles: admins, Params: []program.Param{program.PathParam("id", "The token's ID.", "tok_0123456789ab")}, Handler: program.Describe[none, wire.TokenJSON](false)}, s.revokeToken),
		core(tagEvents, program.Route{Method: "GET", Path: "/v1/events", ID: "streamEvents", Roles: readOwn, Params: []program.Param{
			{Name: "account", In: "query", Doc: "Only the events about this account: its withdrawals' changes and the entries that move money from or to it. Required for payee tokens.", Schema: "AccountName"},
			{Name: "Last-Event-ID", In: "header", Doc: "Resume after this event's sequence number. Takes precedence over `after`.", Schema: "SeqString"},
			{Name: "after", In: "query", Doc: "Resume after this event's sequence number, for clients that cannot set `Last-Event-ID`. Ignored when `Last-Event-ID` is sent. Default 0: from the first event.", Schema: "SeqString"},
			{Name: "tail", In: "query", Doc: "Start with this many of the newest events instead of the first (0: only events committed from now on), for a live view that wants no history. Ignored when `Last-Event-ID` or `after` is sent.", Schema: "SeqString"}},
			Handler: withContent(program.Describe[none, string](false), "text/event-stream")}, s.events),
	}
}

// core makes a core route: declared for the document, served by h.
func core(tag string, spec program.Route, h Handler) Route {
	return Route{Method: spec.Method, Pattern: spec.Path, Allow: spec.Roles, Handler: h, Spec: spec, Tag: tag}
}

func plain(h program.Handler) program.Handler { h.Plain = true; return h }

func withContent(h program.Handler, ct string) program.Handler { h.ContentType = ct; return h }

func (s *Server) healthz(w http.ResponseWriter, _ *http.Request, _ *Call) error {
	writeJSON(w, http.StatusOK, wire.StatusJSON{Status: "ok"})
	return nil
}

func (s *Server) readyz(w http.ResponseWriter, r *http.Request, _ *Call) error {
	if err := s.cfg.Store.Ping(r.Context()); err != nil {
		writeJSON(w, http.StatusServiceUnavailable, wire.StatusJSON{Status: "store unreachable"})
		return nil
	}
	for _, c := range s.cfg.Ready {
		if err := c.Check(r.Context()); err != nil {
			writeJSON(w, http.StatusServiceUnavailable, wire.StatusJSON{Status: c.Name + ": " + err.Error()})
			return nil
		}
	}
	writeJSON(w, http.StatusOK, wire.StatusJSON{Status: "ready"})
	return nil
}

// ReadyCheck is one more condition /readyz reports, such as a chain
// watcher that cannot reach its endpoint.
type ReadyCheck struct {
	Name  string
	Check func(context.Context) error
}

// limit reads the limit query parameter.
func limit(r *http.Request) (int, error) {
	v := r.URL.Query().Get("limit")
	if v == "" {
		return pageDefault, nil
	}
	n, err := strconv.Atoi(v)
	if err != nil || n < 1 || n > PageMax {
		return 0, errcode.Errorf(ErrQuery, "limit=%q; want a whole number from 1 to %d", v, PageMax)
	}
	return n, nil
}

// apply runs one operation and answers with status and what respond makes
// of the entry, marking replays. respond must make the same answer of the
// same entry, so that a replay answers as the first time; a route whose
// answer reads program state records it instead (applyAnswered).
func (s *Server) apply(w http.ResponseWriter, r *http.Request, op engine.Op, status int, respond func(ledger.Entry) (any, error)) error {
	res, err := s.applyOp(w, r, op)
	if err != nil {
		return err
	}
	body, err := respond(res.Entry)
	if err != nil {
		return err
	}
	writeJSON(w, status, body)
	return nil
}

// applyOp runs one operation, alone or in the server's commit group, and
// marks a replay or counts the commit.
func (s *Server) applyOp(w http.ResponseWriter, r *http.Request, op engine.Op) (engine.Result, error) {
	var res engine.Result
	var err error
	if s.cfg.Group != nil {
		res, err = s.cfg.Group.Apply(r.Context(), op)
	} else {
		res, err = s.cfg.Engine.ApplyOne(r.Context(), op)
	}
	if err != nil {
		return res, err
	}
	if res.Replayed {
		w.Header().Set("Idempotent-Replayed", "true")
	} else {
		s.metrics.committed.Inc()
		if !s.storeWakes {
			s.committed()
		}
	}
	return res, nil
}

// entryBody answers with the entry itself.
func entryBody(e ledger.Entry) (any, error) { return wire.Entry(e), nil }

func (s *Server) listAccounts(w http.ResponseWriter, r *http.Request, _ *Call) error {
	q := r.URL.Query()
	n, err := limit(r)
	if err != nil {
		return err
	}
	f := ledger.BalanceFilter{Prefix: q.Get("prefix"), Currency: q.Get("currency"), Limit: n}
	if c := q.Get("after"); c != "" {
		parts, err := program.DecodeCursor(c, 2)
		if err != nil {
			return err
		}
		f.After = ledger.BalanceKey{Account: parts[0], Currency: parts[1]}
	}
	bals, err := s.cfg.Store.BalancesFiltered(r.Context(), f)
	if err != nil {
		return err
	}
	out := wire.BalanceListJSON{Balances: []wire.BalanceJSON{}}
	for _, b := range bals {
		out.Balances = append(out.Balances, wire.Balance(b))
	}
	if len(bals) == n {
		last := bals[len(bals)-1]
		out.Next = program.EncodeCursor(last.Account, last.Currency)
	}
	writeJSON(w, http.StatusOK, out)
	return nil
}

func (s *Server) getAccount(w http.ResponseWriter, r *http.Request, c *Call) error {
	account := r.PathValue("account")
	if err := ledger.ValidateAccount(account); err != nil {
		return err
	}
	if err := scope(c, account); err != nil {
		return err
	}
	bals, err := s.cfg.Store.AccountBalances(r.Context(), account)
	if err != nil {
		return err
	}
	out := wire.AccountJSON{Account: account, External: ledger.IsExternal(account), Balances: []wire.BalanceJSON{}}
	for _, b := range bals {
		out.Balances = append(out.Balances, wire.Balance(b))
	}
	writeJSON(w, http.StatusOK, out)
	return nil
}

func parseTime(q, name string) (time.Time, error) {
	if q == "" {
		return time.Time{}, nil
	}
	t, err := time.Parse(time.RFC3339Nano, q)
	if err != nil {
		return time.Time{}, errcode.Errorf(ErrQuery, "%s=%q; want an RFC 3339 time such as 2026-11-22T12:00:00Z", name, q)
	}
	return t, nil
}

// journalFilter reads a journal query's account, after, since and until,
// at most n entries; a payee token must name one of its own accounts
// (what says what the route does with them, for the refusal).
func journalFilter(r *http.Request, c *Call, n int, what string) (ledger.JournalFilter, error) {
	q := r.URL.Query()
	f := ledger.JournalFilter{Account: q.Get("account"), Limit: n}
	if c.Token.Role == auth.Payee {
		if f.Account == "" {
			return f, errcode.Errorf(auth.ErrForbidden, "a payee token %s of its own accounts: add account=…", what)
		}
		if err := scope(c, f.Account); err != nil {
			return f, err
		}
	}
	var err error
	if a := q.Get("after"); a != "" {
		if f.After, err = strconv.ParseUint(a, 10, 64); err != nil {
			return f, errcode.Errorf(ErrQuery, "after=%q; want a sequence number", a)
		}
	}
	if f.Since, err = parseTime(q.Get("since"), "since"); err != nil {
		return f, err
	}
	f.Until, err = parseTime(q.Get("until"), "until")
	return f, err
}

func (s *Server) listEntries(w http.ResponseWriter, r *http.Request, c *Call) error {
	n, err := limit(r)
	if err != nil {
		return err
	}
	f, err := journalFilter(r, c, n, "lists entries")
	if err != nil {
		return err
	}
	ents, err := s.cfg.Store.JournalFiltered(r.Context(), f)
	if err != nil {
		return err
	}
	out := wire.EntryListJSON{Entries: []wire.EntryJSON{}}
	for _, e := range ents {
		out.Entries = append(out.Entries, wire.Entry(ownPostings(c.Token, e)))
	}
	if len(ents) == n {
		out.Next = strconv.FormatUint(ents[len(ents)-1].Seq, 10)
	}
	writeJSON(w, http.StatusOK, out)
	return nil
}

// ownPostings keeps, for a payee token, only the postings of an entry
// that move its own money (from or to one of its accounts), each with its
// explanation path: a payee learns what it was paid and why, not what its
// co-payees were paid or what the buyer spent. Other tokens see the entry
// whole.
func ownPostings(tok auth.Token, e ledger.Entry) ledger.Entry {
	if tok.Role != auth.Payee {
		return e
	}
	own := make([]ledger.Posting, 0, len(e.Postings))
	for _, p := range e.Postings {
		if tok.MayAct(p.From) || tok.MayAct(p.To) {
			own = append(own, p)
		}
	}
	e.Postings = own
	return e
}

func (s *Server) getEntry(w http.ResponseWriter, r *http.Request, _ *Call) error {
	seq, err := strconv.ParseUint(r.PathValue("seq"), 10, 64)
	if err != nil {
		return errcode.Errorf(ErrQuery, "entry %q: want a sequence number", r.PathValue("seq"))
	}
	e, err := s.cfg.Store.EntryBySeq(r.Context(), seq)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, wire.Entry(e))
	return nil
}

func (s *Server) getEntryByKey(w http.ResponseWriter, r *http.Request, _ *Call) error {
	e, err := s.cfg.Store.EntryByKey(r.Context(), r.PathValue("key"))
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, wire.Entry(e))
	return nil
}

func (s *Server) createEntry(w http.ResponseWriter, r *http.Request, c *Call) error {
	key, req, err := readWrite[wire.EntryRequest](s, r, c)
	if err != nil {
		return err
	}
	ps, err := s.fromPostings(req.Postings)
	if err != nil {
		return err
	}
	if err := moneyLeaves(c, ps); err != nil {
		return err
	}
	return s.apply(w, r, engine.Transfer(key, c.Now, ps), http.StatusCreated, entryBody)
}

func (s *Server) createEntries(w http.ResponseWriter, r *http.Request, c *Call) error {
	var req wire.BatchRequest
	if err := decode(r, &req); err != nil {
		return err
	}
	if len(req.Entries) == 0 {
		return errcode.Errorf(ErrBadRequest, "batch has no entries; send 1 to %d", BatchMax)
	}
	if len(req.Entries) > BatchMax {
		return errcode.Errorf(engine.ErrBatchMax, "batch has %d entries; send at most %d", len(req.Entries), BatchMax)
	}
	out := wire.BatchResponse{Results: make([]wire.BatchResult, len(req.Entries))}
	ops := make([]engine.Op, 0, len(req.Entries))
	index := make([]int, 0, len(req.Entries))
	for i, it := range req.Entries {
		out.Results[i].Key = it.Key
		ps, err := s.fromPostings(it.Postings)
		if err == nil {
			err = s.checkPlatformKey(it.Key)
		}
		if err == nil {
			err = moneyLeaves(c, ps)
		}
		if err != nil {
			e := toErrorJSON(err)
			out.Results[i].Status, out.Results[i].Error = "refused", &e
			continue
		}
		ops = append(ops, engine.Transfer(it.Key, c.Now, ps))
		index = append(index, i)
	}
	res, err := s.applyBatch(r, ops)
	if err != nil {
		return err
	}
	created := 0
	for j, rr := range res {
		br := &out.Results[index[j]]
		switch {
		case rr.Err != nil:
			e := toErrorJSON(rr.Err)
			br.Status, br.Error = "refused", &e
		case rr.Replayed:
			ent := wire.Entry(rr.Entry)
			br.Status, br.Entry = "replayed", &ent
		default:
			ent := wire.Entry(rr.Entry)
			br.Status, br.Entry = "created", &ent
			created++
		}
	}
	if created > 0 {
		s.metrics.committed.Add(float64(created))
		if !s.storeWakes {
			s.committed()
		}
	}
	writeJSON(w, http.StatusOK, out)
	return nil
}

// applyBatch runs a batch request's operations, in the server's commit
// group when there is one, so that concurrent batches share a commit as
// single writes do; each keeps its own results either way.
func (s *Server) applyBatch(r *http.Request, ops []engine.Op) ([]engine.Result, error) {
	if s.cfg.Group != nil {
		return s.cfg.Group.ApplyBatch(r.Context(), ops)
	}
	return s.cfg.Engine.Apply(r.Context(), ops)
}

// ErrDirectPayout refuses a direct entry that pays money out of the
// ledger for a token that is not admin.
var ErrDirectPayout = errcode.New(errcode.Forbidden, "direct_payout_forbidden", "money leaves internal accounts through withdrawals; a direct entry into an external account is for admin tokens")

// moneyLeaves refuses, for every token but admin, a direct entry with a
// posting from an internal account into an external one: money leaves
// the ledger through withdrawals, which reserve first, respect minimums
// and are posted or voided by the platform. An admin's direct entry is
// the correction of last resort (a chargeback, a write-off).
func moneyLeaves(c *Call, ps []ledger.Posting) error {
	if c.Token.Role == auth.Admin {
		return nil
	}
	for i, p := range ps {
		if !ledger.IsExternal(p.From) && ledger.IsExternal(p.To) {
			return errcode.Errorf(ErrDirectPayout, "posting %d pays %s out to %s: money leaves internal accounts through POST /v1/withdrawals; a direct entry into an external account needs an admin token", i, p.From, p.To)
		}
	}
	return nil
}

// withdrawalFromEntry rebuilds a withdrawal as its request entry left it:
// pending.
func withdrawalFromEntry(e ledger.Entry) wire.WithdrawalJSON {
	p := e.Postings[0]
	return wire.Withdrawal(ledger.Withdrawal{ID: e.Ref, Account: p.From, Destination: p.To, Currency: p.Currency, Amount: p.Amount, State: ledger.WithdrawalPending, Created: e.Time, RequestSeq: e.Seq})
}

func (s *Server) requestWithdrawal(w http.ResponseWriter, r *http.Request, c *Call) error {
	key, req, err := readWrite[wire.WithdrawalRequest](s, r, c)
	if err != nil {
		return err
	}
	if err := ledger.ValidateAccount(req.Account); err != nil {
		return err
	}
	if err := scope(c, req.Account); err != nil {
		return err
	}
	if strings.HasPrefix(key, payout.LinePrefix) {
		return errcode.Errorf(payout.ErrLineReserved, "idempotency key %q starts with %q, which names payout batch lines (a withdrawal's ID is its key); use another key", key, payout.LinePrefix)
	}
	amt, err := s.amount(req.Amount, req.Currency)
	if err != nil {
		return err
	}
	if amt.IsZero() {
		return errcode.Errorf(ledger.ErrPosting, "withdrawal amount is zero; want at least one base unit")
	}
	if req.Destination != "" {
		if err := ledger.ValidateAccount(req.Destination); err != nil {
			return err
		}
	}
	dest, err := s.withdrawalDestination(r, c, req.Account, req.Destination)
	if err != nil {
		// A retry of a withdrawal requested before its account had to have
		// a registered destination (a store from an earlier build) goes to
		// the engine as it was sent: it replays, or its key conflicts.
		if !errors.Is(err, payout.ErrDestinationMissing) {
			return err
		}
		if _, lookErr := s.cfg.Store.EntryByKey(r.Context(), key); lookErr != nil {
			return err
		}
		dest = req.Destination
	}
	req.Destination = dest
	// A request answers as its own entry left the withdrawal, so that a
	// replay after the withdrawal resolved still answers as the first time.
	return s.apply(w, r, engine.WithdrawalRequest(key, c.Now, req.Account, req.Destination, req.Currency, amt), http.StatusCreated, func(e ledger.Entry) (any, error) {
		return withdrawalFromEntry(e), nil
	})
}

// withdrawalDestination decides where a withdrawal from account goes. A
// payee's goes to the account's registered destination and nowhere else:
// a payee token that leaked must not be able to send the money elsewhere.
// An admin may name any external account; without one, the registered
// destination (or the default rail) receives it. The destination is read
// before the withdrawal's transaction: a change that commits meanwhile
// orders after the request, which still goes where was registered.
func (s *Server) withdrawalDestination(r *http.Request, c *Call, account, asked string) (string, error) {
	d, err := payout.ReadDestination(storeView{s: s.cfg.Store, r: r, program: payout.Program}, account)
	registered := err == nil
	if err != nil && !errors.Is(err, payout.ErrDestinationMissing) {
		return "", err
	}
	if c.Token.Role != auth.Payee {
		if asked == "" && registered {
			return d.PayTo(), nil
		}
		return asked, nil
	}
	if !registered {
		return "", err
	}
	if asked != "" && asked != d.PayTo() && asked != d.Destination {
		return "", errcode.Errorf(payout.ErrDestinationOther, "%s withdraws to its registered destination %s only; an admin or configurator changes it", account, d.Destination)
	}
	return d.PayTo(), nil
}

func (s *Server) resolveWithdrawal(w http.ResponseWriter, r *http.Request, c *Call, post bool) error {
	key, err := s.idempotencyKey(r, c)
	if err != nil {
		return err
	}
	id, err := s.withdrawalID(r, c)
	if err != nil {
		return err
	}
	if strings.HasPrefix(id, payout.LinePrefix) {
		// Posted or voided here, a line would leave its batch's counts
		// wrong, and a voided on-chain line could still be claimed.
		return errcode.Errorf(payout.ErrLineReserved, "withdrawal %q is a payout batch line: it is resolved through its batch (results, claims, cancel)", id)
	}
	if c.Token.Role == auth.Payee {
		wd, err := s.cfg.Store.Withdrawal(r.Context(), id)
		if err != nil {
			return err
		}
		if err := scope(c, wd.Account); err != nil {
			return err
		}
	}
	// A resolved withdrawal never changes again, so answering with the
	// stored record answers every replay exactly as the first time.
	return s.apply(w, r, engine.WithdrawalResolve(key, c.Now, id, post), http.StatusCreated, func(ledger.Entry) (any, error) {
		wd, err := s.cfg.Store.Withdrawal(r.Context(), id)
		if err != nil {
			return nil, err
		}
		return wire.Withdrawal(wd), nil
	})
}

func (s *Server) postWithdrawal(w http.ResponseWriter, r *http.Request, c *Call) error {
	return s.resolveWithdrawal(w, r, c, true)
}

func (s *Server) voidWithdrawal(w http.ResponseWriter, r *http.Request, c *Call) error {
	return s.resolveWithdrawal(w, r, c, false)
}

func (s *Server) getWithdrawal(w http.ResponseWriter, r *http.Request, c *Call) error {
	id, err := s.withdrawalID(r, c)
	if err != nil {
		return err
	}
	wd, err := s.cfg.Store.Withdrawal(r.Context(), id)
	if err != nil {
		return err
	}
	if err := scope(c, wd.Account); err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, wire.Withdrawal(wd))
	return nil
}

func (s *Server) listWithdrawals(w http.ResponseWriter, r *http.Request, c *Call) error {
	q := r.URL.Query()
	n, err := limit(r)
	if err != nil {
		return err
	}
	f := ledger.WithdrawalFilter{Account: q.Get("account"), Limit: n}
	if c.Token.Role == auth.Payee {
		if f.Account == "" {
			return errcode.Errorf(auth.ErrForbidden, "a payee token lists withdrawals of its own accounts: add account=…")
		}
		if err := scope(c, f.Account); err != nil {
			return err
		}
	}
	if a := q.Get("after"); a != "" {
		parts, err := program.DecodeCursor(a, 1)
		if err != nil {
			return err
		}
		f.After = parts[0]
	}
	switch st := q.Get("state"); st {
	case "":
	case "pending":
		f.State = ledger.WithdrawalPending
	case "posted":
		f.State = ledger.WithdrawalPosted
	case "voided":
		f.State = ledger.WithdrawalVoided
	default:
		return errcode.Errorf(ErrQuery, "state=%q; want pending, posted or voided", st)
	}
	ws, err := s.cfg.Store.Withdrawals(r.Context(), f)
	if err != nil {
		return err
	}
	out := wire.WithdrawalListJSON{Withdrawals: []wire.WithdrawalJSON{}}
	for _, wd := range ws {
		out.Withdrawals = append(out.Withdrawals, wire.Withdrawal(wd))
	}
	if len(ws) == n {
		out.Next = program.EncodeCursor(ws[len(ws)-1].ID)
	}
	writeJSON(w, http.StatusOK, out)
	return nil
}

func (s *Server) getWithdrawalMinimum(w http.ResponseWriter, r *http.Request, _ *Call) error {
	cur := r.PathValue("currency")
	if _, err := s.cfg.Currencies.Lookup(cur); err != nil {
		return err
	}
	minimum, _, err := engine.WithdrawalMinimum(s.view(r, ""), cur)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, wire.MinimumJSON{Currency: cur, Amount: wire.Amount(minimum.String())})
	return nil
}

func (s *Server) putWithdrawalMinimum(w http.ResponseWriter, r *http.Request, c *Call) error {
	key, req, err := readWrite[wire.MinimumRequest](s, r, c)
	if err != nil {
		return err
	}
	cur := r.PathValue("currency")
	minimum, err := s.amount(req.Amount, cur)
	if err != nil {
		return err
	}
	// The amount as parsed, not as sent: "0100" and "100" are the same
	// request (the operation's hash is of the amount), so a replay of
	// either must answer what the first answered.
	return s.apply(w, r, engine.SetWithdrawalMinimum(key, c.Now, cur, minimum, s.cfg.Currencies), http.StatusOK, func(ledger.Entry) (any, error) {
		return wire.MinimumJSON{Currency: cur, Amount: wire.Amount(minimum.String())}, nil
	})
}
