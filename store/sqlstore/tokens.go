package sqlstore

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/tributary-ledger/tributary/auth"
)

const tokenCols = "id, hash, role, accounts, name, created_ns, revoked_ns"

func scanToken(sc interface{ Scan(...any) error }) (auth.Token, error) {
	var t auth.Token
	var hash []byte
	var role, accounts string
	var created, revoked int64
	if err := sc.Scan(&t.ID, &hash, &role, &accounts, &t.Name, &created, &revoked); err != nil {
		return t, err
	}
	copy(t.Hash[:], hash)
	t.Role = auth.Role(role)
	if accounts != "" {
		t.Accounts = strings.Split(accounts, ",")
	}
	t.Created, t.Revoked = fromNanos(created), fromNanos(revoked)
	return t, nil
}

// PutToken stores a token. Storing the same token again (same ID) is a
// no-op, so that TRIBUTARY_ADMIN_TOKEN can be installed at every start.
func (s *Store) PutToken(ctx context.Context, t auth.Token) error {
	_, err := s.w.ExecContext(ctx, s.q("INSERT INTO tokens ("+tokenCols+") VALUES ($1,$2,$3,$4,$5,$6,$7) ON CONFLICT (id) DO NOTHING"),
		t.ID, t.Hash[:], string(t.Role), strings.Join(t.Accounts, ","), t.Name, toNanos(t.Created), toNanos(t.Revoked))
	if err != nil {
		return fmt.Errorf("storing token: %w", err)
	}
	return nil
}

// TokenByHash returns the token with the given digest.
//
// Errors: ledger.ErrNotFound.
func (s *Store) TokenByHash(ctx context.Context, hash [32]byte) (auth.Token, error) {
	// Prepared once (Open): every request authenticates, and parsing this
	// statement was half of it.
	t, err := scanToken(s.tokenByHash.QueryRowContext(ctx, hash[:]))
	if errors.Is(err, sql.ErrNoRows) {
		return t, notFound("token", "")
	}
	return t, err
}

// Tokens lists every token, oldest first.
func (s *Store) Tokens(ctx context.Context) ([]auth.Token, error) {
	rows, err := s.r.QueryContext(ctx, "SELECT "+tokenCols+" FROM tokens ORDER BY created_ns, id")
	if err != nil {
		return nil, fmt.Errorf("listing tokens: %w", err)
	}
	defer rows.Close()
	var out []auth.Token
	for rows.Next() {
		t, err := scanToken(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, t)
	}
	return out, rows.Err()
}

// RevokeToken revokes a token. Revoking a revoked token keeps the first
// revocation time.
//
// Errors: ledger.ErrNotFound.
func (s *Store) RevokeToken(ctx context.Context, id string, at time.Time) (auth.Token, error) {
	res, err := s.w.ExecContext(ctx, s.q("UPDATE tokens SET revoked_ns = $1 WHERE id = $2 AND revoked_ns = 0"), toNanos(at), id)
	if err != nil {
		return auth.Token{}, fmt.Errorf("revoking token: %w", err)
	}
	_ = res
	t, err := scanToken(s.r.QueryRowContext(ctx, s.q("SELECT "+tokenCols+" FROM tokens WHERE id = $1"), id))
	if errors.Is(err, sql.ErrNoRows) {
		return t, notFound("token", id)
	}
	return t, err
}
