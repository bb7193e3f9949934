// Package errcode holds Tributary's typed errors: a stable, machine-readable
// code plus a human message that says what was wrong and what is allowed.
//
// Codes only grow: once published, a code keeps its meaning and spelling, so
// clients may switch on it. Packages declare their codes as sentinel *Error
// values and wrap them with fmt.Errorf("%w: detail", ErrX) so that both
// errors.Is and Code work on the wrapped error.
package errcode

import (
	"errors"
	"fmt"
)

// Error is a refusal with a stable code. The zero value is not useful; build
// one with New.
type Error struct {
	code string
	msg  string
}

// New returns a sentinel error with the given code and default message.
func New(code, msg string) *Error { return &Error{code: code, msg: msg} }

// Error returns the message, prefixed by nothing: the code travels separately.
func (e *Error) Error() string { return e.msg }

// Code returns the stable code, for example "amount_precision".
func (e *Error) Code() string { return e.code }

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

// Code returns the code of the first *Error in err's chain, or "internal" when
// there is none: an error without a code is a bug or an operating failure, not
// a refusal of the caller's input.
func Code(err error) string {
	var e *Error
	if errors.As(err, &e) {
		return e.code
	}
	return Internal
}

// Internal is the code reported for errors that carry no code of their own.
const Internal = "internal"
