package api

import (
	"encoding/json"
	"net/http"
	"strings"

	"github.com/tributary-ledger/tributary/errcode"
	"github.com/tributary-ledger/tributary/ledger"
	"github.com/tributary-ledger/tributary/split"
	"github.com/tributary-ledger/tributary/splitbook"
	"github.com/tributary-ledger/tributary/wire"
)

// memoMax bounds a payment's memo, which goes into every posting's path.
const memoMax = 200

func (s *Server) putSplit(w http.ResponseWriter, r *http.Request, c *Call, replace bool) error {
	key, d, err := readWrite[splitbook.Def](r)
	if err != nil {
		return err
	}
	if replace {
		if d.ID == "" {
			d.ID = r.PathValue("id")
		}
		if d.ID != r.PathValue("id") {
			return errcode.Errorf(ErrBadRequest, "body names split %q but the path names %q", d.ID, r.PathValue("id"))
		}
	}
	status := http.StatusCreated
	if replace {
		status = http.StatusOK
	}
	return s.apply(w, r, splitbook.Put(key, c.Now, d, replace, split.DefaultLimits), status, func(ledger.Entry) (any, error) { return d, nil })
}

func (s *Server) createSplit(w http.ResponseWriter, r *http.Request, c *Call) error {
	return s.putSplit(w, r, c, false)
}

func (s *Server) replaceSplit(w http.ResponseWriter, r *http.Request, c *Call) error {
	return s.putSplit(w, r, c, true)
}

func (s *Server) getSplit(w http.ResponseWriter, r *http.Request, _ *Call) error {
	id := r.PathValue("id")
	raw, ok, err := s.cfg.Store.State(r.Context(), splitbook.Program, "def/"+id)
	if err != nil {
		return err
	}
	if !ok {
		return errcode.Errorf(ledger.ErrNotFound, "split %q does not exist", id)
	}
	w.Header().Set("Content-Type", "application/json")
	_, err = w.Write(append(raw, '\n'))
	return err
}

func (s *Server) listSplits(w http.ResponseWriter, r *http.Request, _ *Call) error {
	n, err := limit(r)
	if err != nil {
		return err
	}
	after := ""
	if a := r.URL.Query().Get("after"); a != "" {
		parts, err := decodeCursor(a, 1)
		if err != nil {
			return err
		}
		after = "def/" + parts[0]
	}
	vals, err := s.cfg.Store.StatePage(r.Context(), splitbook.Program, "def/", after, n)
	if err != nil {
		return err
	}
	out := struct {
		Splits []json.RawMessage `json:"splits"`
		Next   string            `json:"next,omitempty"`
	}{Splits: []json.RawMessage{}}
	for _, v := range vals {
		out.Splits = append(out.Splits, v.Value)
	}
	if len(vals) == n {
		out.Next = encodeCursor(strings.TrimPrefix(vals[len(vals)-1].Key, "def/"))
	}
	writeJSON(w, http.StatusOK, out)
	return nil
}

func (s *Server) createPayment(w http.ResponseWriter, r *http.Request, c *Call) error {
	key, req, err := readWrite[wire.PaymentRequest](r)
	if err != nil {
		return err
	}
	if err := ledger.ValidateAccount(req.From); err != nil {
		return err
	}
	if len(req.Memo) > memoMax {
		return errcode.Errorf(ErrBadRequest, "memo is %d bytes; at most %d are allowed", len(req.Memo), memoMax)
	}
	amt, err := s.amount(req.Amount, req.Currency)
	if err != nil {
		return err
	}
	return s.apply(w, r, splitbook.Pay(key, c.Now, req.From, req.Split, amt, req.Currency, req.Memo, split.DefaultLimits), http.StatusCreated, entryBody)
}
