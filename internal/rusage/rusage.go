// Package rusage reads what benchmarks report beside their timings: the
// process's CPU time and peak resident memory, and the machine's load
// average. On a shared machine CPU time moves far less with the load than
// wall time does, and the load says how shared the machine was.
package rusage

import (
	"os"
	"strings"
)

// LoadAvg is the machine's 1, 5 and 15 minute load averages
// (/proc/loadavg), or "?" where they cannot be read.
func LoadAvg() string {
	b, err := os.ReadFile("/proc/loadavg")
	if err != nil {
		return "?"
	}
	return strings.Join(strings.Fields(string(b))[:3], " ")
}
