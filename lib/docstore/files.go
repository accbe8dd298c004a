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
// and writes there. Without o.size, the size the open found is used.
func (s *Store) applyOp(o *op) error {
	f := s.kept[o.name]
	kept := f != nil
	var fi fs.FileInfo
	var err error
	if !kept {
		flag := os.O_RDWR | os.O_CREATE
		f, fi, err = s.openStored(o.name, flag)
		if errors.Is(err, fs.ErrNotExist) {
			// A missing folder: create it and try once more.
			if err = s.mkdirAll(path.Dir(o.name)); err == nil {
				f, fi, err = s.openStored(o.name, flag)
			}
		}
		if err != nil {
			return err
		}
		kept = s.keep(o.name, f)
	}
	size := o.size
	if size < 0 && fi == nil {
		// A kept file's size is asked for only when the op does not know
		// it (a record read back from the journal).
		fi, err = f.Stat()
	}
	if err != nil {
		return err
	}
	if size < 0 {
		size = fi.Size()
	}
	if o.put {
		_, err = f.WriteAt(o.data, 0)
		if err == nil && size > int64(len(o.data)) {
			err = f.Truncate(int64(len(o.data)))
		}
	} else {
		if size > o.off {
			err = f.Truncate(o.off)
		}
		if err == nil {
			_, err = f.WriteAt(o.data, o.off)
		}
	}
	if !kept {
		if cerr := f.Close(); err == nil {
			err = cerr
		}
	}
	return err
}

// maxKept bounds the files a Store keeps open between transactions.
const maxKept = 64

// keptFile returns the stored file name if the Store keeps it open (see
// keep), with its information now.
func (s *Store) keptFile(name string) (File, fs.FileInfo, bool, error) {
	f := s.kept[name]
	if f == nil {
		return nil, nil, false, nil
	}
	fi, err := f.Stat()
	if err != nil {
		return nil, nil, false, err
	}
	return f, fi, true, nil
}

// keep keeps f, the stored file name open for reading and writing, open
// for later transactions, unless the Store keeps no files open (Windows,
// where an open file cannot be removed or renamed) or keeps too many. It
// reports whether it kept it. Kept files are closed when the epoch changes
// (see Tx.Epoch): until then no other Store has written, so the file the
// name named is the file it names.
func (s *Store) keep(name string, f File) bool {
	if openFilesPinned {
		return false
	}
	if s.kept == nil || len(s.kept) >= maxKept {
		s.closeKept()
		s.kept = map[string]File{}
	}
	s.kept[name] = f
	return true
}

// closeKept closes the files kept open.
func (s *Store) closeKept() {
	for _, f := range s.kept {
		f.Close()
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
	f, fi, kept, err := s.keptFile(name)
	if err != nil {
		return nil, 0, err
	}
	if !kept {
		if f, fi, err = s.openStored(name, os.O_RDONLY); err != nil {
			return nil, 0, err
		}
		defer f.Close()
	}
	off := max(fi.Size()-int64(n), 0)
	data := make([]byte, fi.Size()-off)
	k, err := f.ReadAt(data, off)
	if err != nil && err != io.EOF {
		return nil, 0, err
	}
	return data[:k], fi.Size(), nil
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
