package main

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"github.com/tributary-ledger/tributary/auth"
	"github.com/tributary-ledger/tributary/ledger"
)

// envAdmin names the variable holding an admin secret to install at start.
const envAdmin = "TRIBUTARY_ADMIN_TOKEN"

// envAdminMin is the shortest secret accepted from envAdmin: 32
// characters, 128 bits at least when they are hex digits (openssl rand
// -hex 32 gives 64).
const envAdminMin = 32

// adminTokens is what installing the environment's admin token needs of a
// store.
type adminTokens interface {
	PutToken(ctx context.Context, t auth.Token) error
	TokenByHash(ctx context.Context, hash [32]byte) (auth.Token, error)
	Tokens(ctx context.Context) ([]auth.Token, error)
	RevokeToken(ctx context.Context, id string, at time.Time) (auth.Token, error)
}

// installEnvAdmin installs the admin secret from envAdmin, so that a
// deployment can hold its first admin token in its secret store. A new
// value replaces the one installed from the environment before: that one
// is revoked, so that rotating the variable rotates the token. A value
// that was revoked stops the start: it would otherwise be reported
// installed while every request with it fails.
func installEnvAdmin(ctx context.Context, s adminTokens, secret string, now time.Time, log *slog.Logger) error {
	if len(secret) < envAdminMin {
		return fmt.Errorf("%s is %d characters; it must be at least %d (for example: export %s=$(openssl rand -hex 32))", envAdmin, len(secret), envAdminMin, envAdmin)
	}
	tok := auth.FromSecret(secret, auth.Admin, nil, envAdmin, now)
	old, err := s.TokenByHash(ctx, tok.Hash)
	switch {
	case err == nil && !old.Valid():
		return fmt.Errorf("%s holds token %s, which was revoked at %s; set a new value (for example: export %s=$(openssl rand -hex 32))", envAdmin, old.ID, old.Revoked.UTC().Format(time.RFC3339), envAdmin)
	case err == nil:
		tok = old
	case errors.Is(err, ledger.ErrNotFound):
		if err := s.PutToken(ctx, tok); err != nil {
			return fmt.Errorf("installing %s: %w", envAdmin, err)
		}
	default:
		return fmt.Errorf("looking up %s: %w", envAdmin, err)
	}
	all, err := s.Tokens(ctx)
	if err != nil {
		return fmt.Errorf("listing tokens: %w", err)
	}
	for _, t := range all {
		if t.ID != tok.ID && t.Name == envAdmin && t.Role == auth.Admin && t.Valid() {
			if _, err := s.RevokeToken(ctx, t.ID, now); err != nil {
				return fmt.Errorf("revoking the previous %s: %w", envAdmin, err)
			}
			log.Info("admin token from an earlier "+envAdmin+" revoked", "token_id", t.ID)
		}
	}
	log.Info("admin token from "+envAdmin+" installed", "token_id", tok.ID)
	return nil
}
