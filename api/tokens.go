package api

import (
	"crypto/rand"
	"net/http"

	"github.com/tributary-ledger/tributary/auth"
	"github.com/tributary-ledger/tributary/errcode"
	"github.com/tributary-ledger/tributary/wire"
)

// tokenNameMax bounds a token's name.
const tokenNameMax = 100

func toToken(t auth.Token) wire.TokenJSON {
	out := wire.TokenJSON{ID: t.ID, Role: string(t.Role), Accounts: t.Accounts, Name: t.Name, Created: t.Created}
	if !t.Revoked.IsZero() {
		r := t.Revoked
		out.Revoked = &r
	}
	return out
}

func (s *Server) listTokens(w http.ResponseWriter, r *http.Request, _ *Call) error {
	toks, err := s.cfg.Store.Tokens(r.Context())
	if err != nil {
		return err
	}
	out := wire.TokenListJSON{Tokens: []wire.TokenJSON{}}
	for _, t := range toks {
		out.Tokens = append(out.Tokens, toToken(t))
	}
	writeJSON(w, http.StatusOK, out)
	return nil
}

// createToken makes a token. It takes no Idempotency-Key: the secret is
// never stored, so a replay could not answer with it. A client that lost
// the answer revokes the token it cannot use and asks again.
func (s *Server) createToken(w http.ResponseWriter, r *http.Request, c *Call) error {
	var req wire.TokenRequest
	if err := decode(r, &req); err != nil {
		return err
	}
	if len(req.Name) > tokenNameMax {
		return errcode.Errorf(ErrBadRequest, "token name is %d bytes; at most %d are allowed", len(req.Name), tokenNameMax)
	}
	tok, secret, err := auth.New(auth.Role(req.Role), req.Accounts, req.Name, c.Now, rand.Reader)
	if err != nil {
		return err
	}
	if err := s.cfg.Store.PutToken(r.Context(), tok); err != nil {
		return err
	}
	writeJSON(w, http.StatusCreated, wire.NewTokenJSON{TokenJSON: toToken(tok), Secret: secret})
	return nil
}

func (s *Server) revokeToken(w http.ResponseWriter, r *http.Request, c *Call) error {
	id := r.PathValue("id")
	tok, err := s.cfg.Store.RevokeToken(r.Context(), id, c.Now)
	// Forgotten even when the store failed: the revocation may have been
	// written, and forgetting costs one store query at the next use.
	s.tokens.forget(id)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, toToken(tok))
	return nil
}
