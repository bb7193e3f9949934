package sqlite

import (
	"context"
	"crypto/sha256"
	"database/sql"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/tributary-ledger/tributary/engine"
	"github.com/tributary-ledger/tributary/errcode"
	"github.com/tributary-ledger/tributary/ledger"
	"github.com/tributary-ledger/tributary/store/sqlstore"
	"github.com/tributary-ledger/tributary/store/storetest"
)

// goodBackup writes a verified backup of a store of n payments into dir.
func goodBackup(t *testing.T, dir string, n int) Copy {
	t.Helper()
	src := filepath.Join(dir, "src.db")
	s := openStore(t, src)
	seedPayments(t, s, n)
	c, err := Backup(context.Background(), src, filepath.Join(dir, "good.db"), BackupOptions{})
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// fileWith copies the file at path to a new one in dir, changed by the
// SQL statements given.
func fileWith(t *testing.T, path, dir, name string, stmts ...string) string {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	out := filepath.Join(dir, name)
	if err := os.WriteFile(out, b, 0o600); err != nil {
		t.Fatal(err)
	}
	db, err := sql.Open("sqlite", fileDSN(out))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	for _, s := range stmts {
		if _, err := db.Exec(s); err != nil {
			t.Fatalf("%s: %v", s, err)
		}
	}
	return out
}

// dirState is every file of a directory with a hash of its bytes.
func dirState(t *testing.T, dir string) map[string][32]byte {
	t.Helper()
	ents, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	m := map[string][32]byte{}
	for _, e := range ents {
		b, err := os.ReadFile(filepath.Join(dir, e.Name()))
		if err != nil {
			t.Fatal(err)
		}
		m[e.Name()] = sha256.Sum256(b)
	}
	return m
}

func diffState(before, after map[string][32]byte) string {
	var d []string
	for n, h := range before {
		if a, ok := after[n]; !ok {
			d = append(d, n+" removed")
		} else if a != h {
			d = append(d, n+" changed")
		}
	}
	for n := range after {
		if _, ok := before[n]; !ok {
			d = append(d, n+" created")
		}
	}
	return strings.Join(d, ", ")
}

// TestRestoreRefusals restores what must not be restored, and where a
// store must not be replaced: each is refused with its code, and neither
// the backup's directory nor the destination's changes by a byte.
func TestRestoreRefusals(t *testing.T) {
	ctx := context.Background()
	fixtures := t.TempDir() // backups, shared by the cases, never changed
	good := goodBackup(t, fixtures, 500)
	newer := fileWith(t, good.Path, fixtures, "newer.db", fmt.Sprintf("UPDATE counters SET value = %d WHERE name = 'schema'", sqlstore.SchemaVersion+1))
	// A payee's balance one unit richer than its journal says.
	tampered := fileWith(t, good.Path, fixtures, "tampered.db", "UPDATE balances SET credits_posted = credits_posted + 1 WHERE account = 'payee:0001'")
	// An entry gone from the middle of the journal.
	gap := fileWith(t, good.Path, fixtures, "gap.db", "DELETE FROM entries WHERE seq = 250")
	other := filepath.Join(fixtures, "other.db")
	if db, err := sql.Open("sqlite", fileDSN(other)); err != nil {
		t.Fatal(err)
	} else if _, err := db.Exec("CREATE TABLE notes (body TEXT); INSERT INTO notes VALUES ('not a ledger')"); err != nil {
		t.Fatal(err)
	} else {
		db.Close()
	}
	text := filepath.Join(fixtures, "notes.txt")
	if err := os.WriteFile(text, []byte("SQLite format 2, honest\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	empty := filepath.Join(fixtures, "empty.db")
	if err := os.WriteFile(empty, nil, 0o600); err != nil {
		t.Fatal(err)
	}

	for _, tc := range []struct {
		name   string
		backup string
		dest   func(t *testing.T, dir string) string // prepares the destination
		force  bool
		want   *errcode.Error
	}{
		{"destination has entries", good.Path, storeWith(3), false, ErrDestNotEmpty},
		{"destination is another database", good.Path, copyOf(other), false, ErrDestNotEmpty},
		{"destination is not a database", good.Path, copyOf(text), false, ErrDestNotEmpty},
		{"destination in use", good.Path, openWith(0), false, ErrDestInUse},
		{"destination in use, forced", good.Path, openWith(3), true, ErrDestInUse},
		{"newer schema version", newer, none, false, ErrSchemaNewer},
		{"newer schema version, forced", newer, storeWith(3), true, ErrSchemaNewer},
		{"balance does not verify", tampered, none, false, ErrBackupInvalid},
		{"journal has a gap", gap, storeWith(0), false, ErrBackupInvalid},
		{"another SQLite database", other, none, false, ErrNotStore},
		{"a text file", text, none, false, ErrNotStore},
		{"an empty file", empty, none, false, ErrNotStore},
		{"no file", filepath.Join(fixtures, "missing.db"), none, false, ErrNotStore},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			dest := tc.dest(t, dir)
			beforeDest, beforeBackups := dirState(t, dir), dirState(t, fixtures)
			_, err := Restore(ctx, tc.backup, dest, RestoreOptions{Force: tc.force})
			if !errors.Is(err, tc.want) {
				t.Fatalf("Restore: %v (code %s); want code %s", err, errcode.Code(err), tc.want.Code())
			}
			t.Logf("refused: %v", err)
			if d := diffState(beforeDest, dirState(t, dir)); d != "" {
				t.Errorf("the refusal (%v) changed the destination's directory: %s", err, d)
			}
			if d := diffState(beforeBackups, dirState(t, fixtures)); d != "" {
				t.Errorf("the refusal (%v) changed the backups' directory: %s", err, d)
			}
		})
	}
	// The journal's own verdict travels with the refusal.
	if _, err := Restore(ctx, tampered, filepath.Join(t.TempDir(), "x.db"), RestoreOptions{}); !errors.Is(err, ledger.ErrVerify) {
		t.Errorf("Restore of a tampered balance: %v; want it to wrap %s", err, ledger.ErrVerify.Code())
	}
}

// none leaves the destination absent.
func none(t *testing.T, dir string) string { return filepath.Join(dir, "dest.db") }

// storeWith makes the destination a closed store of n payments.
func storeWith(n int) func(*testing.T, string) string {
	return func(t *testing.T, dir string) string {
		path := filepath.Join(dir, "dest.db")
		s, err := Open(context.Background(), path)
		if err != nil {
			t.Fatal(err)
		}
		seedPayments(t, s, n)
		if err := s.Close(); err != nil {
			t.Fatal(err)
		}
		return path
	}
}

// openWith makes the destination a store of n payments that stays open,
// as a running serve keeps it.
func openWith(n int) func(*testing.T, string) string {
	return func(t *testing.T, dir string) string {
		path := filepath.Join(dir, "dest.db")
		seedPayments(t, openStore(t, path), n)
		return path
	}
}

// copyOf makes the destination a copy of the file at path.
func copyOf(path string) func(*testing.T, string) string {
	return func(t *testing.T, dir string) string {
		b, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		dest := filepath.Join(dir, "dest.db")
		if err := os.WriteFile(dest, b, 0o600); err != nil {
			t.Fatal(err)
		}
		return dest
	}
}

// crashedWith makes the destination what a store of n payments leaves
// when its process is killed: the database file and a WAL whose commits
// were not yet copied into it.
func crashedWith(n int) func(*testing.T, string) string {
	return func(t *testing.T, dir string) string {
		live := filepath.Join(t.TempDir(), "live.db")
		s := openStore(t, live)
		if _, err := s.w.Exec("PRAGMA wal_autocheckpoint = 0"); err != nil {
			t.Fatal(err)
		}
		seedPayments(t, s, n)
		dest := filepath.Join(dir, "dest.db")
		for _, suffix := range []string{"", "-wal"} {
			b, err := os.ReadFile(live + suffix)
			if err != nil {
				t.Fatal(err)
			}
			if err := os.WriteFile(dest+suffix, b, 0o600); err != nil {
				t.Fatal(err)
			}
		}
		if fi, err := os.Stat(dest + "-wal"); err != nil || fi.Size() == 0 {
			t.Fatalf("the crashed store's WAL: %v, %v; want commits in it", fi, err)
		}
		return dest
	}
}

// textFile makes the destination a file holding body.
func textFile(body string) func(*testing.T, string) string {
	return func(t *testing.T, dir string) string {
		p := filepath.Join(dir, "dest.db")
		if err := os.WriteFile(p, []byte(body), 0o600); err != nil {
			t.Fatal(err)
		}
		return p
	}
}

// TestRestore restores where a restore may go: nowhere yet, an empty
// file, a store without entries, and with Force a store with entries or a
// file that is not one. Each answers what the backup holds and leaves a
// store that verifies, holds the backup's journal, and has no file left
// beside it but its own.
func TestRestore(t *testing.T) {
	ctx := context.Background()
	fixtures := t.TempDir()
	good := goodBackup(t, fixtures, 700)
	for _, tc := range []struct {
		name  string
		dest  func(*testing.T, string) string
		force bool
	}{
		{"absent", none, false},
		{"empty file", textFile(""), false},
		{"store without entries", storeWith(0), false},
		{"store with entries, forced", storeWith(40), true},
		{"store killed with entries in its WAL, forced", crashedWith(40), true},
		{"another file, forced", textFile("some notes\n"), true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			dest := tc.dest(t, dir)
			c, err := Restore(ctx, good.Path, dest, RestoreOptions{Force: tc.force})
			if err != nil {
				t.Fatalf("Restore: %v", err)
			}
			if c.Entries != 700 || c.LastSeq != 700 || c.Balances != good.Balances || c.Schema != sqlstore.SchemaVersion {
				t.Fatalf("Restore answered %+v; want 700 entries, last 700, %d balances, schema %d", c, good.Balances, sqlstore.SchemaVersion)
			}
			assertFiles(t, dir, "dest.db")
			s := openStore(t, dest)
			if rep, err := engine.Verify(ctx, s); err != nil || rep.Entries != 700 {
				t.Fatalf("restored store: %+v, %v", rep, err)
			}
			if got := journalKeys(t, s); got[700] != storetest.BenchPayment(-1, 0, 699).Key {
				t.Fatalf("restored entry 700 is %q", got[700])
			}
		})
	}
}

// TestRestoreOlderSchema restores a backup of schema version 2: the copy
// is migrated and verified, the backup is left as it was.
func TestRestoreOlderSchema(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	old := filepath.Join(dir, "v2.db")
	db, err := sql.Open("sqlite", fileDSN(old))
	if err != nil {
		t.Fatal(err)
	}
	storetest.SeedV2(t, db, Dialect)
	db.Close()
	before := dirState(t, dir)
	c, err := Restore(ctx, old, filepath.Join(t.TempDir(), "dest.db"), RestoreOptions{})
	if err != nil {
		t.Fatalf("Restore of a version 2 backup: %v", err)
	}
	if c.Schema != 2 || c.Entries == 0 {
		t.Fatalf("Restore answered %+v; want schema 2 and the fixture's entries", c)
	}
	if d := diffState(before, dirState(t, dir)); d != "" {
		t.Errorf("restoring changed the backup's directory: %s", d)
	}
	s := openStore(t, c.Path)
	storetest.CheckMigratedV2(t, s)
}
