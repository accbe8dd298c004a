// Package docstore is a crash-safe store of small files under one folder,
// shared by several goroutines and processes, with multi-file atomic
// transactions. It knows nothing of what the files mean: it stores bytes
// under slash-separated names such as "accounts/alex.json".
//
// # Transactions and locking
//
// Every View and Update holds an exclusive lock for its whole run: a mutex
// inside the Store (a file lock does not exclude goroutines sharing one
// descriptor) and a gofrs/flock lock on <dir>/.lock (which excludes other
// Store values and other processes). The lock is taken per transaction, so
// processes interleave. A transaction's writes are buffered in memory; Get
// and List see them.
//
// # Commit
//
// A commit encodes all of a transaction's writes as one journal record,
// appends it to <dir>/.journal and fsyncs the journal. That fsync is the only
// one on the hot path, and once it returns the transaction is durable. The
// writes are then applied to the real files without fsync: a put writes a
// temporary file (".tmp-*" in the target's folder) and renames it over the
// target; an append opens the file, truncates it to the recorded offset if it
// is longer and writes at that offset. Finally the "applied up to" marker
// <dir>/.applied is updated, also without fsync.
//
// # On-disk format
//
// All integers are big-endian; every checksum is CRC-32C (Castagnoli).
//
//	journal header (16 bytes): "dsj1" | generation uint64 | crc32 of the previous 12 bytes
//	record:  "dsr1" | length uint32 | crc32 of the length field and the payload | payload
//	payload: one or more operations, back to back
//	operation: kind byte ('P' put, 'A' append) | name length uint16 | name
//	           | offset uint64 (append: the file's size before it; put: 0)
//	           | data length uint32 | data
//	marker .applied (24 bytes): "dsa1" | generation uint64 | offset uint64 | crc32 of the previous 20 bytes
//
// A put carries the whole file and an append carries its offset, so replaying
// records in journal order from any earlier record yields the same files.
// Each file appears at most once in a record (several writes to one file in
// a transaction are merged).
//
// # Recovery
//
// At the start of every transaction, under the lock, the store compares the
// marker with the journal. If the marker is valid (checksum, same generation,
// offset within the journal) and equals the journal's size, there is nothing
// to do. Otherwise a process died between its journal write and the end of
// its apply, or the marker was lost: the records after the marker (after
// the header if the marker is not valid) are applied and the marker is
// moved to the end. A record that is short or fails its checksum is a torn tail, never
// acknowledged, if no valid record starts anywhere after it: the journal is
// truncated there. If a valid record follows it, the journal is corrupt and
// the transaction fails with an error naming the journal file. A complete
// record whose writer died before its fsync returned is applied like any
// other: that writer never reported success or failure.
//
// Open ignores the marker and replays the whole journal, since after a power
// loss un-fsynced renames and writes may be gone while the marker survived.
// Open also removes stray ".tmp-*" files, creates the lock file and the
// journal (then fsyncs the folder) and checkpoints.
//
// # Checkpoint
//
// At Open, and after a commit that leaves the journal larger than
// Options.CheckpointBytes, the store fsyncs every file named in the journal
// and every folder from those files up to the store's root, then replaces the
// journal with an empty one of the next generation (written to a temporary
// file, fsynced, renamed over .journal, folder fsynced) and resets the marker.
// A crash before the rename leaves the old journal, which is replayed again;
// a crash after it leaves a marker of the old generation, which is ignored.
//
// # Limits
//
// Files are created 0600 and folders 0700. The files should be changed only
// through the store: Open replays the journal since the last checkpoint, so
// it can bring back a file removed by hand. Names differing only in case are
// one file on Windows and (by default) macOS. A torn record whose data
// happens to contain a copy of a valid journal record is reported as
// corruption rather than truncated.
package docstore

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sync"
	"sync/atomic"

	"github.com/gofrs/flock"
)

// Names of the store's own files in its root. Names starting with a dot are
// refused for callers, so these can never clash with a stored file.
const (
	lockName    = ".lock"
	journalName = ".journal"
	markerName  = ".applied"
	tempPrefix  = ".tmp-"
)

const defaultCheckpointBytes = 4 << 20

// Options configures a Store.
type Options struct {
	// CheckpointBytes: when the journal grows past this many bytes after a
	// commit, the store checkpoints. 0 (or less) means a default of 4 MiB.
	CheckpointBytes int64
}

// A Store is a folder of files changed through transactions. It is safe for
// concurrent use by goroutines; other processes may open the same folder.
type Store struct {
	dir             string
	checkpointBytes int64
	flock           *flock.Flock
	fsyncs          atomic.Int64

	mu     sync.Mutex // held with flock for each transaction
	closed bool
}

// Open opens the store in dir, creating the folder if needed, and recovers
// it: see the package documentation.
func Open(dir string, opts Options) (*Store, error) {
	s := &Store{
		dir:             dir,
		checkpointBytes: opts.CheckpointBytes,
		flock:           flock.New(filepath.Join(dir, lockName), flock.SetPermissions(0o600)),
	}
	if s.checkpointBytes <= 0 {
		s.checkpointBytes = defaultCheckpointBytes
	}
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, fmt.Errorf("docstore: open %s: %w", dir, err)
	}
	// A folder that already existed (a git checkout makes it 0755) is
	// narrowed too: file names in it are user names.
	if err := os.Chmod(dir, 0o700); err != nil {
		return nil, fmt.Errorf("docstore: open %s: %w", dir, err)
	}
	err := s.locked(func() error {
		if err := s.createJournal(); err != nil {
			return err
		}
		if err := s.removeTemps(); err != nil {
			return err
		}
		j, err := s.openJournal()
		if err != nil {
			return err
		}
		defer j.close()
		if err := s.catchUp(j, true); err != nil {
			return err
		}
		if j.size == journalHeaderLen {
			return nil
		}
		return s.checkpoint(j)
	})
	if err != nil {
		return nil, fmt.Errorf("docstore: open %s: %w", dir, err)
	}
	return s, nil
}

// Close makes later transactions fail. It waits for a running transaction
// to end; no lock is held between transactions, so there is nothing else to
// release.
func (s *Store) Close() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.closed = true
	return nil
}

// Dir returns the store's folder as given to Open.
func (s *Store) Dir() string { return s.dir }

// Path returns the OS path of a stored name, for messages. It does not
// check the name.
func (s *Store) Path(name string) string {
	return filepath.Join(s.dir, filepath.FromSlash(name))
}

// Fsyncs returns how many fsync calls the Store has made, so tests and
// benchmarks can count them per commit.
func (s *Store) Fsyncs() int64 { return s.fsyncs.Load() }

// Update runs fn in a read-write transaction. If fn returns an error,
// nothing is written and Update returns that error unchanged. Otherwise the
// writes are committed together: when Update returns nil they are durable.
// An error after the journal fsync says that the transaction is committed
// but could not be applied or checkpointed; the next transaction retries.
// fn must not start another transaction in the same folder: it would wait
// for itself.
func (s *Store) Update(fn func(tx *Tx) error) error { return s.run(true, fn, s.commit) }

// View runs fn in a read-only transaction: Put and Append fail with
// ErrReadOnly. It returns fn's error unchanged.
func (s *Store) View(fn func(tx *Tx) error) error { return s.run(false, fn, nil) }

// run runs fn in a transaction and, if fn wrote anything, hands the writes
// to commit (a parameter so tests can stop a commit half-way).
func (s *Store) run(writable bool, fn func(tx *Tx) error, commit func(*journal, []*op) error) error {
	var fnErr error
	err := s.locked(func() error {
		j, err := s.openJournal()
		if err != nil {
			return err
		}
		defer j.close()
		if err := s.catchUp(j, false); err != nil {
			return err
		}
		tx := &Tx{s: s, writable: writable, byName: map[string]*op{}}
		defer func() { tx.done = true }()
		if fnErr = fn(tx); fnErr != nil || len(tx.ops) == 0 {
			return nil
		}
		return commit(j, tx.ops)
	})
	if fnErr != nil {
		return fnErr
	}
	if err != nil {
		return fmt.Errorf("docstore: %w", err)
	}
	return nil
}

// commit makes ops durable in the journal, then applies them.
func (s *Store) commit(j *journal, ops []*op) error {
	if err := s.appendRecord(j, ops); err != nil {
		return err
	}
	if err := s.apply(ops); err != nil {
		return fmt.Errorf("transaction committed but not applied (the next transaction applies it): %w", err)
	}
	if err := j.setApplied(j.size); err != nil {
		return fmt.Errorf("transaction committed and applied: %w", err)
	}
	if j.size <= s.checkpointBytes {
		return nil
	}
	if err := s.checkpoint(j); err != nil {
		return fmt.Errorf("transaction committed and applied: %w", err)
	}
	return nil
}

// locked runs fn holding the Store's mutex and the file lock.
func (s *Store) locked(fn func() error) (err error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		return errors.New("store is closed")
	}
	if err := s.flock.Lock(); err != nil {
		return fmt.Errorf("lock %s: %w", s.flock.Path(), err)
	}
	defer func() {
		if uerr := s.flock.Unlock(); uerr != nil && err == nil {
			err = fmt.Errorf("unlock %s: %w", s.flock.Path(), uerr)
		}
	}()
	return fn()
}

// sync fsyncs f and counts it.
func (s *Store) sync(f *os.File) error {
	s.fsyncs.Add(1)
	return f.Sync()
}
