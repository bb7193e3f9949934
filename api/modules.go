package api

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"reflect"
	"time"

	"github.com/tributary-ledger/tributary/auth"
	"github.com/tributary-ledger/tributary/engine"
	"github.com/tributary-ledger/tributary/errcode"
	"github.com/tributary-ledger/tributary/ledger"
	"github.com/tributary-ledger/tributary/money"
	"github.com/tributary-ledger/tributary/program"
)

// moduleRoutes makes the routes of a program's module: each declared
// route, served by one generic handler that reads what the route's
// handler takes, runs it, and answers a read, or applies a write's
// operation and answers it as the route says.
func (s *Server) moduleRoutes(m program.Module) []Route {
	tag := m.Title
	out := make([]Route, 0, len(m.Routes))
	for _, rt := range m.Routes {
		route := Route{Method: rt.Method, Pattern: rt.Path, Allow: rt.Roles, Handler: s.moduleHandler(m.Name, rt), Spec: rt, Tag: tag}
		if rt.TokenOptional {
			route.Allow, route.TokenOptional = nil, rt.Roles
		}
		out = append(out, route)
	}
	return out
}

func (s *Server) moduleHandler(name string, rt program.Route) Handler {
	status := rt.Status
	if status == 0 {
		status = http.StatusOK
	}
	return func(w http.ResponseWriter, r *http.Request, c *Call) error {
		mc := &moduleCall{s: s, r: r, c: c, program: name}
		var body any
		if rt.Handler.Write {
			key, err := s.idempotencyKey(r, c)
			if err != nil {
				return err
			}
			mc.key = key
		}
		if rt.Handler.Body != nil {
			var err error
			if body, err = readModuleBody(r, rt.Handler); err != nil {
				return err
			}
		}
		reply, err := rt.Handler.Serve(mc, body)
		if err != nil {
			return err
		}
		if !rt.Handler.Write {
			if raw, ok := reply.Answer.(program.Raw); ok {
				// Bytes that are the contract, as they are: no newline.
				ct := rt.Handler.ContentType
				if ct == "" {
					ct = "application/json"
				}
				w.Header().Set("Content-Type", ct)
				w.WriteHeader(status)
				_, err := w.Write(raw)
				return err
			}
			writeJSON(w, status, reply.Answer)
			return nil
		}
		return s.applyReply(w, r, reply, status)
	}
}

// readBody decodes the body a route's handler takes: a pointer to a new
// value of its type, or the bytes as they are.
func readModuleBody(r *http.Request, h program.Handler) (any, error) {
	if h.RawBody {
		data, err := io.ReadAll(r.Body)
		if err != nil {
			var tooBig *http.MaxBytesError
			if errors.As(err, &tooBig) {
				return nil, errcode.Errorf(ErrBodyTooLarge, "request body is over %d bytes", tooBig.Limit)
			}
			return nil, errcode.Errorf(ErrBadRequest, "reading the body: %v", err)
		}
		b := program.RawBody(data)
		return &b, nil
	}
	body := reflect.New(h.Body).Interface()
	return body, decode(r, body)
}

// applyReply applies a write's operation and answers it as its reply says.
func (s *Server) applyReply(w http.ResponseWriter, r *http.Request, reply program.Reply, status int) error {
	if reply.Record != nil {
		return s.applyAnswered(w, r, reply.Op, status, reply.Record, reply.Then)
	}
	if reply.FromEntry == nil {
		return fmt.Errorf("write %s has no way to answer", reply.Op.Key)
	}
	return s.apply(w, r, reply.Op, status, reply.FromEntry)
}

// moduleCall is what a module's handler sees of a request.
type moduleCall struct {
	s       *Server
	r       *http.Request
	c       *Call
	program string
	key     string
}

func (m *moduleCall) Context() context.Context    { return m.r.Context() }
func (m *moduleCall) Token() auth.Token           { return m.c.Token }
func (m *moduleCall) Now() time.Time              { return m.c.Now }
func (m *moduleCall) Key() string                 { return m.key }
func (m *moduleCall) Path(name string) string     { return m.r.PathValue(name) }
func (m *moduleCall) Query(name string) string    { return m.r.URL.Query().Get(name) }
func (m *moduleCall) View() engine.View           { return m.s.view(m.r, m.program) }
func (m *moduleCall) Currencies() *money.Registry { return m.s.cfg.Currencies }
func (m *moduleCall) Balances(f ledger.BalanceFilter) ([]ledger.Balance, error) {
	return m.s.cfg.Store.BalancesFiltered(m.r.Context(), f)
}
func (m *moduleCall) List(prefix, after string, limit int) ([]engine.StateValue, error) {
	return m.s.cfg.Store.StatePage(m.r.Context(), m.program, prefix, after, limit)
}

// view lets a handler read program state through the same functions the
// operations use, outside any transaction, for the checks it makes before
// submitting an operation.
func (s *Server) view(r *http.Request, program string) engine.View {
	return storeView{s: s.cfg.Store, r: r, program: program}
}

type storeView struct {
	s       Store
	r       *http.Request
	program string
}

func (v storeView) State(key string) ([]byte, bool, error) {
	return v.s.State(v.r.Context(), v.program, key)
}

// ProgramState reads another program's state (engine.ReadOnly).
func (v storeView) ProgramState(program, key string) ([]byte, bool, error) {
	return v.s.State(v.r.Context(), program, key)
}

func (v storeView) Withdrawal(id string) (ledger.Withdrawal, bool, error) {
	w, err := v.s.Withdrawal(v.r.Context(), id)
	if errors.Is(err, ledger.ErrNotFound) {
		return w, false, nil
	}
	return w, err == nil, err
}

func (v storeView) Balance(account, currency string) (ledger.Balance, error) {
	bals, err := v.s.AccountBalances(v.r.Context(), account)
	for _, b := range bals {
		if b.Currency == currency {
			return b, err
		}
	}
	return ledger.Balance{BalanceKey: ledger.BalanceKey{Account: account, Currency: currency}}, err
}
