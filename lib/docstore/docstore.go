// Package docstore is a crash-safe store of small files under one folder,
// shared by several goroutines and processes, with multi-file atomic
// transactions. It knows nothing of what the files mean: it stores bytes
// under slash-separated names such as "accounts/alex.json".
//
// # Transactions and locking
//
// Every View and Update holds an exclusive lock for its whole run: a mutex
// inside the Store (a file lock does not exclude goroutines sharing one
// descriptor) and a file lock on <dir>/.lock (which excludes other Store
// values and other processes): flock(2) on Linux, macOS and the BSDs, with
// the file kept open between transactions; gofrs/flock elsewhere
// (LockFileEx on Windows). The lock is taken per transaction, so processes
// interleave. A transaction's writes are buffered in memory; Get and List
// see them.
//
// # Commit
//
// A commit encodes all of a transaction's writes as one journal record,
// appends it to <dir>/.journal and fsyncs the journal. That fsync is the only
// one on the hot path, and once it returns the transaction is durable. The
// writes are then applied to the real files in place, without fsync: a put
// writes the whole content at offset 0 and cuts the file to its length; an
// append cuts the file to the recorded offset if it is longer and writes
// at that offset. Finally the "applied up to" marker <dir>/.applied is
// updated, also without fsync.
//
// Writing in place, rather than writing a temporary file and renaming it
// over the target, is what makes a commit cost little more than its fsync:
// on ext4 that fsync also commits whatever else changed in the file
// system, and new inodes and renames (with the data that a rename over an
// existing file flushes first) made it several times dearer than an
// overwrite.
//
// The price is that a stored file can be torn on disk: between a crash (a
// killed process, or a power loss before the next checkpoint) and the next
// transaction, a file that was being written may hold part of its new
// content, or its new content followed by the end of the old one. A program
// that reads the folder directly could see that; the store never does:
// every transaction takes the lock and finishes the records after the
// marker (see Recovery) before it reads anything, and a record stays in the
// journal until a checkpoint has fsynced the files it wrote.
//
// A Store keeps the journal and the marker open between transactions too.
// Another process's checkpoint may have replaced the journal file since, by
// a rename, so each transaction first compares, under the lock, the open
// file with the one the path names (one stat each) and reopens it if they
// differ. On Windows the journal is closed after each transaction instead,
// since a file open there cannot be renamed over.
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
//	marker .applied (40 bytes): "dsa2" | generation uint64 | offset uint64
//	           | boot [16]byte | crc32 of the previous 36 bytes
//
// The marker's boot is an FNV-128a digest of the system's identity of the
// boot during which the marker was written (see Recovery), or zeros where
// the store knows none. The 24-byte "dsa1" marker of earlier versions is
// never trusted, so their stores are replayed and checkpointed by their
// first Open. A put carries the whole file and an append carries
// its offset, so replaying records in journal order from any earlier record
// yields the same files. Each file appears at most once in a record
// (several writes to one file in a transaction are merged).
//
// # Recovery
//
// At the start of every transaction, under the lock, the store reads the
// marker. It trusts it if it is valid (checksum), belongs to the journal
// (same generation, offset within the journal) and was written during the
// current boot. If it is trusted and equals the journal's size, there is
// nothing to do. Otherwise a process died between its journal write and the
// end of its apply, or the marker was lost: the records after the marker
// (after the header if it is not trusted) are applied and the marker is
// moved to the end. A record that is short or fails its checksum is a torn
// tail, never acknowledged, if no valid record starts anywhere after it: the
// journal is truncated there. If a valid record follows it, the journal is
// corrupt and the transaction fails with an error naming the journal file.
// A complete record whose writer died before its fsync returned is applied
// like any other: that writer never reported success or failure.
//
// Open does the same cheap catch-up, unless the marker is not trusted or
// the system gives no boot identity: then it replays the whole journal and,
// if the journal holds records, checkpoints. Its cost does not grow with
// the number of stored files: it reads the journal from the marker on, and
// does not walk the folder.
//
// Why Open may trust a marker of the current boot. Applies and the marker
// are never fsynced; a write the kernel accepted is lost only with the
// kernel's page cache, in a crash of the whole system (a power loss, a
// panic), never when a process is killed, and every later reader sees it
// meanwhile. The boot identity tells Open whether the page cache that held
// those writes is still the one it reads: Linux's
// /proc/sys/kernel/random/boot_id and macOS's kern.bootsessionuuid are
// random at every boot. A marker (generation, offset, boot B) claims that
// the records of that journal before offset were applied during boot B.
// Each marker is written after the store applied those records itself, or
// the records after a marker it trusted, which made the same claim for an
// earlier offset (a checkpoint's new marker, at the header, claims
// nothing); the first marker written in a boot follows a full replay
// (no earlier marker of that boot exists to trust). So a marker of the
// current boot is true, and the files it counts hold their writes, in the
// page cache if not on disk. After a power loss the marker may be the last
// one written, an older one, torn, empty or missing; every one of those was
// written during an earlier boot (or fails its checksum), so none is
// trusted and Open replays the whole journal: a lost or stale marker costs
// a replay, never a skipped record. That replay restores everything a power
// loss could have undone, because records leave the journal only at a
// checkpoint, after the files and folders they wrote were fsynced: a
// checkpointed journal is empty and its files are on disk. A marker of an
// older journal generation is not trusted either.
//
// Where no boot identity is known (Windows, the BSDs), every Open replays
// the whole journal and checkpoints, as it must assume a power loss. The
// store assumes that un-fsynced writes are lost only with the running
// kernel. A disk that is detached while mounted (or a file system forced
// off) and mounted again without a reboot, or a virtual machine resumed
// from a memory snapshot without the matching disk, breaks that: remove
// .applied before the store is used again, so that the next Open (or
// transaction) replays the whole journal.
//
// # Checkpoint
//
// At an Open that replayed the whole journal, and after a commit that
// leaves the journal larger than Options.CheckpointBytes, the store fsyncs
// every file named in the journal and every folder from those files up to
// the store's root, then replaces the journal with an empty one of the next
// generation (written to <dir>/.tmp-journal, fsynced, renamed over
// .journal, folder fsynced) and resets the marker. A crash before the rename
// leaves the old journal, which is replayed again, and .tmp-journal, which
// the next Open removes; a crash after it leaves a marker of the old
// generation, which is not trusted.
//
// .tmp-journal is the store's only temporary file; its name is fixed,
// which is safe because it is written only under the lock. Files named
// ".tmp-*" elsewhere (earlier versions of the store wrote each put through
// one) are never removed, read or listed: List leaves out every dot-file.
//
// # Limits
//
// Files are created 0600 and folders 0700. The files should be changed only
// through the store: a transaction replays the records after the marker,
// and Open after a reboot replays the whole journal since the last
// checkpoint, so a file changed or removed by hand may come back. On Unix a
// symbolic link where a stored file should be is refused, not followed,
// when the file is written. Names differing only in case are one file on
// Windows and (by default) macOS. A torn record whose data happens to
// contain a copy of a valid journal record is reported as corruption rather
// than truncated.
package docstore

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"math/rand/v2"
	"os"
	"path/filepath"
	"sync/atomic"
	"time"
)

// Names of the store's own files in its root. Names starting with a dot are
// refused for callers, so these can never clash with a stored file.
const (
	lockName    = ".lock"
	journalName = ".journal"
	markerName  = ".applied"
	journalTemp = ".tmp-journal" // a checkpoint's new journal before its rename
)

const (
	defaultCheckpointBytes = 4 << 20
	defaultLockTimeout     = 30 * time.Second
)

// lockNotice is how long a wait for the lock lasts before
// Options.OnLockWait is called; tests shorten it.
var lockNotice = time.Second

// ErrLockTimeout is wrapped by the error of a transaction (or Open) that
// waited Options.LockTimeout for the lock without getting it: another
// copy holds it, stopped or hung.
var ErrLockTimeout = errors.New("docstore: timed out waiting for the lock")

// Options configures a Store.
type Options struct {
	// CheckpointBytes: when the journal grows past this many bytes after a
	// commit, the store checkpoints. 0 (or less) means a default of 4 MiB.
	CheckpointBytes int64

	// FS is the file layer; nil means RootFS of the folder given to Open.
	// Tests pass one that fails on demand.
	FS FS

	// Warn, if set, hears of errors after the commit point, which fail no
	// transaction: a committed record that could not be applied to the
	// files yet (reads see it all the same, and the next transaction tries
	// again), a checkpoint that failed (it is tried again later), a marker
	// that could not be written. It is called under the lock, so it must
	// not use the Store.
	Warn func(error)

	// OnLockWait, if set, is called once per wait for the lock that lasts
	// more than about a second: another copy is using the store.
	OnLockWait func()

	// LockTimeout ends a wait for the lock with an error wrapping
	// ErrLockTimeout; 0 (or less) means 30 seconds.
	LockTimeout time.Duration
}

// A Store is a folder of files changed through transactions. It is safe for
// concurrent use by goroutines; other processes may open the same folder.
type Store struct {
	dir             string
	checkpointBytes int64
	fsys            FS
	root            *os.Root // opened by Open for the default FS, else nil
	lock            *lockFile
	fsyncs          atomic.Int64
	warnFn          func(error)
	onLockWait      func()
	lockTimeout     time.Duration

	// sem is held with the file lock for each transaction: a channel so
	// that a wait for it can end with a context.
	sem    chan struct{}
	closed bool
	j      journal // used under the lock
}

// Open opens the store in dir, creating the folder (0700) if needed, and
// recovers it: see the package documentation. An existing folder keeps
// its mode.
func Open(ctx context.Context, dir string, opts Options) (*Store, error) {
	s := &Store{
		dir:             dir,
		checkpointBytes: opts.CheckpointBytes,
		fsys:            opts.FS,
		lock:            newLockFile(filepath.Join(dir, lockName)),
		warnFn:          opts.Warn,
		onLockWait:      opts.OnLockWait,
		lockTimeout:     opts.LockTimeout,
		sem:             make(chan struct{}, 1),
		j: journal{
			file:   handle{name: journalName, flag: os.O_RDWR},
			marker: handle{name: markerName, flag: os.O_RDWR | os.O_CREATE},
			boot:   readBootID(),
		},
	}
	if s.checkpointBytes <= 0 {
		s.checkpointBytes = defaultCheckpointBytes
	}
	if s.lockTimeout <= 0 {
		s.lockTimeout = defaultLockTimeout
	}
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, fmt.Errorf("docstore: open %s: %w", dir, err)
	}
	if s.fsys == nil {
		root, err := os.OpenRoot(dir)
		if err != nil {
			return nil, fmt.Errorf("docstore: open %s: %w", dir, err)
		}
		s.root, s.fsys = root, RootFS(root)
	}
	if err := s.locked(ctx, s.recover); err != nil {
		s.j.close()
		s.lock.close()
		if s.root != nil {
			s.root.Close()
		}
		return nil, fmt.Errorf("docstore: open %s: %w", dir, err)
	}
	return s, nil
}

// recover is Open's work under the lock.
func (s *Store) recover() error {
	err := s.fsys.Remove(journalTemp)
	if err != nil && !errors.Is(err, fs.ErrNotExist) {
		return err
	}
	j := &s.j
	defer j.release()
	err = j.open(s)
	if errors.Is(err, fs.ErrNotExist) && j.file.f == nil {
		// A random first generation keeps a marker left by a deleted
		// journal from matching the new one.
		if err = s.resetJournal(rand.Uint64()); err == nil {
			err = j.open(s)
		}
	}
	if err != nil {
		return err
	}
	if off, ok := j.applied(); ok && j.boot != (bootID{}) && j.version >= 2 {
		// Same boot: what the marker counts as applied is in the page cache.
		return s.catchUp(j, off, true)
	}
	// After a reboot, or a journal of an earlier version: replay it all,
	// and checkpoint, which also converts an old journal.
	if err := s.catchUp(j, journalHeaderLen, false); err != nil {
		return err
	}
	s.tryCheckpoint(j)
	return nil
}

// tryCheckpoint checkpoints if the journal holds records (or is of an
// earlier version) and all of them are applied. A failure fails no
// transaction: it is reported through Warn and tried again later.
func (s *Store) tryCheckpoint(j *journal) {
	if len(j.pending) > 0 || j.size == journalHeaderLen && j.version >= 2 {
		return
	}
	if err := s.checkpoint(j); err != nil {
		s.warn(fmt.Errorf("%w (tried again later)", err))
	}
}

// Close checkpoints if the journal holds records, so that a store whose
// every copy was closed has nothing to replay (see "Hand repairs"), makes
// later transactions fail and closes the files the Store keeps open
// between transactions. It waits for a running transaction to end; the
// lock is not held between transactions. A checkpoint that fails is
// reported through Warn; the store is closed all the same.
func (s *Store) Close() error {
	err := s.locked(context.Background(), func() error {
		j := &s.j
		if err := j.open(s); err != nil {
			return err
		}
		off, ok := j.applied()
		if !ok {
			off = journalHeaderLen
		}
		if err := s.catchUp(j, off, ok); err != nil {
			return err
		}
		s.tryCheckpoint(j)
		return nil
	})
	if errors.Is(err, errClosed) {
		return nil
	}
	if err != nil {
		s.warn(fmt.Errorf("close: %w", err))
	}
	s.sem <- struct{}{}
	defer func() { <-s.sem }()
	if !s.closed {
		s.closed = true
		s.j.close()
		s.lock.close()
		if s.root != nil {
			s.root.Close()
		}
	}
	return nil
}

var errClosed = errors.New("store is closed")

// warn reports an error that fails no transaction.
func (s *Store) warn(err error) {
	if s.warnFn != nil {
		s.warnFn(fmt.Errorf("docstore %s: %w", s.dir, err))
	}
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
// writes are committed together: Update returns nil once they are durable
// in the journal (the commit point), whatever happens after; an error
// means that nothing was written. Errors after the commit point (applying
// the writes to the files, a checkpoint) go to Options.Warn, and the store
// finishes that work later; meanwhile every transaction sees the
// committed writes. fn must not start another transaction in the same
// folder: it would wait for itself.
func (s *Store) Update(ctx context.Context, fn func(tx *Tx) error) error {
	return s.run(ctx, true, fn, s.commit)
}

// View runs fn in a read-only transaction: Put and Append fail with
// ErrReadOnly. It returns fn's error unchanged.
func (s *Store) View(ctx context.Context, fn func(tx *Tx) error) error {
	return s.run(ctx, false, fn, nil)
}

// run runs fn in a transaction and, if fn wrote anything, hands the writes
// to commit (a parameter so tests can stop a commit half-way).
func (s *Store) run(ctx context.Context, writable bool, fn func(tx *Tx) error, commit func(*journal, []*op) error) error {
	var fnErr error
	err := s.locked(ctx, func() error {
		j := &s.j
		defer j.release()
		if err := j.open(s); err != nil {
			return err
		}
		off, ok := j.applied()
		if !ok {
			off = journalHeaderLen
		}
		if err := s.catchUp(j, off, ok); err != nil {
			return err
		}
		tx := &Tx{s: s, writable: writable, byName: map[string]*op{}, seen: map[string]seen{}}
		defer func() { tx.done = true }()
		if fnErr = fn(tx); fnErr != nil || len(tx.ops) == 0 {
			return nil
		}
		tx.setBefore()
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

// commit makes ops durable in the journal, then applies them. Once the
// journal's fsync returned (the commit point) it returns nil: an apply or
// checkpoint that fails is reported through Warn and finished later.
func (s *Store) commit(j *journal, ops []*op) error {
	start := j.size
	if err := s.appendRecord(j, ops); err != nil {
		return err
	}
	if len(j.pending) > 0 {
		// Earlier records are still pending, and records apply in order.
		j.pending = append(j.pending, record{off: start, end: j.size, ops: ops})
		return nil
	}
	if err := s.apply(ops); err != nil {
		j.pending = append(j.pending, record{off: start, end: j.size, ops: ops})
		s.warn(fmt.Errorf("a committed transaction is not applied to the files yet; reads see it, and the next transaction tries again: %w", err))
		return nil
	}
	if err := j.setApplied(j.size); err != nil {
		s.warn(fmt.Errorf("marker %s: %w", s.Path(markerName), err))
	}
	if j.size > s.checkpointBytes {
		s.tryCheckpoint(j)
	}
	return nil
}

// locked runs fn holding the Store's semaphore and the file lock. A wait
// for either ends with ctx or after the lock timeout.
func (s *Store) locked(ctx context.Context, fn func() error) (err error) {
	if err := ctx.Err(); err != nil {
		return err
	}
	w := &lockWait{ctx: ctx, start: time.Now(), notify: s.onLockWait, timeout: s.lockTimeout, path: s.lock.path}
	if err := w.acquire(s.sem); err != nil {
		return err
	}
	defer func() { <-s.sem }()
	if s.closed {
		return errClosed
	}
	for delay := 100 * time.Microsecond; ; delay = min(2*delay, 20*time.Millisecond) {
		ok, err := s.lock.tryLock()
		if err != nil {
			return fmt.Errorf("lock %s: %w", s.lock.path, err)
		}
		if ok {
			break
		}
		if err := w.pause(delay); err != nil {
			return err
		}
	}
	defer func() {
		if uerr := s.lock.unlock(); uerr != nil && err == nil {
			err = fmt.Errorf("unlock %s: %w", s.lock.path, uerr)
		}
	}()
	return fn()
}

// lockWait is one wait for the lock: it tells OnLockWait once after
// lockNotice, and ends with its context or after its timeout.
type lockWait struct {
	ctx      context.Context
	start    time.Time
	notify   func()
	notified bool
	timeout  time.Duration
	path     string
}

// next returns how long until the wait must act (notify or time out), or
// an error if it must end now.
func (w *lockWait) next() (time.Duration, error) {
	waited := time.Since(w.start)
	if waited >= w.timeout {
		return 0, fmt.Errorf("%w %s after %v: another copy of the program holds it", ErrLockTimeout, w.path, w.timeout)
	}
	if !w.notified && waited >= lockNotice {
		w.notified = true
		if w.notify != nil {
			w.notify()
		}
	}
	d := w.timeout - waited
	if !w.notified {
		d = min(d, lockNotice-waited)
	}
	return d, nil
}

// acquire takes sem.
func (w *lockWait) acquire(sem chan struct{}) error {
	select {
	case sem <- struct{}{}:
		return nil
	default:
	}
	for {
		d, err := w.next()
		if err != nil {
			return err
		}
		t := time.NewTimer(d)
		select {
		case sem <- struct{}{}:
			t.Stop()
			return nil
		case <-w.ctx.Done():
			t.Stop()
			return w.ctx.Err()
		case <-t.C:
		}
	}
}

// pause waits for up to d before the next try for the file lock.
func (w *lockWait) pause(d time.Duration) error {
	left, err := w.next()
	if err != nil {
		return err
	}
	t := time.NewTimer(min(d, left))
	defer t.Stop()
	select {
	case <-w.ctx.Done():
		return w.ctx.Err()
	case <-t.C:
		return nil
	}
}

// sync fsyncs f and counts it.
func (s *Store) sync(f File) error {
	s.fsyncs.Add(1)
	return f.Sync()
}
