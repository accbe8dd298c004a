// Package sharedlog is a size-rotated log file that several processes can
// write to at once, for a few microseconds a line.
//
// Each Writer keeps the file open with O_APPEND, so every write lands at
// the file's end whoever wrote last, and serializes its writes with a lock
// file, "<dir>/.<file>.lock" (flock(2) on a descriptor held open on Unix;
// gofrs/flock, LockFileEx, on Windows). Under the lock a write asks for
// the identity (device, inode) and size of the file at the path, one
// statx(2) that reads no file times on Linux, and compares it with the
// file it holds open:
//
//   - another file, or none: another process rotated it (or someone moved
//     it away); the Writer opens the file at the path, creating it if need
//     be;
//   - the size is not where this Writer's last write ended: another
//     process wrote since, so the Writer reads the last byte, and if it is
//     not a line break (a process killed in the middle of a line, or a cut
//     back that failed) the line starts with one, so no line is ever glued
//     to a broken one;
//   - the size plus this line would pass the maximum: the Writer rotates,
//     under the lock, then writes into the new file.
//
// The line is then written in one write(2).
//
// Rotation and pruning are gopkg.in/natefinch/lumberjack.v2's, called
// through its Rotate only when the file is full: it renames the file to
// "<name>-<UTC time>.<ext>" (the time of rotation to the millisecond),
// creates the new file with the old one's mode and owner, and wakes its
// goroutine that deletes backups beyond MaxBackups (after the lock is
// released; two processes deleting the same old backup is harmless). What
// is replaced is lumberjack's Write: it keeps the file's size in memory,
// so each process would count only its own lines and rotate on its own
// count, renaming the file under the others and losing lines; and closing
// it after every write to make it re-read the size (as this package once
// did) cost an open, two stats and a scan of the log folder per line.
//
// On Windows a file that is open cannot be renamed unless every handle to
// it shares deletion, so the Writer opens the file with FILE_SHARE_DELETE
// (os.OpenFile does not); rotation then renames it while other processes
// hold it, and they find at their next write that the path names another
// file.
//
// Each Write must be whole lines, ending with a line break: another
// process may write between two Writes. A logrus entry is one Write. A
// Write that fails or falls short (a full disk) leaves nothing behind: the
// file is cut back, under the lock, to its size before the write; if even
// that fails, the next write finds the last byte is not a line break.
//
// Use one Writer per file per process, and keep it for the life of the
// process: lumberjack's pruning goroutine, started at the first rotation,
// is never stopped. Backups are named after the time of rotation to the
// millisecond, so a clock set back can make a rotation overwrite an older
// backup; and with MaxBackups = 0 lumberjack keeps every backup rather
// than none.
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
	path    string
	maxSize int64
	rotator *lumberjack.Logger // only its Rotate and Close are used

	// mu orders this process's goroutines: the file lock does not, since
	// a process holds it on behalf of all its goroutines.
	mu     sync.Mutex
	lock   *fileLock
	file   *os.File // the log file, opened with O_APPEND; nil until the first write
	id     fileID   // file's identity
	end    int64    // file's size after this Writer's last write to it; -1 when unknown
	closed bool

	// write and truncate are file.Write and os.Truncate; tests replace
	// them to inject faults.
	write    func([]byte) (int, error)
	truncate func(name string, size int64) error
}

// Open prepares a Writer for the log file at path, in an existing folder.
// It opens the lock file, so a folder that is missing or not writable is
// reported now rather than at the first line logged. The log file is
// created at the first write.
func Open(path string, o Options) (*Writer, error) {
	if o.MaxSizeMB < 1 || o.MaxBackups < 0 {
		return nil, fmt.Errorf("open log %s: max size %d MB, %d backups: want a size of at least 1 MB and 0 or more backups", path, o.MaxSizeMB, o.MaxBackups)
	}
	lock, err := newFileLock(filepath.Join(filepath.Dir(path), "."+filepath.Base(path)+".lock"))
	if err != nil {
		return nil, fmt.Errorf("open log %s: lock: %w", path, err)
	}
	w := &Writer{
		path:     path,
		maxSize:  int64(o.MaxSizeMB) << 20,
		rotator:  &lumberjack.Logger{Filename: path, MaxSize: o.MaxSizeMB, MaxBackups: o.MaxBackups},
		lock:     lock,
		end:      -1,
		truncate: os.Truncate,
	}
	w.write = func(p []byte) (int, error) { return w.file.Write(p) }
	return w, nil
}

// Write appends p, which must be whole lines, rotating the file first when
// p would take it past the maximum size.
func (w *Writer) Write(p []byte) (int, error) {
	if len(p) == 0 {
		return 0, nil
	}
	if p[len(p)-1] != '\n' {
		return 0, fmt.Errorf("write to %s: %w", w.path, ErrPartialLine)
	}
	if int64(len(p)) > w.maxSize {
		return 0, fmt.Errorf("write to %s: %d bytes do not fit in a file of at most %d", w.path, len(p), w.maxSize)
	}
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.closed {
		return 0, fmt.Errorf("write to %s: %w", w.path, os.ErrClosed)
	}
	n, err := w.writeUnderLock(p)
	if errors.Is(err, errStaleLock) {
		// The folder was removed and made again while this Writer held
		// its lock file open: lock the one other processes now lock.
		if err := w.lock.reopen(); err != nil {
			return 0, fmt.Errorf("write to %s: lock: %w", w.path, err)
		}
		n, err = w.writeUnderLock(p)
	}
	if err != nil {
		return n, fmt.Errorf("write to %s: %w", w.path, err)
	}
	return n, nil
}

// errStaleLock says the lock file held is not the one at its path.
var errStaleLock = errors.New("the lock file was removed")

// writeUnderLock takes the cross-process lock, writes p and releases it.
func (w *Writer) writeUnderLock(p []byte) (int, error) {
	if err := w.lock.Lock(); err != nil {
		return 0, fmt.Errorf("lock: %w", err)
	}
	n, err := w.writeLocked(p)
	return n, cmp.Or(err, w.lock.Unlock())
}

// writeLocked writes p, under both locks, at the end of the file at the
// path, so that the file never holds part of it: a write that fails or
// falls short (a full disk) is cut back to the file's size before it. It
// returns len(p) or 0.
func (w *Writer) writeLocked(p []byte) (int, error) {
	size, err := w.current()
	if err != nil {
		return 0, err
	}
	buf := p
	if size > 0 && size != w.end && !w.endsLine(size) {
		buf = append([]byte{'\n'}, p...)
	}
	if size > 0 && size+int64(len(buf)) > w.maxSize {
		if err := w.rotate(); err != nil {
			return 0, err
		}
		size, buf = 0, p
	}
	n, err := w.write(buf)
	if err == nil && n == len(buf) {
		w.end = size + int64(n)
		return len(p), nil
	}
	err = cmp.Or(err, io.ErrShortWrite)
	// Look again at the next write, whatever happens here.
	w.end = -1
	if _, after, statErr := statOpen(w.file); statErr != nil || after != size {
		// The path is still this file: the lock is held.
		_ = w.truncate(w.path, size)
	}
	return 0, err
}

// current makes w.file the file at the path, opening it if it is not the
// one held (the first write, or another process rotated it), and returns
// its size.
func (w *Writer) current() (int64, error) {
	id, size, err := statPath(w.path)
	switch {
	case err == nil && w.file != nil && id.same(w.id):
		return size, nil
	case err != nil && !errors.Is(err, fs.ErrNotExist):
		return 0, err
	}
	// Rare enough to check that the lock is still the one other processes
	// take.
	if w.lock.stale() {
		return 0, errStaleLock
	}
	if err := w.reopen(); err != nil {
		return 0, err
	}
	_, size, err = statOpen(w.file)
	return size, err
}

// reopen closes the file held, if any, and opens the one at the path.
func (w *Writer) reopen() error {
	w.closeFile()
	f, err := openAppend(w.path)
	if err != nil {
		return err
	}
	id, _, err := statOpen(f)
	if err != nil {
		_ = f.Close()
		return err
	}
	w.file, w.id, w.end = f, id, -1
	return nil
}

func (w *Writer) closeFile() {
	if w.file != nil {
		// Written lines are in the file already: a close error says nothing
		// about them.
		_ = w.file.Close()
		w.file = nil
	}
}

// endsLine reports whether the file, of the given size, ends with a line
// break. A byte that cannot be read counts as not one: an empty line is
// better than a glued one.
func (w *Writer) endsLine(size int64) bool {
	var b [1]byte
	_, err := w.file.ReadAt(b[:], size-1)
	return err == nil && b[0] == '\n'
}

// rotate has lumberjack rename the file to its backup name, create a new
// one and prune old backups, and opens the new file.
func (w *Writer) rotate() error {
	// Windows renames a file only when every handle to it allows it; ours
	// does, but there is no reason to keep it.
	w.closeFile()
	if err := w.rotator.Rotate(); err != nil {
		return err
	}
	if err := w.rotator.Close(); err != nil {
		return err
	}
	return w.reopen()
}

// Close closes the file and the lock file, and makes later writes fail.
func (w *Writer) Close() error {
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.closed {
		return nil
	}
	w.closed = true
	var err error
	if w.file != nil {
		err = w.file.Close()
		w.file = nil
	}
	return cmp.Or(err, w.lock.Close())
}
