//go:build !unix || aix

package sharedlog

import "github.com/gofrs/flock"

// fileLock is the cross-process lock: gofrs/flock, which opens the lock
// file at every Lock (LockFileEx on Windows, fcntl on AIX).
type fileLock struct {
	*flock.Flock
}

func newFileLock(path string) (*fileLock, error) {
	l := flock.New(path)
	// Lock once, so that a folder that is missing or not writable is
	// reported by Open.
	if err := l.Lock(); err != nil {
		return nil, err
	}
	if err := l.Unlock(); err != nil {
		return nil, err
	}
	return &fileLock{l}, nil
}

// stale is false: gofrs/flock opens the lock file at its path at every
// Lock.
func (*fileLock) stale() bool { return false }

func (*fileLock) reopen() error { return nil }
