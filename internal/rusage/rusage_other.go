//go:build !unix

package rusage

import "time"

// CPU is not measured on this system.
func CPU() time.Duration { return 0 }

// MaxRSS is not measured on this system.
func MaxRSS() int64 { return 0 }
