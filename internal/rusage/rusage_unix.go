//go:build unix

package rusage

import (
	"syscall"
	"time"
)

func self() (syscall.Rusage, bool) {
	var ru syscall.Rusage
	return ru, syscall.Getrusage(syscall.RUSAGE_SELF, &ru) == nil
}

// CPU is the CPU time (user and system) the process has used so far, or
// 0 where it cannot be read.
func CPU() time.Duration {
	ru, ok := self()
	if !ok {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// MaxRSS is the process's peak resident memory in bytes, or 0 where it
// cannot be read.
func MaxRSS() int64 {
	ru, ok := self()
	if !ok {
		return 0
	}
	return int64(ru.Maxrss) << 10
}
