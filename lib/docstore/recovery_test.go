package docstore_test

import (
	"context"
	"encoding/binary"
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strconv"
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

// commitWithoutApplyOld is commitWithoutApply for a file that may exist.
func commitWithoutApplyOld(t *testing.T, s *docstore.Store, name, data string, exists bool) {
	t.Helper()
	if !exists {
		commitWithoutApply(t, s, name, data)
		return
	}
	err := docstore.CommitWithoutApply(s, func(tx *docstore.Tx) error {
		return errors.Join(tx.Put(name, []byte(data)), tx.Append("log", []byte(data+"\n")))
	})
	if err != nil {
		t.Fatal(err)
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

// reboot makes the Stores opened from now on see the boot identity id, as
// after a reboot, until the test ends.
func reboot(t *testing.T, id string) {
	t.Helper()
	t.Cleanup(docstore.SetBootIdentity(id))
}

// loseUnsyncedWrites undoes, by hand, the writes a power loss may undo:
// applies are never fsynced before a checkpoint, and the marker never is.
func loseUnsyncedWrites(t *testing.T, dir string) {
	t.Helper()
	if err := os.RemoveAll(filepath.Join(dir, "d")); err != nil {
		t.Fatal(err)
	}
	if err := os.Truncate(filepath.Join(dir, "log"), 0); err != nil {
		t.Fatal(err)
	}
}

func TestOpenAfterRebootReplaysWholeJournal(t *testing.T) {
	// The marker survives (it was written back) though the applies it
	// counts were lost: only the boot it records tells Open not to trust it.
	for _, c := range []struct{ name, before, after string }{
		{"new boot", "boot-1", "boot-2"},
		{"no boot identity", "", ""},
	} {
		t.Run(c.name, func(t *testing.T) {
			reboot(t, c.before)
			dir := t.TempDir()
			s := open(t, dir, noCheckpoint)
			put(t, s, "d/a", "1")
			appendTo(t, s, "log", "x\n")
			appendTo(t, s, "log", "y\n")
			docstore.Abandon(s) // a power loss: no Close
			loseUnsyncedWrites(t, dir)

			reboot(t, c.after)
			s = open(t, dir, noCheckpoint)
			for name, want := range map[string]string{"d/a": "1", "log": "x\ny\n"} {
				if got := get(t, s, name); got != want {
					t.Errorf("%s = %q, want %q", name, got, want)
				}
			}
			// and checkpointed: what it replayed is on disk.
			if got := journalEnd(t, filepath.Join(dir, docstore.JournalName)); got != docstore.JournalHeaderLen {
				t.Errorf("journal after Open has %d bytes, want %d", got, docstore.JournalHeaderLen)
			}
		})
	}
}

func TestOpenInSameBootTrustsMarker(t *testing.T) {
	reboot(t, "boot-1")
	// setup leaves a store whose journal holds records, applied.
	setup := func(t *testing.T) (dir string, journalSize int64) {
		dir = t.TempDir()
		s := open(t, dir, noCheckpoint)
		put(t, s, "d/a", "1")
		appendTo(t, s, "log", "x\n")
		docstore.Abandon(s) // killed: a Close would checkpoint
		return dir, journalEnd(t, filepath.Join(dir, docstore.JournalName))
	}
	check := func(t *testing.T, s *docstore.Store) {
		t.Helper()
		for name, want := range map[string]string{"d/a": "1", "log": "x\n"} {
			if got := get(t, s, name); got != want {
				t.Errorf("%s = %q, want %q", name, got, want)
			}
		}
	}

	t.Run("marker valid", func(t *testing.T) {
		dir, size := setup(t)
		// Nothing to replay, so nothing is written or fsynced: the files
		// that earlier processes applied are in the page cache of this boot.
		s := open(t, dir, noCheckpoint)
		if got := s.Fsyncs(); got != 0 {
			t.Errorf("Open made %d fsyncs, want 0", got)
		}
		if got := journalEnd(t, filepath.Join(dir, docstore.JournalName)); got != size {
			t.Errorf("journal after Open has %d bytes, want %d (no checkpoint)", got, size)
		}
		check(t, s)
	})

	// A marker that is lost or cannot be read, as after a power loss, is
	// never trusted: Open replays everything and checkpoints.
	for name, damage := range map[string]func(p string) error{
		"missing": os.Remove,
		"garbage": func(p string) error { return os.WriteFile(p, []byte("junk"), 0o600) },
		"empty":   func(p string) error { return os.Truncate(p, 0) },
	} {
		t.Run("marker "+name, func(t *testing.T) {
			dir, _ := setup(t)
			if err := damage(filepath.Join(dir, docstore.MarkerName)); err != nil {
				t.Fatal(err)
			}
			loseUnsyncedWrites(t, dir)
			s := open(t, dir, noCheckpoint)
			check(t, s)
			if got := journalEnd(t, filepath.Join(dir, docstore.JournalName)); got != docstore.JournalHeaderLen {
				t.Errorf("journal after Open has %d bytes, want %d", got, docstore.JournalHeaderLen)
			}
		})
	}
}

// TestTornWritesAreRepaired tears the in-place writes of a committed but
// unapplied record by hand, as a process killed in the middle of its apply
// or a power loss before a checkpoint leaves them, and checks that the next
// transaction, in this Store or a new one, finishes them. A kill tears a
// write only at a page boundary; a power loss anywhere, and then Open
// after the reboot replays the whole journal.
func TestTornWritesAreRepaired(t *testing.T) {
	long := strings.Repeat("old content ", 20)
	pages := strings.Repeat("p", 3*4096)
	for _, c := range []struct {
		name      string
		old, data string
		torn      func(old, data string) string
		byKill    bool // a killed process can leave this; else only a power loss
	}{
		{"put half written", "", strings.Repeat("new ", 50), func(_, data string) string { return data[:len(data)/2] }, false},
		{"put torn at a page boundary", long, pages, func(_, data string) string { return data[:4096] }, true},
		{"shorter put over a longer file", long, "short", func(old, data string) string { return data + old[len(data):] }, true},
		{"longer put, half written", "x", long, func(old, data string) string { return data[:len(data)/2] }, false},
		{"put not started", "old", "new", func(old, _ string) string { return old }, true},
		{"put whole but file still long", long, "new", func(old, data string) string { return data + old[len(data):] }, true},
	} {
		t.Run(c.name, func(t *testing.T) {
			for _, reopen := range []string{"", "same boot", "after reboot"} {
				if !c.byKill && reopen != "after reboot" {
					continue
				}
				dir := t.TempDir()
				s := open(t, dir, noCheckpoint)
				appendTo(t, s, "log", "0\n")
				if c.old != "" {
					put(t, s, "x", c.old)
				}
				commitWithoutApplyOld(t, s, "x", c.data, c.old != "")
				// What a kill in the middle of the apply leaves: part of the
				// put and part of the append.
				if err := os.WriteFile(s.Path("x"), []byte(c.torn(c.old, c.data)), 0o600); err != nil {
					t.Fatal(err)
				}
				appendFile(t, s.Path("log"), []byte(c.data[:1]))
				if reopen != "" {
					docstore.Abandon(s)
					if reopen == "after reboot" {
						restore := docstore.SetBootIdentity("after " + c.name)
						s = open(t, dir, noCheckpoint)
						restore()
					} else {
						s = open(t, dir, noCheckpoint)
					}
				}
				if got := get(t, s, "x"); got != c.data {
					t.Errorf("reopen %q: x = %q, want %q", reopen, got, c.data)
				}
				if got, want := get(t, s, "log"), "0\n"+c.data+"\n"; got != want {
					t.Errorf("reopen %q: log = %q, want %q", reopen, got, want)
				}
			}
		})
	}
}

func TestStrayTempFilesAreHarmless(t *testing.T) {
	dir := t.TempDir()
	s := open(t, dir, docstore.Options{CheckpointBytes: 100})
	put(t, s, "d/a", "1")
	s.Close()
	// Left by older versions, or by hand: Open does not look for them.
	stray := []string{filepath.Join(dir, ".tmp-123"), filepath.Join(dir, "d", ".tmp-456"), filepath.Join(dir, "d", ".tmp-a")}
	for _, p := range stray {
		if err := os.WriteFile(p, []byte("half"), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	// A checkpoint killed before its rename leaves its new journal, which
	// Open removes.
	temp := filepath.Join(dir, docstore.JournalTemp)
	if err := os.WriteFile(temp, []byte("half a journal"), 0o600); err != nil {
		t.Fatal(err)
	}

	s = open(t, dir, docstore.Options{CheckpointBytes: 100})
	if _, err := os.Stat(temp); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("stat %s: %v, want not exist", temp, err)
	}
	for range 5 { // with checkpoints
		put(t, s, "d/a", "2")
		put(t, s, "b", "3")
	}
	if got, want := list(t, s, ""), []string{"b"}; !slices.Equal(got, want) {
		t.Errorf("List(\"\") = %q, want %q", got, want)
	}
	if got, want := list(t, s, "d"), []string{"a"}; !slices.Equal(got, want) {
		t.Errorf("List(d) = %q, want %q", got, want)
	}
	if got := get(t, s, "d/a"); got != "2" {
		t.Errorf("d/a = %q, want %q", got, "2")
	}
	for _, p := range stray {
		if data, err := os.ReadFile(p); err != nil || string(data) != "half" {
			t.Errorf("%s: %q, %v: the store touched a file that is not its own", p, data, err)
		}
	}
}

// TestCheckpointByAnotherStore: a Store keeps the journal open between
// transactions, and another Store (or process) may replace the journal
// file meanwhile. Every commit must land in the journal that the folder
// names, or it would not survive a power loss.
func TestCheckpointByAnotherStore(t *testing.T) {
	dir := t.TempDir()
	journal := filepath.Join(dir, docstore.JournalName)
	opts := docstore.Options{CheckpointBytes: 300}
	stores := []*docstore.Store{open(t, dir, opts), open(t, dir, opts)}
	checkpoints := 0
	for i := range 60 {
		value := "value-" + strconv.Itoa(i)
		put(t, stores[i%3%2], "counter", value)
		data, err := os.ReadFile(journal)
		if err != nil {
			t.Fatal(err)
		}
		switch {
		case len(data) == docstore.JournalHeaderLen:
			checkpoints++ // and the files were fsynced
		case !strings.Contains(string(data), value):
			t.Fatalf("commit %d is not in %s", i, journal)
		}
		if got := get(t, stores[(i+1)%2], "counter"); got != value {
			t.Fatalf("counter = %q, want %q", got, value)
		}
	}
	if checkpoints < 5 {
		t.Errorf("%d checkpoints, want at least 5", checkpoints)
	}
}

// lastRecord commits a record to the journal, then cuts it off again and
// returns its bytes, so tests can append damaged copies of it.
func lastRecord(t *testing.T, s *docstore.Store, journal string) []byte {
	t.Helper()
	size := journalEnd(t, journal)
	commitWithoutApply(t, s, "torn", "never acknowledged")
	end := journalEnd(t, journal)
	data, err := os.ReadFile(journal)
	if err != nil {
		t.Fatal(err)
	}
	if err := cutJournal(journal, size); err != nil {
		t.Fatal(err)
	}
	return data[size:end]
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
			size := journalEnd(t, journal)
			appendJournal(t, journal, tail(lastRecord(t, s, journal)))

			if got := get(t, s, "a"); got != "1" {
				t.Errorf("a = %q, want %q", got, "1")
			}
			if got := journalEnd(t, journal); got != size {
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
			check("View", s.View(context.Background(), func(*docstore.Tx) error { return nil }))
			_, err = docstore.Open(context.Background(), dir, noCheckpoint)
			check("Open", err)
			// Nothing was guessed: the journal is left for a person to see.
			if got := fileSize(t, journal); got != int64(len(data)) {
				t.Errorf("journal has %d bytes, want %d", got, len(data))
			}
		})
	}
}

// TestJournalIsZeroFilledAhead: the first commit zero-fills the journal
// 64 KiB ahead, later commits leave its size alone (their sync writes only
// data), and another Store finds every record before the zeros.
func TestJournalIsZeroFilledAhead(t *testing.T) {
	dir := t.TempDir()
	journal := filepath.Join(dir, docstore.JournalName)
	s := open(t, dir, noCheckpoint)
	put(t, s, "a", "0")
	size := fileSize(t, journal)
	if size != 64<<10 {
		t.Fatalf("journal after the first commit: %d bytes, want 64 KiB", size)
	}
	for i := 1; i <= 20; i++ {
		put(t, s, "a", strconv.Itoa(i))
	}
	if got := fileSize(t, journal); got != size {
		t.Errorf("journal grew from %d to %d bytes within its first chunk", size, got)
	}
	// A process killed after its sync: the records wait in the journal.
	if err := docstore.CommitWithoutApply(s, func(tx *docstore.Tx) error { return tx.Put("a", []byte("21")) }); err != nil {
		t.Fatal(err)
	}
	if got := get(t, open(t, dir, noCheckpoint), "a"); got != "21" {
		t.Errorf("another Store reads a = %q, want %q", got, "21")
	}
}

// TestZeroFillEnd: the zero-fill ahead doubles from 64 KiB to 1 MiB, then
// goes a MiB at a time, and always ends past the record.
func TestZeroFillEnd(t *testing.T) {
	const kib, mib = 1 << 10, 1 << 20
	for _, c := range []struct{ end, want int64 }{
		{100, 64 * kib}, {64*kib - 1, 64 * kib}, {64 * kib, 128 * kib},
		{300 * kib, 512 * kib}, {mib - 1, mib}, {mib, 2 * mib}, {5*mib + 7, 6 * mib},
	} {
		if got := docstore.ZeroFillEnd(c.end); got != c.want {
			t.Errorf("ZeroFillEnd(%d) = %d, want %d", c.end, got, c.want)
		}
	}
}
