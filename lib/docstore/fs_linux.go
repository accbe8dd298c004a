package docstore

import (
	"errors"
	"io"
	"io/fs"
	"os"
	"path"
	"runtime"
	"time"

	"golang.org/x/sys/unix"
)

// beneath opens names below a kept descriptor of the store's folder with
// one openat2(2) each, where os.Root opens and closes every folder on the
// way. RESOLVE_BENEATH refuses what os.Root refuses (a name or symbolic
// link that leads out of the folder, absolute links) and follows the links
// it follows; O_NOFOLLOW still refuses a link as the file itself. The files
// it returns are plain descriptors that never reach the runtime's poller,
// and their Stat asks statx(2) only for type, size and identity: asking for
// file times makes the kernel stamp the next write with a fine-grained
// time, which dirties the inode and makes the next fsync write it.
type beneath struct{ dir int }

// resolveBeneath are the openat2 resolve flags: stay below the folder, and
// never follow /proc-style magic links.
const resolveBeneath = unix.RESOLVE_BENEATH | unix.RESOLVE_NO_MAGICLINKS

// statxMask is what Stat and Lstat ask of statx.
const statxMask = unix.STATX_TYPE | unix.STATX_MODE | unix.STATX_INO | unix.STATX_SIZE

// newBeneath returns the fast path for root, or nil where openat2 is not
// available (kernels before 5.6, or a sandbox that refuses it): then every
// call goes through os.Root.
func newBeneath(root *os.Root) *beneath {
	d, err := root.Open(".")
	if err != nil {
		return nil
	}
	defer d.Close()
	rc, err := d.SyscallConn()
	if err != nil {
		return nil
	}
	fd := -1
	if cerr := rc.Control(func(raw uintptr) { fd, err = unix.FcntlInt(raw, unix.F_DUPFD_CLOEXEC, 0) }); cerr != nil || err != nil {
		return nil
	}
	b := &beneath{dir: fd}
	// Probe once: "." below the folder is the folder.
	probe, err := b.openat2(".", unix.O_PATH|unix.O_DIRECTORY, 0)
	if err != nil {
		unix.Close(fd)
		return nil
	}
	unix.Close(probe)
	// A RootFS made by a caller (tests wrap one) is never closed by a
	// Store: the descriptor goes with the value.
	runtime.SetFinalizer(b, (*beneath).close)
	return b
}

// close closes the folder's descriptor, once.
func (b *beneath) close() {
	if b != nil && b.dir >= 0 {
		unix.Close(b.dir)
		b.dir = -1
		runtime.SetFinalizer(b, nil)
	}
}

func (b *beneath) openat2(name string, flag int, perm fs.FileMode) (int, error) {
	how := unix.OpenHow{Flags: uint64(flag | unix.O_CLOEXEC), Mode: uint64(syscallMode(perm)), Resolve: resolveBeneath}
	for {
		fd, err := unix.Openat2(b.dir, name, &how)
		if err != unix.EINTR && err != unix.EAGAIN {
			return fd, err
		}
	}
}

// syscallMode is the permission bits of perm (stored files need no others).
func syscallMode(perm fs.FileMode) uint32 { return uint32(perm.Perm()) }

func (b *beneath) OpenFile(name string, flag int, perm fs.FileMode) (File, error) {
	if flag&unix.O_CREAT == 0 {
		perm = 0
	}
	fd, err := b.openat2(name, flag, perm)
	if err != nil {
		return nil, &fs.PathError{Op: "openat2", Path: name, Err: err}
	}
	return &fdFile{fd: fd, name: name}, nil
}

func (b *beneath) Lstat(name string) (fs.FileInfo, error) {
	var st unix.Statx_t
	var err error
	if !containsSlash(name) {
		// One element: nothing to resolve on the way.
		err = statx(b.dir, name, unix.AT_SYMLINK_NOFOLLOW, &st)
	} else {
		var fd int
		if fd, err = b.openat2(name, unix.O_PATH|unix.O_NOFOLLOW, 0); err == nil {
			err = statx(fd, "", unix.AT_EMPTY_PATH, &st)
			unix.Close(fd)
		}
	}
	if err != nil {
		return nil, &fs.PathError{Op: "lstat", Path: name, Err: err}
	}
	return newStatxInfo(path.Base(name), &st), nil
}

func containsSlash(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] == '/' {
			return true
		}
	}
	return false
}

func statx(dir int, name string, flags int, st *unix.Statx_t) error {
	for {
		err := unix.Statx(dir, name, flags|unix.AT_STATX_SYNC_AS_STAT, statxMask, st)
		if err != unix.EINTR {
			return err
		}
	}
}

// statxInfo is the fs.FileInfo of a statx result. It has no time: none was
// asked for.
type statxInfo struct {
	name string
	size int64
	mode fs.FileMode
	dev  uint64
	ino  uint64
}

func newStatxInfo(name string, st *unix.Statx_t) *statxInfo {
	mode := fs.FileMode(st.Mode & 0o777)
	switch st.Mode & unix.S_IFMT {
	case unix.S_IFDIR:
		mode |= fs.ModeDir
	case unix.S_IFLNK:
		mode |= fs.ModeSymlink
	case unix.S_IFIFO:
		mode |= fs.ModeNamedPipe
	case unix.S_IFSOCK:
		mode |= fs.ModeSocket
	case unix.S_IFCHR:
		mode |= fs.ModeDevice | fs.ModeCharDevice
	case unix.S_IFBLK:
		mode |= fs.ModeDevice
	case unix.S_IFREG:
	default:
		mode |= fs.ModeIrregular
	}
	return &statxInfo{
		name: name,
		size: int64(st.Size),
		mode: mode,
		dev:  unix.Mkdev(st.Dev_major, st.Dev_minor),
		ino:  st.Ino,
	}
}

func (i *statxInfo) Name() string       { return i.name }
func (i *statxInfo) Size() int64        { return i.size }
func (i *statxInfo) Mode() fs.FileMode  { return i.mode }
func (i *statxInfo) ModTime() time.Time { return time.Time{} }
func (i *statxInfo) IsDir() bool        { return i.mode.IsDir() }
func (i *statxInfo) Sys() any           { return nil }

// sameFile is os.SameFile that also knows the fast path's infos.
func sameFile(a, b fs.FileInfo) bool {
	x, ok1 := a.(*statxInfo)
	y, ok2 := b.(*statxInfo)
	if ok1 && ok2 {
		return x.dev == y.dev && x.ino == y.ino
	}
	return os.SameFile(a, b)
}

// fdFile is a File over a plain descriptor.
type fdFile struct {
	fd   int
	name string
}

var errFileClosed = errors.New("file already closed")

func (f *fdFile) err(op string, err error) error {
	return &fs.PathError{Op: op, Path: f.name, Err: err}
}

func (f *fdFile) ReadAt(p []byte, off int64) (int, error) {
	if f.fd < 0 {
		return 0, f.err("read", errFileClosed)
	}
	n := 0
	for n < len(p) {
		m, err := unix.Pread(f.fd, p[n:], off+int64(n))
		if err == unix.EINTR {
			continue
		}
		if err != nil {
			return n, f.err("read", err)
		}
		if m == 0 {
			return n, io.EOF
		}
		n += m
	}
	return n, nil
}

func (f *fdFile) WriteAt(p []byte, off int64) (int, error) {
	if f.fd < 0 {
		return 0, f.err("write", errFileClosed)
	}
	n := 0
	for n < len(p) {
		m, err := unix.Pwrite(f.fd, p[n:], off+int64(n))
		if err == unix.EINTR {
			continue
		}
		if err != nil {
			return n, f.err("write", err)
		}
		if m == 0 {
			return n, f.err("write", io.ErrShortWrite)
		}
		n += m
	}
	return n, nil
}

func (f *fdFile) Stat() (fs.FileInfo, error) {
	if f.fd < 0 {
		return nil, f.err("stat", errFileClosed)
	}
	var st unix.Statx_t
	if err := statx(f.fd, "", unix.AT_EMPTY_PATH, &st); err != nil {
		return nil, f.err("stat", err)
	}
	return newStatxInfo(path.Base(f.name), &st), nil
}

func (f *fdFile) Truncate(size int64) error {
	if f.fd < 0 {
		return f.err("truncate", errFileClosed)
	}
	for {
		err := unix.Ftruncate(f.fd, size)
		if err == unix.EINTR {
			continue
		}
		if err != nil {
			return f.err("truncate", err)
		}
		return nil
	}
}

func (f *fdFile) Sync() error {
	if f.fd < 0 {
		return f.err("sync", errFileClosed)
	}
	for {
		err := unix.Fsync(f.fd)
		if err == unix.EINTR {
			continue
		}
		if err != nil {
			return f.err("sync", err)
		}
		return nil
	}
}

// StartWriteback starts writing the file's dirty pages to the disk
// without waiting for them (sync_file_range(2) with
// SYNC_FILE_RANGE_WRITE), so that a later fsync has less to wait for. It
// makes nothing durable by itself.
func (f *fdFile) StartWriteback() error {
	if f.fd < 0 {
		return f.err("sync_file_range", errFileClosed)
	}
	for {
		err := unix.SyncFileRange(f.fd, 0, 0, unix.SYNC_FILE_RANGE_WRITE)
		if err == unix.EINTR {
			continue
		}
		if err != nil {
			return f.err("sync_file_range", err)
		}
		return nil
	}
}

// Datasync is fdatasync(2): data and size, not times.
func (f *fdFile) Datasync() error {
	if f.fd < 0 {
		return f.err("sync", errFileClosed)
	}
	for {
		err := unix.Fdatasync(f.fd)
		if err == unix.EINTR {
			continue
		}
		if err != nil {
			return f.err("sync", err)
		}
		return nil
	}
}

func (f *fdFile) Close() error {
	if f.fd < 0 {
		return f.err("close", errFileClosed)
	}
	err := unix.Close(f.fd)
	f.fd = -1
	if err != nil {
		return f.err("close", err)
	}
	return nil
}
