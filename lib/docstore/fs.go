package docstore

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path"
	"path/filepath"
)

// FS is the file layer under a Store: every file and folder the store
// reads or writes in its folder (the lock file aside) goes through it.
// Names are slash-separated and relative to the store's folder; "." is
// the folder itself. The default, RootFS, resolves every name inside the
// folder; tests wrap it to make single calls fail.
type FS interface {
	OpenFile(name string, flag int, perm fs.FileMode) (File, error)
	Mkdir(name string, perm fs.FileMode) error
	Rename(oldname, newname string) error
	Remove(name string) error
	Lstat(name string) (fs.FileInfo, error)
	ReadDir(name string) ([]fs.DirEntry, error)
}

// File is an open file of an FS. *os.File implements it.
type File interface {
	io.ReaderAt
	io.WriterAt
	Stat() (fs.FileInfo, error)
	Truncate(size int64) error
	Sync() error
	Close() error
}

// RootFS returns the FS of the folder root: every name is resolved inside
// it, and a name whose path leads out of it, through a symbolic link or
// "..", fails. On Linux, files are opened and looked up with openat2(2)
// below the folder where the kernel has it (see beneath); elsewhere
// through root.
func RootFS(root *os.Root) FS {
	if !fastPath {
		return rootFS{root, nil}
	}
	return rootFS{root, newBeneath(root)}
}

// fastPath is false only in tests of the os.Root path.
var fastPath = true

type rootFS struct {
	r    *os.Root
	fast *beneath // nil: none
}

// closeFS releases what fsys holds besides the os.Root, if it is a RootFS.
func closeFS(fsys FS) {
	if f, ok := fsys.(rootFS); ok {
		f.fast.close()
	}
}

func (f rootFS) OpenFile(name string, flag int, perm fs.FileMode) (File, error) {
	if f.fast != nil {
		return f.fast.OpenFile(name, flag, perm)
	}
	file, err := f.r.OpenFile(filepath.FromSlash(name), flag, perm)
	if err != nil {
		return nil, err
	}
	return file, nil
}

func (f rootFS) Mkdir(name string, perm fs.FileMode) error {
	return f.r.Mkdir(filepath.FromSlash(name), perm)
}

func (f rootFS) Rename(oldname, newname string) error {
	return f.r.Rename(filepath.FromSlash(oldname), filepath.FromSlash(newname))
}

func (f rootFS) Remove(name string) error { return f.r.Remove(filepath.FromSlash(name)) }

func (f rootFS) Lstat(name string) (fs.FileInfo, error) {
	if f.fast != nil {
		return f.fast.Lstat(name)
	}
	return f.r.Lstat(filepath.FromSlash(name))
}

func (f rootFS) ReadDir(name string) ([]fs.DirEntry, error) {
	d, err := f.r.Open(filepath.FromSlash(name))
	if err != nil {
		return nil, err
	}
	defer d.Close()
	return d.ReadDir(-1)
}

// openStored opens a stored file (not a folder). It never blocks on a FIFO
// or a device: the open does not wait, and anything but a regular file is
// refused before it is read or written. It returns the file's information
// too (its size is current).
func (s *Store) openStored(name string, flag int) (File, fs.FileInfo, error) {
	f, err := s.fsys.OpenFile(name, flag|noFollow|nonBlock, 0o600)
	if err != nil {
		return nil, nil, err
	}
	fi, err := f.Stat()
	if err == nil && !fi.Mode().IsRegular() {
		err = fmt.Errorf("%s is not a regular file", s.Path(name))
	}
	if err != nil {
		f.Close()
		return nil, nil, err
	}
	return f, fi, nil
}

// mkdirAll creates the folder name and its missing parents, 0700.
func (s *Store) mkdirAll(name string) error {
	if name == "." {
		return nil
	}
	fi, err := s.fsys.Lstat(name)
	if err == nil {
		if fi.IsDir() {
			return nil
		}
		return fmt.Errorf("%s is not a folder", s.Path(name))
	}
	if !errors.Is(err, fs.ErrNotExist) {
		return err
	}
	if err := s.mkdirAll(path.Dir(name)); err != nil {
		return err
	}
	err = s.fsys.Mkdir(name, 0o700)
	if errors.Is(err, fs.ErrExist) {
		return nil
	}
	return err
}
