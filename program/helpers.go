package program

import (
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"strings"

	"github.com/tributary-ledger/tributary/auth"
	"github.com/tributary-ledger/tributary/engine"
	"github.com/tributary-ledger/tributary/errcode"
	"github.com/tributary-ledger/tributary/ledger"
	"github.com/tributary-ledger/tributary/money"
	"github.com/tributary-ledger/tributary/split"
	"github.com/tributary-ledger/tributary/wire"
)

// Errors every route may answer for input it cannot read.
var (
	ErrBadRequest = errcode.New(errcode.Invalid, "bad_request", "request is malformed")
	ErrQuery      = errcode.New(errcode.Invalid, "query_invalid", "query parameter is invalid")
)

// Who may call, as routes name them.
var (
	Admins        = []auth.Role{auth.Admin}
	Readers       = []auth.Role{auth.Admin, auth.Reader}
	Ingestors     = []auth.Role{auth.Admin, auth.Ingestor}
	Configurators = []auth.Role{auth.Admin, auth.Configurator}
	// ConfigReaders read a program's configuration and state.
	ConfigReaders = []auth.Role{auth.Admin, auth.Reader, auth.Configurator}
	// Owners configure what a payee account owns (an asset, a
	// participant), besides configurators: a handler checks OwnerOnly.
	Owners = []auth.Role{auth.Admin, auth.Configurator, auth.Payee}
)

// Page limits.
const (
	// PageMax bounds a page of any list.
	PageMax = 1000
	// PageDefault is a page's size when the client does not say.
	PageDefault = 100
)

// LimitParam is the limit query parameter of a list.
var LimitParam = Param{Name: "limit", In: "query", Doc: "The page size.", Schema: "PageLimit"}

// AfterParam is the cursor query parameter of a list.
var AfterParam = Param{Name: "after", In: "query", Doc: "The `next` of the previous page; omit it for the first page.", Example: "", Schema: "Cursor"}

// Limit reads the limit query parameter: PageDefault when absent, 1 to
// PageMax otherwise.
//
// Errors: ErrQuery.
func Limit(c Call) (int, error) {
	v := c.Query("limit")
	if v == "" {
		return PageDefault, nil
	}
	n, err := strconv.Atoi(v)
	if err != nil || n < 1 || n > PageMax {
		return 0, errcode.Errorf(ErrQuery, "limit=%q; want a whole number from 1 to %d", v, PageMax)
	}
	return n, nil
}

// OwnerOnly lets a payee token configure only what its account owns (what
// names it as owner: an asset, a participant). An owner never changes, so
// checking before the operation commits cannot be outrun.
//
// Errors: auth.ErrForbidden.
func OwnerOnly(c Call, what, owner string) error {
	if tok := c.Token(); tok.Role == auth.Payee && !tok.MayAct(owner) {
		return errcode.Errorf(auth.ErrForbidden, "only the %s's owner (%s) or a configurator may configure it", what, owner)
	}
	return nil
}

// Amount parses an amount of base units after checking that its currency
// is known.
//
// Errors: money.ErrUnknownCurrency, money's parse errors.
func Amount(c Call, a wire.Amount, currency string) (money.Amount, error) {
	if _, err := c.Currencies().Lookup(currency); err != nil {
		return money.Zero, err
	}
	v, err := money.ParseUnits(string(a))
	if err != nil {
		return money.Zero, fmt.Errorf("amount: %w", err)
	}
	return v, nil
}

// InPath makes err a 404 when it is one of missing: the resource the URL
// names is not there. The same code named in a body stays what it is (a
// report naming an unknown participant is 422); only the kind changes.
func InPath(err error, missing ...error) error {
	for _, m := range missing {
		if errors.Is(err, m) {
			return errcode.WithKind(err, errcode.NotFound)
		}
	}
	return err
}

// EntryAnswer applies op and answers with the entry it committed.
func EntryAnswer(op engine.Op) Effect[wire.EntryJSON] {
	return Answer(op, func(e ledger.Entry) (wire.EntryJSON, error) { return wire.Entry(e), nil })
}

// decodeRecorded decodes a recorded answer.
func decodeRecorded[R any](raw []byte) (R, error) {
	var r R
	if err := json.Unmarshal(raw, &r); err != nil {
		return r, fmt.Errorf("a recorded answer is corrupt: %w", err)
	}
	return r, nil
}

// EncodeCursor makes the opaque cursor of a list's next page from the
// last item's key parts.
func EncodeCursor(parts ...string) string {
	return base64.RawURLEncoding.EncodeToString([]byte(strings.Join(parts, "\x00")))
}

// DecodeCursor reads a cursor EncodeCursor made of n parts.
//
// Errors: ErrQuery.
func DecodeCursor(c string, n int) ([]string, error) {
	b, err := base64.RawURLEncoding.DecodeString(c)
	parts := strings.Split(string(b), "\x00")
	if err != nil || len(parts) != n {
		return nil, errcode.Errorf(ErrQuery, "after=%q is not a cursor this list returned", c)
	}
	return parts, nil
}

// HashShares adds a split's receivers and shares to a request digest.
func HashShares(h *ledger.Hasher, shares []split.Share) {
	h.Uint(uint64(len(shares)))
	for _, s := range shares {
		h.String(s.Account).Uint(s.ShareBP)
	}
}
