// Package sqlstore is the SQL store shared by store/sqlite and
// store/postgres: one implementation of the engine's transactions and of the
// read queries, over database/sql, with the few differences between the two
// databases gathered in a Dialect. Keeping one implementation means the two
// stores cannot drift apart in what they mean; the conformance suite in
// store/storetest checks that they do not.
package sqlstore

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"math"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/tributary-ledger/tributary/engine"
	"github.com/tributary-ledger/tributary/errcode"
	"github.com/tributary-ledger/tributary/ledger"
	"github.com/tributary-ledger/tributary/money"
)

// Dialect gathers what differs between databases.
type Dialect struct {
	Name       string
	AmountType string // column type for 256-bit amounts
	BytesType  string // column type for byte strings
	TextType   string // column type for text compared bytewise
	SeqPK      string // column definition of a sequence-number primary key
	// TableSuffix ends CREATE TABLE for tables keyed by something other
	// than a sequence number.
	TableSuffix string
	// Numbered reports placeholders written $1, $2… (PostgreSQL); otherwise
	// they are rewritten to ?1, ?2… (SQLite), which bind the same way.
	Numbered bool
	// LockRows appends FOR UPDATE to reads that precede writes. SQLite has
	// one writer at a time and needs no row locks.
	LockRows bool
	// Retryable reports errors after which the transaction may be run again.
	Retryable func(error) bool
	// ParamsMax bounds the placeholders in one statement.
	ParamsMax int
	// ReadIsolation is the isolation of read transactions that need one
	// snapshot across several statements: SQLite's are snapshots anyway;
	// PostgreSQL's READ COMMITTED takes one per statement.
	ReadIsolation sql.IsolationLevel
	// ConcurrentStatements reports that a connection runs a statement
	// while another's rows are open (SQLite); PostgreSQL's wire protocol
	// does not.
	ConcurrentStatements bool
	// SingleWriter reports that every transaction of a Store goes through
	// one connection, one after another (SQLite). The store then keeps
	// committed balances in memory (see balanceCache).
	SingleWriter bool
	// CacheBalances keeps committed balances in memory (see balanceCache)
	// for a store whose writers lock the journal counters first
	// (PostgreSQL): a transaction that finds the entry counter where this
	// process's last commit left it, no other process having written
	// since, reads and locks only the balances the cache does not hold.
	// Unlike a single writer's, the cache is never read whole from the
	// database: with other nodes writing, that would be every commit.
	CacheBalances bool
	// SeqFromMax reports that the journal's numbers are the largest
	// sequence numbers in the entries and events tables (SQLite, from
	// schema version 4), read where a transaction begins, rather than two
	// counter rows that every commit updates. Writers that take one
	// database-wide lock (SQLite's) need no row to serialize on, and a
	// commit then writes one statement and one page less; writers that
	// lock rows (PostgreSQL) take the counter rows first, which gives
	// their locks one order (see Update).
	SeqFromMax bool
	// UniqueKeys reports that Retryable reports the failure of an entry
	// written under an idempotency key the journal holds (the unique index
	// on entries.idem_key refuses it): the engine may then write small
	// batches without looking their keys up (engine.Tx.UniqueKeys).
	UniqueKeys bool
	// Arrays reports that statements bind arrays and unnest them
	// (PostgreSQL): a commit's rows then go in one statement of fixed
	// text, and a batch's balances are locked in one (see arrays.go).
	Arrays bool
	// PlanPerCall, when set, leads the arguments of the statements whose
	// plan must fit their arguments, at every call: the balances a batch
	// locks and the keys it looks up, joined with or searched in tables
	// that grow (pgx.QueryExecModeExec: an unnamed statement, planned
	// with its values). A prepared statement's generic plan assumes lists
	// of unknown length and keeps the plan made for the table's size when
	// it was chosen: made on a fresh database, it scanned every balance at
	// every commit ten thousand balances later.
	PlanPerCall any
}

// Store is a ledger store in a SQL database.
type Store struct {
	w *sql.DB // writes; for SQLite a single connection
	r *sql.DB // reads; may be the same pool
	d Dialect

	// stmts caches prepared statements of the write path. Parsing SQL was
	// most of the cost of a commit on SQLite, whose driver prepares every
	// statement afresh; pgx caches on its own, and this costs it nothing.
	stmtsMu sync.Mutex
	stmts   map[string]*sql.Stmt

	// ins[shape.id][c] inserts insertChunks[c] rows of shape; nil when that
	// many would pass the dialect's ParamsMax.
	ins [][len(insertChunks)]*sql.Stmt

	cache *balanceCache // nil unless the dialect has a single writer or caches balances (CacheBalances)

	// largeRows, beforeLarge and afterLarge: see SetLargeCommit.
	largeRows   int
	beforeLarge func(context.Context, *sql.Tx) error
	afterLarge  func()
	// onEvents: see OnEvents; replaced whole, never changed in place.
	onEvents atomic.Pointer[[]func()]
	eventsMu sync.Mutex // serializes OnEvents

	tokenByHash *sql.Stmt // on the reader pool
}

// prepared returns the statement for query bound to tx: the cached one if
// Open prepared it, otherwise one prepared in the transaction. Statements
// cannot be prepared on the writer pool from inside a transaction, because
// SQLite's pool has one connection and the transaction holds it.
func (t *txn) prepared(ctx context.Context, query string) (*sql.Stmt, error) {
	t.s.stmtsMu.Lock()
	st, ok := t.s.stmts[query]
	t.s.stmtsMu.Unlock()
	if ok {
		return t.tx.StmtContext(ctx, st), nil
	}
	return t.tx.PrepareContext(ctx, query)
}

// prepareAll prepares the statements of the write path, outside any
// transaction.
func (s *Store) prepareAll(ctx context.Context) error {
	queries := []string{
		s.q(balanceByKeySQL),
		s.q(balanceRangeSQL),
		s.q(stateSQL + s.lock()),
		s.q(withdrawalSQL + s.lock()),
		s.q(deleteStateSQL),
	}
	if s.d.SeqFromMax {
		queries = append(queries, LastSeqsSQL)
	} else {
		queries = append(queries, countersSQL+s.lock(), s.q(reserveSQL))
	}
	for _, n := range keysChunks {
		queries = append(queries, s.keysSQL(n))
	}
	if s.d.Arrays {
		queries = append(queries, writeArraysSQL)
	}
	for _, q := range queries {
		st, err := s.w.PrepareContext(ctx, q)
		if err != nil {
			return fmt.Errorf("preparing %.60s…: %w", q, err)
		}
		s.stmts[q] = st
	}
	s.ins = make([][len(insertChunks)]*sql.Stmt, len(insertShapes))
	for _, g := range insertShapes {
		for c, n := range insertChunks {
			if n*g.ncols > s.d.ParamsMax {
				continue
			}
			q := s.insertSQL(g, n)
			st, err := s.w.PrepareContext(ctx, q)
			if err != nil {
				return fmt.Errorf("preparing %.60s…: %w", q, err)
			}
			s.ins[g.id][c] = st
		}
	}
	return nil
}

var _ engine.Store = (*Store)(nil)

// New creates the schema if needed and returns the store. w is used for
// transactions, r for reads.
func New(ctx context.Context, w, r *sql.DB, d Dialect) (*Store, error) {
	s := &Store{w: w, r: r, d: d, stmts: map[string]*sql.Stmt{}}
	if d.SingleWriter || d.CacheBalances {
		s.cache = newBalanceCache()
	}
	for _, stmt := range schemaFor(d) {
		if _, err := w.ExecContext(ctx, stmt); err != nil {
			return nil, fmt.Errorf("creating schema (%s): %w", firstLine(stmt), err)
		}
	}
	if err := s.migrate(ctx); err != nil {
		return nil, err
	}
	if err := s.prepareAll(ctx); err != nil {
		return nil, err
	}
	st, err := r.PrepareContext(ctx, s.q("SELECT "+tokenCols+" FROM tokens WHERE hash = $1"))
	if err != nil {
		return nil, fmt.Errorf("preparing the token lookup: %w", err)
	}
	s.tokenByHash = st
	return s, nil
}

func firstLine(s string) string {
	s = strings.TrimSpace(s)
	if i := strings.IndexByte(s, '\n'); i >= 0 {
		return s[:i]
	}
	return s
}

// Close closes both pools.
func (s *Store) Close() error {
	s.stmtsMu.Lock()
	for _, st := range s.stmts {
		st.Close()
	}
	s.stmts = map[string]*sql.Stmt{}
	for _, sts := range s.ins {
		for _, st := range sts {
			if st != nil {
				st.Close()
			}
		}
	}
	s.ins = nil
	s.stmtsMu.Unlock()
	if s.tokenByHash != nil {
		s.tokenByHash.Close()
	}
	err := s.w.Close()
	if s.r != s.w {
		err = errors.Join(err, s.r.Close())
	}
	return err
}

// Ping checks that the database answers.
func (s *Store) Ping(ctx context.Context) error { return s.r.PingContext(ctx) }

// q rewrites $n placeholders for the dialect. For SQLite, placeholders
// numbered 1, 2, 3… in order become plain "?": SQLite maps numbered
// parameters to names through a linear list, which made a multi-row INSERT
// with thousands of ?NNN parameters quadratic (half of all CPU time in a
// batched commit). Queries that reuse a number keep ?NNN.
func (s *Store) q(query string) string {
	if s.d.Numbered {
		return query
	}
	var sb strings.Builder
	sb.Grow(len(query))
	next := 1
	for i := 0; i < len(query); i++ {
		if query[i] != '$' {
			sb.WriteByte(query[i])
			continue
		}
		j := i + 1
		for j < len(query) && query[j] >= '0' && query[j] <= '9' {
			j++
		}
		n, err := strconv.Atoi(query[i+1 : j])
		if err != nil || n != next {
			return strings.ReplaceAll(query, "$", "?")
		}
		next++
		sb.WriteByte('?')
		i = j - 1
	}
	return sb.String()
}

// Statements of the write path, prepared once by prepareAll.
const (
	countersSQL = "SELECT name, value FROM counters WHERE name IN ('entry', 'event') ORDER BY name"
	// LastSeqsSQL reads the journal's last numbers where there are no
	// counters (Dialect.SeqFromMax): each is one step down a B-tree, a
	// plan the SQLite store's tests check, since every transaction begins
	// with it and a scan would grow with the journal.
	LastSeqsSQL = "SELECT (SELECT COALESCE(MAX(seq), 0) FROM entries), (SELECT COALESCE(MAX(seq), 0) FROM events)"
	// reserveSQL sets both journal counters in one statement.
	reserveSQL     = "UPDATE counters SET value = CASE name WHEN 'entry' THEN CAST($1 AS BIGINT) ELSE CAST($2 AS BIGINT) END WHERE name IN ('entry', 'event')"
	stateSQL       = "SELECT value FROM state WHERE program = $1 AND skey = $2"
	withdrawalSQL  = "SELECT " + withdrawalCols + " FROM withdrawals WHERE id = $1"
	deleteStateSQL = "DELETE FROM state WHERE program = $1 AND skey = $2"
)

func (s *Store) lock() string {
	if s.d.LockRows {
		return " FOR UPDATE"
	}
	return ""
}

// SetLargeCommit has a transaction that wrote at least rows rows call
// before in it just before it commits, and after once the commit is over
// (whether it committed or not). SQLite's store uses it to leave a large
// transaction's checkpoint to another connection. Call it before the
// first write.
func (s *Store) SetLargeCommit(rows int, before func(context.Context, *sql.Tx) error, after func()) {
	s.largeRows, s.beforeLarge, s.afterLarge = rows, before, after
}

// Update runs fn in one transaction.
func (s *Store) Update(ctx context.Context, fn func(engine.Tx) error) error {
	sqlTx, err := s.w.BeginTx(ctx, nil)
	if err != nil {
		return s.classify(fmt.Errorf("beginning transaction: %w", err))
	}
	t := &txn{s: s, tx: sqlTx, existing: map[existKey]bool{}}
	// Read both journal counters first, and on PostgreSQL lock them.
	// Every writing transaction holds them from Reserve to commit anyway,
	// so commits are serialized on them whatever we do; taking them first
	// gives all locks one global order, which the balances of a batch
	// (each operation locking its own, in its own order) do not have:
	// without it, eight batched writers deadlocked on nearly every batch.
	// Held from here on (SQLite's single writer holds everything), they
	// also give Reserve and Counters their numbers without another read.
	// SQLite has no counter rows (Dialect.SeqFromMax): the write lock its
	// transactions begin with is the serialization, and the numbers are
	// read off the tables instead.
	if err := t.readCounters(ctx); err != nil {
		_ = sqlTx.Rollback()
		return s.classify(fmt.Errorf("reading the journal counters: %w", err))
	}
	t.events0 = t.events
	if s.cache != nil && s.cache.begin(t.seq) && s.d.SingleWriter {
		if err := t.fillCache(ctx); err != nil {
			_ = sqlTx.Rollback()
			return s.classify(fmt.Errorf("reading balances into memory: %w", err))
		}
	}
	err = fn(t)
	if t.ins != nil {
		// Entries were streamed and Write never came: stop the pipeline
		// before the transaction ends under it.
		t.ins.abort()
		t.ins = nil
	}
	if err != nil {
		_ = sqlTx.Rollback()
		return s.classify(err)
	}
	if t.counters {
		// Reserved, and no Write carried the counters (see arrays.go).
		if err := t.writeCounters(ctx); err != nil {
			_ = sqlTx.Rollback()
			return s.classify(err)
		}
	}
	if s.largeRows > 0 && t.rows >= s.largeRows {
		if err := s.beforeLarge(ctx, sqlTx); err != nil {
			_ = sqlTx.Rollback()
			return s.classify(fmt.Errorf("before committing %d rows: %w", t.rows, err))
		}
		defer s.afterLarge()
	}
	if err := s.commit(sqlTx, t); err != nil {
		return err
	}
	if t.events != t.events0 {
		if fns := s.onEvents.Load(); fns != nil {
			for _, fn := range *fns {
				fn()
			}
		}
	}
	return nil
}

func (s *Store) commit(sqlTx *sql.Tx, t *txn) error {
	if s.cache == nil {
		if err := sqlTx.Commit(); err != nil {
			return s.classify(fmt.Errorf("committing: %w", err))
		}
		return nil
	}
	s.cache.mu.Lock()
	defer s.cache.mu.Unlock()
	if err := sqlTx.Commit(); err != nil {
		s.cache.invalidate() // it may have committed or not
		return s.classify(fmt.Errorf("committing: %w", err))
	}
	if t.cacheOverflow {
		s.cache.invalidate()
	} else {
		s.cache.merge(t.reads, t.written, t.seq)
	}
	return nil
}

// OnEvents has fn called after every transaction that committed events to
// the outbox, in the committing goroutine, from the next commit on: fn
// must not block. The event streams of an API server in this process wake
// so, whoever committed (a request, the chain watcher, a program), and
// PostgreSQL tells other processes.
func (s *Store) OnEvents(fn func()) {
	s.eventsMu.Lock()
	defer s.eventsMu.Unlock()
	var fns []func()
	if old := s.onEvents.Load(); old != nil {
		fns = append(fns, *old...)
	}
	fns = append(fns, fn)
	s.onEvents.Store(&fns)
}

func (s *Store) classify(err error) error {
	if s.d.Retryable != nil && s.d.Retryable(err) && !errors.Is(err, engine.ErrRetry) {
		return fmt.Errorf("%w: %v", engine.ErrRetry, err)
	}
	return err
}

// existKey remembers which rows a transaction read and whether it found
// them. Write updates a row that was found (it is locked), inserts a row
// that was read and found missing with a plain INSERT — if a concurrent
// writer created it meanwhile, the INSERT fails on the key instead of
// silently overwriting what the reader did not see, and the engine runs the
// batch again — and upserts a row that was never read, because a blind
// write depends on nothing it could have missed.
type existKey struct {
	table string
	a, b  string
}

type txn struct {
	s  *Store
	tx *sql.Tx
	// existing: state and withdrawal rows found (true) or read and
	// missing (false); bals: the same for balances, with their recent
	// entries.
	existing map[existKey]bool
	bals     balanceRows

	// The journal counters, read at the start (see Update) and moved by
	// Reserve; with a balance cache, the balances read from the database
	// and those written.
	seq     uint64
	events  uint64
	events0 uint64 // events at the start: did the transaction write any?
	reads   []cachedBalance
	written []cachedBalance
	// ins holds the entries AddEntry took, until Write.
	ins *inserter
	// rows counts the rows the transaction wrote.
	rows int
	// counters: Reserve moved seq and events, and the counter rows are
	// yet to be written (Dialect.Arrays: with the next Write's rows).
	counters bool
	// cacheOverflow: the transaction read or wrote more balances than the
	// cache holds; at commit the cache is dropped instead of merged.
	cacheOverflow bool
}

const entryCols = "seq, idem_key, hash, kind, program, ref, time_ns, postings"

var _ engine.Tx = (*txn)(nil)

// UniqueKeys reports whether an entry under a used key fails the
// transaction with a retryable error (Dialect.UniqueKeys).
func (t *txn) UniqueKeys() bool { return t.s.d.UniqueKeys }

// keysChunks are the list lengths of the key lookups Entries sends: a few
// fixed shapes, prepared once.
var keysChunks = []int{256, 64, 16, 4, 1}

func (s *Store) keysSQL(n int) string {
	var sb strings.Builder
	sb.WriteString("SELECT " + entryCols + " FROM entries WHERE idem_key IN (")
	for i := 1; i <= n; i++ {
		if i > 1 {
			sb.WriteByte(',')
		}
		if s.d.Numbered {
			sb.WriteString("$" + strconv.Itoa(i))
		} else {
			sb.WriteByte('?')
		}
	}
	sb.WriteByte(')')
	return sb.String()
}

// Entries looks keys up in a few statements, one per chunk of keys.
func (t *txn) Entries(ctx context.Context, keys []string) ([]ledger.Entry, error) {
	uniq := make([]any, 0, len(keys))
	seen := make(map[string]bool, len(keys))
	for _, k := range keys {
		if !seen[k] {
			seen[k] = true
			uniq = append(uniq, k)
		}
	}
	var out []ledger.Entry
	for start := 0; start < len(uniq); {
		// The smallest shape that takes the rest (or the largest), the
		// list padded with repeats of its last key: one statement for a
		// group of 13 keys rather than four.
		n := keysChunks[0]
		for _, c := range keysChunks {
			if c >= len(uniq)-start {
				n = c
			}
		}
		args := slices.Clip(uniq[start:min(start+n, len(uniq))])
		for len(args) < n {
			args = append(args, args[len(args)-1])
		}
		rows, err := t.queryKeys(ctx, n, args)
		if err != nil {
			return nil, err
		}
		ents, err := scanEntries(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, ents...)
		start += n
	}
	return out, nil
}

// queryKeys runs keysSQL(n) with args: prepared, or planned for its
// values (Dialect.PlanPerCall).
func (t *txn) queryKeys(ctx context.Context, n int, args []any) (*sql.Rows, error) {
	if t.s.d.PlanPerCall != nil {
		return t.tx.QueryContext(ctx, t.s.keysSQL(n), t.s.planPerCall(args...)...)
	}
	st, err := t.prepared(ctx, t.s.keysSQL(n))
	if err != nil {
		return nil, err
	}
	return st.QueryContext(ctx, args...)
}

type querier interface {
	QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error)
	QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row
}

func (s *Store) entryByKey(ctx context.Context, q querier, key string) (ledger.Entry, bool, error) {
	rows, err := q.QueryContext(ctx, s.q("SELECT "+entryCols+" FROM entries WHERE idem_key = $1"), key)
	if err != nil {
		return ledger.Entry{}, false, err
	}
	ents, err := scanEntries(rows)
	if err != nil || len(ents) == 0 {
		return ledger.Entry{}, false, err
	}
	return ents[0], true, nil
}

func scanEntries(rows *sql.Rows) ([]ledger.Entry, error) {
	defer rows.Close()
	var out []ledger.Entry
	for rows.Next() {
		var e ledger.Entry
		var hash, postings []byte
		var kind int
		var ns int64
		if err := rows.Scan(&e.Seq, &e.Key, &hash, &kind, &e.Program, &e.Ref, &ns, &postings); err != nil {
			return nil, err
		}
		ps, err := decodePostings(postings)
		if err != nil {
			return nil, fmt.Errorf("entry %d: %w", e.Seq, err)
		}
		e.Postings = ps
		if len(hash) != len(e.Hash) {
			return nil, fmt.Errorf("entry %d has a %d-byte hash", e.Seq, len(hash))
		}
		copy(e.Hash[:], hash)
		e.Kind = ledger.Kind(kind)
		e.Time = fromNanos(ns)
		out = append(out, e)
	}
	return out, rows.Err()
}

func (t *txn) LockState(ctx context.Context, program, key string) ([]byte, bool, error) {
	var v []byte
	st, err := t.prepared(ctx, t.s.q(stateSQL+t.s.lock()))
	if err != nil {
		return nil, false, err
	}
	err = st.QueryRowContext(ctx, program, key).Scan(&v)
	if errors.Is(err, sql.ErrNoRows) {
		t.existing[existKey{"state", program, key}] = false
		return nil, false, nil
	}
	if err != nil {
		return nil, false, err
	}
	t.existing[existKey{"state", program, key}] = true
	if v == nil {
		v = []byte{}
	}
	return v, true, nil
}

const withdrawalCols = "id, account, destination, currency, amount, state, request_seq, resolve_seq, created_ns, resolved_ns"

func scanWithdrawal(sc interface{ Scan(...any) error }) (ledger.Withdrawal, error) {
	var w ledger.Withdrawal
	var amount any
	var state int
	var created, resolved int64
	if err := sc.Scan(&w.ID, &w.Account, &w.Destination, &w.Currency, &amount, &state, &w.RequestSeq, &w.ResolveSeq, &created, &resolved); err != nil {
		return w, err
	}
	a, err := parseAmount(amount)
	if err != nil {
		return w, fmt.Errorf("withdrawal %s: %w", w.ID, err)
	}
	w.Amount, w.State, w.Created, w.Resolved = a, ledger.WithdrawalState(state), fromNanos(created), fromNanos(resolved)
	return w, nil
}

func (t *txn) LockWithdrawal(ctx context.Context, id string) (ledger.Withdrawal, bool, error) {
	st, err := t.prepared(ctx, t.s.q(withdrawalSQL+t.s.lock()))
	if err != nil {
		return ledger.Withdrawal{}, false, err
	}
	w, err := scanWithdrawal(st.QueryRowContext(ctx, id))
	if errors.Is(err, sql.ErrNoRows) {
		t.existing[existKey{"withdrawals", id, ""}] = false
		return ledger.Withdrawal{}, false, nil
	}
	if err != nil {
		return ledger.Withdrawal{}, false, err
	}
	t.existing[existKey{"withdrawals", id, ""}] = true
	return w, true, nil
}

func (t *txn) Reserve(ctx context.Context, entries, events int) (uint64, uint64, error) {
	firstEntry, firstEvent := t.seq+1, t.events+1
	// Where the numbers follow from the tables (SQLite), the rows this
	// transaction writes are the reservation, and its write lock keeps
	// them its own.
	t.seq += uint64(entries)
	t.events += uint64(events)
	if !t.s.d.SeqFromMax {
		// The counter rows are locked since the transaction began; with
		// arrays, the write that follows carries their new values.
		t.counters = true
		if !t.s.d.Arrays {
			if err := t.writeCounters(ctx); err != nil {
				return 0, 0, err
			}
		}
	}
	return firstEntry, firstEvent, nil
}

// writeCounters writes the counters Reserve moved.
func (t *txn) writeCounters(ctx context.Context) error {
	st, err := t.prepared(ctx, t.s.q(reserveSQL))
	if err == nil {
		_, err = st.ExecContext(ctx, t.seq, t.events)
	}
	if err != nil {
		return fmt.Errorf("writing the journal counters (entry %d, event %d): %w", t.seq, t.events, err)
	}
	t.counters = false
	return nil
}

// readCounters reads both journal counters (locking them where rows are
// locked), or where there are none, the last numbers in the tables.
func (t *txn) readCounters(ctx context.Context) error {
	if t.s.d.SeqFromMax {
		st, err := t.prepared(ctx, LastSeqsSQL)
		if err != nil {
			return err
		}
		return st.QueryRowContext(ctx).Scan(&t.seq, &t.events)
	}
	st, err := t.prepared(ctx, countersSQL+t.s.lock())
	if err != nil {
		return err
	}
	var n int
	if t.seq, t.events, n, err = scanCounters(st.QueryContext(ctx)); err != nil {
		return err
	}
	if n != 2 {
		return fmt.Errorf("%d journal counters; want 2", n)
	}
	return nil
}

// scanCounters reads the rows of countersSQL: the entry and event
// counters, and how many of the two rows there were.
func scanCounters(rows *sql.Rows, err error) (entry, event uint64, n int, _ error) {
	if err != nil {
		return 0, 0, 0, err
	}
	defer rows.Close()
	for rows.Next() {
		var name string
		var v uint64
		if err := rows.Scan(&name, &v); err != nil {
			return 0, 0, 0, err
		}
		switch name {
		case "entry":
			entry = v
		case "event":
			event = v
		}
		n++
	}
	return entry, event, n, rows.Err()
}

// The shapes of the write path's INSERTs: table, columns and conflict
// clause. Write uses exactly these, so that prepareAll can prepare them.
var (
	insEntries       = &insertShape{table: "entries", cols: entryCols, ncols: 8}
	insEntryAccounts = &insertShape{table: "entry_accounts", cols: "account, currency, seq, more", ncols: 4}
	insBalancesNew   = &insertShape{table: "balances", cols: writerBalanceCols, ncols: 7}
	insBalancesOld   = &insertShape{table: "balances", cols: writerBalanceCols, suffix: " ON CONFLICT (account, currency) DO UPDATE SET debits_posted = excluded.debits_posted, credits_posted = excluded.credits_posted, debits_pending = excluded.debits_pending, credits_pending = excluded.credits_pending, recent = excluded.recent", ncols: 7}
	insStateNew      = &insertShape{table: "state", cols: "program, skey, value", ncols: 3}
	insStateOld      = &insertShape{table: "state", cols: "program, skey, value", suffix: " ON CONFLICT (program, skey) DO UPDATE SET value = excluded.value", ncols: 3}
	insWithdrawalNew = &insertShape{table: "withdrawals", cols: withdrawalCols, ncols: 10}
	insWithdrawalOld = &insertShape{table: "withdrawals", cols: withdrawalCols, suffix: " ON CONFLICT (id) DO UPDATE SET state = excluded.state, resolve_seq = excluded.resolve_seq, resolved_ns = excluded.resolved_ns", ncols: 10}
	insEvents        = &insertShape{table: "events", cols: "seq, type, time_ns, data", ncols: 4}
	insertShapes     = []*insertShape{insEntries, insEntryAccounts, insBalancesNew, insBalancesOld, insStateNew, insStateOld, insWithdrawalNew, insWithdrawalOld, insEvents}
)

func init() {
	for i, sh := range insertShapes {
		sh.id = i
	}
	arrayIndex = make([]int, len(insertShapes))
	for i := range arrayIndex {
		arrayIndex[i] = -1
	}
	for i, a := range arrayShapes {
		arrayIndex[a.shape.id] = i
	}
}

// insertShape is one table's INSERT: its columns and conflict clause.
type insertShape struct {
	id                  int // index in insertShapes
	table, cols, suffix string
	ncols               int
}

// Streaming reports whether the dialect's connections run a statement
// while another statement's rows are open: the pipeline's INSERTs then
// interleave with the engine's reads.
func (t *txn) Streaming() bool { return t.s.d.ConcurrentStatements }

// Counters returns the next entry and event numbers, from the counters the
// transaction read and holds since it began (SQLite's single writer,
// PostgreSQL's row locks), so neither can move until it ends.
func (t *txn) Counters(ctx context.Context) (nextEntry, nextEvent uint64, err error) {
	return t.seq + 1, t.events + 1, nil
}

// AddEntry writes an accepted entry and its event now, into the pipeline
// that Write then finishes: SQLite inserts a batch's entries while the
// engine runs its later operations.
func (t *txn) AddEntry(ctx context.Context, e *ledger.Entry, ev engine.Event) error {
	if t.ins == nil {
		t.ins = newInserter(ctx, t, true)
	}
	if err := t.addEntry(t.ins, e); err != nil {
		return err
	}
	t.ins.add(insEvents, ev.Seq, ev.Type, toNanos(ev.Time), string(ev.Data))
	return nil
}

func (t *txn) addEntry(ins *inserter, e *ledger.Entry) error {
	n := postingsLen(e.Postings)
	if n > PostingsBlobMax {
		return fmt.Errorf("entry %q: its %d postings take about %d bytes; at most %d can be stored in one entry", e.Key, len(e.Postings), n, PostingsBlobMax)
	}
	var blob []byte
	if len(e.Postings) > 64 {
		blob = make([]byte, 0, n) // an upper bound: no growing a large entry's copy
	}
	ins.add(insEntries, e.Seq, e.Key, e.Hash[:], int(e.Kind), e.Program, e.Ref, toNanos(e.Time), encodePostings(blob, e.Postings))
	return nil
}

func (t *txn) Write(ctx context.Context, b *engine.Batch) error {
	ins := t.ins
	if rows := len(b.Entries) + len(b.Balances) + len(b.Events); ins == nil {
		ins = newInserter(ctx, t, rows > pipelineRowsMin)
		if t.s.d.Arrays && rows <= arraysRowsMax {
			ins.arrays = newArrayRows()
		}
	}
	t.ins = nil
	defer ins.abort()
	if b.Streamed > len(b.Entries) {
		return fmt.Errorf("a batch of %d entries says %d were written already", len(b.Entries), b.Streamed)
	}
	for _, e := range b.Entries[b.Streamed:] {
		if err := t.addEntry(ins, e); err != nil {
			return err
		}
	}
	if err := t.writeBalances(ins, b); err != nil {
		return err
	}
	var deletes []engine.StateWrite
	// Only the last write of a key in the batch is written: it is what
	// holds after the batch. Writing every one would run an earlier write
	// after a later one whenever their statement shapes differ (a plain
	// INSERT of a key first seen missing after the upsert of its second
	// write, or a delete after the write that followed it), and would put
	// one key twice into a multi-row upsert, which PostgreSQL refuses.
	last := make(map[existKey]int, len(b.State))
	for i, st := range b.State {
		last[existKey{"state", st.Program, st.Key}] = i
	}
	for i, st := range b.State {
		if last[existKey{"state", st.Program, st.Key}] != i {
			continue
		}
		if st.Value == nil {
			deletes = append(deletes, st)
			continue
		}
		shape := insStateNew
		if found, read := t.existing[existKey{"state", st.Program, st.Key}]; found || !read {
			shape = insStateOld
		}
		// A later batch in this transaction must update the row this one
		// inserted.
		t.existing[existKey{"state", st.Program, st.Key}] = true
		ins.add(shape, st.Program, st.Key, st.Value)
	}
	for _, i := range byID(b.Withdrawals) {
		w := &b.Withdrawals[i]
		// A pending withdrawal is only ever created: one the transaction
		// did not read is inserted, never upserted, so an ID that is
		// taken fails the commit instead of merging into the old row
		// (keeping its account and amount under the new debit). A later
		// batch of this transaction updates the row this one inserted.
		shape := insWithdrawalNew
		k := existKey{"withdrawals", w.ID, ""}
		if found, read := t.existing[k]; found || (!read && w.State != ledger.WithdrawalPending) {
			shape = insWithdrawalOld
		}
		t.existing[k] = true
		ins.add(shape, w.ID, w.Account, w.Destination, w.Currency, amountArg(w.Amount), int(w.State), w.RequestSeq, w.ResolveSeq, toNanos(w.Created), toNanos(w.Resolved))
	}
	for _, ev := range b.Events {
		ins.add(insEvents, ev.Seq, ev.Type, toNanos(ev.Time), string(ev.Data))
	}
	if err := ins.flush(); err != nil {
		return err
	}
	for _, st := range deletes {
		del, err := t.prepared(ctx, t.s.q(deleteStateSQL))
		if err == nil {
			_, err = del.ExecContext(ctx, st.Program, st.Key)
		}
		if err != nil {
			return fmt.Errorf("deleting state %s/%s: %w", st.Program, st.Key, err)
		}
	}
	return nil
}

// byID returns the order in which ws are inserted: by ID, so that the
// table's B-tree, keyed by ID, takes them on the pages it has just
// written rather than all over a table larger than the page cache. The
// engine hands a large operation's withdrawals over in the order the
// operation made them (a payout batch's, by account).
func byID(ws []ledger.Withdrawal) []int32 {
	idx := make([]int32, len(ws))
	for i := range idx {
		idx[i] = int32(i)
	}
	if !slices.IsSortedFunc(ws, func(x, y ledger.Withdrawal) int { return strings.Compare(x.ID, y.ID) }) {
		slices.SortFunc(idx, func(x, y int32) int { return strings.Compare(ws[x].ID, ws[y].ID) })
	}
	return idx
}

// amountArg is how an amount is stored: as an integer when it fits in 63
// bits, as decimal text otherwise. An integer is bound without the copy a
// string costs the SQLite driver, and takes a few bytes in the row, not a
// length and a digit each: a quarter of the cost of writing a balance. On
// SQLite the amount columns have no declared type (no affinity), so each
// value stays what it was bound as; PostgreSQL's NUMERIC takes both.
func amountArg(a money.Amount) any {
	if a.IsUint64() && a.Uint64() <= math.MaxInt64 {
		return int64(a.Uint64())
	}
	return a.String()
}

// parseAmount reads what amountArg stored (or, before schema version 3,
// decimal text).
func parseAmount(v any) (money.Amount, error) {
	switch v := v.(type) {
	case int64:
		if v < 0 {
			return money.Amount{}, fmt.Errorf("negative amount %d", v)
		}
		return money.FromUint64(uint64(v)), nil
	case string:
		return money.ParseUnits(v)
	case []byte:
		return money.ParseUnits(string(v))
	default:
		return money.Amount{}, fmt.Errorf("amount of type %T", v)
	}
}

func toNanos(t time.Time) int64 {
	if t.IsZero() {
		return 0
	}
	return t.UnixNano()
}

func fromNanos(ns int64) time.Time {
	if ns == 0 {
		return time.Time{}
	}
	return time.Unix(0, ns).UTC()
}

// ErrNotFound is returned by reads of a record that does not exist.
var ErrNotFound = ledger.ErrNotFound

func notFound(what, id string) error {
	return errcode.Errorf(ledger.ErrNotFound, "%s %q does not exist", what, id)
}
