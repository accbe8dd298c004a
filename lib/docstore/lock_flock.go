//go:build darwin || dragonfly || freebsd || linux || netbsd || openbsd

package docstore

import (
	"errors"
	"io/fs"
	"os"

	"golang.org/x/sys/unix"
)

// lockFile is an exclusive flock(2) lock on the file at path, kept open
// between transactions. A flock lock belongs to the open file, so two
// lockFiles exclude each other even in one process.
type lockFile struct {
	path string
	f    *os.File
	id   fs.FileInfo // of f
}

func newLockFile(path string) *lockFile { return &lockFile{path: path} }

// tryLock takes the lock if it is free, without waiting. If the file was
// removed or replaced since it was opened (by hand: the store never does),
// a lock on it would exclude nobody who opens the path now, so tryLock
// opens the path again and reports the lock as not taken.
func (l *lockFile) tryLock() (bool, error) {
	if l.f == nil {
		f, err := openFile(l.path, os.O_RDWR|os.O_CREATE|noFollow|nonBlock, 0o600)
		if err != nil {
			return false, err
		}
		if l.id, err = f.Stat(); err != nil {
			f.Close()
			return false, err
		}
		l.f = f
	}
	err := flock(l.f, unix.LOCK_EX|unix.LOCK_NB)
	if err == unix.EWOULDBLOCK {
		return false, nil
	}
	if err != nil {
		return false, err
	}
	fi, err := os.Stat(l.path)
	if err == nil && os.SameFile(fi, l.id) {
		return true, nil
	}
	l.close()
	if err != nil && !errors.Is(err, fs.ErrNotExist) {
		return false, err
	}
	return false, nil
}

func (l *lockFile) unlock() error { return flock(l.f, unix.LOCK_UN) }

// close closes the file, which releases the lock if it is held.
func (l *lockFile) close() {
	if l.f != nil {
		l.f.Close()
		l.f, l.id = nil, nil
	}
}

func flock(f *os.File, how int) error {
	for {
		err := unix.Flock(int(f.Fd()), how)
		if err != unix.EINTR {
			return err
		}
	}
}
