package main

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"math/rand/v2"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/tributary-ledger/tributary/cli"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/tributary-ledger/tributary/client"
	"github.com/tributary-ledger/tributary/engine"
	"github.com/tributary-ledger/tributary/errcode"
	"github.com/tributary-ledger/tributary/money"
	"github.com/tributary-ledger/tributary/store/sqlite"
	"github.com/tributary-ledger/tributary/store/storetest"
	"github.com/tributary-ledger/tributary/wire"
)

// asMainEnv makes the test binary run as the tributary command itself, so
// that tests can run real `tributary` processes, and serve can run its
// backups in processes of its own (it runs the binary it is).
const asMainEnv = "TRIBUTARY_TEST_AS_MAIN"

func TestMain(m *testing.M) {
	if os.Getenv(asMainEnv) == "1" {
		main()
		os.Exit(0)
	}
	os.Exit(m.Run())
}

// tributaryCmd returns a command running the tributary CLI with args.
func tributaryCmd(args ...string) *exec.Cmd {
	cmd := exec.Command(os.Args[0], args...)
	cmd.Env = append(os.Environ(), asMainEnv+"=1")
	return cmd
}

// storeOf writes a SQLite store of n payments at path and closes it.
func storeOf(t *testing.T, path string, n int) {
	t.Helper()
	ctx := context.Background()
	s, err := sqlite.Open(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	storetest.SeedPayments(t, engine.New(s, money.NewRegistry()), 7, n)
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
}

// TestBackupRestoreCommands backs a store up and restores it through the
// command line, and checks the answers and the refusals' codes.
func TestBackupRestoreCommands(t *testing.T) {
	dir := t.TempDir()
	src, copyPath, dest := filepath.Join(dir, "live.db"), filepath.Join(dir, "copy.db"), filepath.Join(dir, "restored.db")
	storeOf(t, src, 1500)

	out, err := run(t, "backup", "--db", src, copyPath, "--output", "json")
	if err != nil {
		t.Fatalf("backup: %v\n%s", err, out)
	}
	var a copyAnswer
	if err := json.Unmarshal([]byte(out), &a); err != nil || !a.OK || a.LastSeq != 1500 || a.Entries != 1500 || a.Path != copyPath {
		t.Fatalf("backup answered %s (%v); want ok, entries 1 to 1500 at %s", out, err, copyPath)
	}
	out, err = run(t, "restore", copyPath, "--db", dest)
	if err != nil || !strings.Contains(out, "restored "+dest+": entries 1 to 1500 (1500 entries), ") {
		t.Fatalf("restore: %v\n%s", err, out)
	}
	out, err = run(t, "ledger", "verify", "--db", dest)
	if err != nil || !strings.Contains(out, "ok: 1500 entries") {
		t.Fatalf("ledger verify of the restored store: %v\n%s", err, out)
	}

	pg := "postgres://postgres@127.0.0.1:5432/test?sslmode=disable"
	for _, tc := range []struct {
		args []string
		code string
	}{
		{[]string{"backup", "--db", src, copyPath}, "backup_dest_exists"},
		{[]string{"backup", "--db", filepath.Join(dir, "missing.db"), filepath.Join(dir, "x.db")}, "backup_not_store"},
		{[]string{"restore", copyPath, "--db", src}, "restore_dest_not_empty"},
		{[]string{"restore", filepath.Join(dir, "missing.db"), "--db", filepath.Join(dir, "y.db")}, "backup_not_store"},
		{[]string{"backup", "--db", pg, filepath.Join(dir, "pg.db")}, "backup_postgres"},
		{[]string{"restore", copyPath, "--db", pg}, "backup_postgres"},
		{[]string{"backup", "--db", src, filepath.Join(dir, "z.db"), "--output", "yaml"}, "output_invalid"},
		{[]string{"backup", "--db", src, filepath.Join(dir, "z.db"), "--nice", "20"}, "backup_flags_invalid"},
	} {
		out, err := run(t, tc.args...)
		if errcode.Code(err) != tc.code {
			t.Errorf("%v: %v (code %s), printed %q; want code %s", tc.args, err, errcode.Code(err), out, tc.code)
		}
	}
	if _, err := run(t, "backup", "--db", pg, filepath.Join(dir, "pg.db")); err == nil || !strings.Contains(err.Error(), "pg_dump") || !strings.Contains(err.Error(), "pg_basebackup") {
		t.Errorf("backup of PostgreSQL: %v; want it to point to pg_dump and pg_basebackup", err)
	}
	for _, name := range []string{"x.db", "y.db", "z.db", "pg.db", "missing.db"} {
		if _, err := os.Stat(filepath.Join(dir, name)); !errors.Is(err, os.ErrNotExist) {
			t.Errorf("a refused command left %s (%v)", name, err)
		}
	}
}

// TestBackupCommandKilled kills `tributary backup` processes with SIGKILL
// at random moments of a backup: the destination is then either absent or
// a complete copy that verifies, never a file that only looks like one.
func TestBackupCommandKilled(t *testing.T) {
	if testing.Short() {
		t.Skip("slow: runs and kills backup processes")
	}
	dir := t.TempDir()
	src := filepath.Join(dir, "live.db")
	storeOf(t, src, 20000)
	// How long a whole backup takes here, to kill within it.
	t0 := time.Now()
	if out, err := tributaryCmd("backup", "--db", src, filepath.Join(dir, "timed.db")).CombinedOutput(); err != nil {
		t.Fatalf("backup: %v\n%s", err, out)
	}
	whole := time.Since(t0)
	r := rand.New(rand.NewPCG(25, 25))
	absent := 0
	for round := range 8 {
		dest := filepath.Join(dir, fmt.Sprintf("copy-%d.db", round))
		cmd := tributaryCmd("backup", "--db", src, dest)
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		delay := time.Duration(r.Int64N(int64(whole)))
		time.Sleep(delay)
		cmd.Process.Signal(syscall.SIGKILL)
		cmd.Wait()
		if _, err := os.Stat(dest); errors.Is(err, os.ErrNotExist) {
			absent++
			continue
		}
		out, err := run(t, "ledger", "verify", "--db", dest)
		if err != nil || !strings.Contains(out, "ok: 20000 entries") {
			t.Fatalf("round %d: killed after %v, %s is there and does not verify: %v\n%s", round, delay, dest, err, out)
		}
	}
	if absent == 0 {
		t.Fatalf("every backup finished before it was killed (a whole one takes %v): the test tested nothing", whole)
	}
}

// TestBackupCommandInterrupted stops `tributary backup` with SIGINT once
// its partial file is there, as serve stops its backups when it shuts
// down: the command cleans up after itself.
func TestBackupCommandInterrupted(t *testing.T) {
	dir := t.TempDir()
	src := filepath.Join(dir, "live.db")
	storeOf(t, src, 10000)
	dest := filepath.Join(dir, "copy.db")
	cmd := tributaryCmd("backup", "--db", src, dest)
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	partial := fmt.Sprintf("%s.partial-%d", dest, cmd.Process.Pid)
	for {
		if _, err := os.Stat(partial); err == nil {
			break
		}
		time.Sleep(time.Millisecond)
	}
	cmd.Process.Signal(os.Interrupt)
	err := cmd.Wait()
	if _, serr := os.Stat(partial); !errors.Is(serr, os.ErrNotExist) {
		t.Errorf("the interrupted backup (%v) left %s (%v)", err, partial, serr)
	}
	if _, serr := os.Stat(dest); serr == nil {
		t.Logf("the backup finished before the interrupt reached it")
	} else if err == nil {
		t.Errorf("the interrupted backup left no copy and exited 0")
	}
}

// TestBackupFlags checks serve's --backup-* flags.
func TestBackupFlags(t *testing.T) {
	dir := t.TempDir()
	file := filepath.Join(dir, "f")
	if err := os.WriteFile(file, nil, 0o600); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		args []string
		code string
	}{
		{[]string{"--backup-dir", dir}, ""},
		{[]string{"--backup-every", "1s"}, ""}, // no dir: no backups, nothing to check
		{[]string{"--backup-dir", dir, "--backup-every", "59s"}, "backup_flags_invalid"},
		{[]string{"--backup-dir", dir, "--backup-keep", "0"}, "backup_flags_invalid"},
		{[]string{"--backup-dir", filepath.Join(dir, "missing")}, "backup_flags_invalid"},
		{[]string{"--backup-dir", file}, "backup_flags_invalid"},
		{[]string{"--backup-dir", dir, "--db", "postgres://x@127.0.0.1/y"}, "backup_postgres"},
	} {
		cmd := newServeCmd()
		if err := cmd.ParseFlags(tc.args); err != nil {
			t.Fatal(err)
		}
		_, err := backupFlagValues(cmd, cli.DBFlag(cmd))
		if got := errcode.Code(err); (err == nil) != (tc.code == "") || (err != nil && got != tc.code) {
			t.Errorf("%v: %v (code %s); want code %q", tc.args, err, got, tc.code)
		}
	}
}

// fakeClock is a clock that moves only when the schedule waits: After
// moves it on by the wait and fires at once.
type fakeClock struct {
	mu  sync.Mutex
	now time.Time
}

func (c *fakeClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *fakeClock) After(d time.Duration) <-chan time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = c.now.Add(d)
	ch := make(chan time.Time, 1)
	ch <- c.now
	return ch
}

func (c *fakeClock) set(t time.Time) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = t
}

func (c *fakeClock) advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = c.now.Add(d)
}

// TestBackupSchedule runs the schedule on a clock of its own for a day of
// hourly backups, each a real backup of a real store, with two failing:
// backups are named for their time, the newest few are kept, partial files
// of killed runs go, the metrics say when the last good one was, and a
// restarted schedule picks up where the last left off.
func TestBackupSchedule(t *testing.T) {
	dir, bdir := t.TempDir(), t.TempDir()
	src := filepath.Join(dir, "live.db")
	storeOf(t, src, 100)
	t0 := time.Date(2026, 12, 7, 10, 0, 0, 0, time.UTC)
	leftover := filepath.Join(bdir, "tributary-20261201T000000Z.db.partial-123")
	notOurs := filepath.Join(bdir, "notes.txt")
	for _, f := range []string{leftover, notOurs} {
		if err := os.WriteFile(f, []byte("x"), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	clk := &fakeClock{now: t0}
	ctx, cancel := context.WithCancel(context.Background())
	var runs int
	run := func(ctx context.Context, src, dest string) (sqlite.Copy, error) {
		runs++
		if runs == 5 || runs == 6 {
			return sqlite.Copy{}, errors.New("disk full")
		}
		c, err := sqlite.Backup(ctx, src, dest, sqlite.BackupOptions{})
		if runs == 24 {
			cancel()
		}
		return c, err
	}
	o := backupOptions{dir: bdir, every: time.Hour, keep: 5}
	b := newBackupSchedule(src, o, clk, run, slog.New(slog.DiscardHandler))
	reg := prometheus.NewRegistry()
	b.register(reg)
	b.Run(ctx)

	// 24 runs: at once, then hourly; 5 and 6 failed, retried after 6
	// minutes each; so the last ran at 10:00 + 21h + 12m.
	last := t0.Add(21*time.Hour + 12*time.Minute)
	names := b.backups()
	want := []string{}
	for i := 4; i >= 0; i-- {
		want = append(want, "tributary-"+last.Add(-time.Duration(i)*time.Hour).Format(backupTimeLayout)+".db")
	}
	if strings.Join(names, " ") != strings.Join(want, " ") {
		t.Fatalf("backups kept: %v; want %v", names, want)
	}
	for _, f := range []string{leftover} {
		if _, err := os.Stat(f); !errors.Is(err, os.ErrNotExist) {
			t.Errorf("%s was left (%v)", f, err)
		}
	}
	if _, err := os.Stat(notOurs); err != nil {
		t.Errorf("a file not the schedule's was deleted: %v", err)
	}
	gather := func(name string) float64 {
		t.Helper()
		mfs, err := reg.Gather()
		if err != nil {
			t.Fatal(err)
		}
		for _, mf := range mfs {
			if mf.GetName() == name {
				m := mf.GetMetric()[0]
				if m.GetGauge() != nil {
					return m.GetGauge().GetValue()
				}
				return m.GetCounter().GetValue()
			}
		}
		t.Fatalf("no metric %s", name)
		return 0
	}
	if got := gather("tributary_backup_last_success_timestamp_seconds"); got != float64(last.Unix()) {
		t.Errorf("last success = %v; want %d", got, last.Unix())
	}
	if got := gather("tributary_backup_failures_total"); got != 2 {
		t.Errorf("failures = %v; want 2", got)
	}
	clk.set(last.Add(90 * time.Minute))
	if got := gather("tributary_backup_age_seconds"); got != 5400 {
		t.Errorf("age = %v; want 5400", got)
	}

	// A restart reads the age of the last backup off the directory.
	b2 := newBackupSchedule(src, o, clk, run, slog.New(slog.DiscardHandler))
	if age := b2.age(); age != 90*time.Minute {
		t.Errorf("restarted schedule: age %v; want 1h30m", age)
	}
}

// TestBackupStale checks /readyz's view of backups: ready while the last
// good one is at most two periods old, not ready after, with the reason.
func TestBackupStale(t *testing.T) {
	clk := &fakeClock{now: time.Date(2026, 12, 7, 10, 0, 0, 0, time.UTC)}
	o := backupOptions{dir: t.TempDir(), every: time.Hour, keep: 2}
	fail := func(context.Context, string, string) (sqlite.Copy, error) {
		return sqlite.Copy{}, errors.New("disk full")
	}
	b := newBackupSchedule("live.db", o, clk, fail, slog.New(slog.DiscardHandler))
	b.register(prometheus.NewRegistry())
	if err := b.Ready(context.Background()); err != nil {
		t.Errorf("just started: %v; want ready", err)
	}
	b.once(context.Background())
	clk.advance(2 * time.Hour)
	if err := b.Ready(context.Background()); err != nil {
		t.Errorf("two hours without a backup, every hour: %v; want ready", err)
	}
	clk.advance(time.Second)
	err := b.Ready(context.Background())
	if err == nil || !strings.Contains(err.Error(), "no good backup for 2h0m1s") || !strings.Contains(err.Error(), "disk full") {
		t.Errorf("two hours and a second: %v; want stale, with the last failure", err)
	}
}

// TestServeBackups runs `tributary serve --backup-dir` as a process of its
// own, which backs up in processes of their own: a backup verified at
// start, metrics and /readyz that say so, and a restore of it that holds
// what was written before it.
func TestServeBackups(t *testing.T) {
	dir, bdir := t.TempDir(), t.TempDir()
	db := filepath.Join(dir, "live.db")
	storeOf(t, db, 300)
	cmd := tributaryCmd("serve", "--db", db, "--addr", "127.0.0.1:0", "--backup-dir", bdir, "--backup-every", "1h", "--backup-keep", "3")
	cmd.Env = append(cmd.Env, "TRIBUTARY_ADMIN_TOKEN="+testAdmin)
	stderr, err := cmd.StderrPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { cmd.Process.Signal(syscall.SIGTERM); cmd.Wait() })
	logs := make(chan map[string]any, 100)
	go func() {
		sc := bufio.NewScanner(stderr)
		for sc.Scan() {
			var m map[string]any
			if json.Unmarshal(sc.Bytes(), &m) == nil {
				logs <- m
			}
		}
		close(logs)
	}()
	var url, backup string
	for m := range logs {
		switch m["msg"] {
		case "tributary serving":
			url = "http://" + m["addr"].(string)
		case "backup verified":
			backup = m["dest"].(string)
		case "backup failed":
			t.Fatalf("the scheduled backup failed: %v", m)
		}
		if url != "" && backup != "" {
			break
		}
	}
	if url == "" || backup == "" {
		t.Fatal("serve stopped before it served and backed up")
	}
	go func() {
		for range logs {
		}
	}()
	c := client.New(url, testAdmin, nil)
	if _, _, err := c.CreateEntry(context.Background(), "after-backup", wire.EntryRequest{Postings: []wire.PostingJSON{{From: "@world", To: "a", Amount: "1", Currency: "USD"}}}); err != nil {
		t.Fatal(err)
	}
	for path, want := range map[string]string{
		"/readyz":  `"status":"ready"`,
		"/metrics": "tributary_backup_last_success_timestamp_seconds 1.",
	} {
		resp, err := http.Get(url + path)
		if err != nil {
			t.Fatal(err)
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if !strings.Contains(string(body), want) {
			t.Errorf("GET %s: %d %s; want %s", path, resp.StatusCode, body, want)
		}
	}
	out, err := run(t, "restore", filepath.Join(bdir, backup), "--db", filepath.Join(dir, "restored.db"), "--output", "json")
	var a copyAnswer
	if err != nil || json.Unmarshal([]byte(out), &a) != nil || a.LastSeq != 300 {
		t.Fatalf("restore of the scheduled backup: %v %s; want entries 1 to 300", err, out)
	}
}

const niceChildEnv = "TRIBUTARY_TEST_NICE_CHILD"

// TestLowerPriorityChild is TestLowerPriority's child: it lowers its
// priority, starts more threads, and prints every thread's nice value.
func TestLowerPriorityChild(t *testing.T) {
	if os.Getenv(niceChildEnv) == "" {
		t.Skip("run by TestLowerPriority only")
	}
	lowerPriority(7)
	// Goroutines locked to threads of their own make the runtime start
	// threads after the change.
	var wg sync.WaitGroup
	release := make(chan struct{})
	for range 4 {
		wg.Add(1)
		go func() {
			runtime.LockOSThread()
			wg.Done()
			<-release
		}()
	}
	wg.Wait()
	for _, tid := range threads() {
		stat, err := os.ReadFile(fmt.Sprintf("/proc/self/task/%d/stat", tid))
		if err != nil {
			continue
		}
		// Fields after the command's closing parenthesis: state is the
		// first (field 3 of stat(5)), nice the 17th (field 19).
		f := strings.Fields(string(stat[strings.LastIndexByte(string(stat), ')')+1:]))
		fmt.Println("nice", f[16])
	}
	close(release)
}

// TestLowerPriority checks that `backup --nice` reaches every thread of
// the process, those started after it included (Linux, where a nice value
// is a thread's).
func TestLowerPriority(t *testing.T) {
	if os.Getenv(niceChildEnv) != "" {
		t.Skip("child")
	}
	if _, err := os.Stat("/proc/self/task"); err != nil {
		t.Skip("no /proc/self/task: nice values are the process's here")
	}
	cmd := exec.Command(os.Args[0], "-test.run=^TestLowerPriorityChild$", "-test.count=1")
	cmd.Env = append(os.Environ(), niceChildEnv+"=1")
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("child: %v\n%s", err, out)
	}
	// At least 7: a process may not be given a higher priority than it
	// had, so a test run under nice keeps its own value.
	n := 0
	for _, line := range strings.Split(string(out), "\n") {
		if v, ok := strings.CutPrefix(line, "nice "); ok {
			n++
			if nice, err := strconv.Atoi(v); err != nil || nice < 7 {
				t.Errorf("a thread runs at nice %s; want 7 or lower priority", v)
			}
		}
	}
	if n < 5 {
		t.Fatalf("the child listed %d threads; want at least the 4 it started and its own\n%s", n, out)
	}
}
