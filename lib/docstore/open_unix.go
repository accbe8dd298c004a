//go:build unix

package docstore

import (
	"os"
	"syscall"
)

// noFollow makes opening a stored file fail if its name is a symbolic
// link; nonBlock keeps the open from waiting for the other end of a FIFO.
const (
	noFollow = syscall.O_NOFOLLOW
	nonBlock = syscall.O_NONBLOCK
)

// openFile is os.OpenFile for the lock file. os.OpenFile offers every file
// to the runtime's poller, which costs four fcntl and an epoll_ctl that
// fail for a regular file.
func openFile(name string, flag int, perm os.FileMode) (*os.File, error) {
	for {
		fd, err := syscall.Open(name, flag|syscall.O_CLOEXEC, uint32(perm.Perm()))
		if err == nil {
			return os.NewFile(uintptr(fd), name), nil
		}
		if err != syscall.EINTR {
			return nil, &os.PathError{Op: "open", Path: name, Err: err}
		}
	}
}
