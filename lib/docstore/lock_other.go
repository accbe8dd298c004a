//go:build !(darwin || dragonfly || freebsd || linux || netbsd || openbsd)

package docstore

import "github.com/gofrs/flock"

// lockFile is an exclusive gofrs/flock lock on the file at path (LockFileEx
// on Windows), which opens the file for each lock and closes it at unlock.
type lockFile struct {
	path string
	fl   *flock.Flock
}

func newLockFile(path string) *lockFile {
	return &lockFile{path: path, fl: flock.New(path, flock.SetPermissions(0o600))}
}

// tryLock takes the lock if it is free, without waiting.
func (l *lockFile) tryLock() (bool, error) { return l.fl.TryLock() }
func (l *lockFile) unlock() error          { return l.fl.Unlock() }
func (l *lockFile) close()                 {}
