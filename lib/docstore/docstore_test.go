package docstore_test

import (
	"bytes"
	"context"
	"errors"
	"io/fs"
	"math"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"testing"

	"atmshop/lib/docstore"
)

// noCheckpoint keeps the journal growing, so tests can count fsyncs and
// find records in it.
var noCheckpoint = docstore.Options{CheckpointBytes: math.MaxInt64}

func open(t testing.TB, dir string, opts docstore.Options) *docstore.Store {
	t.Helper()
	s, err := docstore.Open(context.Background(), dir, opts)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

func update(t testing.TB, s *docstore.Store, fn func(tx *docstore.Tx) error) {
	t.Helper()
	if err := s.Update(context.Background(), fn); err != nil {
		t.Fatal(err)
	}
}

func put(t testing.TB, s *docstore.Store, name, data string) {
	t.Helper()
	update(t, s, func(tx *docstore.Tx) error { return tx.Put(name, []byte(data)) })
}

func appendTo(t testing.TB, s *docstore.Store, name, data string) {
	t.Helper()
	update(t, s, func(tx *docstore.Tx) error { return tx.Append(name, []byte(data)) })
}

// get reads name in a View and fails the test on any error.
func get(t testing.TB, s *docstore.Store, name string) string {
	t.Helper()
	var data []byte
	err := s.View(context.Background(), func(tx *docstore.Tx) error {
		var err error
		data, err = tx.Get(name)
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return string(data)
}

func list(t testing.TB, s *docstore.Store, dir string) []string {
	t.Helper()
	var names []string
	err := s.View(context.Background(), func(tx *docstore.Tx) error {
		var err error
		names, err = tx.List(dir)
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return names
}

func fileSize(t testing.TB, path string) int64 {
	t.Helper()
	fi, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	return fi.Size()
}

// increment adds one to the number in the file "counter" and, if log is
// not empty, appends the new number as a line to log, in one transaction.
func increment(s *docstore.Store, log string) (int, error) {
	var n int
	err := s.Update(context.Background(), incrementTx(log, &n))
	return n, err
}

// incrementTx is increment's transaction; it leaves the new number in n.
func incrementTx(log string, n *int) func(tx *docstore.Tx) error {
	return func(tx *docstore.Tx) error {
		*n = 0
		data, err := tx.Get("counter")
		if err != nil && !errors.Is(err, fs.ErrNotExist) {
			return err
		}
		if len(data) > 0 {
			if *n, err = strconv.Atoi(string(data)); err != nil {
				return err
			}
		}
		*n++
		if log != "" {
			if err := tx.Append(log, []byte(strconv.Itoa(*n)+"\n")); err != nil {
				return err
			}
		}
		return tx.Put("counter", []byte(strconv.Itoa(*n)))
	}
}

func TestRoundTrip(t *testing.T) {
	s := open(t, t.TempDir(), docstore.Options{})
	put(t, s, "accounts/alex.json", `{"balance":100}`)
	put(t, s, "accounts/bo.json", `{"balance":7}`)
	put(t, s, "accounts/alex.json", `{"balance":5}`)
	appendTo(t, s, "ledger/alex/2026-11.jsonl", "a\n")
	appendTo(t, s, "ledger/alex/2026-11.jsonl", "b\n")
	put(t, s, "top", "x")

	if got, want := get(t, s, "accounts/alex.json"), `{"balance":5}`; got != want {
		t.Errorf("alex.json = %q, want %q", got, want)
	}
	if got, want := get(t, s, "ledger/alex/2026-11.jsonl"), "a\nb\n"; got != want {
		t.Errorf("ledger = %q, want %q", got, want)
	}
	for _, c := range []struct {
		dir  string
		want []string
	}{
		{"accounts", []string{"alex.json", "bo.json"}},
		{"ledger", nil},
		{"ledger/alex", []string{"2026-11.jsonl"}},
		{"", []string{"top"}},
		{"missing", nil},
	} {
		if got := list(t, s, c.dir); !slices.Equal(got, c.want) {
			t.Errorf("List(%q) = %q, want %q", c.dir, got, c.want)
		}
	}

	err := s.View(context.Background(), func(tx *docstore.Tx) error {
		_, err := tx.Get("accounts/nobody.json")
		return err
	})
	if !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("Get of a missing file: %v, want fs.ErrNotExist", err)
	}
	if got, want := s.Path("accounts/alex.json"), filepath.Join(s.Dir(), "accounts", "alex.json"); got != want {
		t.Errorf("Path = %q, want %q", got, want)
	}
}

func TestListHidesOtherFiles(t *testing.T) {
	dir := t.TempDir()
	s := open(t, dir, docstore.Options{})
	put(t, s, "d/ok.json", "1")
	for _, name := range []string{".hidden", "bad name.txt"} {
		if err := os.WriteFile(filepath.Join(dir, "d", name), nil, 0o600); err != nil {
			t.Fatal(err)
		}
	}
	if err := os.Mkdir(filepath.Join(dir, "d", "sub"), 0o700); err != nil {
		t.Fatal(err)
	}
	if got, want := list(t, s, "d"), []string{"ok.json"}; !slices.Equal(got, want) {
		t.Errorf("List = %q, want %q", got, want)
	}
}

func TestOwnWritesVisible(t *testing.T) {
	s := open(t, t.TempDir(), docstore.Options{})
	appendTo(t, s, "log", "0")
	update(t, s, func(tx *docstore.Tx) error {
		steps := []struct {
			write      func() error
			name, want string
		}{
			{func() error { return tx.Put("a", []byte("x")) }, "a", "x"},
			{func() error { return tx.Append("a", []byte("y")) }, "a", "xy"},
			{func() error { return tx.Append("log", []byte("1")) }, "log", "01"},
			{func() error { return tx.Append("log", []byte("2")) }, "log", "012"},
			{func() error { return tx.Append("new/b", []byte("z")) }, "new/b", "z"},
			{func() error { return tx.Put("log", []byte("p")) }, "log", "p"},
			{func() error { return tx.Append("log", []byte("q")) }, "log", "pq"},
		}
		for _, st := range steps {
			if err := st.write(); err != nil {
				return err
			}
			got, err := tx.Get(st.name)
			if err != nil {
				return err
			}
			if string(got) != st.want {
				t.Errorf("inside tx: Get(%q) = %q, want %q", st.name, got, st.want)
			}
		}
		names, err := tx.List("new")
		if err != nil {
			return err
		}
		if want := []string{"b"}; !slices.Equal(names, want) {
			t.Errorf("inside tx: List(new) = %q, want %q", names, want)
		}
		return nil
	})
	for name, want := range map[string]string{"a": "xy", "log": "pq", "new/b": "z"} {
		if got := get(t, s, name); got != want {
			t.Errorf("after commit: %s = %q, want %q", name, got, want)
		}
	}
}

func TestFnErrorWritesNothing(t *testing.T) {
	dir := t.TempDir()
	s := open(t, dir, noCheckpoint)
	put(t, s, "a", "old")
	journal := filepath.Join(dir, docstore.JournalName)
	size, fsyncs := journalEnd(t, journal), s.Fsyncs()

	errStop := errors.New("stop")
	err := s.Update(context.Background(), func(tx *docstore.Tx) error {
		if err := tx.Put("a", []byte("new")); err != nil {
			return err
		}
		if err := tx.Append("b", []byte("new")); err != nil {
			return err
		}
		return errStop
	})
	if err != errStop {
		t.Fatalf("Update = %v, want the fn's error unchanged", err)
	}
	if got := get(t, s, "a"); got != "old" {
		t.Errorf("a = %q, want %q", got, "old")
	}
	if _, err := os.Stat(s.Path("b")); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("stat b: %v, want not exist", err)
	}
	if got := journalEnd(t, journal); got != size {
		t.Errorf("journal size = %d, want %d", got, size)
	}
	if got := s.Fsyncs(); got != fsyncs {
		t.Errorf("fsyncs = %d, want %d", got, fsyncs)
	}
}

func TestViewCannotWrite(t *testing.T) {
	s := open(t, t.TempDir(), docstore.Options{})
	err := s.View(context.Background(), func(tx *docstore.Tx) error {
		if err := tx.Put("a", []byte("x")); !errors.Is(err, docstore.ErrReadOnly) {
			t.Errorf("Put in View: %v, want ErrReadOnly", err)
		}
		if err := tx.Append("b", []byte("x")); !errors.Is(err, docstore.ErrReadOnly) {
			t.Errorf("Append in View: %v, want ErrReadOnly", err)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	for _, name := range []string{"a", "b"} {
		if _, err := os.Stat(s.Path(name)); !errors.Is(err, fs.ErrNotExist) {
			t.Errorf("stat %s: %v, want not exist", name, err)
		}
	}
}

func TestBadNames(t *testing.T) {
	parent := t.TempDir()
	dir := filepath.Join(parent, "store")
	s := open(t, dir, docstore.Options{})
	bad := []string{
		"", "../x", "a/../b", "/abs", ".lock", ".journal", "a//b", "a/", `a\b`, "x\x00",
		"é.json", "a b", "a/./b", "a:b", "nul", "con.json", "lpt1", "trailing.",
	}
	for _, name := range bad {
		t.Run(name, func(t *testing.T) {
			err := s.Update(context.Background(), func(tx *docstore.Tx) error {
				_, getErr := tx.Get(name)
				errs := map[string]error{
					"Get":    getErr,
					"Put":    tx.Put(name, []byte("x")),
					"Append": tx.Append(name, []byte("x")),
				}
				if name != "" { // List("") is the root
					_, errs["List"] = tx.List(name)
				}
				for method, err := range errs {
					if !errors.Is(err, docstore.ErrBadName) {
						t.Errorf("%s: %v, want ErrBadName", method, err)
					}
				}
				return nil
			})
			if err != nil {
				t.Fatal(err)
			}
		})
	}
	if _, err := os.Stat(filepath.Join(parent, "x")); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("a file escaped the store: %v", err)
	}

	good := []string{"a", "accounts/alex.json", "ledger/alex/2026-11.jsonl", "A_b-c.d", "x..y", "console"}
	for _, name := range good {
		put(t, s, name, name)
		if got := get(t, s, name); got != name {
			t.Errorf("%s = %q, want %q", name, got, name)
		}
	}
}

func TestWriteConflicts(t *testing.T) {
	s := open(t, t.TempDir(), docstore.Options{})
	put(t, s, "d/f", "1")
	cases := map[string]func(tx *docstore.Tx) error{
		"folder as file": func(tx *docstore.Tx) error { return tx.Put("d", []byte("x")) },
		"file as folder": func(tx *docstore.Tx) error { return tx.Append("d/f/g", []byte("x")) },
		"in one tx": func(tx *docstore.Tx) error {
			return errors.Join(tx.Put("e", []byte("x")), tx.Put("e/f", []byte("x")))
		},
	}
	for name, fn := range cases {
		t.Run(name, func(t *testing.T) {
			if err := s.Update(context.Background(), fn); err == nil {
				t.Fatal("no error")
			}
		})
	}
	if _, err := os.Stat(s.Path("e")); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("stat e: %v, want not exist", err)
	}
	// The refused writes must not have reached the journal, or every later
	// transaction would fail trying to apply them.
	if got := get(t, s, "d/f"); got != "1" {
		t.Errorf("d/f = %q, want %q", got, "1")
	}
}

func TestTxUnusableAfterEnd(t *testing.T) {
	s := open(t, t.TempDir(), docstore.Options{})
	put(t, s, "a", "1")
	var kept *docstore.Tx
	update(t, s, func(tx *docstore.Tx) error {
		kept = tx
		return nil
	})
	if _, err := kept.Get("a"); err == nil {
		t.Error("Get after the transaction ended: no error")
	}
	if err := kept.Put("a", []byte("2")); err == nil {
		t.Error("Put after the transaction ended: no error")
	}
	if _, err := kept.List(""); err == nil {
		t.Error("List after the transaction ended: no error")
	}
	if got := get(t, s, "a"); got != "1" {
		t.Errorf("a = %q, want %q", got, "1")
	}
}

func TestClosedStoreRefuses(t *testing.T) {
	s := open(t, t.TempDir(), docstore.Options{})
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	if err := s.View(context.Background(), func(*docstore.Tx) error { return nil }); err == nil {
		t.Error("View on a closed store: no error")
	}
}

func TestOneFsyncPerCommit(t *testing.T) {
	s := open(t, t.TempDir(), noCheckpoint)
	put(t, s, "accounts/bo.json", "1")
	cases := []struct {
		name string
		run  func() error
		want int64
	}{
		{"transfer", func() error {
			return s.Update(context.Background(), func(tx *docstore.Tx) error {
				return errors.Join(
					tx.Put("accounts/alex.json", []byte("90")),
					tx.Put("accounts/bo.json", []byte("10")),
					tx.Append("ledger/alex.jsonl", []byte("-10\n")),
					tx.Append("ledger/bo.jsonl", []byte("+10\n")),
				)
			})
		}, 1},
		{"read-only update", func() error {
			return s.Update(context.Background(), func(tx *docstore.Tx) error {
				_, err := tx.Get("accounts/bo.json")
				return err
			})
		}, 0},
		{"empty update", func() error { return s.Update(context.Background(), func(*docstore.Tx) error { return nil }) }, 0},
		{"view", func() error {
			return s.View(context.Background(), func(tx *docstore.Tx) error {
				_, err := tx.List("accounts")
				return err
			})
		}, 0},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			before := s.Fsyncs()
			if err := c.run(); err != nil {
				t.Fatal(err)
			}
			if got := s.Fsyncs() - before; got != c.want {
				t.Errorf("fsyncs = %d, want %d", got, c.want)
			}
		})
	}
}

func TestCheckpoint(t *testing.T) {
	dir := t.TempDir()
	const limit = 1024
	s := open(t, dir, docstore.Options{CheckpointBytes: limit})
	journal := filepath.Join(dir, docstore.JournalName)
	want := map[string]string{}
	var log []byte
	for i := range 200 {
		name := "k/" + strconv.Itoa(i%7) + ".json"
		line := strconv.Itoa(i) + "\n"
		update(t, s, func(tx *docstore.Tx) error {
			return errors.Join(tx.Put(name, []byte(line)), tx.Append("log/all", []byte(line)))
		})
		want[name] = line
		log = append(log, line...)
		// A commit that takes the journal past the limit checkpoints, so it
		// never stays past it; without checkpoints it would reach 10 KiB.
		if size := journalEnd(t, journal); size > limit {
			t.Fatalf("after commit %d the journal has %d bytes, limit %d", i, size, limit)
		}
	}
	want["log/all"] = string(log)
	s.Close()

	// Close checkpointed: nothing is left to replay.
	size := journalEnd(t, journal)
	if size != docstore.JournalHeaderLen {
		t.Errorf("journal after Close has %d bytes, want %d", size, docstore.JournalHeaderLen)
	}
	for _, rebooted := range []bool{false, true} {
		if rebooted {
			t.Cleanup(docstore.SetBootIdentity("another boot"))
		}
		s = open(t, dir, docstore.Options{})
		for name, data := range want {
			if got := get(t, s, name); got != data {
				t.Errorf("rebooted %v: %s = %q, want %q", rebooted, name, got, data)
			}
		}
		wantSize := size
		if rebooted {
			wantSize = docstore.JournalHeaderLen
		}
		if got := journalEnd(t, journal); got != wantSize {
			t.Errorf("rebooted %v: journal after Open has %d bytes, want %d", rebooted, got, wantSize)
		}
		s.Close()
	}
}

// TestCheckpointSyncsEveryFileOfTheJournal: a checkpoint fsyncs every file
// the journal's records write, and their folders, whoever committed them:
// this Store, another one between its commits, or a copy that ran before
// this one opened the journal.
func TestCheckpointSyncsEveryFileOfTheJournal(t *testing.T) {
	for _, c := range []struct {
		name   string
		commit func(t *testing.T, dir string, s *docstore.Store)
	}{
		{"this Store's commits", func(t *testing.T, _ string, s *docstore.Store) {
			put(t, s, "d/a", "1")
			put(t, s, "x/b", "1")
			appendTo(t, s, "e/f/log", "1\n")
		}},
		{"another Store's commit in between", func(t *testing.T, dir string, s *docstore.Store) {
			put(t, s, "d/a", "1")
			put(t, open(t, dir, noCheckpoint), "x/b", "1")
			appendTo(t, s, "e/f/log", "1\n")
		}},
		{"another Store's record applied by this one", func(t *testing.T, dir string, s *docstore.Store) {
			put(t, s, "d/a", "1")
			if err := docstore.CommitWithoutApply(open(t, dir, noCheckpoint), func(tx *docstore.Tx) error {
				return tx.Put("x/b", []byte("1"))
			}); err != nil {
				t.Fatal(err)
			}
			appendTo(t, s, "e/f/log", "1\n")
		}},
		{"records before this Store opened the journal", func(t *testing.T, dir string, s *docstore.Store) {
			appendTo(t, s, "e/f/log", "1\n")
		}},
	} {
		t.Run(c.name, func(t *testing.T) {
			dir := t.TempDir()
			if strings.HasPrefix(c.name, "records before") {
				earlier := open(t, dir, noCheckpoint)
				put(t, earlier, "d/a", "1")
				put(t, earlier, "x/b", "1")
				docstore.Abandon(earlier) // killed: a Close would checkpoint
			}
			ffs := newFaultFS(t, dir)
			s := open(t, dir, docstore.Options{FS: ffs, CheckpointBytes: math.MaxInt64})
			c.commit(t, dir, s)
			ffs.reset(-1, false)
			if err := s.Close(); err != nil { // checkpoints
				t.Fatal(err)
			}
			if got := journalEnd(t, filepath.Join(dir, docstore.JournalName)); got != docstore.JournalHeaderLen {
				t.Fatalf("journal after Close has %d bytes, want a checkpoint", got)
			}
			for _, name := range []string{"d/a", "x/b", "e/f/log", "d", "x", "e", "e/f", "."} {
				if !slices.Contains(ffs.calls, "sync "+name) {
					t.Errorf("the checkpoint did not fsync %s: %q", name, ffs.calls)
				}
			}
		})
	}
}

func BenchmarkUpdate(b *testing.B) {
	s := open(b, b.TempDir(), docstore.Options{})
	put(b, s, "accounts/alex.json", "1000")
	put(b, s, "accounts/bo.json", "1000")
	before := s.Fsyncs()
	for b.Loop() {
		update(b, s, func(tx *docstore.Tx) error {
			from, err := tx.Get("accounts/alex.json")
			if err != nil {
				return err
			}
			to, err := tx.Get("accounts/bo.json")
			if err != nil {
				return err
			}
			return errors.Join(
				tx.Put("accounts/alex.json", from),
				tx.Put("accounts/bo.json", to),
				tx.Append("ledger/alex/2026-11.jsonl", []byte(`{"amount":-1,"to":"bo"}`+"\n")),
				tx.Append("ledger/bo/2026-11.jsonl", []byte(`{"amount":1,"from":"alex"}`+"\n")),
			)
		})
	}
	b.ReportMetric(float64(s.Fsyncs()-before)/float64(b.N), "fsyncs/op")
}

func TestCheckpointSkipsRemovedFile(t *testing.T) {
	dir := t.TempDir()
	s := open(t, dir, docstore.Options{CheckpointBytes: 200})
	put(t, s, "gone/a", "1")
	if err := os.RemoveAll(filepath.Join(dir, "gone")); err != nil {
		t.Fatal(err)
	}
	journal := filepath.Join(dir, docstore.JournalName)
	for journalEnd(t, journal) > docstore.JournalHeaderLen {
		put(t, s, "b", strings.Repeat("x", 50))
	}
	if got := get(t, s, "b"); got != strings.Repeat("x", 50) {
		t.Errorf("b = %q", got)
	}
}

// An existing folder keeps its mode (a shared one may carry a sticky bit);
// warning about a folder others can read is the program's business.
func TestOpenLeavesAnExistingFolderAlone(t *testing.T) {
	if runtime.GOOS == "windows" {
		t.Skip("no Unix permissions on Windows")
	}
	dir := filepath.Join(t.TempDir(), "db")
	if err := os.Mkdir(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	s, err := docstore.Open(context.Background(), dir, docstore.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	info, err := os.Stat(dir)
	if err != nil {
		t.Fatal(err)
	}
	if got := info.Mode().Perm(); got != 0o755 {
		t.Errorf("folder mode %v, want 0755", got)
	}
}

func TestOpenCreatesFolders0700(t *testing.T) {
	if runtime.GOOS == "windows" {
		t.Skip("no Unix permissions on Windows")
	}
	dir := filepath.Join(t.TempDir(), "db")
	s := open(t, dir, docstore.Options{})
	put(t, s, "ledger/alex/2026-11.jsonl", "x")
	for _, d := range []string{dir, filepath.Join(dir, "ledger"), filepath.Join(dir, "ledger", "alex")} {
		info, err := os.Stat(d)
		if err != nil {
			t.Fatal(err)
		}
		if got := info.Mode().Perm(); got&0o077 != 0 {
			t.Errorf("%s: mode %v, want 0700 (less the umask)", d, got)
		}
	}
}

func TestTail(t *testing.T) {
	s := open(t, t.TempDir(), docstore.Options{})
	appendTo(t, s, "log", "line 1\nline 2\n")
	update(t, s, func(tx *docstore.Tx) error {
		check := func(what, name string, n int, want string) {
			t.Helper()
			got, err := tx.Tail(name, n)
			if err != nil || string(got) != want {
				t.Errorf("%s: Tail(%q, %d) = %q, %v; want %q", what, name, n, got, err, want)
			}
		}
		for n, want := range map[int]string{0: "", 3: " 2\n", 7: "line 2\n", 100: "line 1\nline 2\n"} {
			check("on disk", "log", n, want)
		}
		if _, err := tx.Tail("missing", 10); !errors.Is(err, fs.ErrNotExist) {
			t.Errorf("Tail of a missing file: %v, want fs.ErrNotExist", err)
		}
		if _, err := tx.Tail("../x", 10); !errors.Is(err, docstore.ErrBadName) {
			t.Errorf("Tail of a bad name: %v, want ErrBadName", err)
		}
		if _, err := tx.Tail("log", -1); err == nil {
			t.Error("Tail with a negative length: no error")
		}

		// Pending writes are seen, as by Get.
		if err := tx.Append("log", []byte("line 3\n")); err != nil {
			return err
		}
		for n, want := range map[int]string{3: " 3\n", 7: "line 3\n", 9: "2\nline 3\n", 100: "line 1\nline 2\nline 3\n"} {
			check("pending append", "log", n, want)
		}
		if err := tx.Append("new", []byte("abc")); err != nil {
			return err
		}
		check("pending append to a new file", "new", 10, "abc")
		if err := tx.Put("log", []byte("put")); err != nil {
			return err
		}
		check("pending put", "log", 2, "ut")
		return nil
	})
}

// TestEpoch: the epoch stays while only this Store writes, and changes
// when another Store on the folder commits.
func TestEpoch(t *testing.T) {
	dir := t.TempDir()
	s := open(t, dir, docstore.Options{})
	epoch := func(s *docstore.Store) uint64 { return epochOf(t, s) }
	put(t, s, "a", "1")
	first := epoch(s)
	put(t, s, "a", "2")
	if got := epoch(s); got != first {
		t.Errorf("epoch after this Store's own write = %d, want %d", got, first)
	}
	put(t, open(t, dir, docstore.Options{}), "a", "3")
	if got := epoch(s); got == first {
		t.Errorf("epoch after another Store's write = %d, want a new one", got)
	}
	second := epoch(s)
	other := open(t, dir, docstore.Options{CheckpointBytes: 1})
	put(t, other, "a", "4") // checkpoints: the journal is replaced
	if got := epoch(s); got == second {
		t.Errorf("epoch after another Store's checkpoint = %d, want a new one", got)
	}
}

// journalEnd is where the journal's records end. A journal is zero-filled
// ahead of its records (see Journal space in the package documentation),
// so its size says nothing; no test's record ends in a zero byte. The
// header may (its checksum's last byte is zero for one generation in
// 256): an empty journal ends after its header.
func journalEnd(t testing.TB, path string) int64 {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	end := int64(len(bytes.TrimRight(data, "\x00")))
	if int64(len(data)) >= docstore.JournalHeaderLen {
		end = max(end, docstore.JournalHeaderLen)
	}
	return end
}

// appendJournal writes data at the journal's end, as a record would be.
func appendJournal(t testing.TB, path string, data []byte) {
	t.Helper()
	end := journalEnd(t, path)
	f, err := os.OpenFile(path, os.O_WRONLY, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if _, err := f.WriteAt(data, end); err != nil {
		t.Fatal(err)
	}
}

// cutJournal makes size the journal's end: zeros from there on.
func cutJournal(path string, size int64) error {
	fi, err := os.Stat(path)
	if err != nil {
		return err
	}
	f, err := os.OpenFile(path, os.O_WRONLY, 0)
	if err != nil {
		return err
	}
	defer f.Close()
	_, err = f.WriteAt(make([]byte, max(fi.Size()-size, 0)), size)
	return err
}

// TestKeptFilesEndWithTheEpoch: a Store keeps the files it wrote open
// between its transactions, but not past another Store's commit: a file
// replaced (renamed over) before that commit is the one read after it.
func TestKeptFilesEndWithTheEpoch(t *testing.T) {
	dir := t.TempDir()
	s := open(t, dir, docstore.Options{})
	put(t, s, "accounts/a.json", "1")
	put(t, s, "accounts/a.json", "2") // written through the kept file
	if got := get(t, s, "accounts/a.json"); got != "2" {
		t.Fatalf("a = %q, want %q", got, "2")
	}
	tmp := filepath.Join(dir, "accounts", "new")
	if err := os.WriteFile(tmp, []byte("3"), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.Rename(tmp, filepath.Join(dir, "accounts", "a.json")); err != nil {
		t.Fatal(err)
	}
	put(t, open(t, dir, docstore.Options{}), "b", "1") // another Store commits
	if got := get(t, s, "accounts/a.json"); got != "3" {
		t.Errorf("a = %q after another Store's commit, want the replaced file's %q", got, "3")
	}
}

// TestPeek: Peek reads a file as it is on the disk, without the lock, so
// it answers even inside a transaction (which holds the lock) and does
// not see that transaction's writes.
func TestPeek(t *testing.T) {
	s := open(t, t.TempDir(), docstore.Options{})
	put(t, s, "a/b.json", "one")
	update(t, s, func(tx *docstore.Tx) error {
		if err := tx.Put("a/b.json", []byte("two")); err != nil {
			return err
		}
		got, err := s.Peek("a/b.json")
		if err != nil || string(got) != "one" {
			t.Errorf("Peek inside a transaction = %q, %v; want the file on the disk, \"one\"", got, err)
		}
		return nil
	})
	if got, err := s.Peek("a/b.json"); err != nil || string(got) != "two" {
		t.Errorf("Peek after the commit = %q, %v; want \"two\"", got, err)
	}
	if _, err := s.Peek("a/missing.json"); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("Peek of a missing file: %v, want fs.ErrNotExist", err)
	}
	if _, err := s.Peek("../outside"); !errors.Is(err, docstore.ErrBadName) {
		t.Errorf("Peek of a bad name: %v, want ErrBadName", err)
	}
	s.Close()
	if _, err := s.Peek("a/b.json"); err == nil {
		t.Error("Peek after Close succeeded")
	}
}

// TestPeekWhileClosing: Peek, which takes no lock, may run while the Store
// closes (go test -race).
func TestPeekWhileClosing(t *testing.T) {
	s := open(t, t.TempDir(), docstore.Options{})
	put(t, s, "a.json", "x")
	done := make(chan struct{})
	go func() {
		defer close(done)
		for {
			if _, err := s.Peek("a.json"); err != nil {
				return
			}
		}
	}()
	s.Close()
	<-done
}
