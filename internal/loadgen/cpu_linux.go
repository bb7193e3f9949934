package loadgen

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"
)

// clockTick is Linux's USER_HZ, the unit of /proc's CPU times.
const clockTick = 10 * time.Millisecond

// ProcCPU returns the CPU time (user and system) a watched process has
// used so far. With Watch.Of, PID is a PostgreSQL postmaster and the time
// is that of its backends serving connections that the process Of opened
// (told by the client port each backend shows in its title), so that
// other clients of a shared database are not counted; a backend that
// exits during the run takes its time with it, which a pooled
// connection does not do.
func ProcCPU(w Watch) (time.Duration, error) {
	if w.Of == 0 {
		_, t, err := procStat(w.PID)
		return t, err
	}
	ports, err := clientPorts(w.Of)
	if err != nil {
		return 0, err
	}
	dirs, err := os.ReadDir("/proc")
	if err != nil {
		return 0, err
	}
	var sum time.Duration
	for _, d := range dirs {
		pid, err := strconv.Atoi(d.Name())
		if err != nil {
			continue
		}
		ppid, t, err := procStat(pid)
		if err != nil || ppid != w.PID {
			continue // gone meanwhile, or not a backend
		}
		if ports[backendPort(pid)] {
			sum += t
		}
	}
	return sum, nil
}

// procStat reads a process's parent and CPU time from /proc/PID/stat.
func procStat(pid int) (ppid int, cpu time.Duration, err error) {
	b, err := os.ReadFile(filepath.Join("/proc", strconv.Itoa(pid), "stat"))
	if err != nil {
		return 0, 0, err
	}
	// The command, in parentheses, may hold spaces: fields follow the last ')'.
	i := bytes.LastIndexByte(b, ')')
	if i < 0 {
		return 0, 0, fmt.Errorf("/proc/%d/stat: no command", pid)
	}
	f := strings.Fields(string(b[i+1:]))
	if len(f) < 13 {
		return 0, 0, fmt.Errorf("/proc/%d/stat: %d fields", pid, len(f))
	}
	ppid, err = strconv.Atoi(f[1])
	if err != nil {
		return 0, 0, err
	}
	var ticks int64
	for _, s := range f[11:13] { // utime, stime
		n, err := strconv.ParseInt(s, 10, 64)
		if err != nil {
			return 0, 0, err
		}
		ticks += n
	}
	return ppid, time.Duration(ticks) * clockTick, nil
}

// backendPort is the client port in a PostgreSQL backend's title
// ("postgres: 15/main: user db 127.0.0.1(54321) idle"), or 0.
func backendPort(pid int) int {
	b, err := os.ReadFile(filepath.Join("/proc", strconv.Itoa(pid), "cmdline"))
	if err != nil {
		return 0
	}
	s := string(b)
	open := strings.IndexByte(s, '(')
	end := strings.IndexByte(s, ')')
	if open < 0 || end < open {
		return 0
	}
	n, _ := strconv.Atoi(s[open+1 : end])
	return n
}

// clientPorts returns the local TCP ports of the sockets process pid holds.
func clientPorts(pid int) (map[int]bool, error) {
	fds, err := os.ReadDir(filepath.Join("/proc", strconv.Itoa(pid), "fd"))
	if err != nil {
		return nil, err
	}
	inodes := map[string]bool{}
	for _, fd := range fds {
		l, err := os.Readlink(filepath.Join("/proc", strconv.Itoa(pid), "fd", fd.Name()))
		if err == nil && strings.HasPrefix(l, "socket:[") {
			inodes[strings.TrimSuffix(strings.TrimPrefix(l, "socket:["), "]")] = true
		}
	}
	ports := map[int]bool{}
	for _, f := range []string{"tcp", "tcp6"} {
		b, err := os.ReadFile(filepath.Join("/proc", strconv.Itoa(pid), "net", f))
		if err != nil {
			continue
		}
		for _, line := range strings.Split(string(b), "\n")[1:] {
			c := strings.Fields(line)
			if len(c) < 10 || !inodes[c[9]] {
				continue
			}
			local := c[1] // address:port, in hexadecimal
			if i := strings.LastIndexByte(local, ':'); i >= 0 {
				if p, err := strconv.ParseInt(local[i+1:], 16, 32); err == nil {
					ports[int(p)] = true
				}
			}
		}
	}
	return ports, nil
}
