package sqlite

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/tributary-ledger/tributary/engine"
	"github.com/tributary-ledger/tributary/errcode"
	"github.com/tributary-ledger/tributary/money"
	"github.com/tributary-ledger/tributary/store/sqlstore"
	"github.com/tributary-ledger/tributary/store/storetest"
)

// payers commits payments from writers goroutines through one group
// commit, as serve does, each as fast as its commits return, and keeps
// every acknowledged key with its entry's number.
type payers struct {
	mu    sync.Mutex
	acked map[string]uint64
	n     atomic.Int64
	stop  chan struct{}
	wg    sync.WaitGroup
	errs  chan error
}

func startPayers(s *Store, writers int) *payers {
	p := &payers{acked: map[string]uint64{}, stop: make(chan struct{}), errs: make(chan error, writers)}
	group := engine.NewGroup(engine.New(s, money.NewRegistry()), 1, 256)
	run := time.Now().UnixNano()
	for w := range writers {
		p.wg.Add(1)
		go func() {
			defer p.wg.Done()
			for i := 0; ; i++ {
				select {
				case <-p.stop:
					return
				default:
				}
				op := storetest.BenchPayment(run, w, i)
				res, err := group.Apply(context.Background(), op)
				if err != nil {
					p.errs <- err
					return
				}
				p.mu.Lock()
				p.acked[op.Key] = res.Entry.Seq
				p.mu.Unlock()
				p.n.Add(1)
			}
		}()
	}
	go func() { p.wg.Wait(); group.Close() }()
	return p
}

// snapshot copies the acknowledgements so far.
func (p *payers) snapshot() map[string]uint64 {
	p.mu.Lock()
	defer p.mu.Unlock()
	m := make(map[string]uint64, len(p.acked))
	for k, v := range p.acked {
		m[k] = v
	}
	return m
}

// waitFor waits until n more payments than now are acknowledged, and
// reports whether they were within a minute.
func (p *payers) waitFor(n int64) bool {
	target := p.n.Load() + n
	deadline := time.Now().Add(time.Minute)
	for p.n.Load() < target {
		if time.Now().After(deadline) {
			return false
		}
		time.Sleep(time.Millisecond)
	}
	return true
}

func (p *payers) finish(t *testing.T) {
	t.Helper()
	close(p.stop)
	p.wg.Wait()
	select {
	case err := <-p.errs:
		t.Fatalf("a writer failed: %v", err)
	default:
	}
}

// seedPayments commits n payments in batches of 1,000.
func seedPayments(t testing.TB, s *Store, n int) {
	t.Helper()
	storetest.SeedPayments(t, engine.New(s, money.NewRegistry()), -1, n)
}

// journalKeys reads a store's whole journal: the key of every entry by
// its number, failing on a key seen twice.
func journalKeys(t *testing.T, s *Store) map[uint64]string {
	t.Helper()
	bySeq := map[uint64]string{}
	seen := map[string]bool{}
	for after := uint64(0); ; {
		ents, err := s.Journal(context.Background(), after, 1000)
		if err != nil {
			t.Fatal(err)
		}
		for _, e := range ents {
			if seen[e.Key] {
				t.Fatalf("key %s is in the journal twice", e.Key)
			}
			seen[e.Key] = true
			bySeq[e.Seq] = e.Key
		}
		if len(ents) < 1000 {
			return bySeq
		}
		after = ents[len(ents)-1].Seq
	}
}

func openStore(t *testing.T, path string) *Store {
	t.Helper()
	s, err := Open(context.Background(), path)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

// TestBackupUnderWriters backs a store up while 8 writers commit payments
// as fast as they can, and holds the copy to what a backup promises: it
// verifies; every entry acknowledged before the backup began is in it,
// once, under its number; it is exactly the source's journal up to the
// number it names, which is where the source stood when the backup began,
// although the writers went on committing while it was made; and its
// restore is the same ledger, which goes on taking entries.
func TestBackupUnderWriters(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	src := openStore(t, filepath.Join(dir, "live.db"))
	seedPayments(t, src, 3000)
	p := startPayers(src, 8)
	if !p.waitFor(200) {
		t.Fatal("the writers acknowledged nothing within a minute")
	}
	before := p.snapshot()

	// The first step has copied part of the file inside the backup's
	// snapshot: the writers must go on committing while it holds it.
	var once sync.Once
	progressed := true
	opt := BackupOptions{StepPages: 8, progress: func(phase string) {
		if phase == "step" {
			once.Do(func() { progressed = p.waitFor(300) })
		}
	}}
	c, err := Backup(ctx, src.path(t), filepath.Join(dir, "copy.db"), opt)
	p.finish(t)
	if err != nil {
		t.Fatalf("Backup: %v", err)
	}
	if !progressed {
		t.Fatal("no writer committed within a minute while the backup held its snapshot: the backup blocked them")
	}

	var lastBefore uint64
	for _, seq := range before {
		lastBefore = max(lastBefore, seq)
	}
	if c.LastSeq < lastBefore || c.Entries != c.LastSeq {
		t.Fatalf("copy: last entry %d, %d entries; want at least %d (the last acknowledged before the backup), and as many entries as the last number", c.LastSeq, c.Entries, lastBefore)
	}
	copied := openStore(t, c.Path)
	got := journalKeys(t, copied)
	for key, seq := range before {
		if got[seq] != key {
			t.Fatalf("acknowledged entry %d (key %s) is %q in the copy", seq, key, got[seq])
		}
	}
	live := journalKeys(t, src)
	if uint64(len(live)) <= c.LastSeq {
		t.Fatalf("the source holds %d entries, the copy %d: the writers committed nothing during the backup", len(live), c.LastSeq)
	}
	for seq := uint64(1); seq <= c.LastSeq; seq++ {
		if got[seq] != live[seq] {
			t.Fatalf("entry %d is %q in the copy and %q in the source", seq, got[seq], live[seq])
		}
	}
	if uint64(len(got)) != c.LastSeq {
		t.Fatalf("the copy's journal holds %d entries; the backup said %d", len(got), c.LastSeq)
	}
	if _, err := engine.Verify(ctx, copied); err != nil {
		t.Fatalf("the copy does not verify: %v", err)
	}
	copied.Close()

	r, err := Restore(ctx, c.Path, filepath.Join(dir, "restored.db"), RestoreOptions{})
	if err != nil {
		t.Fatalf("Restore: %v", err)
	}
	if r.LastSeq != c.LastSeq || r.Entries != c.Entries || r.Balances != c.Balances {
		t.Fatalf("restored %+v; the backup held %+v", r, c)
	}
	restored := openStore(t, r.Path)
	rep, err := engine.Verify(ctx, restored)
	if err != nil || rep.Entries != c.Entries {
		t.Fatalf("restored store: verify %+v, %v; want %d entries", rep, err, c.Entries)
	}
	res, err := engine.New(restored, money.NewRegistry()).ApplyOne(ctx, storetest.BenchPayment(-2, 0, 0))
	if err != nil || res.Entry.Seq != c.LastSeq+1 {
		t.Fatalf("first entry after the restore = %d, %v; want %d", res.Entry.Seq, err, c.LastSeq+1)
	}
}

// path is the store's file, read back from SQLite.
func (s *Store) path(t *testing.T) string {
	t.Helper()
	var seq int
	var name, file string
	if err := s.r.QueryRow("PRAGMA database_list").Scan(&seq, &name, &file); err != nil {
		t.Fatal(err)
	}
	return file
}

func TestBackupCancelled(t *testing.T) {
	dir := t.TempDir()
	src := openStore(t, filepath.Join(dir, "live.db"))
	seedPayments(t, src, 2000)
	ctx, cancel := context.WithCancel(context.Background())
	dest := filepath.Join(dir, "copy.db")
	_, err := Backup(ctx, src.path(t), dest, BackupOptions{StepPages: 1, progress: func(string) { cancel() }})
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("Backup cancelled after its first step: %v; want context.Canceled", err)
	}
	assertFiles(t, dir, "live.db", "live.db-shm", "live.db-wal")
}

// assertFiles fails unless dir holds exactly the named files.
func assertFiles(t *testing.T, dir string, names ...string) {
	t.Helper()
	ents, err := filepath.Glob(filepath.Join(dir, "*"))
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]bool{}
	for _, n := range names {
		want[n] = true
	}
	for _, e := range ents {
		if !want[filepath.Base(e)] {
			t.Errorf("%s is left in the directory", filepath.Base(e))
		}
		delete(want, filepath.Base(e))
	}
	for n := range want {
		t.Errorf("%s is missing from the directory", n)
	}
}

const (
	killEnvSrc  = "TRIBUTARY_BACKUP_KILL_SRC"
	killEnvDest = "TRIBUTARY_BACKUP_KILL_DEST"
)

// TestBackupKillChild is the child side of TestBackupKilled: it backs up,
// and after every step and phase prints it and waits for a line on stdin
// before it goes on, so that the parent kills it at a moment it chooses.
func TestBackupKillChild(t *testing.T) {
	src, dest := os.Getenv(killEnvSrc), os.Getenv(killEnvDest)
	if src == "" {
		t.Skip("run by TestBackupKilled only")
	}
	in := bufio.NewReader(os.Stdin)
	opt := BackupOptions{StepPages: 16, progress: func(phase string) {
		fmt.Println("phase", phase)
		if _, err := in.ReadString('\n'); err != nil {
			os.Exit(5)
		}
	}}
	c, err := Backup(context.Background(), src, dest, opt)
	if err != nil {
		fmt.Println("error:", err)
		os.Exit(4)
	}
	fmt.Println("done", c.LastSeq)
}

// TestBackupKilled kills backup processes with SIGKILL after a step of the
// copy, after the copy, and after its verification, and checks that each
// leaves nothing at the destination (a partial file under another name
// may stay); a backup let run to its end leaves a copy that verifies.
func TestBackupKilled(t *testing.T) {
	if testing.Short() {
		t.Skip("slow: forks backups and kills them")
	}
	if os.Getenv(killEnvSrc) != "" {
		t.Skip("child")
	}
	ctx := context.Background()
	dir := t.TempDir()
	srcPath := filepath.Join(dir, "live.db")
	src := openStore(t, srcPath)
	seedPayments(t, src, 3000)
	// The kill points: line k of the child's progress (1 is after the
	// first step); 0 lets it finish.
	steps := countSteps(t, srcPath)
	points := []int{1, 2, steps / 2, steps, steps + 1, steps + 2, 0}
	for round, k := range points {
		dest := filepath.Join(dir, fmt.Sprintf("copy-%d.db", round))
		phase, out := runBackupChild(t, srcPath, dest, k)
		_, statErr := os.Stat(dest)
		if k != 0 {
			if !errors.Is(statErr, os.ErrNotExist) {
				t.Fatalf("round %d: killed after %q, and %s exists (%v)", round, phase, dest, statErr)
			}
			t.Logf("round %d: killed after %q: nothing at the destination", round, phase)
			continue
		}
		if statErr != nil || !strings.HasPrefix(out, "done ") {
			t.Fatalf("round %d: the backup let run printed %q; %s: %v", round, out, dest, statErr)
		}
		c := openStore(t, dest)
		if rep, err := engine.Verify(ctx, c); err != nil || rep.Entries != 3000 {
			t.Fatalf("round %d: the finished copy: %+v, %v; want 3000 entries that verify", round, rep, err)
		}
	}
}

// countSteps runs a backup of path in this process and counts its steps.
func countSteps(t *testing.T, path string) int {
	t.Helper()
	n := 0
	opt := BackupOptions{StepPages: 16, progress: func(phase string) {
		if phase == "step" {
			n++
		}
	}}
	if _, err := Backup(context.Background(), path, filepath.Join(t.TempDir(), "count.db"), opt); err != nil {
		t.Fatal(err)
	}
	if n < 4 {
		t.Fatalf("the copy took %d steps; the test needs more", n+1)
	}
	return n
}

// runBackupChild runs TestBackupKillChild and kills it with SIGKILL while
// it waits after its k-th progress line (never, when k is 0). It returns
// the phase it was killed after, or the child's last word: "done N" or
// "error: …".
func runBackupChild(t *testing.T, src, dest string, k int) (phase, last string) {
	t.Helper()
	cmd := exec.Command(os.Args[0], "-test.run=^TestBackupKillChild$", "-test.count=1")
	cmd.Env = append(os.Environ(), killEnvSrc+"="+src, killEnvDest+"="+dest)
	stdin, err := cmd.StdinPipe()
	if err != nil {
		t.Fatal(err)
	}
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	defer cmd.Wait()
	sc := bufio.NewScanner(stdout)
	for n := 0; sc.Scan(); {
		line := sc.Text()
		after, ok := strings.CutPrefix(line, "phase ")
		if !ok {
			if strings.HasPrefix(line, "done ") || strings.HasPrefix(line, "error:") {
				last = line
			}
			continue
		}
		if n++; n == k {
			if err := cmd.Process.Signal(syscall.SIGKILL); err != nil {
				t.Fatal(err)
			}
			cmd.Wait()
			return after, ""
		}
		if _, err := io.WriteString(stdin, "go\n"); err != nil {
			t.Fatal(err)
		}
	}
	if k != 0 {
		t.Fatalf("the child ended (%q) before its progress line %d", last, k)
	}
	return "", last
}

// TestBackupRefusals backs up what cannot be backed up, and to where a
// backup must not go: each is refused with its code, nothing is created
// at the destination or beside it, and the source is left as it was.
func TestBackupRefusals(t *testing.T) {
	ctx := context.Background()
	fixtures := t.TempDir()
	good := goodBackup(t, fixtures, 50)
	older := fileWith(t, good.Path, fixtures, "older.db", "UPDATE counters SET value = 3 WHERE name = 'schema'")
	newer := fileWith(t, good.Path, fixtures, "newer.db", fmt.Sprintf("UPDATE counters SET value = %d WHERE name = 'schema'", sqlstore.SchemaVersion+1))
	text := filepath.Join(fixtures, "notes.txt")
	if err := os.WriteFile(text, []byte("not a ledger\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name string
		src  string
		dest func(*testing.T, string) string
		want *errcode.Error
	}{
		{"destination exists", good.Path, textFile("an older backup\n"), ErrDestExists},
		{"source of an older schema", older, none, ErrSchemaOlder},
		{"source of a newer schema", newer, none, ErrSchemaNewer},
		{"source is not a database", text, none, ErrNotStore},
		{"source does not exist", filepath.Join(fixtures, "missing.db"), none, ErrNotStore},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			dest := tc.dest(t, dir)
			beforeDest, beforeSrc := dirState(t, dir), dirState(t, fixtures)
			_, err := Backup(ctx, tc.src, dest, BackupOptions{})
			if !errors.Is(err, tc.want) {
				t.Fatalf("Backup: %v (code %s); want code %s", err, errcode.Code(err), tc.want.Code())
			}
			t.Logf("refused: %v", err)
			if d := diffState(beforeDest, dirState(t, dir)); d != "" {
				t.Errorf("the refusal changed the destination's directory: %s", d)
			}
			if d := diffState(beforeSrc, dirState(t, fixtures)); d != "" {
				t.Errorf("the refusal changed the source's directory: %s", d)
			}
		})
	}
	// Told to, a backup replaces an existing file.
	dest := textFile("an older backup\n")(t, t.TempDir())
	if c, err := Backup(ctx, good.Path, dest, BackupOptions{Replace: true}); err != nil || c.LastSeq != 50 {
		t.Fatalf("Backup replacing a file: %+v, %v; want a copy of 50 entries", c, err)
	}
}

// TestBackupDestAppears: a file that appears at the destination while the
// copy is made is not replaced (unless Replace), and nothing is left
// beside it.
func TestBackupDestAppears(t *testing.T) {
	dir := t.TempDir()
	src := filepath.Join(dir, "live.db")
	seedPayments(t, openStore(t, src), 20)
	dest := filepath.Join(dir, "copy.db")
	appear := func(string) {
		if _, err := os.Stat(dest); errors.Is(err, os.ErrNotExist) {
			if err := os.WriteFile(dest, []byte("someone else's"), 0o600); err != nil {
				t.Fatal(err)
			}
		}
	}
	_, err := Backup(context.Background(), src, dest, BackupOptions{progress: appear})
	if !errors.Is(err, ErrDestExists) {
		t.Fatalf("Backup: %v; want %s", err, ErrDestExists.Code())
	}
	if b, err := os.ReadFile(dest); err != nil || string(b) != "someone else's" {
		t.Errorf("the file that appeared holds %q, %v", b, err)
	}
	assertFiles(t, dir, "live.db", "live.db-wal", "live.db-shm", "copy.db")
}
