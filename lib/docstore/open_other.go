//go:build !unix

package docstore

import "os"

// noFollow is 0: os.OpenFile has no such flag here.
const noFollow = 0

// openFile is os.OpenFile.
func openFile(name string, flag int, perm os.FileMode) (*os.File, error) {
	return os.OpenFile(name, flag, perm)
}
