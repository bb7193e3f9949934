// Package client is the Go client of Tributary's HTTP API. Every write takes
// the idempotency key explicitly, so that a caller retrying after a timeout
// sends the same key and cannot apply a payment twice.
package client

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/tributary-ledger/tributary/errcode"
	"github.com/tributary-ledger/tributary/program/splitbook"
	"github.com/tributary-ledger/tributary/wire"
)

// Client calls one Tributary server.
type Client struct {
	base  string
	token string
	// bearer is the Authorization header's value, made once rather than on
	// every request.
	bearer string
	http   *http.Client
}

// New returns a client for the server at base (e.g. http://127.0.0.1:8650)
// authenticating with token. hc may be nil for a client with a 30-second
// timeout on ordinary calls.
func New(base, token string, hc *http.Client) *Client {
	if hc == nil {
		hc = &http.Client{Timeout: 30 * time.Second}
	}
	return &Client{base: strings.TrimRight(base, "/"), token: token, bearer: "Bearer " + token, http: hc}
}

// Error is an error answered by the server. errcode.Code(err) returns its
// code, as for errors raised in-process.
type Error struct {
	Status  int
	Code    string
	Message string
}

func (e *Error) Error() string { return fmt.Sprintf("%s (HTTP %d)", e.Message, e.Status) }

// Unwrap exposes the code to errcode.Code, and the kind the status says
// to errcode.KindOf.
func (e *Error) Unwrap() error { return errcode.Remote(statusKinds[e.Status], e.Code, e.Message) }

// statusKinds is the kind of refusal each HTTP status answers; any other
// status is errcode.Internal.
var statusKinds = map[int]errcode.Kind{
	http.StatusBadRequest:            errcode.Invalid,
	http.StatusUnauthorized:          errcode.Unauthenticated,
	http.StatusForbidden:             errcode.Forbidden,
	http.StatusNotFound:              errcode.NotFound,
	http.StatusMethodNotAllowed:      errcode.NotAllowed,
	http.StatusConflict:              errcode.Conflict,
	http.StatusRequestEntityTooLarge: errcode.TooLarge,
	http.StatusUnprocessableEntity:   errcode.Unprocessable,
	http.StatusServiceUnavailable:    errcode.Unavailable,
}

// do sends a request and decodes a JSON answer into out. It reports whether
// the server answered with a replay of an earlier request.
func (c *Client) do(ctx context.Context, method, path, key string, in, out any) (bool, error) {
	var body []byte
	if in != nil {
		b, err := marshal(in)
		if err != nil {
			return false, err
		}
		body = b
	}
	resp, err := c.send(ctx, method, path, key, body)
	if err != nil {
		return false, err
	}
	defer resp.Body.Close()
	replayed := resp.Header.Get("Idempotent-Replayed") == "true"
	if out == nil {
		return replayed, nil
	}
	if err := unmarshal(resp, out); err != nil {
		return replayed, fmt.Errorf("decoding %s %s: %w", method, path, err)
	}
	return replayed, nil
}

// marshal is json.Marshal, by the API's own writer for a single entry,
// which every payment sends.
func marshal(in any) ([]byte, error) {
	if req, ok := in.(wire.EntryRequest); ok {
		// Room for the postings as they are written, so that the body is
		// one allocation.
		n := len(`{"postings":[]}`)
		for _, p := range req.Postings {
			n += len(`{"from":"","to":"","amount":"","currency":"","path":""},`) + len(p.From) + len(p.To) + len(p.Amount) + len(p.Currency) + len(p.Path)
		}
		return req.AppendJSON(make([]byte, 0, n))
	}
	return json.Marshal(in)
}

// answerMax bounds the answers read whole to be decoded by the API's own
// reader of an entry; a larger one (or one of unknown length) is streamed
// to encoding/json.
const answerMax = 1 << 20

// answerRoom is the room made for an answer before reading it: an entry of
// a few dozen postings; a larger answer grows the buffer as it arrives.
const answerRoom = 16 << 10

var answerBufs = sync.Pool{New: func() any { return new(bytes.Buffer) }}

// unmarshal decodes the first JSON value of resp's body into out, as a
// json.Decoder does. An entry, the answer to every payment, is read whole
// and decoded without reflection (wire.EntryJSON.DecodeJSON).
func unmarshal(resp *http.Response, out any) error {
	e, isEntry := out.(*wire.EntryJSON)
	if !isEntry || resp.ContentLength < 0 || resp.ContentLength > answerMax {
		return json.NewDecoder(resp.Body).Decode(out)
	}
	buf := answerBufs.Get().(*bytes.Buffer)
	defer func() {
		buf.Reset()
		answerBufs.Put(buf)
	}()
	// Room for the body and the read that sees its end: reading to the end
	// also lets the connection be reused.
	buf.Grow(int(min(resp.ContentLength, answerRoom)) + bytes.MinRead)
	if _, err := buf.ReadFrom(resp.Body); err != nil {
		// What json.Decoder would have made of the same bytes and failure.
		return json.NewDecoder(io.MultiReader(bytes.NewReader(buf.Bytes()), failReader{err})).Decode(out)
	}
	return e.DecodeJSON(buf.Bytes())
}

// failReader fails every read with err.
type failReader struct{ err error }

func (f failReader) Read([]byte) (int, error) { return 0, f.err }

// doRaw sends body as it is and returns the answer's bytes as they are: for
// documents whose exact bytes matter (a genesis export is canonical, and
// re-encoding it would change what is compared or hashed).
func (c *Client) doRaw(ctx context.Context, method, path, key string, body []byte) ([]byte, bool, error) {
	resp, err := c.send(ctx, method, path, key, body)
	if err != nil {
		return nil, false, err
	}
	defer resp.Body.Close()
	raw, err := io.ReadAll(resp.Body)
	if err != nil {
		return nil, false, fmt.Errorf("reading %s %s: %w", method, path, err)
	}
	return raw, resp.Header.Get("Idempotent-Replayed") == "true", nil
}

// send sends a request with a JSON body (none when body is nil) and returns
// the response of a success, whose body the caller closes, or the server's
// refusal as an *Error.
func (c *Client) send(ctx context.Context, method, path, key string, body []byte) (*http.Response, error) {
	var rd io.Reader
	if body != nil {
		rd = bytes.NewReader(body)
	}
	req, err := http.NewRequestWithContext(ctx, method, c.base+path, rd)
	if err != nil {
		return nil, err
	}
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	if c.token != "" {
		req.Header.Set("Authorization", c.bearer)
	}
	if key != "" {
		req.Header.Set("Idempotency-Key", key)
	}
	resp, err := c.http.Do(req)
	if err != nil {
		return nil, err
	}
	if resp.StatusCode < 400 {
		return resp, nil
	}
	defer resp.Body.Close()
	var eb struct {
		Error struct{ Code, Message string } `json:"error"`
	}
	raw, _ := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	if json.Unmarshal(raw, &eb) != nil || eb.Error.Code == "" {
		return nil, &Error{Status: resp.StatusCode, Code: "http_" + strconv.Itoa(resp.StatusCode), Message: strings.TrimSpace(string(raw))}
	}
	return nil, &Error{Status: resp.StatusCode, Code: eb.Error.Code, Message: eb.Error.Message}
}

func query(kv ...string) string {
	v := url.Values{}
	for i := 0; i+1 < len(kv); i += 2 {
		if kv[i+1] != "" {
			v.Set(kv[i], kv[i+1])
		}
	}
	if len(v) == 0 {
		return ""
	}
	return "?" + v.Encode()
}

func itoa(n int) string {
	if n == 0 {
		return ""
	}
	return strconv.Itoa(n)
}

// Healthy reports whether the server process answers (GET /healthz),
// whatever the state of its store.
func (c *Client) Healthy(ctx context.Context) error {
	_, err := c.do(ctx, "GET", "/healthz", "", nil, nil)
	return err
}

// OpenAPI returns the server's OpenAPI 3.1 document as it serves it.
func (c *Client) OpenAPI(ctx context.Context) ([]byte, error) {
	doc, _, err := c.doRaw(ctx, "GET", "/v1/openapi.json", "", nil)
	return doc, err
}

// Ready reports whether the server and its store answer.
func (c *Client) Ready(ctx context.Context) error {
	_, err := c.do(ctx, "GET", "/readyz", "", nil, nil)
	return err
}

// Account returns an account's balances.
func (c *Client) Account(ctx context.Context, account string) (wire.AccountJSON, error) {
	var out wire.AccountJSON
	_, err := c.do(ctx, "GET", "/v1/accounts/"+url.PathEscape(account), "", nil, &out)
	return out, err
}

// AccountsQuery selects balances.
type AccountsQuery struct {
	Prefix, Currency, After string
	Limit                   int
}

// Accounts returns a page of balances and the cursor of the next page.
func (c *Client) Accounts(ctx context.Context, q AccountsQuery) ([]wire.BalanceJSON, string, error) {
	var out struct {
		Balances []wire.BalanceJSON `json:"balances"`
		Next     string             `json:"next"`
	}
	_, err := c.do(ctx, "GET", "/v1/accounts"+query("prefix", q.Prefix, "currency", q.Currency, "after", q.After, "limit", itoa(q.Limit)), "", nil, &out)
	return out.Balances, out.Next, err
}

// JournalQuery selects entries.
type JournalQuery struct {
	Account      string
	After        uint64
	Since, Until time.Time
	Limit        int
}

// Entries returns a page of the journal and the cursor of the next page.
func (c *Client) Entries(ctx context.Context, q JournalQuery) ([]wire.EntryJSON, string, error) {
	var out struct {
		Entries []wire.EntryJSON `json:"entries"`
		Next    string           `json:"next"`
	}
	kv := []string{"account", q.Account, "limit", itoa(q.Limit)}
	if q.After > 0 {
		kv = append(kv, "after", strconv.FormatUint(q.After, 10))
	}
	if !q.Since.IsZero() {
		kv = append(kv, "since", q.Since.Format(time.RFC3339Nano))
	}
	if !q.Until.IsZero() {
		kv = append(kv, "until", q.Until.Format(time.RFC3339Nano))
	}
	_, err := c.do(ctx, "GET", "/v1/entries"+query(kv...), "", nil, &out)
	return out.Entries, out.Next, err
}

// Entry returns the entry with a sequence number.
func (c *Client) Entry(ctx context.Context, seq uint64) (wire.EntryJSON, error) {
	var out wire.EntryJSON
	_, err := c.do(ctx, "GET", "/v1/entries/"+strconv.FormatUint(seq, 10), "", nil, &out)
	return out, err
}

// EntryByKey returns the entry committed under an idempotency key.
func (c *Client) EntryByKey(ctx context.Context, key string) (wire.EntryJSON, error) {
	var out wire.EntryJSON
	_, err := c.do(ctx, "GET", "/v1/entries/keys/"+url.PathEscape(key), "", nil, &out)
	return out, err
}

// CreateEntry commits postings under key. replayed is true when the key had
// been applied before with the same postings.
func (c *Client) CreateEntry(ctx context.Context, key string, postings []wire.PostingJSON) (e wire.EntryJSON, replayed bool, err error) {
	replayed, err = c.do(ctx, "POST", "/v1/entries", key, wire.EntryRequest{Postings: postings}, &e)
	return e, replayed, err
}

// CreateEntries commits a batch in one transaction; each item has its own
// key and result.
func (c *Client) CreateEntries(ctx context.Context, items []wire.BatchItem) ([]wire.BatchResult, error) {
	var out struct {
		Results []wire.BatchResult `json:"results"`
	}
	_, err := c.do(ctx, "POST", "/v1/entries/batch", "", wire.BatchRequest{Entries: items}, &out)
	return out.Results, err
}

// Pay pays an amount by a named split.
func (c *Client) Pay(ctx context.Context, key string, req splitbook.PaymentRequest) (e wire.EntryJSON, replayed bool, err error) {
	replayed, err = c.do(ctx, "POST", "/v1/payments", key, req, &e)
	return e, replayed, err
}

// RequestWithdrawal reserves an amount for withdrawal; the withdrawal's ID is
// key.
func (c *Client) RequestWithdrawal(ctx context.Context, key string, req wire.WithdrawalRequest) (w wire.WithdrawalJSON, replayed bool, err error) {
	replayed, err = c.do(ctx, "POST", "/v1/withdrawals", key, req, &w)
	return w, replayed, err
}

// PostWithdrawal completes a pending withdrawal.
func (c *Client) PostWithdrawal(ctx context.Context, key, id string) (w wire.WithdrawalJSON, replayed bool, err error) {
	replayed, err = c.do(ctx, "POST", "/v1/withdrawals/"+url.PathEscape(id)+"/post", key, nil, &w)
	return w, replayed, err
}

// VoidWithdrawal cancels a pending withdrawal; the money returns.
func (c *Client) VoidWithdrawal(ctx context.Context, key, id string) (w wire.WithdrawalJSON, replayed bool, err error) {
	replayed, err = c.do(ctx, "POST", "/v1/withdrawals/"+url.PathEscape(id)+"/void", key, nil, &w)
	return w, replayed, err
}

// Withdrawal returns a withdrawal as it stands.
func (c *Client) Withdrawal(ctx context.Context, id string) (wire.WithdrawalJSON, error) {
	var out wire.WithdrawalJSON
	_, err := c.do(ctx, "GET", "/v1/withdrawals/"+url.PathEscape(id), "", nil, &out)
	return out, err
}

// WithdrawalsQuery selects withdrawals.
type WithdrawalsQuery struct {
	Account, State, After string
	Limit                 int
}

// Withdrawals returns a page of withdrawals and the next cursor.
func (c *Client) Withdrawals(ctx context.Context, q WithdrawalsQuery) ([]wire.WithdrawalJSON, string, error) {
	var out struct {
		Withdrawals []wire.WithdrawalJSON `json:"withdrawals"`
		Next        string                `json:"next"`
	}
	_, err := c.do(ctx, "GET", "/v1/withdrawals"+query("account", q.Account, "state", q.State, "after", q.After, "limit", itoa(q.Limit)), "", nil, &out)
	return out.Withdrawals, out.Next, err
}

// CreateSplit creates a named split.
func (c *Client) CreateSplit(ctx context.Context, key string, d splitbook.Def) (out splitbook.Def, replayed bool, err error) {
	replayed, err = c.do(ctx, "POST", "/v1/splits", key, d, &out)
	return out, replayed, err
}

// ReplaceSplit replaces a named split.
func (c *Client) ReplaceSplit(ctx context.Context, key string, d splitbook.Def) (out splitbook.Def, replayed bool, err error) {
	replayed, err = c.do(ctx, "PUT", "/v1/splits/"+url.PathEscape(d.ID), key, d, &out)
	return out, replayed, err
}

// Split returns a named split.
func (c *Client) Split(ctx context.Context, id string) (splitbook.Def, error) {
	var out splitbook.Def
	_, err := c.do(ctx, "GET", "/v1/splits/"+url.PathEscape(id), "", nil, &out)
	return out, err
}

// Splits returns a page of splits and the next cursor.
func (c *Client) Splits(ctx context.Context, after string, limit int) ([]splitbook.Def, string, error) {
	var out struct {
		Splits []splitbook.Def `json:"splits"`
		Next   string          `json:"next"`
	}
	_, err := c.do(ctx, "GET", "/v1/splits"+query("after", after, "limit", itoa(limit)), "", nil, &out)
	return out.Splits, out.Next, err
}

// CreateToken makes a token; the answer holds its secret, shown once.
func (c *Client) CreateToken(ctx context.Context, req wire.TokenRequest) (wire.NewTokenJSON, error) {
	var out wire.NewTokenJSON
	_, err := c.do(ctx, "POST", "/v1/tokens", "", req, &out)
	return out, err
}

// Tokens lists tokens, without secrets.
func (c *Client) Tokens(ctx context.Context) ([]wire.TokenJSON, error) {
	var out struct {
		Tokens []wire.TokenJSON `json:"tokens"`
	}
	_, err := c.do(ctx, "GET", "/v1/tokens", "", nil, &out)
	return out.Tokens, err
}

// RevokeToken revokes a token.
func (c *Client) RevokeToken(ctx context.Context, id string) (wire.TokenJSON, error) {
	var out wire.TokenJSON
	_, err := c.do(ctx, "DELETE", "/v1/tokens/"+url.PathEscape(id), "", nil, &out)
	return out, err
}

// Event is one event of the live stream.
type Event struct {
	ID   uint64
	Type string
	Data json.RawMessage
}

// Events follows the live event stream from after the event with ID after
// and calls fn for each event, in order, until ctx ends or fn returns an
// error (which Events returns). It does not reconnect by itself: a caller
// that wants to resume calls it again with the last ID it saw.
func (c *Client) Events(ctx context.Context, after uint64, fn func(Event) error) error {
	req, err := http.NewRequestWithContext(ctx, "GET", c.base+"/v1/events", nil)
	if err != nil {
		return err
	}
	req.Header.Set("Accept", "text/event-stream")
	req.Header.Set("Authorization", c.bearer)
	if after > 0 {
		req.Header.Set("Last-Event-ID", strconv.FormatUint(after, 10))
	}
	// A stream has no overall timeout; it ends with ctx.
	hc := *c.http
	hc.Timeout = 0
	resp, err := hc.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		raw, _ := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
		return &Error{Status: resp.StatusCode, Code: "http_" + strconv.Itoa(resp.StatusCode), Message: strings.TrimSpace(string(raw))}
	}
	sc := bufio.NewScanner(resp.Body)
	sc.Buffer(make([]byte, 64<<10), 16<<20)
	var ev Event
	for sc.Scan() {
		line := sc.Text()
		switch {
		case line == "":
			if ev.ID != 0 {
				if err := fn(ev); err != nil {
					return err
				}
			}
			ev = Event{}
		case strings.HasPrefix(line, ":"):
		case strings.HasPrefix(line, "id: "):
			ev.ID, _ = strconv.ParseUint(strings.TrimPrefix(line, "id: "), 10, 64)
		case strings.HasPrefix(line, "event: "):
			ev.Type = strings.TrimPrefix(line, "event: ")
		case strings.HasPrefix(line, "data: "):
			ev.Data = json.RawMessage(strings.TrimPrefix(line, "data: "))
		}
	}
	if ctx.Err() != nil {
		return ctx.Err()
	}
	return sc.Err()
}

// WithdrawalMinimum returns the smallest withdrawal allowed in currency
// ("0" when none is set).
func (c *Client) WithdrawalMinimum(ctx context.Context, currency string) (wire.MinimumJSON, error) {
	var out wire.MinimumJSON
	_, err := c.do(ctx, "GET", "/v1/config/withdrawal-minimums/"+url.PathEscape(currency), "", nil, &out)
	return out, err
}

// SetWithdrawalMinimum sets the minimum withdrawal in currency; "0" clears
// it (admin).
func (c *Client) SetWithdrawalMinimum(ctx context.Context, key, currency string, amount wire.Amount) (wire.MinimumJSON, error) {
	var out wire.MinimumJSON
	_, err := c.do(ctx, "PUT", "/v1/config/withdrawal-minimums/"+url.PathEscape(currency), key, wire.MinimumRequest{Amount: amount}, &out)
	return out, err
}
