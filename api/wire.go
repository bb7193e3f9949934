package api

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"

	"github.com/tributary-ledger/tributary/errcode"
	"github.com/tributary-ledger/tributary/ledger"
	"github.com/tributary-ledger/tributary/money"
	"github.com/tributary-ledger/tributary/wire"
)

// readWrite reads what every JSON write starts with: its Idempotency-Key
// header, then its body as a T.
func readWrite[T any](s *Server, r *http.Request, c *Call) (string, T, error) {
	var body T
	key, err := s.idempotencyKey(r, c)
	if err != nil {
		return "", body, err
	}
	return key, body, decode(r, &body)
}

// decode reads exactly one JSON object into v, refusing unknown fields,
// wrong types, trailing data and bodies over the server's limit.
func decode(r *http.Request, v any) error { return decodeFrom(r.Body, v) }

// decodeFrom reads one JSON object from body into v with encoding/json.
func decodeFrom(body io.Reader, v any) error {
	dec := json.NewDecoder(body)
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		var tooBig *http.MaxBytesError
		var typeErr *json.UnmarshalTypeError
		var syntaxErr *json.SyntaxError
		switch {
		case errors.As(err, &tooBig):
			return errcode.Errorf(ErrBodyTooLarge, "request body is over %d bytes", tooBig.Limit)
		case errors.Is(err, io.EOF):
			return errcode.Errorf(ErrBadRequest, "request body is empty; want a JSON object")
		case errors.As(err, &typeErr):
			return errcode.Errorf(ErrBadRequest, "field %q is a JSON %s; want %s (amounts are strings of base units)", typeErr.Field, typeErr.Value, typeErr.Type)
		case errors.As(err, &syntaxErr):
			return errcode.Errorf(ErrBadRequest, "request body is not valid JSON at byte %d: %v", syntaxErr.Offset, err)
		case strings.HasPrefix(err.Error(), "json: unknown field"):
			return errcode.Errorf(ErrBadRequest, "%s; see /v1/openapi.json for the allowed fields", strings.TrimPrefix(err.Error(), "json: "))
		}
		// A Go error from a field's UnmarshalText keeps its code.
		if errcode.Code(err) != errcode.InternalCode {
			return err
		}
		return errcode.Errorf(ErrBadRequest, "request body: %v", err)
	}
	if dec.More() {
		return errcode.Errorf(ErrBadRequest, "request body has data after the JSON object")
	}
	if _, err := dec.Token(); err != io.EOF {
		var tooBig *http.MaxBytesError
		if errors.As(err, &tooBig) {
			return errcode.Errorf(ErrBodyTooLarge, "request body is over %d bytes", tooBig.Limit)
		}
		return errcode.Errorf(ErrBadRequest, "request body has data after the JSON object")
	}
	return nil
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	enc := json.NewEncoder(w)
	_ = enc.Encode(v)
}

// fromPostings converts wire postings, checking amounts and currencies.
func (s *Server) fromPostings(ps []wire.PostingJSON) ([]ledger.Posting, error) {
	if len(ps) > PostingsMax {
		return nil, errcode.Errorf(ledger.ErrPostingsMax, "entry has %d postings; at most %d are accepted over HTTP", len(ps), PostingsMax)
	}
	out := make([]ledger.Posting, len(ps))
	for i, p := range ps {
		a, err := s.amount(p.Amount, p.Currency)
		if err != nil {
			return nil, errcode.Errorf(errorOf(err), "posting %d: %v", i, err)
		}
		out[i] = ledger.Posting{From: p.From, To: p.To, Currency: p.Currency, Amount: a, Path: p.Path}
	}
	return out, nil
}

// amount parses base units after checking the currency is known.
func (s *Server) amount(a wire.Amount, currency string) (money.Amount, error) {
	if _, err := s.cfg.Currencies.Lookup(currency); err != nil {
		return money.Zero, err
	}
	v, err := money.ParseUnits(string(a))
	if err != nil {
		return money.Zero, fmt.Errorf("amount: %w", err)
	}
	return v, nil
}

// errorOf returns the sentinel behind err, so that a re-worded error keeps
// its code.
func errorOf(err error) *errcode.Error {
	var e *errcode.Error
	if errors.As(err, &e) {
		return e
	}
	return errInternal
}

// errInternal is the sentinel of an error that has no code.
var errInternal = errcode.Remote(errcode.Internal, errcode.InternalCode, "internal error")
