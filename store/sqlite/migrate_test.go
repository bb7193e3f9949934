package sqlite

import (
	"context"
	"database/sql"
	"fmt"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/tributary-ledger/tributary/engine"
	"github.com/tributary-ledger/tributary/ledger"
	"github.com/tributary-ledger/tributary/money"
	"github.com/tributary-ledger/tributary/store/sqlstore"
	"github.com/tributary-ledger/tributary/store/storetest"
)

// schemaV1 is the part of version 1's schema that version 2 changed, as
// the previous release created it, with a small journal in it.
var schemaV1 = []string{
	`CREATE TABLE counters (name TEXT PRIMARY KEY, value BIGINT NOT NULL) WITHOUT ROWID`,
	`INSERT INTO counters (name, value) VALUES ('entry', 3), ('event', 3)`,
	`CREATE TABLE entries (seq INTEGER PRIMARY KEY, idem_key TEXT NOT NULL UNIQUE, hash BLOB NOT NULL, kind SMALLINT NOT NULL, program TEXT NOT NULL, ref TEXT NOT NULL, time_ns BIGINT NOT NULL)`,
	`CREATE INDEX entries_time ON entries (time_ns, seq)`,
	`CREATE TABLE postings (seq BIGINT NOT NULL, idx INTEGER NOT NULL, from_account TEXT NOT NULL, to_account TEXT NOT NULL, currency TEXT NOT NULL, amount TEXT NOT NULL, path TEXT NOT NULL, PRIMARY KEY (seq, idx)) WITHOUT ROWID`,
	`CREATE INDEX postings_from ON postings (from_account, seq)`,
	`CREATE INDEX postings_to ON postings (to_account, seq)`,
	`CREATE TABLE balances (account TEXT NOT NULL, currency TEXT NOT NULL, debits_posted TEXT NOT NULL, credits_posted TEXT NOT NULL, debits_pending TEXT NOT NULL, credits_pending TEXT NOT NULL, PRIMARY KEY (account, currency)) WITHOUT ROWID`,
	`INSERT INTO entries VALUES (1, 'k1', zeroblob(32), 1, '', '', 1000), (2, 'k2', zeroblob(32), 1, '', '', 2000), (3, 'cfg', zeroblob(32), 1, 'p', '', 3000)`,
	`INSERT INTO postings VALUES (1, 1, '@world', 'b', 'USD', '7', 'second'), (1, 0, '@world', 'a', 'USD', '10', 'first'), (2, 0, 'a', 'b', 'USD', '3', 'back')`,
	`INSERT INTO balances VALUES ('@world', 'USD', '17', '0', '0', '0'), ('a', 'USD', '3', '10', '0', '0'), ('b', 'USD', '0', '10', '0', '0')`,
	// One event per entry, as the counter says (version 4 checks).
	`CREATE TABLE events (seq INTEGER PRIMARY KEY, type TEXT NOT NULL, time_ns BIGINT NOT NULL, data TEXT NOT NULL)`,
	`INSERT INTO events VALUES (1, 'entry.committed', 1000, '{}'), (2, 'entry.committed', 2000, '{}'), (3, 'entry.committed', 3000, '{}')`,
}

func TestMigrateV1(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "v1.db")
	db, err := sql.Open("sqlite", "file:"+path)
	if err != nil {
		t.Fatal(err)
	}
	for _, stmt := range schemaV1 {
		if _, err := db.Exec(stmt); err != nil {
			t.Fatalf("%s: %v", stmt, err)
		}
	}
	db.Close()

	s, err := Open(ctx, path)
	if err != nil {
		t.Fatalf("Open of a version 1 file: %v", err)
	}
	defer s.Close()
	ents, err := s.Journal(ctx, 0, 0)
	if err != nil {
		t.Fatal(err)
	}
	usd := func(from, to, amount, path string) ledger.Posting {
		a, err := money.ParseUnits(amount)
		if err != nil {
			t.Fatal(err)
		}
		return ledger.Posting{From: from, To: to, Currency: "USD", Amount: a, Path: path}
	}
	want := [][]ledger.Posting{
		{usd("@world", "a", "10", "first"), usd("@world", "b", "7", "second")},
		{usd("a", "b", "3", "back")},
		nil,
	}
	if len(ents) != len(want) {
		t.Fatalf("journal after migration has %d entries; want %d", len(ents), len(want))
	}
	for i, e := range ents {
		if e.Seq != uint64(i+1) || !reflect.DeepEqual(e.Postings, want[i]) {
			t.Errorf("entry %d = seq %d postings %+v; want seq %d postings %+v", i, e.Seq, e.Postings, i+1, want[i])
		}
	}
	for acct, seqs := range map[string][]uint64{"a": {1, 2}, "b": {1, 2}, "@world": {1}, "c": nil} {
		got, err := s.JournalFiltered(ctx, ledger.JournalFilter{Account: acct})
		if err != nil {
			t.Fatal(err)
		}
		var gotSeqs []uint64
		for _, e := range got {
			gotSeqs = append(gotSeqs, e.Seq)
		}
		if !reflect.DeepEqual(gotSeqs, seqs) {
			t.Errorf("JournalFiltered(%s) = %v; want %v", acct, gotSeqs, seqs)
		}
	}
	// The old table is gone and the version recorded, so a second open
	// migrates nothing.
	raw := openMigrated(t, path)
	var n int
	if err := raw.QueryRow(`SELECT COUNT(*) FROM sqlite_master WHERE name = 'postings'`).Scan(&n); err != nil || n != 0 {
		t.Errorf("postings tables left: %d, %v; want 0", n, err)
	}
	// And the journal goes on from where it was.
	e := engine.New(s, money.NewRegistry())
	res, err := e.ApplyOne(ctx, engine.Transfer("k4", time.Unix(4, 0), []ledger.Posting{usd("b", "c", "10", "after")}))
	if err != nil || res.Entry.Seq != 4 {
		t.Fatalf("first entry after migration = seq %d, %v; want seq 4", res.Entry.Seq, err)
	}
	if _, err := engine.Verify(ctx, s); err != nil {
		t.Errorf("Verify after migration: %v", err)
	}
	s.Close()
	s2, err := Open(ctx, path)
	if err != nil {
		t.Fatalf("reopening: %v", err)
	}
	s2.Close()
}

// TestMigrateV2 opens a file that the release writing schema version 2 left
// (storetest.SeedV2) and checks it reads and writes as before.
func TestMigrateV2(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "v2.db")
	db, err := sql.Open("sqlite", "file:"+path)
	if err != nil {
		t.Fatal(err)
	}
	storetest.SeedV2(t, db, Dialect)
	db.Close()
	s, err := Open(ctx, path)
	if err != nil {
		t.Fatalf("Open of a version 2 file: %v", err)
	}
	defer s.Close()
	storetest.CheckMigratedV2(t, s)
	raw := openMigrated(t, path)
	// The state table is a rowid table now: its large values no longer sit
	// in the key's B-tree.
	var ddl string
	if err := raw.QueryRow(`SELECT sql FROM sqlite_master WHERE name = 'state'`).Scan(&ddl); err != nil || strings.Contains(ddl, "WITHOUT ROWID") {
		t.Errorf("state table = %q, %v; want a rowid table", ddl, err)
	}
}

// openMigrated opens a migrated file directly, checks that it records the
// current schema version, and returns the connection (closed when t ends).
func openMigrated(t *testing.T, path string) *sql.DB {
	t.Helper()
	raw, err := sql.Open("sqlite", "file:"+path)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { raw.Close() })
	var v int64
	if err := raw.QueryRow(`SELECT value FROM counters WHERE name = 'schema'`).Scan(&v); err != nil || v != sqlstore.SchemaVersion {
		t.Errorf("schema version = %d, %v; want %d", v, err, sqlstore.SchemaVersion)
	}
	// The journal's numbers follow from its tables (schema version 4).
	var n int
	if err := raw.QueryRow(`SELECT COUNT(*) FROM counters WHERE name IN ('entry', 'event')`).Scan(&n); err != nil || n != 0 {
		t.Errorf("journal counter rows = %d, %v; want none", n, err)
	}
	return raw
}

// TestMigrateV3 opens files of schema version 3, whose counter rows said
// the journal's last numbers: rows that agree with the tables go and the
// numbering goes on; rows that do not are refused, and the file is left
// as it was.
func TestMigrateV3(t *testing.T) {
	ctx := context.Background()
	for _, tc := range []struct {
		name         string
		entry, event int
		ok           bool
	}{
		{"agree", 2, 2, true},
		{"entry ahead", 5, 2, false},
		{"event behind", 2, 1, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			// Version 3 had the tables of version 4 and the counter rows.
			path := filepath.Join(t.TempDir(), "v3.db")
			raw := journalFile(t, path, "k1", "k2")
			for _, stmt := range []string{
				`UPDATE counters SET value = 3 WHERE name = 'schema'`,
				`DELETE FROM counters WHERE name = 'shared_keys'`,
				fmt.Sprintf(`INSERT INTO counters (name, value) VALUES ('entry', %d), ('event', %d)`, tc.entry, tc.event),
			} {
				if _, err := raw.Exec(stmt); err != nil {
					t.Fatal(err)
				}
			}

			s, err := Open(ctx, path)
			if !tc.ok {
				if err == nil {
					s.Close()
					t.Fatal("Open succeeded; want the counters refused")
				}
				if !strings.Contains(err.Error(), "journal counters") {
					t.Errorf("Open: %v; want it to name the journal counters", err)
				}
				var v, rows int
				if err := raw.QueryRow(`SELECT (SELECT value FROM counters WHERE name = 'schema'), (SELECT COUNT(*) FROM counters)`).Scan(&v, &rows); err != nil || v != 3 || rows != 3 {
					t.Errorf("after the refusal: schema %d with %d counter rows, %v; want 3 with 3", v, rows, err)
				}
				return
			}
			if err != nil {
				t.Fatalf("Open of a version 3 file: %v", err)
			}
			defer s.Close()
			openMigrated(t, path)
			res, err := engine.New(s, money.NewRegistry()).ApplyOne(ctx, pay5("k3"))
			if err != nil || res.Entry.Seq != 3 {
				t.Fatalf("first entry after migration = seq %d, %v; want seq 3", res.Entry.Seq, err)
			}
			evs, err := s.Events(ctx, 2, 10)
			if err != nil || len(evs) != 1 || evs[0].Seq != 3 {
				t.Errorf("events after 2 = %+v, %v; want one, numbered 3", evs, err)
			}
		})
	}
}

// pay5 pays 5 from @world to a under key.
func pay5(key string) engine.Op {
	return engine.Transfer(key, time.Unix(1, 0), []ledger.Posting{{From: "@world", To: "a", Currency: "USD", Amount: money.FromUint64(5)}})
}

// journalFile writes a file at path holding pay5 under each key, closes
// it, and returns a connection to it, closed when t ends.
func journalFile(t *testing.T, path string, keys ...string) *sql.DB {
	t.Helper()
	s, err := Open(context.Background(), path)
	if err != nil {
		t.Fatal(err)
	}
	e := engine.New(s, money.NewRegistry())
	for _, k := range keys {
		if _, err := e.ApplyOne(context.Background(), pay5(k)); err != nil {
			t.Fatal(err)
		}
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	raw, err := sql.Open("sqlite", "file:"+path)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { raw.Close() })
	return raw
}

// TestStaleCounters: a build before schema version 4 that opens a version
// 4 file seeds the old counter rows before it refuses the file; the next
// open drops them, and the journal's numbers go on from its tables.
func TestStaleCounters(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "v4.db")
	raw := journalFile(t, path, "k1")
	if _, err := raw.Exec(`INSERT INTO counters (name, value) VALUES ('entry', 0), ('event', 0) ON CONFLICT (name) DO NOTHING`); err != nil {
		t.Fatal(err)
	}
	s, err := Open(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	openMigrated(t, path)
	res, err := engine.New(s, money.NewRegistry()).ApplyOne(ctx, pay5("k2"))
	if err != nil || res.Entry.Seq != 2 {
		t.Errorf("entry after the stale rows = seq %d, %v; want 2", res.Entry.Seq, err)
	}
}

// TestLastSeqsPlan checks that reading the journal's last numbers, which
// every transaction begins with, looks each up at the end of its B-tree
// rather than scanning a table that grows with the journal.
func TestLastSeqsPlan(t *testing.T) {
	raw := journalFile(t, filepath.Join(t.TempDir(), "plan.db"))
	rows, err := raw.Query("EXPLAIN QUERY PLAN " + sqlstore.LastSeqsSQL)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var steps []string
	for rows.Next() {
		var id, parent, unused int
		var detail string
		if err := rows.Scan(&id, &parent, &unused, &detail); err != nil {
			t.Fatal(err)
		}
		steps = append(steps, detail)
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	// SQLite names the max optimization's step "SEARCH t"; a scan, or a
	// walk of some index, reads otherwise.
	found := map[string]bool{}
	for _, d := range steps {
		if strings.Contains(d, "entries") || strings.Contains(d, "events") {
			found[d] = true
		}
	}
	if want := map[string]bool{"SEARCH entries": true, "SEARCH events": true}; !reflect.DeepEqual(found, want) {
		t.Errorf("plan %q reads the journal tables by %v; want %v", steps, found, want)
	}
}
