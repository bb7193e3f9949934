package sqlstore

import (
	"context"
	"fmt"
	"strings"

	"github.com/tributary-ledger/tributary/engine"
	"github.com/tributary-ledger/tributary/ledger"
)

// query builds a statement with numbered placeholders.
type query struct {
	sb   strings.Builder
	args []any
}

func (q *query) add(sql string, args ...any) {
	for _, a := range args {
		q.args = append(q.args, a)
		sql = strings.Replace(sql, "?", fmt.Sprintf("$%d", len(q.args)), 1)
	}
	q.sb.WriteString(sql)
}

// JournalFiltered returns entries matching f in sequence order, with their
// postings.
func (s *Store) JournalFiltered(ctx context.Context, f ledger.JournalFilter) ([]ledger.Entry, error) {
	if f.Account != "" {
		return s.journalByAccount(ctx, f)
	}
	var q query
	if f.After == 0 && (!f.Since.IsZero() || !f.Until.IsZero()) {
		// The first page of a period walks the journal from the period's
		// first entry to its last, both found in the time index (time_ns,
		// seq), instead of from seq 1 filtering by time: an hour after a
		// million entries is read in milliseconds, not in a scan of the
		// million; and a period the page does not fill (an hour a week
		// ago) does not walk on to the journal's end looking for more.
		// (+seq: not the key's own min and max, which SQLite finds by
		// walking the key from its end.) Later pages start at their
		// cursor, inside, and end where the page fills or the journal
		// does: their bound would cost a scan of the period's index each
		// page, so a reader of a period in one page (the flows' rollups)
		// reads it bounded.
		q.add("SELECT " + entryCols + " FROM entries WHERE seq >= (SELECT min(+seq) FROM entries WHERE 1 = 1")
		q.addTime(f)
		q.add(") AND seq <= (SELECT max(+seq) FROM entries WHERE 1 = 1")
		q.addTime(f)
		q.add(")")
	} else {
		q.add("SELECT "+entryCols+" FROM entries WHERE seq > ?", f.After)
	}
	q.addTime(f)
	q.add(" ORDER BY seq LIMIT ?", clampLimit(f.Limit))
	rows, err := s.r.QueryContext(ctx, s.q(q.sb.String()), q.args...)
	if err != nil {
		return nil, fmt.Errorf("reading journal: %w", err)
	}
	ents, err := scanEntries(rows)
	if err != nil {
		return nil, fmt.Errorf("reading journal: %w", err)
	}
	return ents, nil
}

func (q *query) addTime(f ledger.JournalFilter) {
	if !f.Since.IsZero() {
		q.add(" AND time_ns >= ?", f.Since.UnixNano())
	}
	if !f.Until.IsZero() {
		q.add(" AND time_ns < ?", f.Until.UnixNano())
	}
}

// EntryBySeq returns the entry with a sequence number.
//
// Errors: ledger.ErrNotFound.
func (s *Store) EntryBySeq(ctx context.Context, seq uint64) (ledger.Entry, error) {
	if seq == 0 {
		return ledger.Entry{}, notFound("entry", "0")
	}
	ents, err := s.Journal(ctx, seq-1, 1)
	if err != nil {
		return ledger.Entry{}, err
	}
	if len(ents) == 0 || ents[0].Seq != seq {
		return ledger.Entry{}, notFound("entry", fmt.Sprint(seq))
	}
	return ents[0], nil
}

// BalancesFiltered returns balances matching f ordered by account and
// currency.
func (s *Store) BalancesFiltered(ctx context.Context, f ledger.BalanceFilter) ([]ledger.Balance, error) {
	var q query
	q.add("SELECT "+balanceCols+" FROM balances WHERE (account > ? OR (account = ? AND currency > ?))", f.After.Account, f.After.Account, f.After.Currency)
	if f.Prefix != "" {
		// A range instead of LIKE: no escaping, and it uses the primary key.
		q.add(" AND account >= ? AND account < ?", f.Prefix, f.Prefix+"\U0010FFFF")
	}
	if f.Currency != "" {
		q.add(" AND currency = ?", f.Currency)
	}
	q.add(" ORDER BY account, currency LIMIT ?", clampLimit(f.Limit))
	rows, err := s.r.QueryContext(ctx, s.q(q.sb.String()), q.args...)
	if err != nil {
		return nil, fmt.Errorf("reading balances: %w", err)
	}
	return collectBalances(rows)
}

// Withdrawals returns withdrawals matching f ordered by ID.
func (s *Store) Withdrawals(ctx context.Context, f ledger.WithdrawalFilter) ([]ledger.Withdrawal, error) {
	var q query
	q.add("SELECT "+withdrawalCols+" FROM withdrawals WHERE id > ?", f.After)
	if f.Account != "" {
		q.add(" AND account = ?", f.Account)
	}
	if f.State != 0 {
		q.add(" AND state = ?", int(f.State))
	}
	q.add(" ORDER BY id LIMIT ?", clampLimit(f.Limit))
	rows, err := s.r.QueryContext(ctx, s.q(q.sb.String()), q.args...)
	if err != nil {
		return nil, fmt.Errorf("reading withdrawals: %w", err)
	}
	defer rows.Close()
	var out []ledger.Withdrawal
	for rows.Next() {
		w, err := scanWithdrawal(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, w)
	}
	return out, rows.Err()
}

// StatePage returns a program's state records whose keys start with prefix
// and sort after after, in key order.
func (s *Store) StatePage(ctx context.Context, program, prefix, after string, limit int) ([]engine.StateValue, error) {
	rows, err := s.r.QueryContext(ctx, s.q(statePageSQL), program, after, prefix, prefix+"\U0010FFFF", clampLimit(limit))
	return collectState(program, rows, err)
}

// statePageSQL reads a page of a program's state records under a prefix.
const statePageSQL = "SELECT skey, value FROM state WHERE program = $1 AND skey > $2 AND skey >= $3 AND skey < $4 ORDER BY skey LIMIT $5"
