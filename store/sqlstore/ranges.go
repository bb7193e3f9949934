package sqlstore

import (
	"context"
	"database/sql"
	"fmt"

	"github.com/tributary-ledger/tributary/engine"
	"github.com/tributary-ledger/tributary/ledger"
)

// LockBalanceRange returns and locks every balance row of currency whose
// account starts with prefix, in key order: a payout batch selects from
// the balances its own transaction then changes, read once.
func (t *txn) LockBalanceRange(ctx context.Context, prefix, currency string) ([]ledger.Balance, error) {
	q := "SELECT " + writerBalanceCols + " FROM balances WHERE currency = $1"
	args := []any{currency}
	if prefix != "" {
		// A range instead of LIKE, as BalancesFiltered reads it.
		q += " AND account >= $2 AND account < $3"
		args = append(args, prefix, prefix+"\U0010FFFF")
	}
	rows, err := t.tx.QueryContext(ctx, t.s.q(q+" ORDER BY account, currency"+t.s.lock()), args...)
	if err != nil {
		return nil, fmt.Errorf("reading %s balances under %q: %w", currency, prefix, err)
	}
	defer rows.Close()
	var out []ledger.Balance
	for rows.Next() {
		c, err := scanBalanceRow(rows)
		if err != nil {
			return nil, err
		}
		t.bals.put(c.b.BalanceKey, balanceRow{exists: c.exists, recent: c.recent})
		out = append(out, c.b)
	}
	return out, rows.Err()
}

// LockStatePage returns and locks a page of a program's state records
// whose keys start with prefix and sort after after, in key order.
func (t *txn) LockStatePage(ctx context.Context, program, prefix, after string, limit int) ([]engine.StateValue, error) {
	rows, err := t.tx.QueryContext(ctx, t.s.q(statePageSQL+t.s.lock()), program, after, prefix, prefix+"\U0010FFFF", clampLimit(limit))
	return collectState(program, rows, err)
}

// collectState scans the rows of a query of state keys and values.
func collectState(program string, rows *sql.Rows, err error) ([]engine.StateValue, error) {
	if err != nil {
		return nil, fmt.Errorf("reading state of %s: %w", program, err)
	}
	defer rows.Close()
	var out []engine.StateValue
	for rows.Next() {
		var v engine.StateValue
		if err := rows.Scan(&v.Key, &v.Value); err != nil {
			return nil, err
		}
		out = append(out, v)
	}
	return out, rows.Err()
}
