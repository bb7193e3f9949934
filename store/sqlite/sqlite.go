// Package sqlite is Tributary's embedded default store: one SQLite file in
// WAL mode through modernc.org/sqlite, a pure-Go driver, so `tributary
// serve` needs nothing installed beside it.
//
// Writes go through a single connection: SQLite admits one writer at a
// time anyway, and a single writing connection turns lock contention into a
// queue in Go instead of busy-waiting in the database. Reads use their own
// pool and, thanks to WAL, never wait for writes. Commits are durable
// (synchronous=FULL): an acknowledged entry survives a power cut, not only
// a killed process. Being the only writer, the store keeps committed
// balances in memory and checks at every transaction, through the
// journal's last entry number, that no other process wrote meanwhile
// (sqlstore.balanceCache). That number, and the events', are read off the
// tables when a transaction begins: there are no counter rows to rewrite
// at every commit (schema version 4).
// The writer checkpoints the WAL itself, as SQLite does by default, except
// after a transaction large enough that copying its pages into the database
// file would hold its commit for a good part of a second: that checkpoint
// runs on a connection of its own (see checkpoint.go).
package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"net/url"
	"strings"

	"modernc.org/sqlite"
	sqlite3 "modernc.org/sqlite/lib"

	"github.com/tributary-ledger/tributary/engine"
	"github.com/tributary-ledger/tributary/store/sqlstore"
)

// Store is a ledger in one SQLite file.
type Store struct {
	*sqlstore.Store
	w    *sql.DB // the writer's pool, one connection
	r    *sql.DB // the readers' pool
	ckpt *checkpointer
}

var _ engine.Store = (*Store)(nil)

// Dialect is SQLite's.
var Dialect = sqlstore.Dialect{
	Name: "sqlite",
	// No declared type, so no affinity: amounts that fit in 63 bits are
	// stored as integers, larger ones as decimal text (see amountArg).
	AmountType:   "",
	BytesType:    "BLOB",
	TextType:     "TEXT",
	SeqPK:        "INTEGER PRIMARY KEY",
	TableSuffix:  " WITHOUT ROWID",
	Numbered:     false,
	LockRows:     false,
	Retryable:    retryable,
	ParamsMax:    32766,
	SingleWriter: true,
	SeqFromMax:   true,
	UniqueKeys:   true,
	// Accepted entries are written while the engine runs a batch's later
	// operations (engine.Tx.Streaming).
	ConcurrentStatements: true,
}

// retryable reports a lock held by another process, and an entry written
// under a key the journal holds: the engine writes small batches without
// looking their keys up first, and runs them again, looking up, when one
// was used (engine.Tx.UniqueKeys). No other constraint failure is retried.
func retryable(err error) bool {
	var e *sqlite.Error
	if !errors.As(err, &e) {
		return false
	}
	switch e.Code() & 0xff {
	case sqlite3.SQLITE_BUSY, sqlite3.SQLITE_LOCKED:
		return true
	}
	return e.Code() == sqlite3.SQLITE_CONSTRAINT_UNIQUE && strings.Contains(e.Error(), "entries.idem_key")
}

// ReadersMax bounds the read connections.
const ReadersMax = 8

// Open opens or creates the store in the file at path.
func Open(ctx context.Context, path string) (*Store, error) {
	dsn := func(txlock string, extra ...string) string {
		v := url.Values{}
		for _, p := range append([]string{"busy_timeout(10000)", "journal_mode(WAL)", "synchronous(FULL)", "cache_size(-65536)", "temp_store(MEMORY)"}, extra...) {
			v.Add("_pragma", p)
		}
		v.Set("_txlock", txlock)
		return "file:" + (&url.URL{Path: path}).EscapedPath() + "?" + v.Encode()
	}
	w, err := sql.Open("sqlite", dsn("immediate", fmt.Sprintf("wal_autocheckpoint(%d)", walAutoPages)))
	if err != nil {
		return nil, fmt.Errorf("opening %s: %w", path, err)
	}
	w.SetMaxOpenConns(1)
	w.SetMaxIdleConns(1)
	w.SetConnMaxLifetime(0)
	w.SetConnMaxIdleTime(0)
	if err := w.PingContext(ctx); err != nil {
		w.Close()
		return nil, fmt.Errorf("opening %s: %w", path, err)
	}
	r, err := sql.Open("sqlite", dsn("deferred", "query_only(1)"))
	if err != nil {
		w.Close()
		return nil, fmt.Errorf("opening %s for reading: %w", path, err)
	}
	r.SetMaxOpenConns(ReadersMax)
	r.SetMaxIdleConns(ReadersMax)
	s, err := sqlstore.New(ctx, w, r, Dialect)
	if err != nil {
		w.Close()
		r.Close()
		return nil, fmt.Errorf("opening %s: %w", path, err)
	}
	ck, err := sql.Open("sqlite", dsn("deferred"))
	if err != nil {
		s.Close()
		return nil, fmt.Errorf("opening %s for checkpoints: %w", path, err)
	}
	ck.SetMaxOpenConns(1)
	st := &Store{Store: s, w: w, r: r, ckpt: startCheckpointer(ck)}
	s.SetLargeCommit(largeCommitRows, func(ctx context.Context, tx *sql.Tx) error {
		_, err := tx.ExecContext(ctx, "PRAGMA wal_autocheckpoint = 0")
		return err
	}, func() {
		// The writer's own checkpoints resume with the next commit; the
		// one this commit would have run is left to the checkpointer.
		_, _ = w.Exec(fmt.Sprintf("PRAGMA wal_autocheckpoint = %d", walAutoPages))
		st.ckpt.poke()
	})
	return st, nil
}

// Close stops the checkpointer and closes the file.
func (s *Store) Close() error {
	return errors.Join(s.ckpt.stop(), s.Store.Close())
}
