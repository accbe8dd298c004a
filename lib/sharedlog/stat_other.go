//go:build !linux

package sharedlog

import "os"

// fileID tells files apart, by os.SameFile.
type fileID struct{ fi os.FileInfo }

func (a fileID) same(b fileID) bool { return a.fi != nil && b.fi != nil && os.SameFile(a.fi, b.fi) }

// statPath returns the identity and size of the file at path.
func statPath(path string) (fileID, int64, error) {
	fi, err := os.Stat(path)
	if err != nil {
		return fileID{}, 0, err
	}
	return fileID{fi}, fi.Size(), nil
}

// statOpen returns the identity and size of the open file f.
func statOpen(f *os.File) (fileID, int64, error) {
	fi, err := f.Stat()
	if err != nil {
		return fileID{}, 0, err
	}
	return fileID{fi}, fi.Size(), nil
}
