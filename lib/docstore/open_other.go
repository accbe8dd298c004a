//go:build !unix

package docstore

import "os"

// noFollow and nonBlock are 0: os.OpenFile has no such flags here.
const (
	noFollow = 0
	nonBlock = 0
)

// openFile is os.OpenFile.
func openFile(name string, flag int, perm os.FileMode) (*os.File, error) {
	return os.OpenFile(name, flag, perm)
}
