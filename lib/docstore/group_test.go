package docstore_test

import (
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"io/fs"
	"math"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"

	"atmshop/lib/docstore"
)

// batchResult is what one Update of a batch returned, or raised;
// returned is false if its goroutine ended inside it.
type batchResult struct {
	err      error
	panicked any
	returned bool
}

// runBatch starts fns as Updates of s while a View holds the lock, each
// queued after the one before, then lets them go: the first to get the
// lock commits them all as one batch. It returns each Update's outcome
// and the fsyncs s made meanwhile.
func runBatch(t *testing.T, s *docstore.Store, fns ...func(*docstore.Tx) error) ([]batchResult, int64) {
	t.Helper()
	release := holdLock(t, s)
	before := s.Fsyncs()
	results := make([]batchResult, len(fns))
	var wg sync.WaitGroup
	for i, fn := range fns {
		wg.Go(func() {
			defer func() { results[i].panicked = recover() }()
			results[i].err = s.Update(context.Background(), fn)
			results[i].returned = true
		})
		for deadline := time.Now().Add(10 * time.Second); docstore.Queued(s) < i+1; time.Sleep(time.Millisecond) {
			if time.Now().After(deadline) {
				t.Fatalf("%d Updates queued after 10 s, want %d", docstore.Queued(s), i+1)
			}
		}
	}
	release()
	wg.Wait()
	return results, s.Fsyncs() - before
}

// epochOf returns the epoch a View of s sees.
func epochOf(t *testing.T, s *docstore.Store) uint64 {
	t.Helper()
	var e uint64
	if err := s.View(context.Background(), func(tx *docstore.Tx) error { e = tx.Epoch(); return nil }); err != nil {
		t.Fatal(err)
	}
	return e
}

// journalRecords returns the lengths of the journal's records from offset
// from to its end.
func journalRecords(t *testing.T, path string, from int64) []int {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var lens []int
	for p := from; p+docstore.RecordHeaderLen <= int64(len(data)) && string(data[p:p+4]) == "dsr2"; {
		n := docstore.RecordHeaderLen + int(binary.BigEndian.Uint32(data[p+4:p+8]))
		lens = append(lens, n)
		p += int64(n)
	}
	return lens
}

// TestUpdatesStartedAtOnceShareOneSync: Updates waiting for the lock
// together are committed as one batch, with one journal record and one
// fsync; each runs after the one before and sees its writes, as if they
// had run one by one.
func TestUpdatesStartedAtOnceShareOneSync(t *testing.T) {
	dir := t.TempDir()
	s := open(t, dir, noCheckpoint)
	put(t, s, "counter", "10")
	journal := filepath.Join(dir, docstore.JournalName)
	start := journalEnd(t, journal)
	const n = 8
	got := make([]int, n)
	var fns []func(*docstore.Tx) error
	for i := range n {
		fns = append(fns, incrementTx("log", &got[i]))
	}
	results, fsyncs := runBatch(t, s, fns...)
	for i, r := range results {
		if r.err != nil || r.panicked != nil {
			t.Errorf("Update %d = %v (panic %v), want nil", i, r.err, r.panicked)
		}
		if got[i] != 11+i {
			t.Errorf("Update %d counted to %d, want %d: it did not see the ones before it", i, got[i], 11+i)
		}
	}
	if fsyncs != 1 {
		t.Errorf("%d fsyncs for a batch of %d Updates, want 1", fsyncs, n)
	}
	if recs := journalRecords(t, journal, start); len(recs) != 1 {
		t.Errorf("the batch left %d journal records (%v bytes), want 1", len(recs), recs)
	}
	want := "11\n12\n13\n14\n15\n16\n17\n18\n"
	check := func(what string, s *docstore.Store) {
		t.Helper()
		if c, l := get(t, s, "counter"), get(t, s, "log"); c != "18" || l != want {
			t.Errorf("%s: counter = %s, log = %q; want 18 and %q", what, c, l, want)
		}
	}
	check("same Store", s)
	check("new Store", open(t, dir, noCheckpoint))
	t.Cleanup(docstore.SetBootIdentity("after a reboot"))
	check("new Store after a reboot", open(t, dir, noCheckpoint))
}

// TestUpdatesQueuedDuringABatchJoinIt: an Update queued while a batch
// runs its functions joins that batch, behind them, instead of waiting
// for another sync.
func TestUpdatesQueuedDuringABatchJoinIt(t *testing.T) {
	dir := t.TempDir()
	s := open(t, dir, noCheckpoint)
	journal := filepath.Join(dir, docstore.JournalName)
	start := journalEnd(t, journal)
	before := s.Fsyncs()
	var wg sync.WaitGroup
	var lateErr error
	update(t, s, func(tx *docstore.Tx) error {
		wg.Go(func() {
			lateErr = s.Update(context.Background(), func(tx *docstore.Tx) error { return tx.Append("log", []byte("late\n")) })
		})
		for deadline := time.Now().Add(10 * time.Second); docstore.Queued(s) < 1; time.Sleep(time.Millisecond) {
			if time.Now().After(deadline) {
				return errors.New("the second Update was not queued after 10 s")
			}
		}
		return tx.Append("log", []byte("first\n"))
	})
	wg.Wait()
	if lateErr != nil {
		t.Fatalf("the Update queued during the batch = %v, want nil", lateErr)
	}
	if got := s.Fsyncs() - before; got != 1 {
		t.Errorf("%d fsyncs, want 1: the Update queued during the batch waited for another", got)
	}
	if recs := journalRecords(t, journal, start); len(recs) != 1 {
		t.Errorf("%d journal records (%v bytes), want 1", len(recs), recs)
	}
	if got, want := get(t, s, "log"), "first\nlate\n"; got != want {
		t.Errorf("log = %q, want %q", got, want)
	}
}

// TestFailedSyncFailsTheWholeBatch: when the batch's journal write or
// sync fails, every Update that ran after the batch's first write fails
// with that error and nothing of the batch is left, in this Store, in a
// new one, or after a reboot; an Update that ran before any write keeps
// its own result, read from committed data.
func TestFailedSyncFailsTheWholeBatch(t *testing.T) {
	for _, call := range []string{"write .journal", "sync .journal"} {
		t.Run(call, func(t *testing.T) {
			dir := t.TempDir()
			ffs := newFaultFS(t, dir)
			opts := docstore.Options{FS: ffs, CheckpointBytes: math.MaxInt64}
			s := open(t, dir, opts)
			put(t, s, "counter", "5")
			journal := filepath.Join(dir, docstore.JournalName)
			end := journalEnd(t, journal)
			epochBefore := epochOf(t, s)
			ffs.mu.Lock()
			ffs.stuck = call
			ffs.mu.Unlock()

			errBefore := errors.New("refused before the batch wrote anything")
			errAfter := errors.New("refused after reading the batch's write")
			var n1, n3 int
			results, _ := runBatch(t, s,
				func(tx *docstore.Tx) error {
					if _, err := tx.Get("counter"); err != nil {
						return err
					}
					return errBefore
				},
				incrementTx("log", &n1),
				func(tx *docstore.Tx) error {
					data, err := tx.Get("counter")
					if err != nil {
						return err
					}
					if string(data) != "6" {
						return fmt.Errorf("counter = %s inside the batch, want 6", data)
					}
					return errAfter
				},
				incrementTx("log", &n3),
			)
			ffs.clear()
			if err := results[0].err; err != errBefore {
				t.Errorf("Update 0 = %v, want its own error", err)
			}
			for i := 1; i < len(results); i++ {
				if err := results[i].err; !errors.Is(err, errInjected) {
					t.Errorf("Update %d = %v, want the injected error", i, err)
				}
			}
			if n1 != 6 || n3 != 7 {
				t.Errorf("the increments counted to %d and %d, want 6 and 7", n1, n3)
			}
			if got := journalEnd(t, journal); got != end {
				t.Errorf("journal ends at %d, want %d: the failed batch was not taken back", got, end)
			}
			check := func(what string, s *docstore.Store) {
				t.Helper()
				if c := get(t, s, "counter"); c != "5" {
					t.Errorf("%s: counter = %s, want 5", what, c)
				}
				if _, err := os.Stat(s.Path("log")); !errors.Is(err, fs.ErrNotExist) {
					t.Errorf("%s: log exists: %v", what, err)
				}
			}
			// What the batch's Updates learnt rests on writes that never
			// happened: a caller keeping it (see Tx.Epoch) must drop it.
			if epochOf(t, s) == epochBefore {
				t.Error("the epoch did not change after the failed batch")
			}
			check("same Store", s)
			check("new Store", open(t, dir, opts))
			restore := docstore.SetBootIdentity("rebooted after " + call)
			check("new Store after a reboot", open(t, dir, opts))
			restore()
			if n, err := increment(s, "log"); err != nil || n != 6 {
				t.Errorf("increment after the fault = %d, %v; want 6", n, err)
			}
		})
	}
}

// TestBatchMembersKeepTheirOwnOutcome: in a batch that commits, an Update
// whose fn fails (or panics) writes nothing and gets its own error (or
// panic, raised in its own goroutine); the ones after it do not see its
// writes, and the others commit.
func TestBatchMembersKeepTheirOwnOutcome(t *testing.T) {
	s := open(t, t.TempDir(), noCheckpoint)
	errMine := errors.New("refused")
	results, fsyncs := runBatch(t, s,
		func(tx *docstore.Tx) error { return tx.Put("a", []byte("1")) },
		func(tx *docstore.Tx) error {
			if err := tx.Put("b", []byte("2")); err != nil {
				return err
			}
			return errMine
		},
		func(tx *docstore.Tx) error {
			a, err := tx.Get("a")
			if err != nil {
				return err
			}
			if _, err := tx.Get("b"); !errors.Is(err, fs.ErrNotExist) {
				return fmt.Errorf("b of a failed Update is visible: %v", err)
			}
			return tx.Append("c", append(a, '!'))
		},
		func(tx *docstore.Tx) error {
			if err := tx.Put("d", []byte("4")); err != nil {
				return err
			}
			panic("boom")
		},
		func(tx *docstore.Tx) error { return tx.Put("e", []byte("5")) },
	)
	for i, want := range []error{nil, errMine, nil, nil, nil} {
		if results[i].err != want {
			t.Errorf("Update %d = %v, want %v", i, results[i].err, want)
		}
	}
	if p := results[3].panicked; p != "boom" {
		t.Errorf("Update 3 raised %v, want its fn's panic", p)
	}
	if fsyncs != 1 {
		t.Errorf("%d fsyncs, want 1", fsyncs)
	}
	for name, want := range map[string]string{"a": "1", "b": "", "c": "1!", "d": "", "e": "5"} {
		data, err := os.ReadFile(s.Path(name))
		if string(data) != want || (want == "") != errors.Is(err, fs.ErrNotExist) {
			t.Errorf("%s = %q (%v), want %q", name, data, err, want)
		}
	}
}

// TestBatchIsCommittedWhole: a batch is one journal record, so a crash
// that tears its write (before its sync returned, so no Update of it was
// reported done) loses all of it, and a crash after the sync keeps all of
// it: never a part.
func TestBatchIsCommittedWhole(t *testing.T) {
	for _, torn := range []bool{false, true} {
		for _, reboot := range []bool{false, true} {
			t.Run(fmt.Sprintf("torn=%v,reboot=%v", torn, reboot), func(t *testing.T) {
				dir := t.TempDir()
				journal := filepath.Join(dir, docstore.JournalName)
				s := open(t, dir, noCheckpoint)
				appendTo(t, s, "log", "1\n")
				put(t, s, "counter", "1")
				start := journalEnd(t, journal)
				var n [3]int
				if err := docstore.CommitWithoutApply(s, incrementTx("log", &n[0]), incrementTx("log", &n[1]), incrementTx("log", &n[2])); err != nil {
					t.Fatal(err)
				}
				recs := journalRecords(t, journal, start)
				if len(recs) != 1 {
					t.Fatalf("the batch left %d journal records, want 1", len(recs))
				}
				if torn {
					if err := cutJournal(journal, start+int64(recs[0])/2); err != nil {
						t.Fatal(err)
					}
				}
				docstore.Abandon(s)
				if reboot {
					t.Cleanup(docstore.SetBootIdentity("rebooted"))
				}
				s = open(t, dir, noCheckpoint)
				wantCounter, wantLog := "4", "1\n2\n3\n4\n"
				if torn {
					wantCounter, wantLog = "1", "1\n"
				}
				if c, l := get(t, s, "counter"), get(t, s, "log"); c != wantCounter || l != wantLog {
					t.Errorf("counter = %s, log = %q; want %s and %q", c, l, wantCounter, wantLog)
				}
				// After a reboot, Open replays the journal and checkpoints.
				if got := journalEnd(t, journal); torn && !reboot && got != start {
					t.Errorf("journal ends at %d after the torn batch, want %d", got, start)
				}
			})
		}
	}
}

// TestBatchAppendThenPut: a batch that appends to a file and then
// replaces it is one put in the journal, expecting the file as it was
// before the batch, so a copy killed before applying it is finished by
// the next, not taken for a hand edit.
func TestBatchAppendThenPut(t *testing.T) {
	dir := t.TempDir()
	s := open(t, dir, noCheckpoint)
	put(t, s, "f", "old content, longer than the 32 bytes an append checks\n")
	if err := docstore.CommitWithoutApply(s,
		func(tx *docstore.Tx) error { return tx.Append("f", []byte("more\n")) },
		func(tx *docstore.Tx) error {
			data, err := tx.Get("f")
			if err != nil {
				return err
			}
			return tx.Put("f", append([]byte("new, after "), data...))
		},
	); err != nil {
		t.Fatal(err)
	}
	docstore.Abandon(s)
	if got, want := get(t, open(t, dir, noCheckpoint), "f"), "new, after old content, longer than the 32 bytes an append checks\nmore\n"; got != want {
		t.Errorf("f = %q, want %q", got, want)
	}
}

// TestGoexitInABatch: a function that ends its goroutine (t.FailNow in a
// test) ends its caller's goroutine, and the rest of its batch fails with
// nothing written instead of waiting for ever.
func TestGoexitInABatch(t *testing.T) {
	s := open(t, t.TempDir(), noCheckpoint)
	put(t, s, "a", "0")
	results, _ := runBatch(t, s,
		func(tx *docstore.Tx) error { return tx.Put("a", []byte("1")) },
		func(tx *docstore.Tx) error { runtime.Goexit(); return nil },
		func(tx *docstore.Tx) error { return tx.Put("b", []byte("2")) },
	)
	if results[1].returned {
		t.Errorf("the Update whose fn called Goexit returned %v", results[1].err)
	}
	for i, r := range results {
		if r.returned && r.err == nil {
			t.Errorf("Update %d of the abandoned batch returned nil", i)
		}
	}
	if got := get(t, s, "a"); got != "0" {
		t.Errorf("a = %q, want 0", got)
	}
	put(t, s, "c", "3") // the store goes on
}

// TestBatchFileAndFolderClash: a transaction that would need a folder
// where an earlier transaction of its batch writes a file (or the other
// way round) fails, like one that follows the other's commit, instead of
// joining a record that could never be applied.
func TestBatchFileAndFolderClash(t *testing.T) {
	s := open(t, t.TempDir(), noCheckpoint)
	results, _ := runBatch(t, s,
		func(tx *docstore.Tx) error { return tx.Put("x", []byte("file")) },
		func(tx *docstore.Tx) error { return tx.Put("x/y", []byte("in a folder x")) },
		func(tx *docstore.Tx) error { return tx.Put("z/w", []byte("in a folder z")) },
		func(tx *docstore.Tx) error { return tx.Put("z", []byte("file")) },
	)
	for i, wantErr := range []bool{false, true, false, true} {
		if got := results[i].err != nil; got != wantErr {
			t.Errorf("Update %d = %v, want an error: %v", i, results[i].err, wantErr)
		}
	}
	if got := get(t, s, "x"); got != "file" {
		t.Errorf("x = %q", got)
	}
	if got := get(t, s, "z/w"); got != "in a folder z" {
		t.Errorf("z/w = %q", got)
	}
	// The batch was applied, nothing is left pending.
	for name, want := range map[string]string{"x": "file", "z/w": "in a folder z"} {
		if got, err := os.ReadFile(s.Path(name)); string(got) != want {
			t.Errorf("file %s = %q (%v), want %q", name, got, err, want)
		}
	}
}

// TestBatchesStaySerializable: goroutines of one Store increment counters
// chosen at random and log each new value, while some of their functions
// fail after writing and some contexts end; batches form as they come.
// Every counter ends at the number of increments that succeeded, and the
// log holds each counter's values in order, once each: the batches ran
// as if one transaction after another, and no failed one left anything.
func TestBatchesStaySerializable(t *testing.T) {
	s := open(t, t.TempDir(), docstore.Options{CheckpointBytes: 64 << 10})
	const goroutines, each, counters = 16, 40, 3
	errRefused := errors.New("refused")
	var mu sync.Mutex
	done := map[string]int{}
	var wg sync.WaitGroup
	for g := range goroutines {
		wg.Go(func() {
			for i := range each {
				name := fmt.Sprintf("c%d", (g+i)%counters)
				ctx, cancel := context.WithCancel(context.Background())
				if i%7 == 3 {
					cancel() // ends before it runs, or while it waits
				}
				err := s.Update(ctx, func(tx *docstore.Tx) error {
					n := 0
					if data, err := tx.Get(name); err == nil {
						fmt.Sscan(string(data), &n)
					} else if !errors.Is(err, fs.ErrNotExist) {
						return err
					}
					n++
					if err := errors.Join(
						tx.Put(name, []byte(fmt.Sprint(n))),
						tx.Append("log", []byte(fmt.Sprintf("%s %d\n", name, n))),
					); err != nil {
						return err
					}
					if i%5 == 2 {
						return errRefused
					}
					return nil
				})
				cancel()
				switch {
				case err == nil:
					mu.Lock()
					done[name]++
					mu.Unlock()
				case !errors.Is(err, errRefused) && !errors.Is(err, context.Canceled):
					t.Errorf("Update: %v", err)
				}
			}
		})
	}
	wg.Wait()
	for c := range counters {
		name := fmt.Sprintf("c%d", c)
		if got, want := get(t, s, name), fmt.Sprint(done[name]); got != want {
			t.Errorf("%s = %s, want %s", name, got, want)
		}
	}
	lines := strings.Split(strings.TrimSuffix(get(t, s, "log"), "\n"), "\n")
	seen := map[string]int{}
	for i, line := range lines {
		var name string
		var n int
		if _, err := fmt.Sscan(line, &name, &n); err != nil || n != seen[name]+1 {
			t.Fatalf("log line %d = %q after %s reached %d", i+1, line, name, seen[name])
		}
		seen[name] = n
	}
}

// TestBatchesAreBounded: a batch takes at most 64 queued Updates, and
// stops taking more once what it staged passes a journal chunk (1 MiB);
// the rest go to the next batch, in their order, and every Update gets
// its own result.
func TestBatchesAreBounded(t *testing.T) {
	t.Run("64 Updates", func(t *testing.T) {
		dir := t.TempDir()
		s := open(t, dir, noCheckpoint)
		put(t, s, "counter", "10")
		journal := filepath.Join(dir, docstore.JournalName)
		start := journalEnd(t, journal)
		const n = 100
		got := make([]int, n)
		var fns []func(*docstore.Tx) error
		for i := range n {
			fns = append(fns, incrementTx("log", &got[i]))
		}
		results, fsyncs := runBatch(t, s, fns...)
		for i, r := range results {
			if r.err != nil || r.panicked != nil || got[i] != 11+i {
				t.Errorf("Update %d = %v (panic %v), counted to %d; want nil and %d", i, r.err, r.panicked, got[i], 11+i)
			}
		}
		if recs := journalRecords(t, journal, start); len(recs) < 2 || int64(len(recs)) != fsyncs {
			t.Errorf("%d Updates made %d journal records and %d fsyncs; want at least 2 records (64 a batch), one fsync each", n, len(recs), fsyncs)
		}
		if c := get(t, s, "counter"); c != "110" {
			t.Errorf("counter = %s, want 110", c)
		}
	})
	t.Run("1 MiB", func(t *testing.T) {
		dir := t.TempDir()
		s := open(t, dir, noCheckpoint)
		journal := filepath.Join(dir, docstore.JournalName)
		start := journalEnd(t, journal)
		big := strings.Repeat("x", 600<<10)
		var fns []func(*docstore.Tx) error
		for i := range 3 {
			fns = append(fns, func(tx *docstore.Tx) error { return tx.Put(fmt.Sprintf("doc%d", i), []byte(big)) })
		}
		results, _ := runBatch(t, s, fns...)
		for i, r := range results {
			if r.err != nil || r.panicked != nil {
				t.Errorf("Update %d = %v (panic %v), want nil", i, r.err, r.panicked)
			}
		}
		if recs := journalRecords(t, journal, start); len(recs) != 2 {
			t.Errorf("3 Updates of 600 KiB made %d journal records (%v bytes), want 2: the third waits for the next batch", len(recs), recs)
		}
		for i := range 3 {
			if got := get(t, s, fmt.Sprintf("doc%d", i)); got != big {
				t.Errorf("doc%d: %d bytes, want %d", i, len(got), len(big))
			}
		}
	})
}
