package docstore_test

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"slices"
	"strings"
	"sync"
	"testing"

	"atmshop/lib/docstore"
)

// faultFS is a docstore.FS that records every call that changes something
// (open for writing, write, truncate, sync, mkdir, rename, remove) and can
// fail one of them, or every call like it from then on.
type faultFS struct {
	docstore.FS
	mu     sync.Mutex
	n      int      // calls counted since reset
	calls  []string // "op name" of each, since reset
	failAt int      // index of the call to fail, or -1
	sticky bool     // fail every later call with the same key too
	stuck  string   // that key, once failed
}

var errInjected = errors.New("injected I/O error")

func newFaultFS(t testing.TB, dir string) *faultFS {
	t.Helper()
	if err := os.MkdirAll(dir, 0o700); err != nil {
		t.Fatal(err)
	}
	root, err := os.OpenRoot(dir)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { root.Close() })
	return &faultFS{FS: docstore.RootFS(root), failAt: -1}
}

// reset starts counting calls afresh and arms the fault at call failAt.
func (f *faultFS) reset(failAt int, sticky bool) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.n, f.calls, f.failAt, f.sticky, f.stuck = 0, nil, failAt, sticky, ""
}

// clear ends every fault.
func (f *faultFS) clear() { f.reset(-1, false) }

func (f *faultFS) hit(op, name string) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	key := op + " " + name
	i := f.n
	f.n++
	f.calls = append(f.calls, key)
	if i == f.failAt {
		if f.sticky {
			f.stuck = key
		}
		return fmt.Errorf("%s: %w", key, errInjected)
	}
	if f.stuck == key {
		return fmt.Errorf("%s: %w", key, errInjected)
	}
	return nil
}

func (f *faultFS) OpenFile(name string, flag int, perm fs.FileMode) (docstore.File, error) {
	if flag&(os.O_WRONLY|os.O_RDWR|os.O_CREATE) != 0 {
		if err := f.hit("open-w", name); err != nil {
			return nil, err
		}
	}
	file, err := f.FS.OpenFile(name, flag, perm)
	if err != nil {
		return nil, err
	}
	return faultFile{file, f, name}, nil
}

func (f *faultFS) Mkdir(name string, perm fs.FileMode) error {
	if err := f.hit("mkdir", name); err != nil {
		return err
	}
	return f.FS.Mkdir(name, perm)
}

func (f *faultFS) Rename(oldname, newname string) error {
	if err := f.hit("rename", oldname); err != nil {
		return err
	}
	return f.FS.Rename(oldname, newname)
}

func (f *faultFS) Remove(name string) error {
	if err := f.hit("remove", name); err != nil {
		return err
	}
	return f.FS.Remove(name)
}

type faultFile struct {
	docstore.File
	f    *faultFS
	name string
}

func (ff faultFile) WriteAt(b []byte, off int64) (int, error) {
	if err := ff.f.hit("write", ff.name); err != nil {
		return 0, err
	}
	return ff.File.WriteAt(b, off)
}

func (ff faultFile) Truncate(size int64) error {
	if err := ff.f.hit("truncate", ff.name); err != nil {
		return err
	}
	return ff.File.Truncate(size)
}

func (ff faultFile) Sync() error {
	if err := ff.f.hit("sync", ff.name); err != nil {
		return err
	}
	return ff.File.Sync()
}

// The state before and after faultyUpdate.
var (
	faultBefore = map[string]string{"accounts/a": "100", "ledger/a/2026-10.jsonl": "+100\n"}
	faultAfter  = map[string]string{
		"accounts/a":             "90",
		"ledger/a/2026-10.jsonl": "+100\n",
		"ledger/b/2026-11.jsonl": "-10\n", // a new folder: mkdir
		"orders/a.jsonl":         "order 1\n",
	}
)

// faultyUpdate is the transaction the fault matrix breaks: a put over an
// existing file, appends that create a folder and a file.
func faultyUpdate(s *docstore.Store) error {
	return s.Update(context.Background(), func(tx *docstore.Tx) error {
		return errors.Join(
			tx.Put("accounts/a", []byte("90")),
			tx.Append("ledger/b/2026-11.jsonl", []byte("-10\n")),
			tx.Append("orders/a.jsonl", []byte("order 1\n")),
		)
	})
}

// seeState fails unless s shows exactly want (a missing file is "").
func seeState(t *testing.T, what string, s *docstore.Store, want map[string]string) {
	t.Helper()
	err := s.View(context.Background(), func(tx *docstore.Tx) error {
		for _, name := range []string{"accounts/a", "ledger/a/2026-10.jsonl", "ledger/b/2026-11.jsonl", "orders/a.jsonl"} {
			data, err := tx.Get(name)
			if err != nil && !errors.Is(err, fs.ErrNotExist) {
				return err
			}
			if string(data) != want[name] {
				t.Errorf("%s: %s = %q, want %q", what, name, data, want[name])
			}
			if tail, err := tx.Tail(name, 3); err == nil && string(tail) != want[name][max(0, len(want[name])-3):] {
				t.Errorf("%s: tail of %s = %q", what, name, tail)
			}
		}
		names, err := tx.List("ledger/b")
		if err != nil {
			return err
		}
		if got, wantList := len(names) == 1, want["ledger/b/2026-11.jsonl"] != ""; got != wantList {
			t.Errorf("%s: List(ledger/b) = %q", what, names)
		}
		return nil
	})
	if err != nil {
		t.Errorf("%s: View: %v", what, err)
	}
}

// faultSetup returns a folder holding faultBefore, checkpointed.
func faultSetup(t *testing.T) string {
	dir := t.TempDir()
	s := open(t, dir, noCheckpoint)
	for name, data := range faultBefore {
		put(t, s, name, data)
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	return dir
}

// TestFaultMatrix fails each call that changes a file during a commit (the
// journal's write and fsync, the apply's opens, mkdirs, writes and
// truncations, the marker, and the checkpoint that the commit triggers),
// once and for good, and checks what Update returns, what the store and
// new Stores (same boot, and after a reboot) show, and that the change is
// applied exactly once when the fault clears.
func TestFaultMatrix(t *testing.T) {
	// A clean run names the calls, and the commit point: the journal's fsync.
	var calls []string
	{
		dir := faultSetup(t)
		ffs := newFaultFS(t, dir)
		s := open(t, dir, docstore.Options{FS: ffs, CheckpointBytes: 1})
		ffs.reset(-1, false)
		if err := faultyUpdate(s); err != nil {
			t.Fatal(err)
		}
		calls = slices.Clone(ffs.calls)
	}
	commitPoint := slices.Index(calls, "sync .journal")
	if commitPoint < 0 || !slices.Contains(calls[commitPoint:], "rename .tmp-journal") || !slices.Contains(calls, "mkdir ledger/b") {
		t.Fatalf("calls of the clean run lack the journal fsync, a mkdir or the checkpoint: %q", calls)
	}
	for i, call := range calls {
		for _, sticky := range []bool{false, true} {
			name := fmt.Sprintf("%02d %s", i, call)
			if sticky {
				name += " for good"
			}
			t.Run(name, func(t *testing.T) {
				committed := i > commitPoint
				want := faultBefore
				if committed {
					want = faultAfter
				}
				dir := faultSetup(t)
				ffs := newFaultFS(t, dir)
				var warnings []error
				opts := docstore.Options{FS: ffs, CheckpointBytes: 1, Warn: func(err error) { warnings = append(warnings, err) }}
				s := open(t, dir, opts)
				ffs.reset(i, sticky)
				err := faultyUpdate(s)
				switch {
				case committed && err != nil:
					t.Fatalf("Update after the commit point = %v, want nil", err)
				case !committed && !errors.Is(err, errInjected):
					t.Fatalf("Update before the commit point = %v, want the injected error", err)
				case committed && len(warnings) == 0:
					t.Errorf("a fault after the commit point was not reported through Warn")
				}
				// A journal that cannot be opened at all leaves nothing to
				// answer from: the store refuses until it can.
				refuses := sticky && call == "open-w .journal"
				if refuses {
					err := s.View(context.Background(), func(*docstore.Tx) error { return nil })
					if !errors.Is(err, errInjected) {
						t.Errorf("View with the journal unopenable = %v, want the injected error", err)
					}
				} else {
					seeState(t, "same Store", s, want)
				}
				if sticky && !refuses {
					// While the fault lasts, new Stores see the committed
					// state too, and new commits still go through.
					seeState(t, "new Store", open(t, dir, opts), want)
					restore := docstore.SetBootIdentity("rebooted during " + name)
					seeState(t, "new Store after a reboot", open(t, dir, opts), want)
					restore()
				}
				ffs.clear()
				if err := s.Close(); err != nil {
					t.Fatal(err)
				}
				for _, reboot := range []bool{false, true} {
					if reboot {
						restore := docstore.SetBootIdentity("after " + name)
						defer restore()
					}
					s := open(t, dir, docstore.Options{})
					seeState(t, fmt.Sprintf("fault cleared, reboot %v", reboot), s, want)
					s.Close()
				}
				// On disk, exactly once.
				for name, data := range want {
					if got, err := os.ReadFile(s.Path(name)); string(got) != data {
						t.Errorf("file %s = %q (%v), want %q", name, got, err, data)
					}
				}
			})
		}
	}
}

// TestPendingRecordsStackUp: while the apply keeps failing, further commits
// go to the journal and are seen, in order, by every read; when the fault
// clears, each is applied once.
func TestPendingRecordsStackUp(t *testing.T) {
	dir := faultSetup(t)
	ffs := newFaultFS(t, dir)
	var warned int
	s := open(t, dir, docstore.Options{FS: ffs, CheckpointBytes: 1, Warn: func(error) { warned++ }})
	ffs.reset(0, false)
	ffs.mu.Lock()
	ffs.failAt, ffs.sticky, ffs.stuck = -1, false, "mkdir ledger/b"
	ffs.mu.Unlock()
	for i := range 3 {
		if err := s.Update(context.Background(), func(tx *docstore.Tx) error {
			return errors.Join(
				tx.Append("ledger/b/2026-11.jsonl", []byte(fmt.Sprintf("line %d\n", i))),
				tx.Put("accounts/a", []byte(fmt.Sprint(i))),
			)
		}); err != nil {
			t.Fatalf("update %d: %v", i, err)
		}
	}
	if warned == 0 {
		t.Error("no warning while the apply failed")
	}
	const lines = "line 0\nline 1\nline 2\n"
	if got := get(t, s, "ledger/b/2026-11.jsonl"); got != lines {
		t.Errorf("ledger = %q, want %q", got, lines)
	}
	if got := get(t, s, "accounts/a"); got != "2" {
		t.Errorf("accounts/a = %q, want 2", got)
	}
	if _, err := os.Stat(s.Path("ledger/b")); !errors.Is(err, fs.ErrNotExist) {
		t.Fatalf("ledger/b exists though every mkdir failed: %v", err)
	}
	ffs.clear()
	if got := get(t, s, "ledger/b/2026-11.jsonl"); got != lines {
		t.Errorf("after the fault: ledger = %q, want %q", got, lines)
	}
	put(t, s, "accounts/a", "3") // the next commit checkpoints
	if got, err := os.ReadFile(s.Path("ledger/b/2026-11.jsonl")); string(got) != lines {
		t.Errorf("after the fault: file = %q (%v), want %q", got, err, lines)
	}
	if got := journalEnd(t, s.Path(docstore.JournalName)); got != docstore.JournalHeaderLen {
		t.Errorf("journal has %d bytes after the fault cleared, want a checkpoint", got)
	}
}

// TestCheckpointWithoutTempFile: a checkpoint that cannot create its temp
// file fails no transaction and is tried again at the next commit.
func TestCheckpointWithoutTempFile(t *testing.T) {
	dir := t.TempDir()
	ffs := newFaultFS(t, dir)
	var warnings []string
	s := open(t, dir, docstore.Options{FS: ffs, CheckpointBytes: 1, Warn: func(err error) { warnings = append(warnings, err.Error()) }})
	ffs.mu.Lock()
	ffs.stuck = "open-w .tmp-journal"
	ffs.mu.Unlock()
	for i := range 3 {
		if err := s.Update(context.Background(), func(tx *docstore.Tx) error {
			return tx.Append("log", []byte(fmt.Sprintf("%d\n", i)))
		}); err != nil {
			t.Fatalf("update %d: %v", i, err)
		}
	}
	if len(warnings) != 3 || !strings.Contains(warnings[0], "checkpoint") {
		t.Errorf("warnings = %q, want one checkpoint failure per commit", warnings)
	}
	if got := journalEnd(t, s.Path(docstore.JournalName)); got <= docstore.JournalHeaderLen {
		t.Fatalf("journal has %d bytes: checkpointed despite the fault", got)
	}
	ffs.clear()
	appendTo(t, s, "log", "3\n")
	if got := journalEnd(t, s.Path(docstore.JournalName)); got != docstore.JournalHeaderLen {
		t.Errorf("journal has %d bytes after the fault cleared, want a checkpoint", got)
	}
	if got := get(t, s, "log"); got != "0\n1\n2\n3\n" {
		t.Errorf("log = %q", got)
	}
}
