package sharedlog

import (
	"os"
	"sync/atomic"

	"golang.org/x/sys/unix"
)

// fileID tells files apart: device and inode.
type fileID struct{ dev, ino uint64 }

func (a fileID) same(b fileID) bool { return a == b }

// noStatx is set when the kernel (or a sandbox) refuses statx.
var noStatx atomic.Bool

// statPath returns the identity and size of the file at path.
func statPath(path string) (fileID, int64, error) {
	return statAt(unix.AT_FDCWD, path, 0, path)
}

// statOpen returns the identity and size of the open file f.
func statOpen(f *os.File) (id fileID, size int64, err error) {
	conn, err := f.SyscallConn()
	if err != nil {
		return fileID{}, 0, err
	}
	ctlErr := conn.Control(func(fd uintptr) {
		id, size, err = statAt(int(fd), "", unix.AT_EMPTY_PATH, f.Name())
	})
	if ctlErr != nil {
		return fileID{}, 0, ctlErr
	}
	return id, size, err
}

// statAt asks statx for the inode and size only: a stat that reads the
// file's times makes the next write to it stamp a fine-grained time
// (multigrain timestamps), which dirties its inode at every line.
func statAt(dirfd int, path string, flags int, name string) (fileID, int64, error) {
	if !noStatx.Load() {
		var st unix.Statx_t
		err := unix.Statx(dirfd, path, flags|unix.AT_STATX_SYNC_AS_STAT, unix.STATX_INO|unix.STATX_SIZE, &st)
		switch err {
		case nil:
			return fileID{unix.Mkdev(st.Dev_major, st.Dev_minor), st.Ino}, int64(st.Size), nil
		case unix.ENOSYS, unix.EPERM:
			noStatx.Store(true)
		default:
			return fileID{}, 0, &os.PathError{Op: "statx", Path: name, Err: err}
		}
	}
	var st unix.Stat_t
	if err := unix.Fstatat(dirfd, path, &st, flags); err != nil {
		return fileID{}, 0, &os.PathError{Op: "stat", Path: name, Err: err}
	}
	return fileID{uint64(st.Dev), st.Ino}, st.Size, nil
}
