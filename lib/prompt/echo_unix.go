//go:build linux || darwin || freebsd || netbsd || openbsd || dragonfly

package prompt

import (
	"os"
	"os/signal"
	"sync"
	"syscall"

	"golang.org/x/sys/unix"
)

// keepEchoOff turns the terminal fd's echo off again each time the program
// is continued (SIGCONT) until the returned function is called, and then
// calls continued: a shell that stops the program (Ctrl-Z) restores its own
// terminal modes, echo included, and fg does not always put the program's
// back; and the shell's own lines have moved the cursor off the prompt.
// The function returns once no more changes can happen.
func keepEchoOff(fd int, continued func()) (stop func()) {
	signals := make(chan os.Signal, 1)
	signal.Notify(signals, syscall.SIGCONT)
	done := make(chan struct{})
	var wg sync.WaitGroup
	wg.Go(func() {
		for {
			select {
			case <-signals:
				echoOff(fd)
				continued()
			case <-done:
				return
			}
		}
	})
	return func() {
		signal.Stop(signals)
		close(done)
		wg.Wait()
	}
}

// echoOff sets the modes term.ReadPassword reads a password in: no echo,
// line editing, Ctrl-C and Ctrl-\ as signals, Enter as a line end.
func echoOff(fd int) {
	modes, err := unix.IoctlGetTermios(fd, ioctlGetTermios)
	if err != nil {
		return // the read itself will report a terminal that is gone
	}
	modes.Lflag &^= unix.ECHO
	modes.Lflag |= unix.ICANON | unix.ISIG
	modes.Iflag |= unix.ICRNL
	_ = unix.IoctlSetTermios(fd, ioctlSetTermios, modes)
}
