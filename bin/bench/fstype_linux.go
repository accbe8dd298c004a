package main

import (
	"fmt"
	"os"
	"strings"
	"syscall"
)

// Magic numbers of statfs(2)'s f_type, for the file systems likely here.
var fsMagic = map[int64]string{
	0x01021994: "tmpfs",
	0x858458f6: "ramfs",
	0xef53:     "ext4",
	0x58465342: "xfs",
	0x9123683e: "btrfs",
	0x2fc12fc1: "zfs",
	0x794c7630: "overlayfs",
	0x6969:     "nfs",
	0x65735546: "fuse",
	0x01021997: "9p",
}

// fsType names the file system holding path.
func fsType(path string) string {
	var st syscall.Statfs_t
	if err := syscall.Statfs(path, &st); err != nil {
		return "unknown file system"
	}
	if name, ok := fsMagic[int64(st.Type)]; ok {
		return name
	}
	return fmt.Sprintf("file system 0x%x", int64(st.Type))
}

// isTmpfs reports whether path is on a file system in memory, where fsync
// costs nothing.
func isTmpfs(path string) bool {
	t := fsType(path)
	return t == "tmpfs" || t == "ramfs"
}

// load is the system's load average, from /proc/loadavg: other work on
// the machine during a run shows up in every number.
func load() string {
	data, err := os.ReadFile("/proc/loadavg")
	if err != nil {
		return ""
	}
	f := strings.Fields(string(data))
	if len(f) < 3 {
		return ""
	}
	return "load average " + strings.Join(f[:3], " ")
}

// mkfifo makes a named pipe, for perf stat's control (fsynccount.go).
func mkfifo(path string) error { return syscall.Mkfifo(path, 0o600) }
