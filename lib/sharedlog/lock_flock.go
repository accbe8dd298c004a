//go:build unix && !aix

package sharedlog

import (
	"os"

	"golang.org/x/sys/unix"
)

// fileLock is the cross-process lock: flock(2) on a descriptor of the lock
// file held for the life of the Writer, so taking and releasing it is one
// system call each. (gofrs/flock opens and closes the lock file at every
// Lock and Unlock.)
type fileLock struct {
	f *os.File
}

func newFileLock(path string) (*fileLock, error) {
	f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE, 0o600)
	if err != nil {
		return nil, err
	}
	return &fileLock{f}, nil
}

// stale reports whether the lock file held is no longer the one at its
// path (the folder was removed and made again): other processes lock that
// one.
func (l *fileLock) stale() bool {
	held, _, err := statOpen(l.f)
	if err != nil {
		return true
	}
	now, _, err := statPath(l.f.Name())
	return err != nil || !held.same(now)
}

// reopen opens the lock file at the path in place of the one held, which
// must not be locked.
func (l *fileLock) reopen() error {
	f, err := os.OpenFile(l.f.Name(), os.O_RDWR|os.O_CREATE, 0o600)
	if err != nil {
		return err
	}
	_ = l.f.Close()
	l.f = f
	return nil
}

func (l *fileLock) Lock() error {
	return l.flock(unix.LOCK_EX)
}

func (l *fileLock) Unlock() error {
	return l.flock(unix.LOCK_UN)
}

func (l *fileLock) flock(how int) error {
	conn, err := l.f.SyscallConn()
	if err != nil {
		return err
	}
	var lockErr error
	err = conn.Control(func(fd uintptr) {
		for {
			lockErr = unix.Flock(int(fd), how)
			if lockErr != unix.EINTR {
				return
			}
		}
	})
	if err != nil {
		return err
	}
	if lockErr != nil {
		return &os.PathError{Op: "flock", Path: l.f.Name(), Err: lockErr}
	}
	return nil
}

func (l *fileLock) Close() error { return l.f.Close() }
