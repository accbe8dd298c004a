package docstore_test

import (
	"os"
	"path/filepath"
	"testing"
)

// BenchmarkFsync is the floor under BenchmarkUpdate: append 100 bytes to a
// file and fsync it, on the same file system as b.TempDir(). A durable
// commit costs at least one of these; compare their ns/op.
func BenchmarkFsync(b *testing.B) {
	f, err := os.OpenFile(filepath.Join(b.TempDir(), "fsync"), os.O_WRONLY|os.O_CREATE|os.O_APPEND, 0o600)
	if err != nil {
		b.Fatal(err)
	}
	defer f.Close()
	line := make([]byte, 100)
	line[len(line)-1] = '\n'
	for b.Loop() {
		if _, err := f.Write(line); err != nil {
			b.Fatal(err)
		}
		if err := f.Sync(); err != nil {
			b.Fatal(err)
		}
	}
}
