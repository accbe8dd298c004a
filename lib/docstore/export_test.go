package docstore

import (
	"context"
	"time"
)

// Names and sizes the tests need to find and damage the journal.
const (
	JournalName      = journalName
	JournalTemp      = journalTemp
	MarkerName       = markerName
	JournalHeaderLen = journalHeaderLen
	RecordHeaderLen  = recordHeaderLen
)

// CommitWithoutApply runs fn like Update but stops once the writes are
// durable in the journal, like a process killed right after its fsync.
func CommitWithoutApply(s *Store, fn func(tx *Tx) error) error {
	return s.run(context.Background(), true, fn, s.appendRecord)
}

// SetBootIdentity makes the Stores opened from now on believe that the
// system's boot identity is id ("" for a system without one), as if the
// machine had rebooted, and returns a function that undoes it.
func SetBootIdentity(id string) (restore func()) {
	saved := readBootID
	readBootID = func() bootID { return digestBoot(id) }
	return func() { readBootID = saved }
}

// Abandon drops s like a killed process: its files are closed, nothing is
// checkpointed, and it cannot be used again.
func Abandon(s *Store) {
	s.sem <- struct{}{}
	defer func() { <-s.sem }()
	s.closed = true
	s.j.close()
	s.lock.close()
	if s.root != nil {
		s.root.Close()
	}
}

// SetLockNotice makes a wait for the lock call Options.OnLockWait after d
// instead of a second, and returns a function that undoes it.
func SetLockNotice(d time.Duration) (restore func()) {
	saved := lockNotice
	lockNotice = d
	return func() { lockNotice = saved }
}
