package api

import (
	"net/http"

	"github.com/tributary-ledger/tributary/errcode"
	"github.com/tributary-ledger/tributary/wire"
)

// Errors of the HTTP layer itself.
var (
	ErrBadRequest   = errcode.New(errcode.Invalid, "bad_request", "request is malformed")
	ErrBodyTooLarge = errcode.New(errcode.TooLarge, "body_too_large", "request body is too large")
	ErrKeyMissing   = errcode.New(errcode.Invalid, "idempotency_key_missing", "writes need an Idempotency-Key header")
	ErrQuery        = errcode.New(errcode.Invalid, "query_invalid", "query parameter is invalid")
	ErrRouteUnknown = errcode.New(errcode.NotFound, "route_unknown", "no such route")
	ErrMethod       = errcode.New(errcode.NotAllowed, "method_not_allowed", "method not allowed on this route")
	ErrUnavailable  = errcode.New(errcode.Unavailable, "unavailable", "the store is busy; retry")
)

// status maps an error to its HTTP status, in one place, by its kind
// (errcode.Kind): input that cannot be read is 400; input that reads but
// breaks a rule is 422; a clash with what is stored is 409.
func status(err error) int {
	return KindStatus(errcode.KindOf(err))
}

// KindStatus is the HTTP status that answers a refusal of kind k.
func KindStatus(k errcode.Kind) int {
	if int(k) < len(kindStatus) {
		return kindStatus[k]
	}
	return http.StatusInternalServerError
}

var kindStatus = [...]int{
	errcode.Internal:        http.StatusInternalServerError,
	errcode.Invalid:         http.StatusBadRequest,
	errcode.Unauthenticated: http.StatusUnauthorized,
	errcode.Forbidden:       http.StatusForbidden,
	errcode.NotFound:        http.StatusNotFound,
	errcode.NotAllowed:      http.StatusMethodNotAllowed,
	errcode.Conflict:        http.StatusConflict,
	errcode.TooLarge:        http.StatusRequestEntityTooLarge,
	errcode.Unprocessable:   http.StatusUnprocessableEntity,
	errcode.Unavailable:     http.StatusServiceUnavailable,
	errcode.Broken:          http.StatusInternalServerError,
}

func toErrorJSON(err error) wire.ErrorJSON {
	code, msg := errcode.Code(err), err.Error()
	if code == errcode.InternalCode {
		// Operating failures stay in the log; the client learns only that
		// the server failed, not the server's internals.
		msg = "internal error; the request may be retried with the same Idempotency-Key"
	}
	return wire.ErrorJSON{Code: code, Message: msg}
}
