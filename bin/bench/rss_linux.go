package main

import (
	"os"
	"syscall"
)

// maxRSS is a finished child's peak resident memory, from getrusage's
// ru_maxrss, which Linux gives in kilobytes.
func maxRSS(ps *os.ProcessState) int64 {
	if ru, ok := ps.SysUsage().(*syscall.Rusage); ok {
		return ru.Maxrss * 1024
	}
	return 0
}
