package docstore_test

import (
	"encoding/binary"
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"atmshop/lib/docstore"
)

// commitWithoutApply commits a put and an append to the journal only, like
// a process killed between its journal fsync and its apply.
func commitWithoutApply(t *testing.T, s *docstore.Store, name, data string) {
	t.Helper()
	err := docstore.CommitWithoutApply(s, func(tx *docstore.Tx) error {
		return errors.Join(tx.Put(name, []byte(data)), tx.Append("log", []byte(data+"\n")))
	})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(s.Path(name)); !errors.Is(err, fs.ErrNotExist) {
		t.Fatalf("%s was applied: %v", name, err)
	}
}

func TestUnappliedCommitIsFinished(t *testing.T) {
	t.Run("by the next transaction", func(t *testing.T) {
		dir := t.TempDir()
		a := open(t, dir, noCheckpoint)
		b := open(t, dir, noCheckpoint)
		appendTo(t, a, "log", "0\n")
		commitWithoutApply(t, a, "x", "1")
		if got := get(t, b, "x"); got != "1" {
			t.Errorf("x = %q, want %q", got, "1")
		}
		if got := get(t, b, "log"); got != "0\n1\n" {
			t.Errorf("log = %q, want %q", got, "0\n1\n")
		}
	})
	t.Run("by Open", func(t *testing.T) {
		dir := t.TempDir()
		a := open(t, dir, noCheckpoint)
		commitWithoutApply(t, a, "x", "1")
		a.Close()
		if got := get(t, open(t, dir, noCheckpoint), "x"); got != "1" {
			t.Errorf("x = %q, want %q", got, "1")
		}
	})
}

func TestReplayIsIdempotent(t *testing.T) {
	dir := t.TempDir()
	s := open(t, dir, noCheckpoint)
	appendTo(t, s, "log", "a\n")
	put(t, s, "log", "p\n")
	appendTo(t, s, "log", "b\n")
	appendTo(t, s, "other", "c\n")
	// A marker that cannot be trusted makes the next transaction replay
	// the whole journal over files that already hold its writes.
	if err := os.WriteFile(filepath.Join(dir, docstore.MarkerName), []byte("junk"), 0o600); err != nil {
		t.Fatal(err)
	}
	for name, want := range map[string]string{"log": "p\nb\n", "other": "c\n"} {
		if got := get(t, s, name); got != want {
			t.Errorf("%s = %q, want %q", name, got, want)
		}
	}
}

func TestOpenReplaysWholeJournal(t *testing.T) {
	dir := t.TempDir()
	s := open(t, dir, noCheckpoint)
	put(t, s, "d/a", "1")
	appendTo(t, s, "log", "x\n")
	appendTo(t, s, "log", "y\n")
	s.Close()
	// A power loss can undo writes and renames that were never fsynced
	// while the marker survives.
	if err := os.RemoveAll(filepath.Join(dir, "d")); err != nil {
		t.Fatal(err)
	}
	if err := os.Truncate(filepath.Join(dir, "log"), 0); err != nil {
		t.Fatal(err)
	}
	s = open(t, dir, noCheckpoint)
	for name, want := range map[string]string{"d/a": "1", "log": "x\ny\n"} {
		if got := get(t, s, name); got != want {
			t.Errorf("%s = %q, want %q", name, got, want)
		}
	}
}

func TestOpenRemovesTempFiles(t *testing.T) {
	dir := t.TempDir()
	s := open(t, dir, docstore.Options{})
	put(t, s, "d/a", "1")
	s.Close()
	temps := []string{filepath.Join(dir, ".tmp-123"), filepath.Join(dir, "d", ".tmp-456")}
	for _, p := range temps {
		if err := os.WriteFile(p, []byte("half"), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	open(t, dir, docstore.Options{})
	for _, p := range temps {
		if _, err := os.Stat(p); !errors.Is(err, fs.ErrNotExist) {
			t.Errorf("stat %s: %v, want not exist", p, err)
		}
	}
}

// lastRecord commits a record to the journal, then cuts it off again and
// returns its bytes, so tests can append damaged copies of it.
func lastRecord(t *testing.T, s *docstore.Store, journal string) []byte {
	t.Helper()
	size := fileSize(t, journal)
	commitWithoutApply(t, s, "torn", "never acknowledged")
	data, err := os.ReadFile(journal)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.Truncate(journal, size); err != nil {
		t.Fatal(err)
	}
	return data[size:]
}

func appendFile(t *testing.T, path string, data []byte) {
	t.Helper()
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_APPEND, 0)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := f.Write(data); err != nil {
		t.Fatal(err)
	}
	if err := f.Close(); err != nil {
		t.Fatal(err)
	}
}

func TestTornTailIsTruncated(t *testing.T) {
	tails := map[string]func(rec []byte) []byte{
		"short header": func(rec []byte) []byte { return rec[:5] },
		"half record":  func(rec []byte) []byte { return rec[:len(rec)/2] },
		"bad checksum": func(rec []byte) []byte { rec[len(rec)-1] ^= 0xff; return rec },
		"zeros":        func(rec []byte) []byte { return make([]byte, len(rec)) },
	}
	for name, tail := range tails {
		t.Run(name, func(t *testing.T) {
			dir := t.TempDir()
			journal := filepath.Join(dir, docstore.JournalName)
			s := open(t, dir, noCheckpoint)
			put(t, s, "a", "1")
			size := fileSize(t, journal)
			appendFile(t, journal, tail(lastRecord(t, s, journal)))

			if got := get(t, s, "a"); got != "1" {
				t.Errorf("a = %q, want %q", got, "1")
			}
			if got := fileSize(t, journal); got != size {
				t.Errorf("journal has %d bytes, want %d", got, size)
			}
			if _, err := os.Stat(s.Path("torn")); !errors.Is(err, fs.ErrNotExist) {
				t.Errorf("the torn record was applied: %v", err)
			}
			// Later commits land after the cut and survive a reopen.
			put(t, s, "b", "2")
			s.Close()
			if got := get(t, open(t, dir, noCheckpoint), "b"); got != "2" {
				t.Errorf("b = %q, want %q", got, "2")
			}
		})
	}
}

func TestCorruptJournalIsReported(t *testing.T) {
	damage := map[string]func(rec []byte){
		"payload byte": func(rec []byte) { rec[docstore.RecordHeaderLen+3] ^= 0xff },
		"length field": func(rec []byte) { binary.BigEndian.PutUint32(rec[4:], 0xfffffff0) },
	}
	for name, damage := range damage {
		t.Run(name, func(t *testing.T) {
			dir := t.TempDir()
			journal := filepath.Join(dir, docstore.JournalName)
			s := open(t, dir, noCheckpoint)
			put(t, s, "x", "1")
			put(t, s, "y", "2")
			data, err := os.ReadFile(journal)
			if err != nil {
				t.Fatal(err)
			}
			damage(data[docstore.JournalHeaderLen:])
			if err := os.WriteFile(journal, data, 0o600); err != nil {
				t.Fatal(err)
			}
			// Without a marker the next transaction reads the damaged record.
			if err := os.Remove(filepath.Join(dir, docstore.MarkerName)); err != nil {
				t.Fatal(err)
			}

			check := func(what string, err error) {
				t.Helper()
				if err == nil || !strings.Contains(err.Error(), journal) || !strings.Contains(err.Error(), "corrupt") {
					t.Errorf("%s: %v, want a corruption error naming %s", what, err, journal)
				}
			}
			check("View", s.View(func(*docstore.Tx) error { return nil }))
			_, err = docstore.Open(dir, noCheckpoint)
			check("Open", err)
			// Nothing was guessed: the journal is left for a person to see.
			if got := fileSize(t, journal); got != int64(len(data)) {
				t.Errorf("journal has %d bytes, want %d", got, len(data))
			}
		})
	}
}
