package docstore

import (
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
)

// apply writes ops to the files, without fsync. Replaying ops that were
// already applied, in journal order, leaves the same files.
func (s *Store) apply(ops []*op) error {
	for _, o := range ops {
		p := s.Path(o.name)
		err := os.MkdirAll(filepath.Dir(p), 0o700)
		if err == nil {
			if o.put {
				err = s.replaceFile(p, o.data, false)
			} else {
				err = writeAt(p, o.off, o.data)
			}
		}
		if err != nil {
			return fmt.Errorf("apply %s: %w", o.name, err)
		}
	}
	return nil
}

// writeAt writes data at off in the file p, creating it, and cuts the
// file there first if it is longer: the append is being replayed.
func writeAt(p string, off int64, data []byte) error {
	f, err := os.OpenFile(p, os.O_RDWR|os.O_CREATE, 0o600)
	if err != nil {
		return err
	}
	fi, err := f.Stat()
	if err == nil && fi.Size() > off {
		err = f.Truncate(off)
	}
	if err == nil {
		_, err = f.WriteAt(data, off)
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	return err
}

// replaceFile writes data to a temporary file beside p and renames it over
// p, so p has the old or the new content, never a mix. If durable, the
// temporary file is fsynced before the rename.
func (s *Store) replaceFile(p string, data []byte, durable bool) error {
	f, err := os.CreateTemp(filepath.Dir(p), tempPrefix+"*")
	if err != nil {
		return err
	}
	_, err = f.Write(data)
	if err == nil && durable {
		err = s.sync(f)
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Rename(f.Name(), p)
	}
	if err != nil {
		// Best effort: Open removes any temporary file left behind.
		os.Remove(f.Name())
	}
	return err
}

// removeTemps removes the temporary files left by a crash. It must run
// under the lock, when no transaction is writing one.
func (s *Store) removeTemps() error {
	return filepath.WalkDir(s.dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.Type().IsRegular() && strings.HasPrefix(d.Name(), tempPrefix) {
			return os.Remove(p)
		}
		return nil
	})
}

// syncFile fsyncs the file p. It opens it for writing because Windows
// flushes only files open for writing.
func (s *Store) syncFile(p string) error {
	return s.syncPath(p, os.O_RDWR)
}

// syncPath opens p with flag, fsyncs it and closes it.
func (s *Store) syncPath(p string, flag int) error {
	f, err := os.OpenFile(p, flag, 0)
	if err != nil {
		return err
	}
	err = s.sync(f)
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	return err
}
