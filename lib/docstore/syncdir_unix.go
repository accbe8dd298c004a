//go:build !windows

package docstore

import (
	"errors"
	"os"
	"syscall"
)

// syncDir fsyncs the folder dir, so that names created or renamed in it
// survive a power loss.
func (s *Store) syncDir(dir string) error {
	err := s.syncPath(dir, os.O_RDONLY)
	if errors.Is(err, syscall.EINVAL) {
		// Some file systems cannot fsync a folder; they give no other way.
		return nil
	}
	return err
}
