package usage

import (
	"errors"
	"fmt"
	"runtime"
	"strings"
	"testing"
)

// TestOrdered: results are consumed in order whatever the goroutines,
// the first error of consume is returned, and a panic in produce reaches
// the caller.
func TestOrdered(t *testing.T) {
	defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(0))
	for _, procs := range []int{1, 2, 8} {
		runtime.GOMAXPROCS(procs)
		for _, n := range []int{0, 1, 3, 100} {
			var got strings.Builder
			err := ordered(n, func(k int, b []byte) []byte {
				return fmt.Appendf(b, "%d,", k)
			}, func(b []byte) error {
				got.Write(b)
				return nil
			})
			var want strings.Builder
			for k := range n {
				fmt.Fprintf(&want, "%d,", k)
			}
			if err != nil || got.String() != want.String() {
				t.Errorf("procs %d, n %d: %q, %v; want %q", procs, n, got.String(), err, want.String())
			}
		}
		stop := errors.New("stop")
		calls := 0
		err := ordered(100, func(k int, b []byte) []byte { return b }, func([]byte) error {
			if calls++; calls == 7 {
				return stop
			}
			return nil
		})
		if err != stop || calls != 7 {
			t.Errorf("procs %d: error %v after %d calls; want stop after 7", procs, err, calls)
		}
		func() {
			defer func() {
				if r := recover(); r != "boom" {
					t.Errorf("procs %d: recovered %v; want boom", procs, r)
				}
			}()
			ordered(100, func(k int, b []byte) []byte {
				if k == 42 {
					panic("boom")
				}
				return b
			}, func([]byte) error { return nil })
			t.Errorf("procs %d: no panic", procs)
		}()
	}
}

// TestPipeline: every read is followed by its work, reads stop when one
// says so, and a panic in work reaches the caller.
func TestPipeline(t *testing.T) {
	defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(0))
	for _, procs := range []int{1, 2, 8} {
		runtime.GOMAXPROCS(procs)
		read := make([]bool, 50)
		done := make([]bool, 50)
		reads := 0
		pipeline(50, func(k int) bool {
			if reads != k {
				t.Fatalf("procs %d: read %d after %d reads", procs, k, reads)
			}
			reads++
			read[k] = true
			return k < 30
		}, func(k int) {
			if !read[k] {
				t.Errorf("procs %d: work %d before its read", procs, k)
			}
			done[k] = true
		})
		for k := range done {
			if done[k] != (k <= 30) {
				t.Errorf("procs %d: work %d done %v", procs, k, done[k])
			}
		}
		func() {
			defer func() {
				if r := recover(); r != "boom" {
					t.Errorf("procs %d: recovered %v; want boom", procs, r)
				}
			}()
			parallel(20, func(k int) {
				if k == 13 {
					panic("boom")
				}
			})
			t.Errorf("procs %d: no panic", procs)
		}()
	}
}
