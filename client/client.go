// Package client is the Go client of Tributary's HTTP API. Every write takes
// the idempotency key explicitly, so that a caller retrying after a timeout
// sends the same key and cannot apply a payment twice.
//
// The methods of the routes (routes_gen.go) are generated from the server's
// route declarations; what is written by hand here is how a request is sent
// and answered, and the routes whose bodies are not plain JSON values.
package client

//go:generate go run ../internal/clientgen/generate

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

	jsonv2 "github.com/go-json-experiment/json"
	"github.com/go-json-experiment/json/jsontext"
	jsonv1 "github.com/go-json-experiment/json/v1"

	"github.com/tributary-ledger/tributary/errcode"
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

// answerJSON is how answers are read: by go-json-experiment/json, which
// reads an entry in about half the instructions and a quarter of the
// allocations of encoding/json's Decoder. It is as lenient as that
// Decoder was where a server's answer could differ from this build's
// types: unknown members are skipped (a newer server may add fields),
// names match without regard to case when none matches exactly (as
// strings.EqualFold: "_" and "-" still count, as they did), and
// duplicate names and invalid UTF-8 are not refused.
var answerJSON = jsonv2.JoinOptions(
	jsonv2.MatchCaseInsensitiveNames(true),
	jsonv1.MatchCaseSensitiveDelimiter(true),
	jsontext.AllowDuplicateNames(true),
	jsontext.AllowInvalidUTF8(true),
)

// answerDecoders keep their buffers from answer to answer.
var answerDecoders = sync.Pool{New: func() any { return jsontext.NewDecoder(http.NoBody) }}

// decodeAnswer reads the first JSON value of an answer into out, as
// json.Decoder's Decode did: what follows it is not read.
func decodeAnswer(body io.Reader, out any) error {
	dec := answerDecoders.Get().(*jsontext.Decoder)
	dec.Reset(body, answerJSON)
	err := jsonv2.UnmarshalDecode(dec, out)
	dec.Reset(http.NoBody) // not to hold on to the answer's body
	answerDecoders.Put(dec)
	return err
}

// do sends a request and decodes a JSON answer into out. It reports whether
// the server answered with a replay of an earlier request.
func (c *Client) do(ctx context.Context, method, path, key string, in, out any) (bool, error) {
	var body []byte
	if in != nil {
		b, err := json.Marshal(in)
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
	if err := decodeAnswer(resp.Body, out); err != nil {
		return replayed, fmt.Errorf("decoding %s %s: %w", method, path, err)
	}
	return replayed, nil
}

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
	if jsonv2.Unmarshal(raw, &eb, answerJSON) != nil || eb.Error.Code == "" {
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

// itoa and timeText write query values, leaving zero values out.
func itoa(n int) string {
	if n == 0 {
		return ""
	}
	return strconv.Itoa(n)
}

func timeText(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.Format(time.RFC3339Nano)
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

// segment escapes a value for one segment of a URL path: every byte that
// is not a path character, "/" included, is percent-encoded, and so are the
// dot segments "." and "..", which would otherwise step to another route
// when the path is cleaned. Every generated route method builds its path
// with it.
func segment(v string) string {
	if v == "." || v == ".." {
		return strings.Repeat("%2E", len(v))
	}
	return url.PathEscape(v)
}
