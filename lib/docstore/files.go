package docstore

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"math"
	"os"
	"path"
	"runtime"
)

// openFilesPinned: on Windows a file open here cannot be removed or
// renamed over (os.OpenFile does not share delete access), by this process
// or any other.
const openFilesPinned = runtime.GOOS == "windows"

// apply writes ops to the files in place, without fsync. Replaying ops
// that were already applied, in journal order, leaves the same files.
func (s *Store) apply(ops []*op) error {
	for _, o := range ops {
		if err := s.applyOp(o); err != nil {
			return fmt.Errorf("apply %s: %w", o.name, err)
		}
	}
	return nil
}

// applyOp writes one operation: a put writes the whole file at offset 0
// and cuts what is left of a longer old content; an append cuts the file
// to the recorded offset if it is longer (the append is being replayed)
// and writes there. Without o.size, the file's size is the one the Store
// knows or asks for.
func (s *Store) applyOp(o *op) error {
	f := s.kept[o.name]
	kept := f != nil
	if !kept {
		flag := os.O_RDWR | os.O_CREATE
		file, fi, err := s.openStored(o.name, flag)
		if errors.Is(err, fs.ErrNotExist) {
			// A missing folder: create it and try once more.
			if err = s.mkdirAll(path.Dir(o.name)); err == nil {
				file, fi, err = s.openStored(o.name, flag)
			}
		}
		if err != nil {
			return err
		}
		f = &storedFile{f: file, size: fi.Size()}
		kept = s.keep(o.name, f)
	}
	err := f.write(o)
	if !kept {
		if cerr := f.f.Close(); err == nil {
			err = cerr
		}
	}
	return err
}

// write writes o to the file and notes the size it leaves.
func (f *storedFile) write(o *op) error {
	size := o.size
	if size < 0 {
		// Only an op read back from the journal does not know it.
		var err error
		if size, err = f.currentSize(); err != nil {
			return err
		}
	}
	// Until the writes succeed the size is not known.
	f.size = -1
	var err error
	if o.put {
		_, err = f.f.WriteAt(o.data, 0)
		if err == nil && size > int64(len(o.data)) {
			err = f.f.Truncate(int64(len(o.data)))
		}
	} else {
		if size > o.off {
			err = f.f.Truncate(o.off)
		}
		if err == nil {
			_, err = f.f.WriteAt(o.data, o.off)
		}
	}
	if err == nil {
		f.size = o.off + int64(len(o.data)) // a put's off is 0
	}
	return err
}

// maxKept bounds the files a Store keeps open between transactions.
const maxKept = 64

// storedFile is an open stored file with its size as the Store last wrote
// or asked for it, or -1 if unknown. Under the lock nothing else writes
// it, nor, while the Store keeps it open (see keep), between
// transactions: the size stays true, and a read need not ask the system.
type storedFile struct {
	f    File
	size int64
}

// currentSize returns the file's size, asking the system only if it is
// not known.
func (f *storedFile) currentSize() (int64, error) {
	if f.size < 0 {
		fi, err := f.f.Stat()
		if err != nil {
			return 0, err
		}
		f.size = fi.Size()
	}
	return f.size, nil
}

// keep keeps f, the stored file name open for reading and writing, open
// for later transactions, unless the Store keeps no files open (Windows,
// where an open file cannot be removed or renamed) or keeps too many. It
// reports whether it kept it. Kept files are closed when the epoch changes
// (see Tx.Epoch), and before records another Store may have applied are
// read: until then no other Store has written, so the file the name named
// is the file it names, and its size is the size the Store knows.
func (s *Store) keep(name string, f *storedFile) bool {
	if openFilesPinned {
		return false
	}
	if s.kept == nil || len(s.kept) >= maxKept {
		s.closeKept()
		s.kept = map[string]*storedFile{}
	}
	s.kept[name] = f
	return true
}

// closeKept closes the files kept open.
func (s *Store) closeKept() {
	for _, f := range s.kept {
		f.f.Close()
	}
	s.kept = nil
}

// readFile returns the content of the stored file name.
func (s *Store) readFile(name string) ([]byte, error) {
	data, _, err := s.readTail(name, math.MaxInt)
	return data, err
}

// readTail returns the last n bytes of the stored file name, or all of it
// if it is shorter, and the file's size. Under the lock nothing changes a
// stored file, so its size read first is its size.
func (s *Store) readTail(name string, n int) ([]byte, int64, error) {
	f := s.kept[name]
	if f == nil {
		file, fi, err := s.openStored(name, os.O_RDONLY)
		if err != nil {
			return nil, 0, err
		}
		defer file.Close()
		f = &storedFile{f: file, size: fi.Size()}
	}
	size, err := f.currentSize()
	if err != nil {
		return nil, 0, err
	}
	off := max(size-int64(n), 0)
	data := make([]byte, size-off)
	k, err := f.f.ReadAt(data, off)
	if err != nil && err != io.EOF {
		return nil, 0, err
	}
	return data[:k], size, nil
}

// writeDurably creates or empties the file name, writes data to it and
// fsyncs it.
func (s *Store) writeDurably(name string, data []byte) error {
	f, _, err := s.openStored(name, os.O_WRONLY|os.O_CREATE|os.O_TRUNC)
	if err != nil {
		return err
	}
	_, err = f.WriteAt(data, 0)
	if err == nil {
		err = s.sync(f)
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	return err
}

// syncGroup is how many files syncFiles holds open at once.
const syncGroup = 64

// syncFiles fsyncs the stored files names; one removed by hand since its
// write has nothing left to make durable. It opens them for writing
// because Windows flushes only files open for writing. Where the system
// can, it starts the writeback of a group of files before it fsyncs the
// first of them, so that their fsyncs wait for writes under way together
// rather than for one file's after another's.
func (s *Store) syncFiles(names []string) error {
	for len(names) > 0 {
		group := names[:min(len(names), syncGroup)]
		names = names[len(group):]
		var files []File
		var err error
		for _, name := range group {
			f, _, oerr := s.openStored(name, os.O_RDWR)
			if oerr != nil {
				if !errors.Is(oerr, fs.ErrNotExist) {
					err = oerr
					break
				}
				continue
			}
			files = append(files, f)
			if w, ok := f.(interface{ StartWriteback() error }); ok {
				// Only a head start: the fsync reports any error.
				_ = w.StartWriteback()
			}
		}
		for _, f := range files {
			if err == nil {
				err = s.sync(f)
			}
			if cerr := f.Close(); err == nil {
				err = cerr
			}
		}
		if err != nil {
			return err
		}
	}
	return nil
}

// handle is one of the store's own files, kept open between transactions.
// Another process may have replaced or removed the file since (a
// checkpoint renames a new journal over the old one), so each transaction
// calls refresh under the lock before using it.
type handle struct {
	name string // in the store's FS
	flag int    // for OpenFile
	f    File
	id   fs.FileInfo // of f, to compare with what name names now
}

// refresh makes h.f the file that h.name names now, opening it if needed,
// and returns that file's information (its size is current) and whether
// it was opened now.
func (h *handle) refresh(s *Store) (fi fs.FileInfo, opened bool, err error) {
	if h.f != nil && openFilesPinned {
		// The file cannot have been removed or replaced while open.
		fi, err := h.f.Stat()
		return fi, false, err
	}
	if h.f != nil {
		fi, err := s.fsys.Lstat(h.name)
		if err == nil && sameFile(fi, h.id) {
			return fi, false, nil
		}
		if err != nil && !errors.Is(err, fs.ErrNotExist) {
			return nil, false, err
		}
		h.close()
	}
	f, fi, err := s.openStored(h.name, h.flag)
	if err != nil {
		return nil, false, err
	}
	h.f, h.id = f, fi
	return fi, true, nil
}

// close closes the file if it is open. Errors are ignored: the store's
// own files are fsynced where it matters before they are closed.
func (h *handle) close() {
	if h.f != nil {
		h.f.Close()
		h.f, h.id = nil, nil
	}
}
