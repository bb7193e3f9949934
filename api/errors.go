package api

import (
	"errors"
	"net/http"

	"github.com/tributary-ledger/tributary/auth"
	"github.com/tributary-ledger/tributary/engine"
	"github.com/tributary-ledger/tributary/errcode"
	"github.com/tributary-ledger/tributary/ledger"
	"github.com/tributary-ledger/tributary/money"
	"github.com/tributary-ledger/tributary/program/collection"
	"github.com/tributary-ledger/tributary/program/market"
	"github.com/tributary-ledger/tributary/split"
	"github.com/tributary-ledger/tributary/splitbook"
	"github.com/tributary-ledger/tributary/wire"
)

// Errors of the HTTP layer itself.
var (
	ErrBadRequest   = errcode.New("bad_request", "request is malformed")
	ErrBodyTooLarge = errcode.New("body_too_large", "request body is too large")
	ErrKeyMissing   = errcode.New("idempotency_key_missing", "writes need an Idempotency-Key header")
	ErrQuery        = errcode.New("query_invalid", "query parameter is invalid")
	ErrRouteUnknown = errcode.New("route_unknown", "no such route")
	ErrMethod       = errcode.New("method_not_allowed", "method not allowed on this route")
	ErrUnavailable  = errcode.New("unavailable", "the store is busy; retry")
)

// status maps every error code to its HTTP status, in one place. Input that
// cannot be read is 400; input that reads but breaks a rule is 422; a clash
// with what is stored is 409.
func status(err error) int {
	// The fee-share and usage programs keep their tables beside their
	// routes; they answer only for their own codes.
	for _, program := range []func(error) (int, bool){feeshareStatus, usageStatus} {
		if st, ok := program(err); ok {
			return st
		}
	}
	switch {
	case errors.Is(err, ErrBadRequest), errors.Is(err, ErrKeyMissing), errors.Is(err, ErrQuery),
		errors.Is(err, money.ErrFormat), errors.Is(err, money.ErrNegative), errors.Is(err, money.ErrPrecision),
		errors.Is(err, ledger.ErrKey), errors.Is(err, ledger.ErrAccount), errors.Is(err, ledger.ErrPosting),
		errors.Is(err, auth.ErrRole), errors.Is(err, auth.ErrTokenAccounts), errors.Is(err, market.ErrID), errors.Is(err, collection.ErrID):
		return http.StatusBadRequest
	case errors.Is(err, auth.ErrUnauthenticated):
		return http.StatusUnauthorized
	case errors.Is(err, auth.ErrForbidden):
		return http.StatusForbidden
	case errors.Is(err, ledger.ErrNotFound), errors.Is(err, ErrRouteUnknown):
		return http.StatusNotFound
	case errors.Is(err, ErrMethod):
		return http.StatusMethodNotAllowed
	case errors.Is(err, ledger.ErrKeyConflict), errors.Is(err, ledger.ErrWithdrawalState),
		errors.Is(err, ledger.ErrWithdrawalExists), errors.Is(err, splitbook.ErrExists), errors.Is(err, market.ErrExists), errors.Is(err, collection.ErrExists):
		return http.StatusConflict
	case errors.Is(err, ErrBodyTooLarge), errors.Is(err, engine.ErrBatchMax), errors.Is(err, ledger.ErrPostingsMax):
		return http.StatusRequestEntityTooLarge
	case errors.Is(err, ledger.ErrOverdraft), errors.Is(err, ledger.ErrBalanceOverflow),
		errors.Is(err, money.ErrUnknownCurrency), errors.Is(err, money.ErrOverflow), errors.Is(err, money.ErrInsufficient),
		errors.Is(err, splitbook.ErrSplitsMax), errors.Is(err, engine.ErrWithdrawalMinimum), isSplitError(err), isProgramRefusal(err):
		return http.StatusUnprocessableEntity
	case errors.Is(err, engine.ErrRetry), errors.Is(err, ErrUnavailable):
		return http.StatusServiceUnavailable
	}
	return http.StatusInternalServerError
}

func isProgramRefusal(err error) bool {
	for _, e := range []*errcode.Error{collection.ErrConfig, collection.ErrPrice, collection.ErrPriceRule, collection.ErrEmpty,
		collection.ErrDuplicate, collection.ErrCurrency, collection.ErrTracksMax, collection.ErrTrackLimits, market.ErrConfig, market.ErrRoyalty, market.ErrAddress, market.ErrAmount, market.ErrSeller,
		market.ErrLicenseRevoked, market.ErrLicenseExpired, market.ErrLicenseUnderpay, market.ErrLicenseTerms, market.ErrCurrency} {
		if errors.Is(err, e) {
			return true
		}
	}
	return false
}

func isSplitError(err error) bool {
	for _, e := range []*errcode.Error{split.ErrEmpty, split.ErrReceiversMax, split.ErrReceiverInvalid, split.ErrShareZero,
		split.ErrSharesSum, split.ErrWeightsOverflow, split.ErrReceiverDuplicate, split.ErrIDInvalid, split.ErrIDDuplicate,
		split.ErrUnitInvalid, split.ErrUnknown, split.ErrCycle, split.ErrDepthMax, split.ErrPartsMax} {
		if errors.Is(err, e) {
			return true
		}
	}
	return false
}

func toErrorJSON(err error) wire.ErrorJSON {
	code, msg := errcode.Code(err), err.Error()
	if code == errcode.Internal {
		// Operating failures stay in the log; the client learns only that
		// the server failed, not the server's internals.
		msg = "internal error; the request may be retried with the same Idempotency-Key"
	}
	return wire.ErrorJSON{Code: code, Message: msg}
}
