// Package errcode holds Tributary's typed errors: a stable, machine-readable
// code, the kind of refusal it is, and a human message that says what was
// wrong and what is allowed.
//
// Codes only grow: once published, a code keeps its meaning and spelling, so
// clients may switch on it. Packages declare their codes as sentinel *Error
// values with New, which also registers them (All lists every code the
// build declares, for the tests and the documentation), and wrap them with
// Errorf so that both errors.Is and Code work on the wrapped error.
//
// The kind says what sort of refusal a code is — input that cannot be read,
// a rule broken, a clash with what is stored, something missing — and
// nothing about transports: the HTTP API maps each kind to a status in one
// function, so that a code's status is decided where the code is declared.
package errcode

import (
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"
)

// Kind is what sort of refusal an error is.
type Kind uint8

// Kinds. They only grow, like codes.
const (
	// Internal is a bug or an operating failure, not a refusal of the
	// caller's input; errors without a code have it.
	Internal Kind = iota
	// Invalid input cannot be read as what it should be: malformed JSON,
	// an amount that is not a number, an ID with characters it may not
	// have.
	Invalid
	// Unauthenticated: the caller did not say who it is, or not validly.
	Unauthenticated
	// Forbidden: the caller may not do this.
	Forbidden
	// NotFound: what the request names does not exist.
	NotFound
	// NotAllowed: the method is not one the route takes.
	NotAllowed
	// Conflict: the request clashes with what is stored (an ID taken, an
	// idempotency key used with another body, a state already left).
	Conflict
	// TooLarge: the request is over a size limit.
	TooLarge
	// Unprocessable: the input reads, but breaks a rule (an overdraft, a
	// split that does not sum, an unknown currency).
	Unprocessable
	// Unavailable: the service cannot do it now; the same request may be
	// retried later.
	Unavailable
	// Broken: the stored books fail a check they must pass; nothing the
	// caller sends can fix it.
	Broken
	kindEnd
)

var kindNames = [...]string{"internal", "invalid", "unauthenticated", "forbidden", "not_found", "not_allowed", "conflict", "too_large", "unprocessable", "unavailable", "broken"}

// String returns the kind's name, e.g. "not_found".
func (k Kind) String() string {
	if k < kindEnd {
		return kindNames[k]
	}
	return fmt.Sprintf("kind(%d)", k)
}

// Error is a refusal with a stable code. The zero value is not useful; build
// one with New.
type Error struct {
	kind Kind
	code string
	msg  string
}

var registry struct {
	sync.Mutex
	all []*Error
}

// New returns a sentinel error with the given kind, code and default
// message, and registers it. A code may be declared by more than one
// package (a private key and an idempotency key are both "key_invalid"),
// but always with one kind: a second kind panics at start-up, since the
// status a client sees for the code would depend on which package refused.
func New(kind Kind, code, msg string) *Error {
	e := &Error{kind: kind, code: code, msg: msg}
	registry.Lock()
	defer registry.Unlock()
	for _, o := range registry.all {
		if o.code == code && o.kind != kind {
			panic(fmt.Sprintf("errcode: %q declared as %s and as %s", code, o.kind, kind))
		}
	}
	registry.all = append(registry.all, e)
	return e
}

// Remote returns an error with a code that another process answered (the
// Go client's errors), without registering it.
func Remote(kind Kind, code, msg string) *Error { return &Error{kind: kind, code: code, msg: msg} }

// All returns every registered code, sorted by code (declarations of one
// code in several packages appear once each).
func All() []*Error {
	registry.Lock()
	out := slices.Clone(registry.all)
	registry.Unlock()
	slices.SortStableFunc(out, func(a, b *Error) int { return strings.Compare(a.code, b.code) })
	return out
}

// Error returns the message, prefixed by nothing: the code travels separately.
func (e *Error) Error() string { return e.msg }

// Code returns the stable code, for example "amount_precision".
func (e *Error) Code() string { return e.code }

// Kind returns what sort of refusal the code is.
func (e *Error) Kind() Kind { return e.kind }

// Errorf wraps sentinel with a detail message: the result's Error() is the
// detail alone (it should already say what is allowed) and errors.Is(result,
// sentinel) holds.
func Errorf(sentinel *Error, format string, args ...any) error {
	return &wrapped{sentinel: sentinel, msg: fmt.Sprintf(format, args...)}
}

type wrapped struct {
	sentinel *Error
	msg      string
}

func (w *wrapped) Error() string { return w.msg }
func (w *wrapped) Unwrap() error { return w.sentinel }

// WithKind returns err with its kind replaced and its code kept: the same
// code can be a different sort of refusal where it is answered. A
// participant that does not exist is Unprocessable when a report's body
// names it, but NotFound when it is the resource the URL names.
func WithKind(err error, kind Kind) error {
	if err == nil {
		return nil
	}
	return &rekinded{err: err, kind: kind}
}

type rekinded struct {
	err  error
	kind Kind
}

func (r *rekinded) Error() string { return r.err.Error() }
func (r *rekinded) Unwrap() error { return r.err }

// Code returns the code of the first *Error in err's chain, or "internal" when
// there is none: an error without a code is a bug or an operating failure, not
// a refusal of the caller's input.
func Code(err error) string {
	var e *Error
	if errors.As(err, &e) {
		return e.code
	}
	return InternalCode
}

// KindOf returns err's kind: the outermost WithKind's, else its code's,
// else Internal.
func KindOf(err error) Kind {
	var r *rekinded
	if errors.As(err, &r) {
		return r.kind
	}
	var e *Error
	if errors.As(err, &e) {
		return e.kind
	}
	return Internal
}

// InternalCode is the code reported for errors that carry no code of their
// own.
const InternalCode = "internal"
