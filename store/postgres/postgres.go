// Package postgres is Tributary's store for more than one API node: many
// `tributary serve` processes share one PostgreSQL database through pgx.
//
// Its SQL is plain (no stored procedures, no advisory locks, no
// PostgreSQL-only types beyond NUMERIC) so that it also suits
// PostgreSQL-compatible distributed databases. A writing transaction first
// locks the journal's two sequence counters, so that writers commit one at
// a time in sequence order (sequence order is commit order), then locks
// the rows it changes with SELECT … FOR UPDATE and creates new rows with
// plain INSERTs that fail rather than overwrite when another writer got
// there first. A transaction that loses a race is run again by the engine.
//
// The one PostgreSQL-only feature it uses is optional: after a commit that
// wrote events it sends a NOTIFY, outside the transaction, and Listen
// LISTENs for other processes' (see Listen). A database without them
// refuses both, and event streams on other nodes poll the outbox instead.
package postgres

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"errors"
	"fmt"
	"net/url"
	"sync"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	_ "github.com/jackc/pgx/v5/stdlib" // registers the "pgx" database/sql driver

	"github.com/tributary-ledger/tributary/engine"
	"github.com/tributary-ledger/tributary/store/sqlstore"
)

// Store is a ledger in a PostgreSQL database.
type Store struct {
	*sqlstore.Store
	db      *sql.DB
	dsn     string // reaches the store's schema, for Listen's connection
	channel string // NOTIFY channel of the schema's outbox
	node    string // this store's name in its notifications
	notify  chan struct{}
	stop    chan struct{}
	stopped chan struct{}
	closing sync.Once
}

var _ engine.Store = (*Store)(nil)

// Dialect is PostgreSQL's.
var Dialect = sqlstore.Dialect{
	Name:        "postgres",
	AmountType:  "NUMERIC(78,0)",
	BytesType:   "BYTEA",
	TextType:    `TEXT COLLATE "C"`,
	SeqPK:       "BIGINT PRIMARY KEY",
	TableSuffix: "",
	Numbered:    true,
	LockRows:    true,
	Retryable:   isRetryable,
	UniqueKeys:  true,
	Arrays:      true,
	// Writers lock the counters first: a node writing alone skips the
	// lock and read of the balances it wrote last.
	CacheBalances: true,
	PlanPerCall:   pgx.QueryExecModeExec,
	ParamsMax:     65535,
	// journalByAccount reads several statements from one snapshot.
	ReadIsolation: sql.LevelRepeatableRead,
}

func isRetryable(err error) bool {
	var e *pgconn.PgError
	if errors.As(err, &e) {
		switch e.Code {
		case "40001", // serialization_failure
			"40P01", // deadlock_detected
			"23505": // unique_violation: another writer created the row first
			return true
		}
	}
	return false
}

// ConnsMax bounds the connections one process opens.
const ConnsMax = 16

// Open connects to the database at the postgres:// URL dsn and creates the
// schema if needed. A non-empty schema selects (and creates) a PostgreSQL
// schema to hold the tables; tests use it to run side by side.
func Open(ctx context.Context, dsn, schema string) (*Store, error) {
	if schema != "" {
		u, err := url.Parse(dsn)
		if err != nil {
			return nil, fmt.Errorf("parsing database URL: %w", err)
		}
		admin, err := sql.Open("pgx", dsn)
		if err != nil {
			return nil, err
		}
		_, err = admin.ExecContext(ctx, "CREATE SCHEMA IF NOT EXISTS "+quoteIdent(schema))
		admin.Close()
		if err != nil {
			return nil, fmt.Errorf("creating schema %s: %w", schema, err)
		}
		q := u.Query()
		q.Set("search_path", schema)
		u.RawQuery = q.Encode()
		dsn = u.String()
	}
	db, err := sql.Open("pgx", dsn)
	if err != nil {
		return nil, fmt.Errorf("opening database: %w", err)
	}
	db.SetMaxOpenConns(ConnsMax)
	db.SetMaxIdleConns(ConnsMax)
	if err := db.PingContext(ctx); err != nil {
		db.Close()
		return nil, fmt.Errorf("connecting to database: %w", err)
	}
	s, err := sqlstore.New(ctx, db, db, Dialect)
	if err != nil {
		db.Close()
		return nil, err
	}
	var current string
	if err := db.QueryRowContext(ctx, "SELECT current_schema()").Scan(&current); err != nil {
		s.Close()
		return nil, fmt.Errorf("reading the current schema: %w", err)
	}
	var node [8]byte
	if _, err := rand.Read(node[:]); err != nil {
		s.Close()
		return nil, err
	}
	// A channel name is an identifier (at most 63 bytes, longer ones
	// are cut by LISTEN and refused by pg_notify), so the schema, which
	// may be as long, is named by a digest.
	schemaDigest := sha256.Sum256([]byte(current))
	st := &Store{Store: s, db: db, dsn: dsn, channel: "tributary_events_" + hex.EncodeToString(schemaDigest[:8]), node: hex.EncodeToString(node[:]),
		notify: make(chan struct{}, 1), stop: make(chan struct{}), stopped: make(chan struct{})}
	s.OnEvents(st.announce)
	go st.notifier()
	return st, nil
}

// Other processes learn of new events from a NOTIFY sent after each commit
// that wrote some (see Listen); they would find them at their next poll
// anyway, so a lost notification delays an event, it never loses one. The
// notification goes out after the commit, on its own, so that a write
// waits for no extra round trip, and commits that come while one is
// being sent share the next.

// announce asks the notifier to tell the others; it never blocks.
func (s *Store) announce() {
	select {
	case s.notify <- struct{}{}:
	default: // one is pending already, and will cover this commit too
	}
}

func (s *Store) notifier() {
	defer close(s.stopped)
	for {
		select {
		case <-s.stop:
			// A commit just before Close still tells the others.
			select {
			case <-s.notify:
				s.sendNotify()
			default:
			}
			return
		case <-s.notify:
			s.sendNotify()
		}
	}
}

func (s *Store) sendNotify() {
	ctx, cancel := context.WithTimeout(context.Background(), notifyTimeout)
	defer cancel()
	// A database without NOTIFY refuses it; its readers poll.
	_, _ = s.db.ExecContext(ctx, "SELECT pg_notify($1, $2)", s.channel, s.node)
}

// notifyTimeout bounds one notification.
const notifyTimeout = 5 * time.Second

// Listen calls fn each time another process commits events to this
// store's outbox, until ctx ends or its connection fails, and returns why.
// It holds a connection of its own, LISTENing on a channel named for the
// schema; it does not hear this store's own commits, which its process
// knows of. It calls fn once as soon as it listens, too: whatever was
// committed before (while a failed listener was down, say) was heard by
// no one.
func (s *Store) Listen(ctx context.Context, fn func()) error {
	conn, err := pgx.Connect(ctx, s.dsn)
	if err != nil {
		return fmt.Errorf("connecting to listen for events: %w", err)
	}
	defer conn.Close(context.Background())
	if _, err := conn.Exec(ctx, "LISTEN "+quoteIdent(s.channel)); err != nil {
		return fmt.Errorf("listening for events: %w", err)
	}
	fn()
	for {
		// A connection that died without a word would leave the wait
		// hanging until TCP gave up: after a quiet spell, ping it.
		wctx, cancel := context.WithTimeout(ctx, listenPing)
		n, err := conn.WaitForNotification(wctx)
		cancel()
		switch {
		case err == nil:
			if n.Payload != s.node {
				fn()
			}
		case ctx.Err() != nil:
			return fmt.Errorf("waiting for events: %w", ctx.Err())
		case errors.Is(err, context.DeadlineExceeded):
			if err := conn.Ping(ctx); err != nil {
				return fmt.Errorf("listening connection: %w", err)
			}
		default:
			return fmt.Errorf("waiting for events: %w", err)
		}
	}
}

// listenPing is how long Listen waits in silence before checking its
// connection.
var listenPing = 30 * time.Second

// Close stops the notifier and closes the database.
func (s *Store) Close() error {
	s.closing.Do(func() { close(s.stop) })
	<-s.stopped
	return s.Store.Close()
}

// DropSchema removes a schema made by Open and everything in it.
func DropSchema(ctx context.Context, dsn, schema string) error {
	db, err := sql.Open("pgx", dsn)
	if err != nil {
		return err
	}
	defer db.Close()
	_, err = db.ExecContext(ctx, "DROP SCHEMA IF EXISTS "+quoteIdent(schema)+" CASCADE")
	return err
}

func quoteIdent(s string) string { return pgx.Identifier{s}.Sanitize() }

// OpenFresh opens a store in a new, randomly named schema and returns it
// with the URL that reaches that schema (for other processes) and a function
// that closes the store and drops the schema. Tests use it to run side by
// side on one database and leave nothing behind.
func OpenFresh(ctx context.Context, dsn string) (*Store, string, func() error, error) {
	var b [6]byte
	if _, err := rand.Read(b[:]); err != nil {
		return nil, "", nil, err
	}
	schema := "tributary_test_" + hex.EncodeToString(b[:])
	s, err := Open(ctx, dsn, schema)
	if err != nil {
		_ = DropSchema(ctx, dsn, schema)
		return nil, "", nil, err
	}
	u, err := url.Parse(dsn)
	if err != nil {
		return nil, "", nil, err
	}
	q := u.Query()
	q.Set("search_path", schema)
	u.RawQuery = q.Encode()
	return s, u.String(), func() error {
		return errors.Join(s.Close(), DropSchema(context.Background(), dsn, schema))
	}, nil
}
