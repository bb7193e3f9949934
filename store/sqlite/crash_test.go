package sqlite

import (
	"bufio"
	"context"
	"fmt"
	"hash/fnv"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/tributary-ledger/tributary/engine"
	"github.com/tributary-ledger/tributary/ledger"
	"github.com/tributary-ledger/tributary/money"
)

const (
	crashEnvDB    = "TRIBUTARY_CRASH_DB"
	crashEnvRound = "TRIBUTARY_CRASH_ROUND"
	crashRounds   = 12
)

// crashOp derives an operation from its key alone, so that a retry after a
// crash sends exactly the same body.
func crashOp(key string) engine.Op {
	h := fnv.New64a()
	h.Write([]byte(key))
	n := h.Sum64()
	payee := fmt.Sprintf("payee:%d", n%7)
	amount := money.FromUint64(n%1000 + 1)
	ps := []ledger.Posting{
		{From: "@buyer", To: payee, Currency: "USDC", Amount: amount, Path: "crash test"},
		{From: "@buyer", To: "platform:fee", Currency: "USDC", Amount: money.FromUint64(1), Path: "crash test fee"},
	}
	if n%3 == 0 {
		// Also spend: from a payee that may or may not have the money.
		ps = append(ps, ledger.Posting{From: fmt.Sprintf("payee:%d", (n>>8)%7), To: "platform:fee", Currency: "USDC", Amount: money.FromUint64(n % 500), Path: "crash test spend"})
	}
	if ps[len(ps)-1].Amount.IsZero() {
		ps = ps[:2]
	}
	return engine.Transfer(key, time.Unix(0, int64(n%1e12)).UTC(), ps)
}

// TestCrashChild is the child side of TestCrash: it writes until killed and
// prints the key of every entry the engine acknowledged.
func TestCrashChild(t *testing.T) {
	path := os.Getenv(crashEnvDB)
	if path == "" {
		t.Skip("run by TestCrash only")
	}
	round, _ := strconv.Atoi(os.Getenv(crashEnvRound))
	ctx := context.Background()
	s, err := Open(ctx, path)
	if err != nil {
		fmt.Println("open:", err)
		os.Exit(3)
	}
	e := engine.New(s, money.NewRegistry())
	r := rand.New(rand.NewPCG(uint64(round), 7))
	out := bufio.NewWriter(os.Stdout)
	// First retry some keys of the previous round: those the parent saw
	// acknowledged must replay, the others may commit now, once.
	var keys []string
	for i := 0; i < 30 && round > 0; i++ {
		keys = append(keys, fmt.Sprintf("r%d-%d", round-1, r.IntN(400)))
	}
	for i := 0; ; i++ {
		n := 1 + r.IntN(20)
		for len(keys) < n {
			keys = append(keys, fmt.Sprintf("r%d-%d", round, i*20+len(keys)))
		}
		ops := make([]engine.Op, len(keys))
		for j, k := range keys {
			ops[j] = crashOp(k)
		}
		res, err := e.Apply(ctx, ops)
		if err != nil {
			fmt.Fprintln(out, "error:", err)
			out.Flush()
			os.Exit(4)
		}
		for j, rr := range res {
			if rr.Err == nil {
				fmt.Fprintf(out, "ack %s %d\n", keys[j], rr.Entry.Seq)
			}
		}
		out.Flush()
		keys = keys[:0]
	}
}

// TestCrash kills a writing child process with SIGKILL at random moments,
// reopens the file each time, and checks that the journal verifies and that
// every entry the child saw acknowledged is there, exactly once, with the
// sequence number it was acknowledged with.
func TestCrash(t *testing.T) {
	if testing.Short() {
		t.Skip("slow: forks writers and kills them")
	}
	if os.Getenv(crashEnvDB) != "" {
		t.Skip("child")
	}
	path := filepath.Join(t.TempDir(), "crash.db")
	r := rand.New(rand.NewPCG(42, 42))
	acked := map[string]uint64{}
	ctx := context.Background()
	for round := 0; round < crashRounds; round++ {
		cmd := exec.Command(os.Args[0], "-test.run=^TestCrashChild$", "-test.count=1")
		cmd.Env = append(os.Environ(), crashEnvDB+"="+path, crashEnvRound+"="+strconv.Itoa(round))
		stdout, err := cmd.StdoutPipe()
		if err != nil {
			t.Fatal(err)
		}
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		lines := make(chan string, 1024)
		go func() {
			sc := bufio.NewScanner(stdout)
			for sc.Scan() {
				lines <- sc.Text()
			}
			close(lines)
		}()
		// Let it write for a while, then kill it without warning.
		delay := time.Duration(50+r.IntN(400)) * time.Millisecond
		time.AfterFunc(delay, func() { cmd.Process.Signal(syscall.SIGKILL) })
		got := 0
		for line := range lines {
			f := strings.Fields(line)
			if len(f) != 3 || f[0] != "ack" {
				if strings.HasPrefix(line, "error:") || strings.HasPrefix(line, "open:") {
					t.Fatalf("round %d: child: %s", round, line)
				}
				continue
			}
			seq, _ := strconv.ParseUint(f[2], 10, 64)
			if prev, ok := acked[f[1]]; ok && prev != seq {
				t.Errorf("round %d: key %s acknowledged as entry %d and earlier as %d", round, f[1], seq, prev)
			}
			acked[f[1]] = seq
			got++
		}
		cmd.Wait()
		s, err := Open(ctx, path)
		if err != nil {
			t.Fatalf("round %d: reopening after SIGKILL: %v", round, err)
		}
		rep, err := engine.Verify(ctx, s)
		if err != nil {
			t.Fatalf("round %d: journal does not verify after SIGKILL: %v", round, err)
		}
		seen := map[string]uint64{}
		for after := uint64(0); ; {
			ents, err := s.Journal(ctx, after, 1000)
			if err != nil {
				t.Fatal(err)
			}
			for _, e := range ents {
				if _, dup := seen[e.Key]; dup {
					t.Fatalf("round %d: key %s is in the journal twice", round, e.Key)
				}
				seen[e.Key] = e.Seq
			}
			if len(ents) < 1000 {
				break
			}
			after = ents[len(ents)-1].Seq
		}
		for k, seq := range acked {
			if seen[k] != seq {
				t.Fatalf("round %d: acknowledged key %s (entry %d) is in the journal as entry %d", round, k, seq, seen[k])
			}
		}
		s.Close()
		t.Logf("round %d: killed after %v, %d acknowledgements read, journal %d entries, verified", round, delay, got, rep.Entries)
	}
	if len(acked) == 0 {
		t.Fatal("the child never acknowledged anything: the test tested nothing")
	}
}
