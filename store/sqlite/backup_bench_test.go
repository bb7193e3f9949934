package sqlite

import (
	"context"
	"database/sql"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"runtime/debug"
	"slices"
	"strconv"
	"testing"
	"time"
)

// The backup benchmarks run on a store of benchEntries() payments (1,000,000
// unless TRIBUTARY_BENCH_BACKUP_ENTRIES says otherwise), built once into
// TRIBUTARY_BENCH_BACKUP_DB when that names a file (and reused while the
// file is there), else into a temporary directory.
func benchEntries() int {
	if n, err := strconv.Atoi(os.Getenv("TRIBUTARY_BENCH_BACKUP_ENTRIES")); err == nil && n > 0 {
		return n
	}
	return 1_000_000
}

func benchStore(b *testing.B) string {
	b.Helper()
	path := os.Getenv("TRIBUTARY_BENCH_BACKUP_DB")
	if path == "" {
		path = filepath.Join(b.TempDir(), "bench.db")
	}
	if _, err := os.Stat(path); err == nil {
		return path
	}
	s, err := Open(context.Background(), path)
	if err != nil {
		b.Fatal(err)
	}
	seedPayments(b, s, benchEntries())
	if err := s.Close(); err != nil {
		b.Fatal(err)
	}
	return path
}

// BenchmarkBackup measures backups of an idle store of a million entries:
// the copy and its verification, one op each, by the online backup API
// (the way Backup copies) and by VACUUM INTO (the way it does not).
func BenchmarkBackup(b *testing.B) {
	src := benchStore(b)
	fi, err := os.Stat(src)
	if err != nil {
		b.Fatal(err)
	}
	b.Run("api", func(b *testing.B) {
		for i := 0; i < b.N; i++ {
			dest := filepath.Join(b.TempDir(), "copy.db")
			c, err := Backup(context.Background(), src, dest, BackupOptions{})
			if err != nil {
				b.Fatal(err)
			}
			b.ReportMetric(float64(c.Bytes)/1e6, "MB")
			os.Remove(dest)
		}
		b.ReportMetric(float64(fi.Size())/1e6/b.Elapsed().Seconds()*float64(b.N), "MB/s")
	})
	b.Run("copy-only", func(b *testing.B) {
		for i := 0; i < b.N; i++ {
			tmp := filepath.Join(b.TempDir(), "copy.db")
			if err := os.WriteFile(tmp, nil, 0o600); err != nil {
				b.Fatal(err)
			}
			if _, err := copyLive(context.Background(), src, tmp, BackupOptions{StepPages: DefaultStepPages}); err != nil {
				b.Fatal(err)
			}
			os.Remove(tmp)
		}
	})
	b.Run("verify-only", func(b *testing.B) {
		for i := 0; i < b.N; i++ {
			s, err := Open(context.Background(), src)
			if err != nil {
				b.Fatal(err)
			}
			if _, err := describe(context.Background(), s); err != nil {
				b.Fatal(err)
			}
			s.Close()
		}
	})
	b.Run("vacuum-into", func(b *testing.B) {
		db, err := sql.Open("sqlite", fileDSN(src, pragma("query_only(0)")))
		if err != nil {
			b.Fatal(err)
		}
		defer db.Close()
		for i := 0; i < b.N; i++ {
			dest := filepath.Join(b.TempDir(), "copy.db")
			if _, err := db.Exec("VACUUM INTO ?", dest); err != nil {
				b.Fatal(err)
			}
			os.Remove(dest)
		}
	})
}

// BenchmarkWritesDuringBackup measures the write rate of 8 writers that
// commit payments through one group commit, as serve does, as fast as
// their commits return, in three windows per op: before a backup, during a
// whole backup (copy, verification, sync), and after it, each as long as
// the backup took (the first before-window as long as backupWindow0). The
// after-window holds the cost the backup leaves behind: the WAL grew while
// the backup's snapshot was held, and the next checkpoint copies it all.
//
// process runs each backup in a process of its own at nice 19, as
// serve's scheduled backups run; process-nice0 at the default priority;
// goroutine in the writers' process, to show why backups do not run there.
func BenchmarkWritesDuringBackup(b *testing.B) {
	b.Run("process", func(b *testing.B) { benchWritesDuring(b, childBackup("nice", "-n", "19")) })
	b.Run("process-nice0", func(b *testing.B) { benchWritesDuring(b, childBackup()) })
	b.Run("goroutine", func(b *testing.B) {
		benchWritesDuring(b, func(ctx context.Context, src, dest string) error {
			_, err := Backup(ctx, src, dest, BackupOptions{})
			return err
		})
	})
}

// childBackup runs TestBackupBenchChild, after the command prefix given
// (nice -n 19, say).
func childBackup(prefix ...string) func(ctx context.Context, src, dest string) error {
	return func(ctx context.Context, src, dest string) error {
		args := append(slices.Clone(prefix), os.Args[0], "-test.run=^TestBackupBenchChild$", "-test.count=1")
		cmd := exec.CommandContext(ctx, args[0], args[1:]...)
		cmd.Env = append(os.Environ(), benchEnvSrc+"="+src, benchEnvDest+"="+dest)
		if out, err := cmd.CombinedOutput(); err != nil {
			return fmt.Errorf("%v: %s", err, out)
		}
		return nil
	}
}

const (
	benchEnvSrc  = "TRIBUTARY_BENCH_BACKUP_SRC"
	benchEnvDest = "TRIBUTARY_BENCH_BACKUP_DEST"
)

// TestBackupBenchChild is BenchmarkWritesDuringBackup's backup process.
func TestBackupBenchChild(t *testing.T) {
	src := os.Getenv(benchEnvSrc)
	if src == "" {
		t.Skip("run by BenchmarkWritesDuringBackup only")
	}
	// As `tributary backup` does (cmd/tributary, backupGCPercent).
	if os.Getenv("GOGC") == "" {
		debug.SetGCPercent(400)
	}
	if _, err := Backup(context.Background(), src, os.Getenv(benchEnvDest), BackupOptions{}); err != nil {
		t.Fatal(err)
	}
}

func benchWritesDuring(b *testing.B, backup func(ctx context.Context, src, dest string) error) {
	// The writers add to the store: they write to a copy of it.
	src := filepath.Join(b.TempDir(), "live.db")
	copyFile(b, benchStore(b), src)
	ctx := context.Background()
	s, err := Open(ctx, src)
	if err != nil {
		b.Fatal(err)
	}
	defer s.Close()
	p := startPayers(s, 8)
	defer close(p.stop)
	p.waitFor(1000)
	var w [3]window // before, during, after
	dir := b.TempDir()
	d := backupWindow0
	for i := 0; i < b.N; i++ {
		before := w[0].measure(p, func() { time.Sleep(d) })
		during := w[1].measure(p, func() {
			dest := filepath.Join(dir, fmt.Sprintf("copy-%d.db", i))
			if err := backup(ctx, src, dest); err != nil {
				b.Fatal(err)
			}
			os.Remove(dest)
		})
		d = during.d
		after := w[2].measure(p, func() { time.Sleep(d) })
		b.Logf("backup %d: %.2f s; writes/s before %.0f, during %.0f, after %.0f", i, d.Seconds(), before.rate(), during.rate(), after.rate())
	}
	b.ReportMetric(w[1].d.Seconds()/float64(b.N), "s/backup")
	b.ReportMetric(w[0].rate(), "writes/s-before")
	b.ReportMetric(w[1].rate(), "writes/s-during")
	b.ReportMetric(w[2].rate(), "writes/s-after")
	b.ReportMetric(w[1].rate()/w[0].rate(), "during/before")
}

// copyFile copies a closed store's file.
func copyFile(b *testing.B, from, to string) {
	b.Helper()
	in, err := os.Open(from)
	if err != nil {
		b.Fatal(err)
	}
	defer in.Close()
	out, err := os.Create(to)
	if err != nil {
		b.Fatal(err)
	}
	if _, err := io.Copy(out, in); err != nil {
		b.Fatal(err)
	}
	// Synced, so that its writing back does not fall into a window.
	if err := out.Sync(); err != nil {
		b.Fatal(err)
	}
	if err := out.Close(); err != nil {
		b.Fatal(err)
	}
}

const backupWindow0 = 20 * time.Second

// window sums the writes acknowledged and the time taken over runs.
type window struct {
	n int64
	d time.Duration
}

func (w *window) measure(p *payers, run func()) window {
	n0, t0 := p.n.Load(), time.Now()
	run()
	one := window{n: p.n.Load() - n0, d: time.Since(t0)}
	w.n += one.n
	w.d += one.d
	return one
}

func (w window) rate() float64 { return float64(w.n) / w.d.Seconds() }
