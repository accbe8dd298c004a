//go:build !(linux || darwin || freebsd || netbsd || openbsd || dragonfly)

package prompt

// keepEchoOff does nothing here: these systems have no job control that
// turns a password prompt's echo back on.
func keepEchoOff(int, func()) (stop func()) { return func() {} }
