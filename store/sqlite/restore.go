package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"os"

	"modernc.org/sqlite"
	sqlite3 "modernc.org/sqlite/lib"

	"github.com/tributary-ledger/tributary/errcode"
	"github.com/tributary-ledger/tributary/store/sqlstore"
)

// Errors of restores (see also backup.go's).
var (
	// ErrDestNotEmpty refuses to replace a store that holds entries, or a
	// file that is not a store, unless told to.
	ErrDestNotEmpty = errcode.New(errcode.Conflict, "restore_dest_not_empty", "the destination holds a store with entries")
	// ErrDestInUse refuses to replace a store another connection has open
	// (a running serve): it would go on with the file it opened.
	ErrDestInUse = errcode.New(errcode.Conflict, "restore_dest_in_use", "the destination is open in another process")
)

// RestoreOptions tune Restore.
type RestoreOptions struct {
	// Force replaces a destination that holds entries, or a file that is
	// not a store. A store in use is never replaced.
	Force bool
}

// Restore makes dest a copy of the backup at path backup: it checks the
// backup (a Tributary store, of a schema version this build reads), checks
// the destination (absent, empty, or opt.Force; not in use), copies the
// backup beside dest under a temporary name, migrates the copy if it is of
// an older version, verifies it, and renames it over dest. It answers what
// dest now holds; Schema is the backup's version.
//
// Errors: ErrNotStore, ErrSchemaNewer (the backup); ErrDestNotEmpty,
// ErrDestInUse (the destination); ErrBackupInvalid when the backup does
// not verify; I/O errors. On every error dest is as it was and the backup
// file is untouched.
func Restore(ctx context.Context, backup, dest string, opt RestoreOptions) (Copy, error) {
	schema, err := inspectBackup(ctx, backup)
	if err != nil {
		return Copy{}, err
	}
	_, statErr := os.Lstat(dest)
	existed := statErr == nil
	guard, err := guardDest(ctx, dest, opt.Force)
	if err != nil {
		return Copy{}, err
	}
	defer guard.release()
	tmp, err := createPartial(dest)
	if err != nil {
		return Copy{}, err
	}
	c, err := restoreTo(ctx, backup, tmp)
	if err == nil {
		err = guard.retire(ctx)
	}
	if err == nil {
		// Where there was nothing to replace, nothing is.
		err = commitFile(tmp, dest, existed)
	}
	if err != nil {
		removeDB(tmp)
		return Copy{}, err
	}
	c.Path, c.Schema = dest, schema
	return c, nil
}

// inspectBackup reads the backup's schema version, refusing what this
// build cannot restore. It opens the file read-only: the backup is never
// changed.
func inspectBackup(ctx context.Context, path string) (int64, error) {
	if err := checkHeader(path); err != nil {
		return 0, err
	}
	db, err := sql.Open("sqlite", fileDSN(path, "mode=ro"))
	if err != nil {
		return 0, err
	}
	defer db.Close()
	v, err := schemaVersion(ctx, db, path)
	if err != nil {
		return 0, err
	}
	if v > sqlstore.SchemaVersion {
		return 0, errcode.Errorf(ErrSchemaNewer, "%s is schema version %d; this build knows versions up to %d: restore it with the build that wrote it, or a newer one", path, v, sqlstore.SchemaVersion)
	}
	return v, nil
}

// restoreTo copies the backup into the empty file tmp in one step (one
// read transaction), then migrates and verifies the copy.
func restoreTo(ctx context.Context, backup, tmp string) (Copy, error) {
	db, err := sql.Open("sqlite", fileDSN(backup, "mode=ro"))
	if err != nil {
		return Copy{}, err
	}
	defer db.Close()
	conn, err := db.Conn(ctx)
	if err != nil {
		return Copy{}, fmt.Errorf("opening %s: %w", backup, err)
	}
	defer conn.Close()
	err = conn.Raw(func(dc any) error {
		b, ok := dc.(backuper)
		if !ok {
			return fmt.Errorf("the SQLite driver (%T) has no online backup", dc)
		}
		return stepBackup(ctx, b, tmp, BackupOptions{StepPages: -1})
	})
	if err != nil {
		return Copy{}, fmt.Errorf("copying %s: %w", backup, err)
	}
	return verifyFile(ctx, tmp)
}

// destGuard holds the destination store open in exclusive locking mode
// from the moment it was checked until the copy is ready to replace it, so
// that no serve starts on it meanwhile (it would find the file locked). It
// is nil when there is no store to guard.
type destGuard struct {
	db *sql.DB
}

// guardDest checks that dest may be replaced and locks it.
func guardDest(ctx context.Context, dest string, force bool) (*destGuard, error) {
	fi, err := os.Stat(dest)
	switch {
	case errors.Is(err, os.ErrNotExist):
		return nil, nil
	case err != nil:
		return nil, err
	case fi.IsDir():
		return nil, errcode.Errorf(ErrDestNotEmpty, "%s is a directory; name the store's file", dest)
	case fi.Size() == 0:
		return nil, nil
	}
	if err := checkHeader(dest); err != nil {
		if force {
			return nil, nil
		}
		return nil, errcode.Errorf(ErrDestNotEmpty, "%s exists and is not a SQLite database; --force replaces it", dest)
	}
	db, err := sql.Open("sqlite", fileDSN(dest, pragma("locking_mode(EXCLUSIVE)"), pragma("busy_timeout(0)")))
	if err != nil {
		return nil, err
	}
	db.SetMaxOpenConns(1)
	g := &destGuard{db: db}
	if err := g.check(ctx, dest, force); err != nil {
		db.Close()
		return nil, err
	}
	return g, nil
}

// check takes the exclusive lock with its first read and looks at what
// the destination holds.
func (g *destGuard) check(ctx context.Context, dest string, force bool) error {
	if _, err := g.db.ExecContext(ctx, "BEGIN IMMEDIATE"); err != nil {
		if isBusy(err) {
			return errcode.Errorf(ErrDestInUse, "%s is open in another process (a running serve?); stop it before restoring", dest)
		}
		return fmt.Errorf("opening %s: %w", dest, err)
	}
	defer g.db.ExecContext(context.WithoutCancel(ctx), "ROLLBACK")
	if _, err := schemaVersion(ctx, g.db, dest); err != nil {
		if force && errors.Is(err, ErrNotStore) {
			return nil
		}
		if errors.Is(err, ErrNotStore) {
			return errcode.Errorf(ErrDestNotEmpty, "%s is a SQLite database but not a Tributary store; --force replaces it", dest)
		}
		return err
	}
	var last uint64
	if err := g.db.QueryRowContext(ctx, "SELECT COALESCE(MAX(seq), 0) FROM entries").Scan(&last); err != nil {
		return fmt.Errorf("reading %s: %w", dest, err)
	}
	if last > 0 && !force {
		return errcode.Errorf(ErrDestNotEmpty, "%s holds a store with entries 1 to %d; restore elsewhere, or replace it (--force)", dest, last)
	}
	return nil
}

// retire leaves WAL mode on the old destination, which copies its WAL into
// it and deletes the WAL file, and closes it, which deletes the rollback
// journal that exclusive locking mode keeps: either left beside the name
// would be applied to the restored file when it is next opened. Between
// this and the rename a process could open the old file and go on with
// it; it could not lose a commit, as it could if the old store's files
// were deleted after the rename.
func (g *destGuard) retire(ctx context.Context) error {
	if g == nil {
		return nil
	}
	var mode string
	if err := g.db.QueryRowContext(ctx, "PRAGMA journal_mode = DELETE").Scan(&mode); err != nil {
		return fmt.Errorf("closing the store being replaced: %w", err)
	}
	if mode != "delete" {
		return fmt.Errorf("closing the store being replaced: SQLite kept journal mode %q", mode)
	}
	return g.release()
}

// release closes the guard's connection; later calls do nothing.
func (g *destGuard) release() error {
	if g == nil || g.db == nil {
		return nil
	}
	db := g.db
	g.db = nil
	return db.Close()
}

func isBusy(err error) bool {
	var e *sqlite.Error
	if !errors.As(err, &e) {
		return false
	}
	c := e.Code() & 0xff
	return c == sqlite3.SQLITE_BUSY || c == sqlite3.SQLITE_LOCKED
}
