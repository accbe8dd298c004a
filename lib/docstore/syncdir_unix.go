//go:build !windows

package docstore

import (
	"errors"
	"os"
	"syscall"
)

// syncDir fsyncs the folder name, so that names created or renamed in it
// survive a power loss.
func (s *Store) syncDir(name string) error {
	f, err := s.fsys.OpenFile(name, os.O_RDONLY, 0)
	if err != nil {
		return err
	}
	err = s.sync(f)
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if errors.Is(err, syscall.EINVAL) {
		// Some file systems cannot fsync a folder; they give no other way.
		return nil
	}
	return err
}
