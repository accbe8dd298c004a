package docstore

import (
	"context"
	"errors"
	"os"
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

// ZeroFillEnd is where the zero-fill ahead of a record ending at end stops.
var ZeroFillEnd = zeroFillEnd

// CommitWithoutApply runs fns like Updates started at once, as one batch,
// but stops once the batch is durable in the journal, like a process
// killed right after its fsync. It returns their errors joined.
func CommitWithoutApply(s *Store, fns ...func(tx *Tx) error) error {
	var batch []*request
	for _, fn := range fns {
		batch = append(batch, &request{ctx: context.Background(), fn: fn, done: make(chan outcome, 1)})
	}
	if err := s.locked(context.Background(), func() error {
		s.runBatch(batch, false)
		return nil
	}); err != nil {
		return err
	}
	var errs []error
	for _, r := range batch {
		errs = append(errs, (<-r.done).result())
	}
	return errors.Join(errs...)
}

// Queued returns how many Updates of s wait to be committed.
func Queued(s *Store) int {
	s.queueMu.Lock()
	defer s.queueMu.Unlock()
	return len(s.queue)
}

// WithoutFastPath makes the RootFS made from now on use os.Root for every
// call, as on a system without openat2, and returns a function that undoes
// it.
func WithoutFastPath() (restore func()) {
	fastPath = false
	return func() { fastPath = true }
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
func Abandon(s *Store) { s.release() }

// SetLockNotice makes a wait for the lock call Options.OnLockWait after d
// instead of a second, and returns a function that undoes it.
func SetLockNotice(d time.Duration) (restore func()) {
	saved := lockNotice
	lockNotice = d
	return func() { lockNotice = saved }
}

// RestampMarker rewrites the marker file p as if it had been written
// during the running boot (as the Stores opened from now on see it),
// keeping its generation and offset.
func RestampMarker(p string) error {
	b, err := os.ReadFile(p)
	if err != nil {
		return err
	}
	fields, ok := unseal(b, markerMagic, 4)
	if !ok {
		return os.ErrInvalid
	}
	boot := readBootID()
	return os.WriteFile(p, seal(markerMagic, fields[0], fields[1], boot[0], boot[1]), 0o600)
}

// SetCloseLockWait bounds Close's wait for the lock by d instead of two
// seconds, and returns a function that undoes it.
func SetCloseLockWait(d time.Duration) (restore func()) {
	saved := closeLockWait
	closeLockWait = d
	return func() { closeLockWait = saved }
}

// Checksum is the store's CRC-32C.
var Checksum = checksum
