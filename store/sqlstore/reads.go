package sqlstore

import (
	"context"
	"database/sql"
	"errors"
	"fmt"

	"github.com/tributary-ledger/tributary/engine"
	"github.com/tributary-ledger/tributary/ledger"
)

// PageMax bounds how many records one read returns.
const PageMax = 10000

func clampLimit(limit int) int {
	if limit <= 0 || limit > PageMax {
		return PageMax
	}
	return limit
}

// Journal returns up to limit entries with sequence numbers above after, in
// order, with their postings.
func (s *Store) Journal(ctx context.Context, after uint64, limit int) ([]ledger.Entry, error) {
	rows, err := s.r.QueryContext(ctx, s.q("SELECT "+entryCols+" FROM entries WHERE seq > $1 ORDER BY seq LIMIT $2"), after, clampLimit(limit))
	if err != nil {
		return nil, fmt.Errorf("reading journal: %w", err)
	}
	ents, err := scanEntries(rows)
	if err != nil {
		return nil, fmt.Errorf("reading journal: %w", err)
	}
	return ents, nil
}

// EntryByKey returns the entry committed under an idempotency key.
//
// Errors: ledger.ErrNotFound.
func (s *Store) EntryByKey(ctx context.Context, key string) (ledger.Entry, error) {
	e, ok, err := s.entryByKey(ctx, s.r, key)
	if err != nil {
		return e, fmt.Errorf("reading entry %q: %w", key, err)
	}
	if !ok {
		return e, notFound("entry with key", key)
	}
	return e, nil
}

// AccountBalances returns an account's balances, one per currency, sorted
// by currency. An account never posted to has none.
func (s *Store) AccountBalances(ctx context.Context, account string) ([]ledger.Balance, error) {
	rows, err := s.r.QueryContext(ctx, s.q("SELECT "+balanceCols+" FROM balances WHERE account = $1 ORDER BY currency"), account)
	if err != nil {
		return nil, fmt.Errorf("reading balances of %s: %w", account, err)
	}
	return collectBalances(rows)
}

// BalancesPage returns up to limit balances ordered by account and
// currency, starting after the given key (zero key: from the start).
func (s *Store) BalancesPage(ctx context.Context, after ledger.BalanceKey, limit int) ([]ledger.Balance, error) {
	rows, err := s.r.QueryContext(ctx, s.q("SELECT "+balanceCols+" FROM balances WHERE account > $1 OR (account = $2 AND currency > $3) ORDER BY account, currency LIMIT $4"), after.Account, after.Account, after.Currency, clampLimit(limit))
	if err != nil {
		return nil, fmt.Errorf("reading balances: %w", err)
	}
	return collectBalances(rows)
}

func collectBalances(rows *sql.Rows) ([]ledger.Balance, error) {
	defer rows.Close()
	var out []ledger.Balance
	for rows.Next() {
		b, err := scanBalance(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, b)
	}
	return out, rows.Err()
}

// Withdrawal returns a withdrawal by ID.
//
// Errors: ledger.ErrNotFound.
func (s *Store) Withdrawal(ctx context.Context, id string) (ledger.Withdrawal, error) {
	w, err := scanWithdrawal(s.r.QueryRowContext(ctx, s.q("SELECT "+withdrawalCols+" FROM withdrawals WHERE id = $1"), id))
	if errors.Is(err, sql.ErrNoRows) {
		return w, notFound("withdrawal", id)
	}
	if err != nil {
		return w, fmt.Errorf("reading withdrawal %q: %w", id, err)
	}
	return w, nil
}

// State returns a program's state value, outside any transaction.
func (s *Store) State(ctx context.Context, program, key string) ([]byte, bool, error) {
	var v []byte
	err := s.r.QueryRowContext(ctx, s.q("SELECT value FROM state WHERE program = $1 AND skey = $2"), program, key).Scan(&v)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, false, nil
	}
	if err != nil {
		return nil, false, fmt.Errorf("reading state %s/%s: %w", program, key, err)
	}
	return v, true, nil
}

// EventHead returns the sequence number of the newest outbox event, 0 when
// there is none.
func (s *Store) EventHead(ctx context.Context) (uint64, error) {
	var head uint64
	if err := s.r.QueryRowContext(ctx, "SELECT coalesce(max(seq), 0) FROM events").Scan(&head); err != nil {
		return 0, fmt.Errorf("reading the newest event: %w", err)
	}
	return head, nil
}

// Events returns up to limit outbox events with sequence numbers above
// after, in order.
func (s *Store) Events(ctx context.Context, after uint64, limit int) ([]engine.Event, error) {
	rows, err := s.r.QueryContext(ctx, s.q("SELECT seq, type, time_ns, data FROM events WHERE seq > $1 ORDER BY seq LIMIT $2"), after, clampLimit(limit))
	if err != nil {
		return nil, fmt.Errorf("reading events: %w", err)
	}
	defer rows.Close()
	var out []engine.Event
	for rows.Next() {
		var ev engine.Event
		var ns int64
		var data string
		if err := rows.Scan(&ev.Seq, &ev.Type, &ns, &data); err != nil {
			return nil, err
		}
		ev.Time, ev.Data = fromNanos(ns), []byte(data)
		out = append(out, ev)
	}
	return out, rows.Err()
}
