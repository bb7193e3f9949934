package api

import (
	"bytes"
	stdjson "encoding/json"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"unicode/utf8"

	"github.com/go-json-experiment/json"
	"github.com/go-json-experiment/json/jsontext"

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

// Errors of strict JSON input.
var (
	ErrJSONDuplicate = errcode.New(errcode.Invalid, "json_duplicate_name", "a JSON object names the same member twice")
	ErrJSONUTF8      = errcode.New(errcode.Invalid, "json_invalid_utf8", "the body is not valid UTF-8")
	ErrContentType   = errcode.New(errcode.Invalid, "content_type_unsupported", "a JSON body needs Content-Type: application/json")
)

// strictJSON is how request bodies are read: exactly as documented
// (additionalProperties: false), so that what the server accepts is what
// any other JSON reader would read the same way. Unknown members, member
// names in other letter cases, duplicate names and invalid UTF-8 are
// refused, not ignored, folded, overwritten or replaced.
var strictJSON = json.JoinOptions(
	json.RejectUnknownMembers(true),
	json.MatchCaseInsensitiveNames(false),
	jsontext.AllowDuplicateNames(false),
	jsontext.AllowInvalidUTF8(false),
)

// decode reads a request's JSON body into v: its Content-Type must be
// application/json (with no charset but UTF-8), and the body exactly one
// JSON object read strictly (decodeFrom).
func decode(r *http.Request, v any) error {
	if err := jsonContent(r.Header.Get("Content-Type")); err != nil {
		return err
	}
	return decodeFrom(r.Body, v)
}

// jsonContent accepts application/json, with an optional charset=utf-8.
func jsonContent(ct string) error {
	mt, params, err := mime.ParseMediaType(ct)
	if err != nil || mt != "application/json" {
		return errcode.Errorf(ErrContentType, "Content-Type is %q; send the JSON body with Content-Type: application/json", ct)
	}
	for k, v := range params {
		if k != "charset" || !strings.EqualFold(v, "utf-8") {
			return errcode.Errorf(ErrContentType, "Content-Type %q has parameter %s=%s; JSON is UTF-8 and takes none other", ct, k, v)
		}
	}
	return nil
}

// decodeFrom reads one JSON object from body into v, strictly
// (strictJSON), refusing wrong types, trailing data and bodies over the
// server's limit.
func decodeFrom(body io.Reader, v any) error {
	buf := bodyBufs.Get().(*bytes.Buffer)
	defer putBodyBuf(buf)
	if _, err := buf.ReadFrom(body); err != nil {
		var tooBig *http.MaxBytesError
		if errors.As(err, &tooBig) {
			return errcode.Errorf(ErrBodyTooLarge, "request body is over %d bytes", tooBig.Limit)
		}
		return errcode.Errorf(ErrBadRequest, "reading the body: %v", err)
	}
	data := buf.Bytes()
	if len(bytes.TrimSpace(data)) == 0 {
		return errcode.Errorf(ErrBadRequest, "request body is empty; want a JSON object")
	}
	err := json.Unmarshal(data, v, strictJSON)
	if err == nil {
		return nil
	}
	var syn *jsontext.SyntacticError
	var sem *json.SemanticError
	switch {
	case errors.Is(err, jsontext.ErrDuplicateName):
		return errcode.Errorf(ErrJSONDuplicate, "member %s appears twice; send each member once", pointer(err))
	case errors.As(err, &syn) && !utf8.Valid(data):
		return errcode.Errorf(ErrJSONUTF8, "request body is not valid UTF-8 (near byte %d); JSON text is UTF-8", syn.ByteOffset)
	case errors.As(err, &syn):
		return errcode.Errorf(ErrBadRequest, "request body is not valid JSON at byte %d: %v", syn.ByteOffset, syn.Err)
	case errors.Is(err, json.ErrUnknownName):
		return errcode.Errorf(ErrBadRequest, "unknown field %s; field names are case-sensitive: see /v1/openapi.json for the allowed fields", pointer(err))
	case errors.As(err, &sem) && errcode.Code(sem.Err) != errcode.InternalCode:
		// A Go error from a field's UnmarshalText keeps its code.
		return errcode.WithKind(errcode.Errorf(errorOf(sem.Err), "field %s: %v", pointer(err), sem.Err), errcode.KindOf(sem.Err))
	case errors.As(err, &sem) && sem.GoType != nil:
		return errcode.Errorf(ErrBadRequest, "field %s is a JSON %s; want %s (amounts are strings of base units)", pointer(err), kindName(sem.JSONKind), sem.GoType)
	}
	return errcode.Errorf(ErrBadRequest, "request body: %v", err)
}

// bodyBufs holds the buffers request bodies are read into: a body is
// decoded and done with before its handler runs (strings are copied out
// of it, and so is a json.RawMessage), so one buffer serves request after
// request instead of io.ReadAll growing a new one from 512 bytes each time.
var bodyBufs = sync.Pool{New: func() any { return new(bytes.Buffer) }}

// bodyBufMax is the largest buffer kept for the next body: a rare large
// body (up to the 4 MiB limit) is not held on to.
const bodyBufMax = 64 << 10

func putBodyBuf(b *bytes.Buffer) {
	if b.Cap() > bodyBufMax {
		return
	}
	b.Reset()
	bodyBufs.Put(b)
}

// pointer names where in the body an error is, as a JSON Pointer in
// quotes, or "at the top" for the whole body.
func pointer(err error) string {
	var syn *jsontext.SyntacticError
	var sem *json.SemanticError
	p := jsontext.Pointer("")
	switch {
	case errors.As(err, &syn):
		p = syn.JSONPointer
	case errors.As(err, &sem):
		p = sem.JSONPointer
	}
	return strconv.Quote(string(p))
}

// kindName names a JSON kind for people.
func kindName(k jsontext.Kind) string {
	switch k {
	case '"':
		return "string"
	case '0':
		return "number"
	case 't', 'f':
		return "boolean"
	case 'n':
		return "null"
	case '{':
		return "object"
	case '[':
		return "array"
	}
	return "value"
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	enc := stdjson.NewEncoder(w)
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
