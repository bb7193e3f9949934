package usage

import (
	"runtime"
	"sync"
	"sync/atomic"
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

// ordered calls produce(k, buf) for k = 0 … n-1 on up to workers()
// goroutines, and consume with each result on the caller's goroutine, in
// order of k. buf is a buffer of an earlier result, for reuse: at most
// 2·workers() results are held at once. The first error of consume ends
// the work and is returned, once every goroutine is done. A panic in
// produce is raised again here.
func ordered(n int, produce func(k int, buf []byte) []byte, consume func([]byte) error) error {
	w := min(workers(), n)
	if w <= 1 {
		var buf []byte
		for k := 0; k < n; k++ {
			buf = produce(k, buf[:0])
			if err := consume(buf); err != nil {
				return err
			}
		}
		return nil
	}
	// A goroutine takes a buffer before it takes a slot number, so the
	// oldest slot not yet consumed always has one and is always produced.
	free := make(chan []byte, 2*w)
	for range cap(free) {
		free <- nil
	}
	results := make([]chan []byte, n)
	for k := range results {
		results[k] = make(chan []byte, 1)
	}
	var next atomic.Int64
	var stop atomic.Bool
	var wg sync.WaitGroup
	var mu sync.Mutex
	var panicked any
	for range w {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for buf := range free {
				k := int(next.Add(1) - 1)
				if stop.Load() || k >= n {
					return
				}
				ok := func() (ok bool) {
					defer func() {
						if r := recover(); r != nil {
							mu.Lock()
							if panicked == nil {
								panicked = r
							}
							mu.Unlock()
							results[k] <- nil
						}
					}()
					results[k] <- produce(k, buf[:0])
					return true
				}()
				if !ok {
					return
				}
			}
		}()
	}
	var err error
	for k := 0; k < n; k++ {
		b := <-results[k]
		mu.Lock()
		p := panicked
		mu.Unlock()
		if p != nil {
			break
		}
		if err = consume(b); err != nil {
			break
		}
		free <- b
	}
	stop.Store(true)
	close(free)
	wg.Wait()
	if panicked != nil {
		panic(panicked)
	}
	return err
}
