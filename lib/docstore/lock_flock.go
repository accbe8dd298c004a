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

// lock waits for the lock. If the file was removed or replaced since it
// was opened (by hand: the store never does), a lock on it would exclude
// nobody who opens the path now, so lock opens the path again.
func (l *lockFile) lock() error {
	for {
		if l.f == nil {
			f, err := openFile(l.path, os.O_RDWR|os.O_CREATE, 0o600)
			if err != nil {
				return err
			}
			if l.id, err = f.Stat(); err != nil {
				f.Close()
				return err
			}
			l.f = f
		}
		if err := flock(l.f, unix.LOCK_EX); err != nil {
			return err
		}
		fi, err := os.Stat(l.path)
		if err == nil && os.SameFile(fi, l.id) {
			return nil
		}
		l.close()
		if err != nil && !errors.Is(err, fs.ErrNotExist) {
			return err
		}
	}
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
