package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"io"
	"net/url"
	"os"
	"path/filepath"
	"strconv"

	"modernc.org/sqlite"

	"github.com/tributary-ledger/tributary/engine"
	"github.com/tributary-ledger/tributary/errcode"
	"github.com/tributary-ledger/tributary/store/sqlstore"
)

// Online backups. A copy of the file taken with cp under a running writer
// is not a backup: the WAL beside it holds committed pages the file does
// not, and the two are read at different moments. Backup copies through
// SQLite's online backup API instead, from a read transaction held open on
// a connection of its own: in WAL mode a reader never blocks the writer,
// so the writer goes on committing while the copy is made, and the copy
// is the database as of the moment that transaction began (the backup API
// restarts a copy that a commit changes under it, unless its source
// connection holds a read transaction, which pins one snapshot). The copy
// advances StepPages pages at a time so that it can be cancelled; VACUUM
// INTO, the other way SQLite makes a consistent copy, rebuilds every
// B-tree in one statement that cannot be, and took 1.4 to 2.6 times as
// long (BENCHMARKS.md, "Backups").
//
// The copy is written under a temporary name beside the destination,
// verified by replaying its journal (engine.Verify), switched to a
// rollback journal so that it is one self-contained file, synced, and only
// then renamed to the destination and the directory synced: a backup
// killed at any moment leaves either no destination or a complete,
// verified one, never a file that looks complete and is not.

// Errors of backups and restores.
var (
	// ErrNotStore refuses a file that is not a Tributary store.
	ErrNotStore = errcode.New(errcode.Invalid, "backup_not_store", "the file is not a Tributary store")
	// ErrSchemaNewer refuses a store written by a newer build.
	ErrSchemaNewer = errcode.New(errcode.Unprocessable, "backup_schema_newer", "the store's schema version is newer than this build reads")
	// ErrSchemaOlder refuses to back up a store of an older schema
	// version: verifying the copy would migrate it, and the copy would no
	// longer open in the build that serves the original.
	ErrSchemaOlder = errcode.New(errcode.Unprocessable, "backup_schema_older", "the store's schema version is older than this build backs up")
	// ErrBackupInvalid refuses a copy that does not verify.
	ErrBackupInvalid = errcode.New(errcode.Broken, "backup_invalid", "the copy does not verify")
	// ErrDestExists refuses to replace a file unless told to.
	ErrDestExists = errcode.New(errcode.Conflict, "backup_dest_exists", "the destination exists")
)

// DefaultStepPages is how many pages Backup copies per step: 4 MiB of
// 4 KiB pages, a few milliseconds of work between two looks at ctx.
const DefaultStepPages = 1024

// BackupOptions tune Backup; the zero value is the default.
type BackupOptions struct {
	// StepPages is how many pages one step copies; 0 is DefaultStepPages.
	StepPages int
	// Replace replaces an existing destination (atomically, by rename);
	// otherwise an existing one is ErrDestExists.
	Replace bool

	// progress, for tests, hears "step" after every step but the last,
	// "copied" and "verified".
	progress func(phase string)
}

func (o BackupOptions) report(phase string) {
	if o.progress != nil {
		o.progress(phase)
	}
}

// Copy describes a verified copy of a store.
type Copy struct {
	Path     string
	LastSeq  uint64 // the last entry the copy holds; entries are numbered 1…LastSeq
	Entries  uint64
	Balances int
	Bytes    int64
	// Schema is the source's schema version: a backup's is this build's;
	// a restored backup's may be older (the restored store is migrated).
	Schema int64
}

// Backup copies the store in the file src to dest while other connections
// and processes go on writing to src, verifies the copy, and answers what
// it holds.
//
// Errors: ErrNotStore when src is not a Tributary store; ErrSchemaNewer,
// ErrSchemaOlder when its schema is not this build's; ErrDestExists;
// ErrBackupInvalid when the copy does not verify (the source's books are
// then broken too: `tributary ledger verify` says where); I/O errors. On
// any error nothing is left at dest (nor under the temporary name).
func Backup(ctx context.Context, src, dest string, opt BackupOptions) (Copy, error) {
	if opt.StepPages <= 0 {
		opt.StepPages = DefaultStepPages
	}
	if !opt.Replace {
		if _, err := os.Lstat(dest); err == nil {
			return Copy{}, errcode.Errorf(ErrDestExists, "%s exists; choose a new name, or replace it (--force)", dest)
		}
	}
	tmp, err := createPartial(dest)
	if err != nil {
		return Copy{}, err
	}
	c, err := backupTo(ctx, src, tmp, opt)
	if err != nil {
		removeDB(tmp)
		return Copy{}, err
	}
	if err := commitFile(tmp, dest, opt.Replace); err != nil {
		removeDB(tmp)
		return Copy{}, err
	}
	c.Path = dest
	return c, nil
}

// backupTo copies src into the empty file tmp and verifies the copy.
func backupTo(ctx context.Context, src, tmp string, opt BackupOptions) (Copy, error) {
	snap, err := copyLive(ctx, src, tmp, opt)
	if err != nil {
		return Copy{}, err
	}
	opt.report("copied")
	c, err := verifyFile(ctx, tmp)
	if err != nil {
		return Copy{}, err
	}
	opt.report("verified")
	if c.LastSeq != snap.lastSeq {
		return Copy{}, fmt.Errorf("the copy ends at entry %d, the snapshot it was taken from at %d", c.LastSeq, snap.lastSeq)
	}
	return c, nil
}

// snapshot is what the source said inside the read transaction the copy
// was taken in.
type snapshot struct {
	schema  int64
	lastSeq uint64
}

// copyLive copies src's pages into tmp from one read transaction.
func copyLive(ctx context.Context, src, tmp string, opt BackupOptions) (snapshot, error) {
	if err := checkHeader(src); err != nil {
		return snapshot{}, err
	}
	db, err := sql.Open("sqlite", fileDSN(src, pragma("busy_timeout(10000)"), pragma("query_only(1)")))
	if err != nil {
		return snapshot{}, err
	}
	defer db.Close()
	conn, err := db.Conn(ctx)
	if err != nil {
		return snapshot{}, fmt.Errorf("opening %s: %w", src, err)
	}
	defer conn.Close()
	if _, err := conn.ExecContext(ctx, "BEGIN"); err != nil {
		return snapshot{}, fmt.Errorf("opening %s: %w", src, err)
	}
	// ROLLBACK ends a read transaction; with ctx cancelled it would not run.
	defer conn.ExecContext(context.WithoutCancel(ctx), "ROLLBACK")
	var snap snapshot
	// The first read starts the snapshot that every step copies.
	if snap.schema, err = schemaVersion(ctx, conn, src); err != nil {
		return snapshot{}, err
	}
	switch {
	case snap.schema > sqlstore.SchemaVersion:
		return snapshot{}, errcode.Errorf(ErrSchemaNewer, "%s is schema version %d; this build knows versions up to %d: back it up with the build that wrote it", src, snap.schema, sqlstore.SchemaVersion)
	case snap.schema < sqlstore.SchemaVersion:
		return snapshot{}, errcode.Errorf(ErrSchemaOlder, "%s is schema version %d; this build backs up version %d: back it up with the build that serves it, or open it once with this one (tributary ledger verify --db %s migrates it)", src, snap.schema, sqlstore.SchemaVersion, src)
	}
	if err := conn.QueryRowContext(ctx, "SELECT COALESCE(MAX(seq), 0) FROM entries").Scan(&snap.lastSeq); err != nil {
		return snapshot{}, fmt.Errorf("reading %s: %w", src, err)
	}
	err = conn.Raw(func(dc any) error {
		b, ok := dc.(backuper)
		if !ok {
			return fmt.Errorf("the SQLite driver (%T) has no online backup", dc)
		}
		return stepBackup(ctx, b, tmp, opt)
	})
	if err != nil {
		return snapshot{}, fmt.Errorf("copying %s: %w", src, err)
	}
	return snap, nil
}

// backuper is what modernc.org/sqlite's connections offer.
type backuper interface {
	NewBackup(dstURI string) (*sqlite.Backup, error)
}

// stepBackup copies into tmp opt.StepPages pages at a time. The
// destination is written without a journal and without syncs: it is a
// file of its own under a temporary name, synced once it is complete.
func stepBackup(ctx context.Context, src backuper, tmp string, opt BackupOptions) error {
	b, err := src.NewBackup(fileDSN(tmp, pragma("journal_mode(OFF)"), pragma("synchronous(OFF)")))
	if err != nil {
		return err
	}
	for {
		if err := ctx.Err(); err != nil {
			b.Finish()
			return err
		}
		more, err := b.Step(int32(opt.StepPages))
		if err != nil {
			b.Finish()
			return err
		}
		if !more {
			return b.Finish()
		}
		opt.report("step")
	}
}

// schemaVersion reads a store's schema version; a database without
// Tributary's tables is ErrNotStore. Version 1 had no version row.
func schemaVersion(ctx context.Context, q interface {
	QueryRowContext(context.Context, string, ...any) *sql.Row
}, path string) (int64, error) {
	var tables int
	err := q.QueryRowContext(ctx, "SELECT COUNT(*) FROM sqlite_schema WHERE type = 'table' AND name IN ('counters', 'entries', 'balances')").Scan(&tables)
	if err != nil {
		return 0, errcode.Errorf(ErrNotStore, "%s is not a Tributary store: SQLite cannot read it (%v)", path, err)
	}
	if tables != 3 {
		return 0, errcode.Errorf(ErrNotStore, "%s is not a Tributary store: it lacks the journal's tables", path)
	}
	var v int64
	err = q.QueryRowContext(ctx, "SELECT value FROM counters WHERE name = 'schema'").Scan(&v)
	switch {
	case errors.Is(err, sql.ErrNoRows):
		return 1, nil
	case err != nil:
		return 0, fmt.Errorf("reading the schema version of %s: %w", path, err)
	}
	return v, nil
}

// sqliteMagic opens every SQLite database file.
const sqliteMagic = "SQLite format 3\x00"

// checkHeader refuses a path that is missing or is not a SQLite database,
// before SQLite is asked to open it (which would create a missing file).
// (SQLite writes a database's first page when it switches it to WAL: the
// header is in the file, whatever the WAL holds.)
func checkHeader(path string) error {
	f, err := os.Open(path)
	if errors.Is(err, os.ErrNotExist) {
		return errcode.Errorf(ErrNotStore, "%s does not exist", path)
	}
	if err != nil {
		return err
	}
	defer f.Close()
	var head [len(sqliteMagic)]byte
	if _, err := io.ReadFull(f, head[:]); err != nil || string(head[:]) != sqliteMagic {
		return errcode.Errorf(ErrNotStore, "%s is not a Tributary store: it is not a SQLite database", path)
	}
	return nil
}

// verifyFile opens the copy at path as a store, replays its journal and
// says what it holds; then it turns the file into one self-contained file
// in rollback-journal mode (no WAL beside it to lose in a rename).
func verifyFile(ctx context.Context, path string) (Copy, error) {
	s, err := Open(ctx, path)
	if err != nil {
		return Copy{}, errcode.Errorf(ErrBackupInvalid, "the copy does not open as a store: %v", err)
	}
	c, err := describe(ctx, s)
	if cerr := s.Close(); err == nil && cerr != nil {
		err = cerr
	}
	if err != nil {
		return Copy{}, err
	}
	if err := singleFile(ctx, path); err != nil {
		return Copy{}, err
	}
	fi, err := os.Stat(path)
	if err != nil {
		return Copy{}, err
	}
	c.Path, c.Bytes = path, fi.Size()
	return c, nil
}

// describe verifies an open copy and reads what it holds.
func describe(ctx context.Context, s *Store) (Copy, error) {
	c := Copy{Schema: sqlstore.SchemaVersion}
	var ok string
	if err := s.r.QueryRowContext(ctx, "PRAGMA quick_check").Scan(&ok); err != nil || ok != "ok" {
		return Copy{}, errcode.Errorf(ErrBackupInvalid, "the copy's file structure is damaged: SQLite's quick_check says %q (%v)", ok, err)
	}
	rep, err := engine.Verify(ctx, s)
	if err != nil {
		return Copy{}, fmt.Errorf("%w: %w", errcode.Errorf(ErrBackupInvalid, "the copy does not verify: %v", err), err)
	}
	if err := s.r.QueryRowContext(ctx, "SELECT COALESCE(MAX(seq), 0) FROM entries").Scan(&c.LastSeq); err != nil {
		return Copy{}, err
	}
	c.Entries, c.Balances = rep.Entries, rep.Balances
	return c, nil
}

// singleFile switches the file at path to a rollback journal, which copies
// what is left in its WAL into it and removes the WAL, so that the file
// alone holds the database. SQLite refuses while another connection has
// it open, which here is nobody.
func singleFile(ctx context.Context, path string) error {
	db, err := sql.Open("sqlite", fileDSN(path))
	if err != nil {
		return err
	}
	defer db.Close()
	var mode string
	if err := db.QueryRowContext(ctx, "PRAGMA journal_mode = DELETE").Scan(&mode); err != nil {
		return fmt.Errorf("leaving WAL mode on %s: %w", path, err)
	}
	if mode != "delete" {
		return fmt.Errorf("leaving WAL mode on %s: SQLite kept journal mode %q", path, mode)
	}
	return db.Close()
}

// fileDSN is the driver's URI for path with the given query parameters,
// such as "mode=ro" or pragma("busy_timeout(0)").
func fileDSN(path string, params ...string) string {
	dsn := "file:" + (&url.URL{Path: path}).EscapedPath()
	for i, p := range params {
		sep := "&"
		if i == 0 {
			sep = "?"
		}
		dsn += sep + p
	}
	return dsn
}

// pragma is the driver's query parameter that runs PRAGMA p on every
// connection it opens.
func pragma(p string) string { return "_pragma=" + url.QueryEscape(p) }

// createPartial creates the empty file that a copy to dest is written to
// before it is renamed: dest's name, beside it (a rename stays within one
// file system), with ".partial-" and this process's id appended so that
// no two processes write the same one.
func createPartial(dest string) (string, error) {
	tmp := dest + ".partial-" + strconv.Itoa(os.Getpid())
	f, err := os.OpenFile(tmp, os.O_RDWR|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		return "", fmt.Errorf("creating the copy beside %s: %w", dest, err)
	}
	return tmp, f.Close()
}

// commitFile syncs the complete file tmp, gives it the name dest and syncs
// the directory, so that after a power cut dest is either the old file (or
// none) or the new one, whole. Unless replace, it links instead of
// renaming, which fails rather than replace a file that appeared at dest
// since it was checked.
func commitFile(tmp, dest string, replace bool) error {
	if err := syncPath(tmp); err != nil {
		return err
	}
	if replace {
		if err := os.Rename(tmp, dest); err != nil {
			return err
		}
	} else {
		if err := os.Link(tmp, dest); errors.Is(err, os.ErrExist) {
			return errcode.Errorf(ErrDestExists, "%s appeared while the copy was made; it is left as it is", dest)
		} else if err != nil {
			return err
		}
		if err := os.Remove(tmp); err != nil {
			return err
		}
	}
	return syncPath(filepath.Dir(dest))
}

func syncPath(path string) error {
	f, err := os.Open(path)
	if err != nil {
		return err
	}
	defer f.Close()
	if err := f.Sync(); err != nil {
		return fmt.Errorf("syncing %s: %w", path, err)
	}
	return nil
}

// removeDB removes a database file and whatever SQLite kept beside it.
func removeDB(path string) {
	for _, suffix := range []string{"", "-wal", "-shm", "-journal"} {
		_ = os.Remove(path + suffix)
	}
}
