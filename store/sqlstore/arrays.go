package sqlstore

import (
	"context"
	"fmt"
	"strconv"
)

// PostgreSQL's write path binds arrays (Dialect.Arrays): a commit's
// entries, balances, index rows and events, and the journal counters, go
// in one statement of fixed text, whatever their numbers — each table's
// rows as one array per column, unnested — instead of a statement, and a
// round trip, per table and shape. Balances read as missing are
// inserted plainly (another writer's row fails the transaction, which runs
// again); those that exist, read and locked, are upserted, whose conflict
// goes through the primary key's index whatever the planner thinks of
// the table: an UPDATE … FROM the arrays was planned as a hash join over a
// scan of every balance when the table was small when first planned, and
// stayed so as it grew.
// Program state and withdrawals, rare on the payment path, keep their
// multi-row INSERTs.

// arraysRowsMax bounds the rows of a write sent as arrays: larger writes
// (an epoch close of a million participants) keep the chunked INSERTs,
// whose memory is bounded.
const arraysRowsMax = 65536

// colType is how a column's values are bound in an array.
type colType int

const (
	colInt    colType = iota // BIGINT or SMALLINT: []int64
	colText                  // TEXT: []string
	colBytes                 // BYTEA: [][]byte
	colAmount                // NUMERIC, bound as decimal text: []string
)

// arrayShapes are the shapes written as arrays, with their columns' types,
// in the order of writeArraysSQL's parameters.
var arrayShapes = []struct {
	shape *insertShape
	types []colType
}{
	{insEntries, []colType{colInt, colText, colBytes, colInt, colText, colText, colInt, colBytes}},
	{insEntryAccounts, []colType{colText, colText, colInt, colBytes}},
	{insBalancesNew, []colType{colText, colText, colAmount, colAmount, colAmount, colAmount, colBytes}},
	{insBalancesOld, []colType{colText, colText, colAmount, colAmount, colAmount, colAmount, colBytes}},
	{insEvents, []colType{colInt, colText, colInt, colText}},
}

// arrayIndex maps a shape's id to its place in arrayShapes, or -1; set
// with the ids (init).
var arrayIndex []int

// writeArraysSQL sets the counters ($1, $2, when $3) and writes the rows
// of arrayShapes ($4 on). Text compared with the tables' keys is cast to
// their collation, so that the primary key's index serves the UPDATE.
const writeArraysSQL = `WITH c AS (UPDATE counters SET value = CASE name WHEN 'entry' THEN $1::bigint ELSE $2::bigint END WHERE name IN ('entry', 'event') AND $3::bool),
e AS (INSERT INTO entries (` + entryCols + `) SELECT * FROM unnest($4::bigint[], $5::text[], $6::bytea[], $7::smallint[], $8::text[], $9::text[], $10::bigint[], $11::bytea[])),
ea AS (INSERT INTO entry_accounts (account, currency, seq, more) SELECT * FROM unnest($12::text[], $13::text[], $14::bigint[], $15::bytea[])),
bn AS (INSERT INTO balances (` + writerBalanceCols + `) SELECT a, c, dp::numeric, cp::numeric, dq::numeric, cq::numeric, r FROM unnest($16::text[], $17::text[], $18::text[], $19::text[], $20::text[], $21::text[], $22::bytea[]) AS u(a, c, dp, cp, dq, cq, r)),
bo AS (INSERT INTO balances (` + writerBalanceCols + `) SELECT a, c, dp::numeric, cp::numeric, dq::numeric, cq::numeric, r FROM unnest($23::text[], $24::text[], $25::text[], $26::text[], $27::text[], $28::text[], $29::bytea[]) AS u(a, c, dp, cp, dq, cq, r) ON CONFLICT (account, currency) DO UPDATE SET debits_posted = excluded.debits_posted, credits_posted = excluded.credits_posted, debits_pending = excluded.debits_pending, credits_pending = excluded.credits_pending, recent = excluded.recent)
INSERT INTO events (seq, type, time_ns, data) SELECT * FROM unnest($30::bigint[], $31::text[], $32::bigint[], $33::text[])`

// arrayRows collects the rows of arrayShapes column by column.
type arrayRows struct {
	cols [][]any // per shape, per column: a *[]int64, *[]string or *[][]byte
	n    int     // rows collected
}

func newArrayRows() *arrayRows {
	a := &arrayRows{cols: make([][]any, len(arrayShapes))}
	for i, sh := range arrayShapes {
		a.cols[i] = make([]any, len(sh.types))
		for j, ty := range sh.types {
			switch ty {
			case colInt:
				a.cols[i][j] = &[]int64{}
			case colBytes:
				a.cols[i][j] = &[][]byte{}
			default:
				a.cols[i][j] = &[]string{}
			}
		}
	}
	return a
}

// add appends one row of arrayShapes[i].
func (a *arrayRows) add(i int, args []any) error {
	a.n++
	for j, v := range args {
		switch col := a.cols[i][j].(type) {
		case *[]int64:
			switch v := v.(type) {
			case int64:
				*col = append(*col, v)
			case uint64:
				*col = append(*col, int64(v))
			case int:
				*col = append(*col, int64(v))
			default:
				return fmt.Errorf("column %d of %s: an integer of type %T", j, arrayShapes[i].shape.table, v)
			}
		case *[][]byte:
			b, ok := v.([]byte)
			if !ok {
				return fmt.Errorf("column %d of %s: bytes of type %T", j, arrayShapes[i].shape.table, v)
			}
			if b == nil {
				b = []byte{} // NOT NULL columns: an empty value, not NULL
			}
			*col = append(*col, b)
		case *[]string:
			switch v := v.(type) {
			case string:
				*col = append(*col, v)
			case int64: // an amount that fits in 63 bits (amountArg)
				*col = append(*col, strconv.FormatInt(v, 10))
			default:
				return fmt.Errorf("column %d of %s: text of type %T", j, arrayShapes[i].shape.table, v)
			}
		}
	}
	return nil
}

// exec writes the rows collected and, when reserved, the counters, in one
// statement.
func (a *arrayRows) exec(ctx context.Context, t *txn) error {
	if a.n == 0 && !t.counters {
		return nil
	}
	args := []any{int64(t.seq), int64(t.events), t.counters}
	for _, cols := range a.cols {
		for _, c := range cols {
			switch c := c.(type) {
			case *[]int64:
				args = append(args, *c)
			case *[][]byte:
				args = append(args, *c)
			case *[]string:
				args = append(args, *c)
			}
		}
	}
	st, err := t.prepared(ctx, writeArraysSQL)
	if err != nil {
		return err
	}
	if _, err := st.ExecContext(ctx, args...); err != nil {
		return fmt.Errorf("writing %d rows: %w", a.n, err)
	}
	t.counters = false
	return nil
}

// lockBalancesSQL reads and locks the balance rows of the keys in two
// arrays, accounts and currencies, in key order: one statement of fixed
// text for any number of keys.
const lockBalancesSQL = `SELECT ` + "b.account, b.currency, b.debits_posted, b.credits_posted, b.debits_pending, b.credits_pending, b.recent" + ` FROM balances b JOIN unnest($1::text[], $2::text[]) AS u(a, c) ON b.account = u.a COLLATE "C" AND b.currency = u.c COLLATE "C" ORDER BY b.account, b.currency FOR UPDATE OF b`

// lockBalanceArrays reads and locks the rows of keys with lockBalancesSQL,
// planned for them (Dialect.PlanPerCall).
func (t *txn) lockBalanceArrays(ctx context.Context, keys []string, currencies []string) ([]cachedBalance, error) {
	return collectBalanceRows(t.tx.QueryContext(ctx, lockBalancesSQL, t.s.planPerCall(keys, currencies)...))
}

// planPerCall returns args, led by Dialect.PlanPerCall when it is set.
func (s *Store) planPerCall(args ...any) []any {
	if s.d.PlanPerCall == nil {
		return args
	}
	return append([]any{s.d.PlanPerCall}, args...)
}
