package postgres

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"net/url"
	"os"
	"reflect"
	"testing"

	"github.com/tributary-ledger/tributary/engine"
	"github.com/tributary-ledger/tributary/ledger"
	"github.com/tributary-ledger/tributary/store/storetest"
)

// TestMigrateV1 opens a schema made by the previous release (a postings
// table, no postings column) and checks that its journal reads the same
// afterwards.
func TestMigrateV1(t *testing.T) {
	dsn, schema, db := oldSchema(t)
	ctx := context.Background()
	for _, stmt := range []string{
		`CREATE TABLE counters (name TEXT COLLATE "C" PRIMARY KEY, value BIGINT NOT NULL)`,
		`INSERT INTO counters (name, value) VALUES ('entry', 2), ('event', 2)`,
		`CREATE TABLE entries (seq BIGINT PRIMARY KEY, idem_key TEXT COLLATE "C" NOT NULL UNIQUE, hash BYTEA NOT NULL, kind SMALLINT NOT NULL, program TEXT COLLATE "C" NOT NULL, ref TEXT COLLATE "C" NOT NULL, time_ns BIGINT NOT NULL)`,
		`CREATE TABLE postings (seq BIGINT NOT NULL, idx INTEGER NOT NULL, from_account TEXT COLLATE "C" NOT NULL, to_account TEXT COLLATE "C" NOT NULL, currency TEXT COLLATE "C" NOT NULL, amount NUMERIC(78,0) NOT NULL, path TEXT COLLATE "C" NOT NULL, PRIMARY KEY (seq, idx))`,
		`CREATE TABLE balances (account TEXT COLLATE "C" NOT NULL, currency TEXT COLLATE "C" NOT NULL, debits_posted NUMERIC(78,0) NOT NULL, credits_posted NUMERIC(78,0) NOT NULL, debits_pending NUMERIC(78,0) NOT NULL, credits_pending NUMERIC(78,0) NOT NULL, PRIMARY KEY (account, currency))`,
		`INSERT INTO entries VALUES (1, 'k1', decode(repeat('00', 32), 'hex'), 1, '', '', 1000), (2, 'k2', decode(repeat('00', 32), 'hex'), 1, '', '', 2000)`,
		`INSERT INTO postings VALUES (1, 1, '@world', 'b', 'USD', 7, 'second'), (1, 0, '@world', 'a', 'USD', 10, 'first'), (2, 0, 'a', 'b', 'USD', 3, 'back')`,
		`INSERT INTO balances VALUES ('@world', 'USD', 17, 0, 0, 0), ('a', 'USD', 3, 10, 0, 0), ('b', 'USD', 0, 10, 0, 0)`,
	} {
		if _, err := db.Exec(stmt); err != nil {
			t.Fatalf("%s: %v", stmt, err)
		}
	}
	db.Close()

	s, err := Open(ctx, dsn, schema)
	if err != nil {
		t.Fatalf("Open of a version 1 schema: %v", err)
	}
	defer s.Close()
	ents, err := s.Journal(ctx, 0, 0)
	if err != nil {
		t.Fatal(err)
	}
	var got [][3]string
	for _, e := range ents {
		for _, p := range e.Postings {
			got = append(got, [3]string{p.From + ">" + p.To, p.Amount.String(), p.Path})
		}
	}
	want := [][3]string{{"@world>a", "10", "first"}, {"@world>b", "7", "second"}, {"a>b", "3", "back"}}
	if len(ents) != 2 || !reflect.DeepEqual(got, want) {
		t.Errorf("journal after migration: %d entries, postings %v; want 2 entries, %v", len(ents), got, want)
	}
	byB, err := s.JournalFiltered(ctx, ledger.JournalFilter{Account: "b"})
	if err != nil || len(byB) != 2 {
		t.Errorf("JournalFiltered(b) = %d entries, %v; want 2", len(byB), err)
	}
	if _, err := engine.Verify(ctx, s); err != nil {
		t.Errorf("Verify after migration: %v", err)
	}
}

// searchPath is dsn with schema as its search path.
func searchPath(t *testing.T, dsn, schema string) string {
	t.Helper()
	u, err := url.Parse(dsn)
	if err != nil {
		t.Fatal(err)
	}
	q := u.Query()
	q.Set("search_path", schema)
	u.RawQuery = q.Encode()
	return u.String()
}

// oldSchema makes an empty PostgreSQL schema, dropped when t ends, and
// returns the server's URL, the schema's name and a connection to it, for
// the tables of a previous release.
func oldSchema(t *testing.T) (dsn, schema string, db *sql.DB) {
	dsn = os.Getenv("TRIBUTARY_POSTGRES_URL")
	if dsn == "" {
		t.Skip("TRIBUTARY_POSTGRES_URL is not set")
	}
	var b [6]byte
	if _, err := rand.Read(b[:]); err != nil {
		t.Fatal(err)
	}
	schema = "tributary_test_" + hex.EncodeToString(b[:])
	t.Cleanup(func() { _ = DropSchema(context.Background(), dsn, schema) })
	admin, err := sql.Open("pgx", dsn)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := admin.Exec("CREATE SCHEMA " + quoteIdent(schema)); err != nil {
		t.Fatal(err)
	}
	admin.Close()
	db, err = sql.Open("pgx", searchPath(t, dsn, schema))
	if err != nil {
		t.Fatal(err)
	}
	db.SetMaxOpenConns(1)
	t.Cleanup(func() { db.Close() })
	return dsn, schema, db
}

// TestMigrateV2 opens a schema that the release writing schema version 2
// left (storetest.SeedV2) and checks it reads and writes as before.
func TestMigrateV2(t *testing.T) {
	dsn, schema, db := oldSchema(t)
	storetest.SeedV2(t, db, Dialect)
	db.Close()
	s, err := Open(context.Background(), dsn, schema)
	if err != nil {
		t.Fatalf("Open of a version 2 schema: %v", err)
	}
	defer s.Close()
	storetest.CheckMigratedV2(t, s)
	// Schema version 4 changed SQLite's tables alone: PostgreSQL's went
	// from version 3 to 5, keeping their journal counters, and recorded
	// the last entry of the shared key space.
	raw, err := sql.Open("pgx", searchPath(t, dsn, schema))
	if err != nil {
		t.Fatal(err)
	}
	defer raw.Close()
	var version, counters, shared, last int
	if err := raw.QueryRow(`SELECT (SELECT value FROM counters WHERE name = 'schema'), (SELECT COUNT(*) FROM counters WHERE name IN ('entry', 'event')), (SELECT value FROM counters WHERE name = 'shared_keys'), (SELECT MAX(seq) FROM entries)`).Scan(&version, &counters, &shared, &last); err != nil || version != 5 || counters != 2 || shared != 50 || last < shared {
		t.Errorf("schema version %d with %d journal counters, shared keys until %d of %d, %v; want 5 with 2, until the fixture's last entry, 50", version, counters, shared, last, err)
	}
}
