//go:build !linux

package loadgen

import (
	"errors"
	"time"
)

// ProcCPU reads /proc, which only Linux has.
func ProcCPU(Watch) (time.Duration, error) {
	return 0, errors.New("reading another process's CPU time needs Linux's /proc")
}
