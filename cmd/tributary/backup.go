package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"runtime/debug"
	"sort"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/tributary-ledger/tributary/cli"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/spf13/cobra"

	"github.com/tributary-ledger/tributary/api"
	"github.com/tributary-ledger/tributary/errcode"
	"github.com/tributary-ledger/tributary/store/sqlite"
)

var (
	errBackupPostgres = errcode.New(errcode.Unprocessable, "backup_postgres", "tributary backup and restore work on the embedded SQLite store; PostgreSQL has its own tools")
	errBackupFlags    = errcode.New(errcode.Invalid, "backup_flags_invalid", "the backup flags are invalid")
)

// postgresBackupHelp is what a backup or restore of a PostgreSQL store
// answers: the server's own tools do it better than a copy through a
// client could (consistent dumps, and continuous archiving for
// point-in-time recovery).
const postgresBackupHelp = "%s works on the embedded SQLite store; for PostgreSQL use its own tools: pg_dump (a consistent logical dump; pg_restore reads it back), or pg_basebackup with WAL archiving (archive_mode, archive_command) for point-in-time recovery; see the README's Backups section"

func newBackupCmd() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "backup DEST",
		Short: "Copy a live SQLite store to DEST, consistently, while serve goes on writing; verify the copy before it takes DEST's name",
		Long: `Copy the SQLite store named by --db to the file DEST while other processes go
on writing to it. The copy is one snapshot of the store (SQLite's online
backup, from a read transaction of its own, which never blocks a writer). It
is written beside DEST under DEST.partial-PID, checked (SQLite's quick_check,
then the journal replayed as by 'tributary ledger verify'), synced, and only
then renamed to DEST: a backup that fails or is killed leaves nothing at DEST.
The answer names the last entry the copy holds.`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			format, db, err := sqliteCommand(cmd, "tributary backup")
			if err != nil {
				return err
			}
			force, _ := cmd.Flags().GetBool("force")
			nice, _ := cmd.Flags().GetInt("nice")
			if nice < 0 || nice > niceMax {
				return errcode.Errorf(errBackupFlags, "--nice %d; want 0 to %d", nice, niceMax)
			}
			if nice > 0 {
				lowerPriority(nice)
			}
			collectLessOften()
			ctx, stop := signal.NotifyContext(cmd.Context(), os.Interrupt, syscall.SIGTERM)
			defer stop()
			t0 := time.Now()
			c, err := sqlite.Backup(ctx, db, args[0], sqlite.BackupOptions{Replace: force})
			if err != nil {
				return err
			}
			return printCopy(cmd.OutOrStdout(), format, "backed up", c, time.Since(t0))
		},
	}
	cli.AddDBFlag(cmd)
	cmd.Flags().Bool("force", false, "replace DEST if it exists (atomically, once the copy is verified)")
	cmd.Flags().Int("nice", 0, fmt.Sprintf("run with this nice value (0 to %d), as nice(1) would: a serve on the same machine keeps the CPU; serve's scheduled backups use %d", niceMax, niceMax))
	return cmd
}

func newRestoreCmd() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "restore BACKUP",
		Short: "Make the SQLite store named by --db a verified copy of BACKUP",
		Long: `Restore the backup file BACKUP into the SQLite store named by --db. The backup
must be a Tributary store of a schema version this build reads (an older one
is migrated, in the copy). The destination must not be open in any process
(stop serve first), and must not hold entries unless --force is given. The
backup is copied beside the destination, migrated if need be, verified, and
renamed over it; on any refusal or failure nothing changes.`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			format, db, err := sqliteCommand(cmd, "tributary restore")
			if err != nil {
				return err
			}
			force, _ := cmd.Flags().GetBool("force")
			collectLessOften()
			t0 := time.Now()
			c, err := sqlite.Restore(cmd.Context(), args[0], db, sqlite.RestoreOptions{Force: force})
			if err != nil {
				return err
			}
			return printCopy(cmd.OutOrStdout(), format, "restored", c, time.Since(t0))
		},
	}
	cli.AddDBFlag(cmd)
	cmd.Flags().Bool("force", false, "replace a store that holds entries, or a file that is not a store")
	return cmd
}

// sqliteCommand reads the output format and the --db store of a backup or
// restore, refusing a PostgreSQL store with a pointer to its own tools.
func sqliteCommand(cmd *cobra.Command, what string) (format, db string, err error) {
	if format, err = cli.Output(cmd); err != nil {
		return "", "", err
	}
	db = cli.DBFlag(cmd)
	if cli.IsPostgres(db) {
		return "", "", errcode.Errorf(errBackupPostgres, postgresBackupHelp, what)
	}
	return format, db, nil
}

// backupGCPercent is the garbage collector's target in a backup or restore
// process. Verifying a copy reads the journal an entry at a time and keeps
// little but the balances: at Go's default of 100 the collector ran a few
// dozen times per million entries and took about a fifth of the CPU; at
// 400 it took a fifth less CPU and about 150 MB more memory
// (BENCHMARKS.md). The process is short-lived; GOGC in the environment
// still decides.
const backupGCPercent = 400

func collectLessOften() {
	if os.Getenv("GOGC") == "" {
		debug.SetGCPercent(backupGCPercent)
	}
}

// copyAnswer is the JSON answer of backup and restore.
type copyAnswer struct {
	OK       bool    `json:"ok"`
	Path     string  `json:"path"`
	LastSeq  uint64  `json:"last_seq"`
	Entries  uint64  `json:"entries"`
	Balances int     `json:"balances"`
	Bytes    int64   `json:"bytes"`
	Schema   int64   `json:"schema_version"`
	Seconds  float64 `json:"seconds"`
}

func printCopy(w io.Writer, format, verb string, c sqlite.Copy, took time.Duration) error {
	if format == "json" {
		return cli.WriteJSON(w, copyAnswer{OK: true, Path: c.Path, LastSeq: c.LastSeq, Entries: c.Entries, Balances: c.Balances, Bytes: c.Bytes, Schema: c.Schema, Seconds: took.Seconds()})
	}
	cli.Printf(w, "ok: %s %s: entries 1 to %d (%d entries), %d balances, schema version %d, %.1f MB; verified: every balance recomputed from the journal (%.1f s)\n",
		verb, c.Path, c.LastSeq, c.Entries, c.Balances, c.Schema, float64(c.Bytes)/1e6, took.Seconds())
	return nil
}

// backupOptions are serve's --backup-* flags; a zero dir runs no backups.
type backupOptions struct {
	dir   string
	every time.Duration
	keep  int
}

// Scheduled backups' limits.
const (
	// niceMax is the lowest CPU priority, which scheduled backups take.
	niceMax        = 19
	backupEveryMin = time.Minute
	backupKeepMax  = 10000
)

func addBackupFlags(cmd *cobra.Command) {
	cmd.Flags().String("backup-dir", "", "write a verified backup of the SQLite store into this directory every --backup-every (empty: no scheduled backups)")
	cmd.Flags().Duration("backup-every", time.Hour, fmt.Sprintf("time between scheduled backups (at least %s)", backupEveryMin))
	cmd.Flags().Int("backup-keep", 48, fmt.Sprintf("scheduled backups to keep; older ones are deleted (1 to %d)", backupKeepMax))
}

// backupFlagValues reads and checks the --backup-* flags.
func backupFlagValues(cmd *cobra.Command, db string) (backupOptions, error) {
	var o backupOptions
	o.dir, _ = cmd.Flags().GetString("backup-dir")
	o.every, _ = cmd.Flags().GetDuration("backup-every")
	o.keep, _ = cmd.Flags().GetInt("backup-keep")
	if o.dir == "" {
		return o, nil
	}
	switch {
	case cli.IsPostgres(db):
		return o, errcode.Errorf(errBackupPostgres, postgresBackupHelp, "serve --backup-dir")
	case o.every < backupEveryMin:
		return o, errcode.Errorf(errBackupFlags, "--backup-every %s is too short; want at least %s", o.every, backupEveryMin)
	case o.keep < 1 || o.keep > backupKeepMax:
		return o, errcode.Errorf(errBackupFlags, "--backup-keep %d; want 1 to %d", o.keep, backupKeepMax)
	}
	fi, err := os.Stat(o.dir)
	if err != nil || !fi.IsDir() {
		return o, errcode.Errorf(errBackupFlags, "--backup-dir %s is not a directory (%v); create it first", o.dir, err)
	}
	return o, nil
}

// clock is the time the backup schedule reads and waits on.
type clock interface {
	Now() time.Time
	After(d time.Duration) <-chan time.Time
}

type systemClock struct{}

func (systemClock) Now() time.Time                         { return time.Now() }
func (systemClock) After(d time.Duration) <-chan time.Time { return time.After(d) }

// backupRunner makes one verified backup of src at dest.
type backupRunner func(ctx context.Context, src, dest string) (sqlite.Copy, error)

// backupSchedule writes a verified backup of one SQLite store into a
// directory at regular times, keeps the latest few, and says how old the
// last good one is.
type backupSchedule struct {
	src  string
	opt  backupOptions
	clk  clock
	run  backupRunner
	log  *slog.Logger
	born time.Time // when the schedule started: the age of "no backup yet"

	mu       sync.Mutex
	lastGood time.Time // zero: none yet
	lastName string
	lastErr  error

	failures prometheus.Counter
	duration prometheus.Gauge
}

// backupPrefix and backupExt frame a scheduled backup's name; between them
// is the time it was taken, in UTC, which orders the names by age.
const (
	backupPrefix     = "tributary-"
	backupExt        = ".db"
	backupTimeLayout = "20060102T150405Z"
)

func newBackupSchedule(src string, opt backupOptions, clk clock, run backupRunner, log *slog.Logger) *backupSchedule {
	b := &backupSchedule{src: src, opt: opt, clk: clk, run: run, log: log, born: clk.Now(),
		failures: prometheus.NewCounter(prometheus.CounterOpts{Name: "tributary_backup_failures_total", Help: "Scheduled backups that failed (or did not verify)."}),
		duration: prometheus.NewGauge(prometheus.GaugeOpts{Name: "tributary_backup_duration_seconds", Help: "How long the last good scheduled backup took, verification included."}),
	}
	b.lastGood, b.lastName = b.newest()
	return b
}

// register adds the schedule's metrics to reg.
func (b *backupSchedule) register(reg prometheus.Registerer) {
	reg.MustRegister(b.failures, b.duration,
		prometheus.NewGaugeFunc(prometheus.GaugeOpts{Name: "tributary_backup_last_success_timestamp_seconds", Help: "Unix time of the last good backup in --backup-dir (0: none yet)."}, func() float64 {
			if t := b.last(); !t.IsZero() {
				return float64(t.UnixNano()) / 1e9
			}
			return 0
		}),
		prometheus.NewGaugeFunc(prometheus.GaugeOpts{Name: "tributary_backup_age_seconds", Help: "Age of the last good backup in --backup-dir (with none yet: time since serve started)."}, func() float64 {
			return b.age().Seconds()
		}))
}

func (b *backupSchedule) last() time.Time {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.lastGood
}

// age is the time since the last good backup, or since the schedule began.
func (b *backupSchedule) age() time.Duration {
	b.mu.Lock()
	from := b.lastGood
	b.mu.Unlock()
	if from.IsZero() {
		from = b.born
	}
	return b.clk.Now().Sub(from)
}

// Ready reports a stale backup: none good for two periods.
func (b *backupSchedule) Ready(context.Context) error {
	age := b.age()
	if age <= 2*b.opt.every {
		return nil
	}
	b.mu.Lock()
	name, err := b.lastName, b.lastErr
	b.mu.Unlock()
	msg := fmt.Sprintf("no good backup for %s (every %s into %s", age.Round(time.Second), b.opt.every, b.opt.dir)
	if name != "" {
		msg += "; the last is " + name
	}
	if err != nil {
		msg += "; the last attempt failed: " + err.Error()
	}
	return errors.New(msg + ")")
}

// Run backs up when the last good backup is a period old (at once when the
// directory holds none), until ctx ends.
func (b *backupSchedule) Run(ctx context.Context) {
	b.removePartials()
	for {
		wait := b.opt.every - b.sinceLastGood()
		if wait > 0 {
			select {
			case <-ctx.Done():
				return
			case <-b.clk.After(wait):
			}
		}
		if ctx.Err() != nil {
			return
		}
		if err := b.once(ctx); err != nil && ctx.Err() == nil {
			// Retry after a tenth of a period rather than a whole one.
			select {
			case <-ctx.Done():
				return
			case <-b.clk.After(b.opt.every / 10):
			}
		}
	}
}

func (b *backupSchedule) sinceLastGood() time.Duration {
	last := b.last()
	if last.IsZero() {
		return b.opt.every
	}
	return b.clk.Now().Sub(last)
}

// once takes one backup named for the clock's time and deletes the oldest
// beyond --backup-keep.
func (b *backupSchedule) once(ctx context.Context) error {
	at := b.clk.Now().UTC()
	name := backupPrefix + at.Format(backupTimeLayout) + backupExt
	c, err := b.run(ctx, b.src, filepath.Join(b.opt.dir, name))
	took := b.clk.Now().Sub(at)
	b.mu.Lock()
	b.lastErr = err
	if err == nil {
		b.lastGood, b.lastName = at, name
	}
	b.mu.Unlock()
	if err != nil {
		b.failures.Inc()
		b.log.Error("backup failed", "dest", name, "err", err, "code", errcode.Code(err))
		return err
	}
	b.duration.Set(took.Seconds())
	b.log.Info("backup verified", "dest", name, "last_seq", c.LastSeq, "entries", c.Entries, "bytes", c.Bytes, "seconds", took.Seconds())
	b.rotate()
	return nil
}

// backups lists the directory's scheduled backups, oldest first.
func (b *backupSchedule) backups() []string {
	ents, err := os.ReadDir(b.opt.dir)
	if err != nil {
		return nil
	}
	var names []string
	for _, e := range ents {
		if _, ok := backupTime(e.Name()); ok && e.Type().IsRegular() {
			names = append(names, e.Name())
		}
	}
	sort.Strings(names)
	return names
}

// backupTime reads the time in a scheduled backup's name.
func backupTime(name string) (time.Time, bool) {
	s, ok := strings.CutPrefix(name, backupPrefix)
	if !ok {
		return time.Time{}, false
	}
	s, ok = strings.CutSuffix(s, backupExt)
	if !ok {
		return time.Time{}, false
	}
	t, err := time.Parse(backupTimeLayout, s)
	return t, err == nil
}

// newest is the last backup a previous serve left, so that a restart
// neither forgets how old it is nor backs up again at once. A file under
// such a name is verified: a backup takes its name only then.
func (b *backupSchedule) newest() (time.Time, string) {
	names := b.backups()
	if len(names) == 0 {
		return time.Time{}, ""
	}
	t, _ := backupTime(names[len(names)-1])
	return t, names[len(names)-1]
}

// rotate deletes the oldest backups beyond --backup-keep.
func (b *backupSchedule) rotate() {
	names := b.backups()
	for len(names) > b.opt.keep {
		if err := os.Remove(filepath.Join(b.opt.dir, names[0])); err != nil {
			b.log.Warn("deleting an old backup", "name", names[0], "err", err)
		}
		names = names[1:]
	}
}

// removePartials deletes what backups killed before they finished left
// in the directory (a serve stopped mid-backup, a power cut).
func (b *backupSchedule) removePartials() {
	ents, err := os.ReadDir(b.opt.dir)
	if err != nil {
		return
	}
	for _, e := range ents {
		full, _, ok := strings.Cut(e.Name(), ".partial-")
		if _, named := backupTime(full); ok && named {
			_ = os.Remove(filepath.Join(b.opt.dir, e.Name()))
		}
	}
}

// childBackup runs `tributary backup` in a process of its own, the binary
// at exe, at the lowest CPU priority: its copy and the verification's
// replay of the journal then run beside serve's writer on what CPU it
// leaves, not inside its process, where their goroutines and garbage took
// the writer's turns on the CPU (BENCHMARKS.md, "Backups").
func childBackup(exe string) backupRunner {
	return func(ctx context.Context, src, dest string) (sqlite.Copy, error) {
		cmd := exec.CommandContext(ctx, exe, "backup", "--db", src, dest, "--output", "json", "--nice", strconv.Itoa(niceMax))
		// On shutdown the child is asked to stop, so that it removes its
		// partial file; killed if it has not within a while.
		cmd.Cancel = func() error { return cmd.Process.Signal(os.Interrupt) }
		cmd.WaitDelay = 30 * time.Second
		var stdout, stderr bytes.Buffer
		cmd.Stdout, cmd.Stderr = &stdout, &stderr
		if err := cmd.Run(); err != nil {
			return sqlite.Copy{}, fmt.Errorf("%s backup: %v: %s", exe, err, strings.TrimSpace(stderr.String()))
		}
		var a copyAnswer
		if err := json.Unmarshal(stdout.Bytes(), &a); err != nil || !a.OK {
			return sqlite.Copy{}, fmt.Errorf("%s backup answered %q: %v", exe, stdout.String(), err)
		}
		return sqlite.Copy{Path: a.Path, LastSeq: a.LastSeq, Entries: a.Entries, Balances: a.Balances, Bytes: a.Bytes, Schema: a.Schema}, nil
	}
}

// startBackups starts serve's scheduled backups of the SQLite store db:
// their metrics go to reg, their staleness to the ready check returned.
// stop ends them and waits.
func startBackups(ctx context.Context, db string, o backupOptions, reg prometheus.Registerer, log *slog.Logger) (api.ReadyCheck, func(), error) {
	exe, err := os.Executable()
	if err != nil {
		return api.ReadyCheck{}, nil, fmt.Errorf("finding this binary to run backups with: %w", err)
	}
	b := newBackupSchedule(db, o, systemClock{}, childBackup(exe), log)
	b.register(reg)
	bctx, cancel := context.WithCancel(ctx)
	done := make(chan struct{})
	go func() { defer close(done); b.Run(bctx) }()
	log.Info("scheduled backups", "dir", o.dir, "every", o.every.String(), "keep", o.keep, "last", b.lastName)
	return api.ReadyCheck{Name: "backup", Check: b.Ready}, func() { cancel(); <-done }, nil
}
