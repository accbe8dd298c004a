//go:build unix

package docstore

import (
	"os"
	"syscall"
)

// noFollow makes opening a stored file fail if its name is a symbolic
// link, so that the store never writes outside its folder.
const noFollow = syscall.O_NOFOLLOW

// openFile is os.OpenFile for regular files. os.OpenFile offers every file
// to the runtime's poller, which costs four fcntl and an epoll_ctl that
// fail for a regular file; a transaction opens several.
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
