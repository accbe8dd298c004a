package docstore

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"math/rand/v2"
	"os"
	"path/filepath"
	"sync"
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

// closeLockWait bounds Close's wait for the lock to checkpoint; tests
// shorten it.
var closeLockWait = 2 * time.Second

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
	// fsClosed is set, under fsMu held for writing, when release closes
	// the file layer; Peek, which takes no semaphore, reads under fsMu.
	fsMu     sync.RWMutex
	fsClosed bool

	// queue holds the Updates waiting to be committed, oldest first (see
	// submit), under queueMu.
	queueMu sync.Mutex
	queue   []*request

	j journal // used under the lock

	// epoch and last, under the lock: see Tx.Epoch. last is the journal
	// as the previous transaction left it, if it left nothing pending.
	epoch uint64
	// kept are stored files kept open between transactions of keptEpoch
	// (see keep), under the lock.
	kept      map[string]File
	keptEpoch uint64
	last      struct {
		ok   bool
		gen  uint64
		size int64
	}
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
			closeFS(s.fsys)
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
// lock is not held between transactions. If the lock cannot be had within
// two seconds (another copy holds it), or the checkpoint fails, that is
// reported through Warn and the store is closed all the same.
func (s *Store) Close() error {
	// A copy that holds the lock, stopped or hung, must not hold up the
	// end of this one: the last copy to close checkpoints.
	ctx, cancel := context.WithTimeout(context.Background(), closeLockWait)
	defer cancel()
	err := s.locked(ctx, func() error {
		j := &s.j
		if err := s.bringUpToDate(j); err != nil {
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
	s.release()
	return nil
}

// release closes every file the Store keeps open, once, and makes later
// transactions fail.
func (s *Store) release() {
	s.sem <- struct{}{}
	defer func() { <-s.sem }()
	if s.closed {
		return
	}
	s.closed = true
	s.closeKept()
	s.j.close()
	s.lock.close()
	s.fsMu.Lock()
	defer s.fsMu.Unlock()
	s.fsClosed = true
	if s.root != nil {
		closeFS(s.fsys)
		s.root.Close()
	}
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
// committed writes.
//
// Updates that goroutines start at once are committed in batches, one
// journal write and one sync for each (see "Group commit" in the package
// documentation): fn may run on another goroutine than the caller's, and
// if the batch's commit fails, an Update whose fn ran after the batch's
// first write returns that failure instead of fn's result (fn may have
// read writes that never became durable). fn must not start another
// transaction in the same folder: it would wait for itself.
func (s *Store) Update(ctx context.Context, fn func(tx *Tx) error) error {
	return s.submit(ctx, fn)
}

// View runs fn in a read-only transaction: Put and Append fail with
// ErrReadOnly. It returns fn's error unchanged.
func (s *Store) View(ctx context.Context, fn func(tx *Tx) error) error {
	var fnErr error
	err := s.locked(ctx, func() error {
		j := &s.j
		defer j.release()
		if err := s.begin(j); err != nil {
			return err
		}
		tx := s.newTx(false)
		fnErr = fn(tx)
		tx.done = true
		s.rememberJournal(j)
		return nil
	})
	if fnErr != nil {
		return fnErr
	}
	if err != nil {
		return fmt.Errorf("docstore: %w", err)
	}
	return nil
}

// Peek returns the content of the file name as it is on the disk now,
// read without the lock, so it never waits for another transaction. It is
// a hint, for a quick answer that a transaction confirms later: it may be
// stale (a committed write not yet applied to the file) or torn (read
// while another process writes the file), and nothing read inside a
// transaction may rest on it. A missing file gives an error that matches
// fs.ErrNotExist.
func (s *Store) Peek(name string) ([]byte, error) {
	if err := checkName(name); err != nil {
		return nil, err
	}
	s.fsMu.RLock()
	defer s.fsMu.RUnlock()
	if s.fsClosed {
		return nil, fmt.Errorf("docstore: %w", errClosed)
	}
	f, fi, err := s.openStored(name, os.O_RDONLY)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	data := make([]byte, fi.Size())
	n, err := f.ReadAt(data, 0)
	if err != nil && err != io.EOF {
		return nil, err
	}
	return data[:n], nil
}

// bringUpToDate is how every transaction starts, under the lock: it
// reopens the journal if another process's checkpoint replaced it, and
// applies the records the marker does not count as applied (all of them
// when the marker cannot be trusted).
func (s *Store) bringUpToDate(j *journal) error {
	if err := j.open(s); err != nil {
		return err
	}
	off, ok := j.applied()
	if !ok {
		off = journalHeaderLen
	}
	return s.catchUp(j, off, ok)
}

// begin starts the transactions of one hold of the lock: it brings the
// store up to date and moves to a new epoch if anything but this Store
// may have written since its last transaction (see Tx.Epoch).
func (s *Store) begin(j *journal) error {
	if err := s.bringUpToDate(j); err != nil {
		s.last.ok = false
		return err
	}
	if !s.last.ok || j.reopened || s.last.gen != j.gen || s.last.size != j.size {
		s.epoch++
	}
	s.last.ok = false
	return nil
}

// newTx returns a transaction on the store as begin left it, with the
// records already staged in this hold of the lock over it.
func (s *Store) newTx(writable bool) *Tx {
	if s.keptEpoch != s.epoch {
		s.closeKept()
		s.keptEpoch = s.epoch
	}
	return &Tx{s: s, writable: writable, byName: map[string]*op{}, seen: map[string]seen{}, sizes: map[string]int64{}, tails: map[string][]byte{}}
}

// rememberJournal notes the journal as a transaction leaves it, so that the
// next one can tell whether anything else wrote since (see Tx.Epoch).
// With records pending, the files are not settled: nothing is noted.
func (s *Store) rememberJournal(j *journal) {
	if len(j.pending) == 0 {
		s.last.ok, s.last.gen, s.last.size = true, j.gen, j.size
	}
}

// locked runs fn holding the Store's semaphore and the file lock. A wait
// for either ends with ctx or after the lock timeout.
func (s *Store) locked(ctx context.Context, fn func() error) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	w := s.newWait(ctx)
	if err := w.acquire(s.sem); err != nil {
		return err
	}
	defer func() { <-s.sem }()
	if s.closed {
		return errClosed
	}
	return s.fileLocked(w, fn)
}

// newWait starts a wait for the lock.
func (s *Store) newWait(ctx context.Context) *lockWait {
	return &lockWait{ctx: ctx, start: time.Now(), notify: s.onLockWait, timeout: s.lockTimeout, path: s.lock.path}
}

// fileLocked runs fn holding the file lock; the caller holds the
// semaphore. The wait for the file lock is w.
func (s *Store) fileLocked(w *lockWait, fn func() error) (err error) {
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

// datasync is sync with fdatasync where the File has it: the file's data
// and size are made durable, not its times.
func (s *Store) datasync(f File) error {
	if d, ok := f.(interface{ Datasync() error }); ok {
		s.fsyncs.Add(1)
		return d.Datasync()
	}
	return s.sync(f)
}
