//go:build unix

package main

import (
	"os"
	"strconv"
	"syscall"
)

// lowerPriority gives this process the nice value n (0 to 19), so that it
// runs on what CPU the rest of the machine leaves, as nice(1) would start
// it. On Linux a nice value belongs to a thread and a new thread takes its
// creator's, so every thread the runtime has started gets it (in two
// passes, for one started during the first) and later ones inherit it;
// elsewhere 0 names the whole process. It is best effort: a process may
// not lower its nice value again, and a failure only means the backup
// competes with serve on equal terms.
func lowerPriority(n int) {
	for range 2 {
		for _, tid := range threads() {
			_ = syscall.Setpriority(syscall.PRIO_PROCESS, tid, n)
		}
	}
}

// threads lists the process's threads on Linux, and is [0] elsewhere.
func threads() []int {
	ents, err := os.ReadDir("/proc/self/task")
	if err != nil {
		return []int{0}
	}
	tids := make([]int, 0, len(ents))
	for _, e := range ents {
		if tid, err := strconv.Atoi(e.Name()); err == nil {
			tids = append(tids, tid)
		}
	}
	return tids
}
