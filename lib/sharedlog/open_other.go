//go:build !windows

package sharedlog

import "os"

// openAppend opens the log file at path for appending, creating it
// readable by its owner only. It is opened for reading too, to look at its
// last byte.
func openAppend(path string) (*os.File, error) {
	return os.OpenFile(path, os.O_RDWR|os.O_APPEND|os.O_CREATE, 0o600)
}
