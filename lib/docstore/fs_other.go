//go:build !linux

package docstore

import (
	"io/fs"
	"os"
)

// beneath is the Linux fast path (fs_linux.go); elsewhere every call goes
// through os.Root.
type beneath struct{}

func newBeneath(*os.Root) *beneath { return nil }

func (b *beneath) close() {}

func (*beneath) OpenFile(string, int, fs.FileMode) (File, error) { panic("unreachable") }

func (*beneath) Lstat(string) (fs.FileInfo, error) { panic("unreachable") }

func sameFile(a, b fs.FileInfo) bool { return os.SameFile(a, b) }
