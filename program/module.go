// Package program is the contract a revenue-sharing program plugs into
// Tributary with. A program declares, once and in its own folder, a Module:
// its name, its typed routes (method, path, request and answer types, the
// roles allowed, how a request becomes an engine operation and how it is
// answered), its error codes and its state keys. The HTTP API, the Go
// client, the command line and the OpenAPI document are all built by
// looping over the registered modules (package programs holds the
// registry).
//
// The package is pure, like the programs: a route's handler turns a
// decoded request into an operation or an answer, reading program state
// through an engine.View; it never touches HTTP. Anything else a handler
// needs from outside (a chain's facts, say) comes through an interface the
// program declares and the server passes in, and reaches the operation's
// rule as plain input, so that the rule stays a function of its inputs.
package program

import (
	"context"
	"fmt"
	"reflect"
	"strings"
	"time"

	"github.com/tributary-ledger/tributary/auth"
	"github.com/tributary-ledger/tributary/engine"
	"github.com/tributary-ledger/tributary/errcode"
	"github.com/tributary-ledger/tributary/ledger"
	"github.com/tributary-ledger/tributary/money"
)

// Module is everything a program declares.
type Module struct {
	// Name is the program's name: the namespace of its state, the segment
	// of its routes (/v1/<name>/…) and its command (tributary <name>).
	Name string
	// Title names the program for people, e.g. "Fee share".
	Title string
	// Docs is the program's documentation in Markdown: a paragraph on
	// what it does, then one section per route, headed "## ID: summary"
	// (see ParseDocs). Programs embed it from a file beside their code,
	// where prose with code spans reads better than in Go strings.
	Docs string
	// Routes are the program's HTTP routes.
	Routes []Route
	// Errors are the codes the program declares.
	Errors []*errcode.Error
	// State lists the keys the program keeps its state under.
	State []StateKey
	// Keys are prefixes of idempotency keys the program writes under
	// itself, whatever key the request came with (one settlement per
	// epoch, say): the API refuses them from a platform, which could
	// otherwise take such a key first and block the program's write.
	Keys []string
	// Verify, when set, recomputes what the program stored (statements,
	// batches) from its inputs and the journal, for `tributary verify`;
	// it answers an error of its own only when it could not read.
	Verify func(r Records) (VerifyReport, error)
}

// VerifyReport is what a program's Verify checked and found.
type VerifyReport struct {
	// What names the records checked, in the plural ("usage statements").
	What    string
	Checked int
	// Mismatches holds one error per record that does not match, each
	// with a stable code.
	Mismatches []error
}

// Records is what a program's verification reads, outside any
// transaction: its committed state (the View's State, and List by key
// prefix), withdrawals, and entries of the journal.
type Records interface {
	engine.View
	// List returns the state records whose keys start with prefix, after
	// the key after, at most limit of them, in key order.
	List(prefix, after string, limit int) ([]engine.StateValue, error)
	// EntryByKey and EntryBySeq return a journal entry (ledger.ErrNotFound
	// when there is none).
	EntryByKey(key string) (ledger.Entry, error)
	EntryBySeq(seq uint64) (ledger.Entry, error)
}

// StateKey documents one kind of state key a program writes.
type StateKey struct {
	Pattern string // e.g. "asset/{id}"
	Holds   string // what the value is
}

// Route is one HTTP route of a program.
type Route struct {
	Method string // GET, POST, PUT or DELETE
	// Path is a net/http pattern, e.g. /v1/market/assets/{id}.
	Path string
	// ID is the OpenAPI operationId and the Go client's method name
	// (setMarketAssetRoyalty → SetMarketAssetRoyalty).
	ID string
	// Roles may call the route; nil means no token is needed.
	Roles []auth.Role
	// TokenOptional marks a route that needs no token but judges one
	// when it is sent (a fee-share write signed by the deployer, or sent
	// by an admin on its behalf): Call.Token is then the caller's.
	TokenOptional bool
	// Params are the path and query parameters.
	Params []Param
	// Status answers success: 200 when zero, or Created for a write
	// that creates.
	Status int
	// Handler reads the request and makes the answer.
	Handler Handler
}

// Created is the status of a write that creates what it names.
const Created = 201

// Param is a path or query parameter.
type Param struct {
	Name string
	In   string // "path" or "query"
	Doc  string
	// Example shows the parameter's type and a value (a string, a
	// uint64); the document's schema is reflected from its type.
	Example any
	// Schema, when set, names a shared schema (a component) instead.
	Schema string
}

// PathParam declares a path parameter.
func PathParam(name, doc string, example any) Param {
	return Param{Name: name, In: "path", Doc: doc, Example: example}
}

// QueryParam declares a query parameter.
func QueryParam(name, doc string, example any) Param {
	return Param{Name: name, In: "query", Doc: doc, Example: example}
}

// Call is what a handler knows about the request and the server. The API
// implements it.
type Call interface {
	// Context is the request's.
	Context() context.Context
	// Token is the caller's, or the zero token on a route that needs none.
	Token() auth.Token
	// Now is the request's time, passed to operations.
	Now() time.Time
	// Key is a write's Idempotency-Key (checked already).
	Key() string
	// Path returns a path parameter; Query a query parameter ("" when
	// absent).
	Path(name string) string
	Query(name string) string
	// View reads the module's program state, outside any transaction, for
	// reads and for the checks a handler makes before submitting an
	// operation (which reads again, locked, in its own transaction).
	View() engine.View
	// List reads the module's state records whose keys start with
	// prefix and sort after after, in key order, at most limit of them:
	// the pages of a list.
	List(prefix, after string, limit int) ([]engine.StateValue, error)
	// Currencies are the server's.
	Currencies() *money.Registry
	// Balances reads committed balances, a page at a time (f's Limit,
	// after f's After): what a payout batch selects from.
	Balances(f ledger.BalanceFilter) ([]ledger.Balance, error)
}

// Handler is a route's handler, made by Read or Write, which keep the
// request and answer types for the document and the client.
type Handler struct {
	// Body is the request body's type; nil when the route reads none.
	Body reflect.Type
	// Answer is the success answer's type.
	Answer reflect.Type
	// Write marks a write: it needs an Idempotency-Key and applies an
	// operation.
	Write bool
	// RawBody marks a handler that takes the body's bytes as they are
	// (a document it parses itself); Body is then the document's type.
	RawBody bool
	// RawAnswer marks a read answering JSON bytes made already (Raw);
	// Answer is then the document's type.
	RawAnswer bool
	// ContentType is the answer's; "" is application/json.
	ContentType string
	// Plain marks a system route (liveness, metrics, the document) that
	// answers no refusal of its own.
	Plain bool
	// Serve makes the reply; body is a pointer to a decoded Body, or nil.
	Serve func(c Call, body any) (Reply, error)
}

// Reply is a handler's result: an answer to write (a read), or an
// operation to apply and how to answer once it is applied (a write).
type Reply struct {
	// Answer is a read's answer. A Raw answer is written as it is.
	Answer any
	// Op is a write's operation.
	Op engine.Op
	// FromEntry makes a write's answer from the entry the operation
	// committed (or the one it replays) and what the request said. It must
	// answer the same for the same entry, so that a replay answers as the
	// first request did.
	FromEntry func(ledger.Entry) (any, error)
	// Record, for a write whose answer reads program state, makes the
	// answer from the state as the operation leaves it, inside the
	// operation's transaction; the API records it with the change, and a
	// replay answers the recorded bytes. Then, when set, completes the
	// answer from the recorded bytes and the entry (for what only the
	// commit knows, such as its sequence number).
	Record func(engine.View) (any, error)
	Then   func(recorded []byte, e ledger.Entry) (any, error)
}

// Raw is an answer that is JSON already, written as it is (a canonical
// export whose bytes are part of its contract).
type Raw []byte

// NoBody is the body type of a write that reads no body.
type NoBody struct{}

// RawBody is the body of a write that takes its body's bytes as they are
// (a document it parses itself): see WriteRaw.
type RawBody []byte

var noBodyType = reflect.TypeFor[NoBody]()

// Read makes the handler of a route that reads: no body, no operation.
func Read[A any](fn func(Call) (A, error)) Handler {
	return Handler{Answer: reflect.TypeFor[A](), Serve: func(c Call, _ any) (Reply, error) {
		a, err := fn(c)
		if err != nil {
			return Reply{}, err
		}
		return Reply{Answer: a}, nil
	}}
}

// ReadRaw makes the handler of a read that answers JSON bytes made
// already (a canonical export), documented as a D.
func ReadRaw[D any](fn func(Call) (Raw, error)) Handler {
	h := Read(fn)
	h.Answer, h.RawAnswer = reflect.TypeFor[D](), true
	return h
}

// WriteRaw makes the handler of a write that takes its body's bytes as
// they are, documented as a D.
func WriteRaw[D, A any](fn func(Call, RawBody) (Effect[A], error)) Handler {
	h := Write(fn)
	h.Body, h.RawBody = reflect.TypeFor[D](), true
	return h
}

// Describe is the handler of a route the API serves itself (the core's),
// for the document: a body of type B (NoBody for none), an answer of type
// A; it serves nothing.
func Describe[B, A any](write bool) Handler {
	h := Handler{Body: reflect.TypeFor[B](), Answer: reflect.TypeFor[A](), Write: write}
	if h.Body == noBodyType {
		h.Body = nil
	}
	return h
}

// Write makes the handler of a write with a body of type B (NoBody for
// none) answering an A.
func Write[B, A any](fn func(Call, B) (Effect[A], error)) Handler {
	h := Handler{Body: reflect.TypeFor[B](), Answer: reflect.TypeFor[A](), Write: true}
	if h.Body == noBodyType {
		h.Body = nil
	}
	h.Serve = func(c Call, body any) (Reply, error) {
		var b B
		if p, ok := body.(*B); ok {
			b = *p
		}
		eff, err := fn(c, b)
		return eff.reply, err
	}
	return h
}

// Effect is what a write applies and how it answers, typed by its answer.
type Effect[A any] struct{ reply Reply }

// Answer applies op and answers what fn makes of the entry (see
// Reply.FromEntry).
func Answer[A any](op engine.Op, fn func(ledger.Entry) (A, error)) Effect[A] {
	return Effect[A]{Reply{Op: op, FromEntry: func(e ledger.Entry) (any, error) { return fn(e) }}}
}

// Record applies op and answers what fn reads of the state the operation
// leaves, recorded with the change (see Reply.Record).
func Record[A any](op engine.Op, fn func(engine.View) (A, error)) Effect[A] {
	return Effect[A]{Reply{Op: op, Record: func(v engine.View) (any, error) { return fn(v) }}}
}

// RecordThen is Record for an answer that also names what only the commit
// knows: record reads an R of the state, recorded; then makes the answer of
// the recorded R and the entry.
func RecordThen[R, A any](op engine.Op, record func(engine.View) (R, error), then func(R, ledger.Entry) (A, error)) Effect[A] {
	return Effect[A]{Reply{Op: op, Record: func(v engine.View) (any, error) { return record(v) }, Then: func(raw []byte, e ledger.Entry) (any, error) {
		r, err := decodeRecorded[R](raw)
		if err != nil {
			return nil, err
		}
		return then(r, e)
	}}}
}

// RouteDoc is a route's documentation.
type RouteDoc struct {
	Summary string
	Text    string
	// Payee says what a payee token may do, when the route allows one.
	Payee string
	// Body describes the request body; Answer the success answer.
	Body, Answer string
}

// ParseDocs reads a module's Docs: the leading paragraphs, and each
// route's section by its ID. In a section, a paragraph that begins
// "Payee: " says what a payee token may do on the route, "Body: " what the
// request body is, and "Answer: " what the success answer is.
//
// Errors: a section heading that is not "## ID: summary", or an ID twice.
func ParseDocs(md string) (lead string, routes map[string]RouteDoc, err error) {
	routes = map[string]RouteDoc{}
	parts := strings.Split("\n"+md, "\n## ")
	lead = strings.TrimSpace(parts[0])
	for _, sec := range parts[1:] {
		head, body, _ := strings.Cut(sec, "\n")
		id, summary, ok := strings.Cut(head, ": ")
		if !ok || id == "" || strings.ContainsAny(id, " \t") {
			return "", nil, fmt.Errorf("docs: heading %q is not \"## ID: summary\"", head)
		}
		if _, dup := routes[id]; dup {
			return "", nil, fmt.Errorf("docs: route %s has two sections", id)
		}
		d := RouteDoc{Summary: strings.TrimSpace(summary)}
		var text []string
		for _, p := range strings.Split(strings.TrimSpace(body), "\n\n") {
			if rest, ok := strings.CutPrefix(p, "Payee: "); ok {
				d.Payee = rest
				continue
			}
			if rest, ok := strings.CutPrefix(p, "Body: "); ok {
				d.Body = rest
				continue
			}
			if rest, ok := strings.CutPrefix(p, "Answer: "); ok {
				d.Answer = rest
				continue
			}
			text = append(text, p)
		}
		d.Text = strings.Join(text, "\n\n")
		routes[id] = d
	}
	return lead, routes, nil
}
