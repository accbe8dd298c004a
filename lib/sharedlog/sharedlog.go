// Package sharedlog is a size-rotated log file that several processes can
// write to at once.
//
// Rotation is done by gopkg.in/natefinch/lumberjack.v2, which on its own
// supports a single process: it keeps the file's size in memory, so each
// process counts only its own lines, files grow past the limit, and two
// processes rotate on their own counts, renaming the file under each other
// or truncating a file the other has just created (lines are lost).
//
// A Writer therefore serializes its writes with a lock file,
// "<dir>/.<file>.lock" (gofrs/flock: flock(2) on Unix, LockFileEx on
// Windows), and inside the lock calls lumberjack's Write and then its Close.
// This works because of how lumberjack v2.2.1 opens its file: Write on a
// closed Logger calls openExistingOrNew, which stats the file on disk and
// either rotates it (size on disk + this write >= MaxSize: rename to
// "<name>-<UTC time>.<ext>", create a fresh file) or opens it with O_APPEND
// and takes its size from the stat. Closing after every write makes every
// write start from the file's real size, and a rotation happens while no
// other process can write. The price is an open, a stat and a close per
// write, which is nothing next to a person typing at an ATM.
//
// Each Write must be whole lines, ending with a line break: another
// process may write between two Writes. A logrus entry is one Write. A
// Write that fails or falls short (a full disk) leaves nothing behind: the
// file is cut back, under the lock, to its size before the write; if even
// that fails, the next Write starts with a line break, so a line never
// starts in the middle of another.
//
// Use one Writer per file per process, and keep it for the life of the
// process: lumberjack starts a goroutine that deletes old backups (it runs
// after each write when MaxBackups > 0) and its Close does not stop it.
//
// Backups are named after the time of rotation to the millisecond, so a
// clock set back can make a rotation overwrite an older backup; and with
// MaxBackups = 0 lumberjack keeps every backup rather than none.
package sharedlog

import (
	"cmp"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"sync"

	"github.com/gofrs/flock"
	"gopkg.in/natefinch/lumberjack.v2"
)

// Options size the rotation.
type Options struct {
	// MaxSizeMB is the size in megabytes a write may not take the file past;
	// the file is rotated first. At least 1.
	MaxSizeMB int
	// MaxBackups is how many rotated files to keep; 0 keeps all of them.
	MaxBackups int
}

// ErrPartialLine is returned for a write that does not end a line.
var ErrPartialLine = errors.New("write does not end with a line break")

// Writer appends lines to a log file shared with other processes. It is
// safe for concurrent use.
type Writer struct {
	// mu orders this process's goroutines: the file lock alone does not,
	// since flock.Flock.Lock returns at once when this process holds it.
	mu     sync.Mutex
	lock   *flock.Flock
	file   *lumberjack.Logger
	closed bool
	// brokenLine is set when a failed write may have left part of a line
	// that could not be cut back: the next write starts with a line break.
	brokenLine bool

	// write and truncate are lumberjack's Write and os.Truncate; tests
	// replace them to inject faults.
	write    func([]byte) (int, error)
	truncate func(name string, size int64) error
}

// Open prepares a Writer for the log file at path, in an existing folder.
// It takes and releases the lock once, so a folder that is missing or not
// writable is reported now rather than at the first line logged.
func Open(path string, o Options) (*Writer, error) {
	if o.MaxSizeMB < 1 || o.MaxBackups < 0 {
		return nil, fmt.Errorf("open log %s: max size %d MB, %d backups: want a size of at least 1 MB and 0 or more backups", path, o.MaxSizeMB, o.MaxBackups)
	}
	lock := flock.New(filepath.Join(filepath.Dir(path), "."+filepath.Base(path)+".lock"))
	if err := lock.Lock(); err != nil {
		return nil, fmt.Errorf("open log %s: lock: %w", path, err)
	}
	if err := lock.Unlock(); err != nil {
		return nil, fmt.Errorf("open log %s: unlock: %w", path, err)
	}
	w := &Writer{
		lock:     lock,
		file:     &lumberjack.Logger{Filename: path, MaxSize: o.MaxSizeMB, MaxBackups: o.MaxBackups},
		truncate: os.Truncate,
	}
	w.write = w.file.Write
	return w, nil
}

// Write appends p, which must be whole lines, rotating the file first when
// p would take it past the maximum size.
func (w *Writer) Write(p []byte) (int, error) {
	if len(p) == 0 {
		return 0, nil
	}
	if p[len(p)-1] != '\n' {
		return 0, fmt.Errorf("write to %s: %w", w.file.Filename, ErrPartialLine)
	}
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.closed {
		return 0, fmt.Errorf("write to %s: %w", w.file.Filename, os.ErrClosed)
	}
	if err := w.lock.Lock(); err != nil {
		return 0, fmt.Errorf("write to %s: lock: %w", w.file.Filename, err)
	}
	n, err := w.writeWhole(p)
	// Close so that the next Write, ours or another process's, re-reads
	// the size from disk (see the package comment).
	closeErr := w.file.Close()
	unlockErr := w.lock.Unlock()
	if err := cmp.Or(err, closeErr, unlockErr); err != nil {
		return n, fmt.Errorf("write to %s: %w", w.file.Filename, err)
	}
	return n, nil
}

// writeWhole writes p, under both locks, so that the file never holds part
// of it: a write that fails or falls short (a full disk) is cut back to the
// file's size before it. If that fails too, the next write starts with a
// line break, so that no line starts in the middle of another. It returns
// len(p) or 0.
func (w *Writer) writeWhole(p []byte) (int, error) {
	name := w.file.Filename
	before, statErr := os.Stat(name)
	buf := p
	if w.brokenLine {
		buf = append([]byte{'\n'}, p...)
	}
	n, err := w.write(buf)
	if err == nil && n == len(buf) {
		w.brokenLine = false
		return len(p), nil
	}
	err = cmp.Or(err, io.ErrShortWrite)
	after, afterErr := os.Stat(name)
	switch {
	case errors.Is(afterErr, fs.ErrNotExist):
		// Nothing to cut: the next write starts a new file.
	case afterErr != nil:
		w.brokenLine = true
	default:
		// A file that is not the one stated before was created by this
		// write (a new file, or a rotation): all of it is this write's.
		size := int64(0)
		if statErr == nil && os.SameFile(before, after) {
			size = before.Size()
		}
		if after.Size() != size {
			if truncErr := w.truncate(name, size); truncErr != nil {
				w.brokenLine = true
			}
		}
	}
	return 0, err
}

// Close makes later writes fail. Nothing else is held between writes: the
// file and the lock are released at the end of each one.
func (w *Writer) Close() error {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.closed = true
	return nil
}
