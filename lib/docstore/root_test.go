//go:build unix

package docstore_test

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"syscall"
	"testing"

	"atmshop/lib/docstore"
)

// bothPaths runs test with the default file layer (openat2 on Linux) and
// with os.Root for every call, as on systems without openat2.
func bothPaths(t *testing.T, test func(t *testing.T)) {
	t.Run("default", test)
	t.Run("os.Root", func(t *testing.T) {
		defer docstore.WithoutFastPath()()
		test(t)
	})
}

// TestSymlinkedFolderOutsideIsRefused: a folder inside the store that is a
// symbolic link to a folder outside it is never written through or read.
func TestSymlinkedFolderOutsideIsRefused(t *testing.T) {
	bothPaths(t, testSymlinkedFolderOutsideIsRefused)
}

func testSymlinkedFolderOutsideIsRefused(t *testing.T) {
	dir, outside := t.TempDir(), t.TempDir()
	s := open(t, dir, docstore.Options{})
	put(t, s, "ledger/bob/2026-11.jsonl", "1\n")
	if err := os.WriteFile(filepath.Join(outside, "2026-11.jsonl"), []byte("secret\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink(outside, filepath.Join(dir, "ledger", "admin")); err != nil {
		t.Fatal(err)
	}
	err := s.Update(context.Background(), func(tx *docstore.Tx) error {
		return errors.Join(tx.Append("ledger/admin/2026-11.jsonl", []byte("x\n")), tx.Put("ledger/admin/new.jsonl", []byte("x\n")))
	})
	if err == nil {
		t.Error("a write through a symlink out of the store succeeded")
	}
	err = s.View(context.Background(), func(tx *docstore.Tx) error {
		_, err := tx.Get("ledger/admin/2026-11.jsonl")
		return err
	})
	if err == nil {
		t.Error("a read through a symlink out of the store succeeded")
	}
	entries, _ := os.ReadDir(outside)
	got, _ := os.ReadFile(filepath.Join(outside, "2026-11.jsonl"))
	if len(entries) != 1 || string(got) != "secret\n" {
		t.Errorf("outside the store: %d files, content %q", len(entries), got)
	}
	put(t, s, "ledger/bob/2026-11.jsonl", "2\n") // the store goes on
}

// TestFIFOIsRefusedAtOnce: a FIFO where a document should be gives an
// error at once, never blocks with the lock held.
func TestFIFOIsRefusedAtOnce(t *testing.T) { bothPaths(t, testFIFOIsRefusedAtOnce) }

func testFIFOIsRefusedAtOnce(t *testing.T) {
	dir := t.TempDir()
	s := open(t, dir, docstore.Options{})
	put(t, s, "accounts/bob.json", "1")
	if err := syscall.Mkfifo(filepath.Join(dir, "accounts", "eve.json"), 0o600); err != nil {
		t.Fatal(err)
	}
	for name, fn := range map[string]func(tx *docstore.Tx) error{
		"get":    func(tx *docstore.Tx) error { _, err := tx.Get("accounts/eve.json"); return err },
		"tail":   func(tx *docstore.Tx) error { _, err := tx.Tail("accounts/eve.json", 10); return err },
		"put":    func(tx *docstore.Tx) error { return tx.Put("accounts/eve.json", []byte("x")) },
		"append": func(tx *docstore.Tx) error { return tx.Append("accounts/eve.json", []byte("x")) },
	} {
		if err := s.Update(context.Background(), fn); err == nil {
			t.Errorf("%s of a FIFO: no error", name)
		}
	}
	if got := list(t, s, "accounts"); len(got) != 1 {
		t.Errorf("List = %q, want only bob's", got)
	}
	// The lock was released: another Store gets it.
	put(t, open(t, dir, docstore.Options{}), "accounts/bob.json", "2")
}

// TestSymlinkInsideTheStoreIsFollowed: a folder that is a symbolic link to
// another folder of the store is used, as os.Root uses it: the openat2
// path refuses only what leads out of the store.
func TestSymlinkInsideTheStoreIsFollowed(t *testing.T) { bothPaths(t, testSymlinkInsideTheStore) }

func testSymlinkInsideTheStore(t *testing.T) {
	dir := t.TempDir()
	s := open(t, dir, docstore.Options{})
	put(t, s, "ledger/bob/2026-11.jsonl", "1\n")
	if err := os.Symlink("bob", filepath.Join(dir, "ledger", "robert")); err != nil {
		t.Fatal(err)
	}
	if got := get(t, s, "ledger/robert/2026-11.jsonl"); got != "1\n" {
		t.Errorf("through a link inside the store: %q", got)
	}
}
