package usage

import (
	"runtime"
	"sync"
)

// WorkersMax bounds the goroutines one close uses to decode its chunks and
// write its statement: a close runs inside one operation of a server that
// has other work, and past a few cores the reads and the hash, which are
// sequential, dominate anyway.
const WorkersMax = 4

// workers returns how many goroutines a close's parallel steps use. What
// they compute never depends on it: every step writes only what belongs
// to its own part, and parts are combined in order.
func workers() int { return max(1, min(runtime.GOMAXPROCS(0), WorkersMax)) }

// pipeline calls read(k) for k = 0, 1, … on the calling goroutine, in
// order, because the engine's View is not safe for concurrent use, and
// work(k) after each read(k) on up to workers() goroutines, while later
// reads go on. read returning false ends the reads after k (work(k) still
// runs). pipeline returns when every work has returned. work must touch
// only what belongs to k. A panic in work is raised again here, on the
// caller's goroutine, as if the steps had run one after the other.
func pipeline(n int, read func(k int) bool, work func(k int)) {
	w := min(workers(), n)
	if w <= 1 {
		for k := 0; k < n; k++ {
			more := read(k)
			work(k)
			if !more {
				return
			}
		}
		return
	}
	jobs := make(chan int, w)
	var wg sync.WaitGroup
	var mu sync.Mutex
	var panicked any
	for range w {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for k := range jobs {
				func() {
					defer func() {
						if r := recover(); r != nil {
							mu.Lock()
							if panicked == nil {
								panicked = r
							}
							mu.Unlock()
						}
					}()
					work(k)
				}()
			}
		}()
	}
	func() {
		defer func() {
			close(jobs)
			wg.Wait()
		}()
		for k := 0; k < n; k++ {
			more := read(k)
			jobs <- k
			if !more {
				return
			}
		}
	}()
	if panicked != nil {
		panic(panicked)
	}
}

// parallel calls work(k) for k = 0 … n-1 on up to workers() goroutines;
// see pipeline.
func parallel(n int, work func(k int)) {
	pipeline(n, func(int) bool { return true }, work)
}

// scanners holds scanners between chunks, for their scratch.
var scanners = sync.Pool{New: func() any { return new(scanner) }}

func getScanner(b []byte) *scanner {
	s := scanners.Get().(*scanner)
	s.reset(b)
	return s
}

func putScanner(s *scanner) {
	s.b = nil
	scanners.Put(s)
}
