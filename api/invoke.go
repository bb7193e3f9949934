package api

import (
	"bytes"
	"context"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/tributary-ledger/tributary/auth"
	"github.com/tributary-ledger/tributary/errcode"
)

// Invoked is what a route answered a call from inside the server.
type Invoked struct {
	Status int
	// Code is the error code of a refusal; empty on success.
	Code string
	Body []byte
}

// Invoke calls the write route whose operation ID is operation, as an
// admin named by principal, with the path parameters, body and
// idempotency key given and at the time at: what the scheduler runs goes
// through the same handler chain (body limit, metrics, error answers),
// checks, replays and events as a request over HTTP, without a token,
// since it comes from the server itself.
//
// Errors: an operation that names no write route, or path parameters the
// route does not have; a route's refusal is an Invoked, not an error.
func (s *Server) Invoke(ctx context.Context, principal, operation string, path map[string]string, body []byte, key string, at time.Time) (Invoked, error) {
	rt, ok := s.writeRoute(operation)
	if !ok {
		return Invoked{}, fmt.Errorf("no write route %q", operation)
	}
	target, err := fillPath(rt.Pattern, path)
	if err != nil {
		return Invoked{}, err
	}
	r, err := http.NewRequestWithContext(ctx, rt.Method, target, bytes.NewReader(body))
	if err != nil {
		return Invoked{}, err
	}
	r.Header.Set("Idempotency-Key", key)
	if len(body) > 0 {
		r.Header.Set("Content-Type", "application/json")
	}
	for name, v := range path {
		r.SetPathValue(name, v)
	}
	w := &invokeWriter{header: http.Header{}}
	status, err := s.handle(rt, w, r, &Call{Token: auth.Token{ID: principal, Role: auth.Admin}, Now: at.UTC(), internal: true})
	out := Invoked{Status: status, Body: w.body.Bytes()}
	if err != nil {
		out.Code = errcode.Code(err)
	}
	return out, nil
}

// invokeWriter keeps the answer to a call from inside the server.
type invokeWriter struct {
	header http.Header
	body   bytes.Buffer
}

func (w *invokeWriter) Header() http.Header         { return w.header }
func (w *invokeWriter) WriteHeader(int)             {} // handle's statusWriter keeps the status
func (w *invokeWriter) Write(b []byte) (int, error) { return w.body.Write(b) }

func (s *Server) writeRoute(operation string) (Route, bool) {
	for _, rt := range s.routes {
		if rt.Spec.ID == operation && rt.Spec.Handler.Write {
			return rt, true
		}
	}
	return Route{}, false
}

// fillPath puts the parameters into a route's pattern, refusing one
// missing or one too many.
func fillPath(pattern string, params map[string]string) (string, error) {
	used := 0
	var b strings.Builder
	for rest := pattern; rest != ""; {
		i := strings.IndexByte(rest, '{')
		if i < 0 {
			b.WriteString(rest)
			break
		}
		j := strings.IndexByte(rest[i:], '}')
		b.WriteString(rest[:i])
		name := rest[i+1 : i+j]
		v, ok := params[name]
		if !ok {
			return "", fmt.Errorf("route %s needs path parameter %q", pattern, name)
		}
		b.WriteString(url.PathEscape(v))
		used++
		rest = rest[i+j+1:]
	}
	if used != len(params) {
		return "", fmt.Errorf("route %s has %d path parameters; %d given", pattern, used, len(params))
	}
	return b.String(), nil
}
