package core_test

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"atmshop/core"
	"atmshop/lib/docstore"

	"github.com/sirupsen/logrus"
	"github.com/sirupsen/logrus/hooks/test"
)

// failOnceFS is a docstore.FS that fails the first call of one kind on one
// name ("mkdir orders", "sync .journal") with an I/O error.
type failOnceFS struct {
	docstore.FS
	mu   sync.Mutex
	key  string
	done bool
}

var errEIO = errors.New("injected I/O error")

func (f *failOnceFS) hit(op, name string) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	if !f.done && op+" "+name == f.key {
		f.done = true
		return fmt.Errorf("%s %s: %w", op, name, errEIO)
	}
	return nil
}

func (f *failOnceFS) OpenFile(name string, flag int, perm fs.FileMode) (docstore.File, error) {
	file, err := f.FS.OpenFile(name, flag, perm)
	if err != nil {
		return nil, err
	}
	return syncFaultFile{file, f, name}, nil
}

func (f *failOnceFS) Mkdir(name string, perm fs.FileMode) error {
	if err := f.hit("mkdir", name); err != nil {
		return err
	}
	return f.FS.Mkdir(name, perm)
}

type syncFaultFile struct {
	docstore.File
	f    *failOnceFS
	name string
}

func (s syncFaultFile) Sync() error {
	if err := s.f.hit("sync", s.name); err != nil {
		return err
	}
	return s.File.Sync()
}

// storeFixture is a bank like newFixture's on a real docstore whose file
// layer fails once on demand.
type storeFixture struct {
	fixture
	fs       *failOnceFS
	docs     *docstore.Store
	warnings []error
}

func newStoreFixture(t *testing.T) *storeFixture {
	t.Helper()
	dir := t.TempDir()
	root, err := os.OpenRoot(dir)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { root.Close() })
	f := &storeFixture{fs: &failOnceFS{FS: docstore.RootFS(root)}}
	f.docs, err = docstore.Open(context.Background(), dir, docstore.Options{FS: f.fs, Warn: func(err error) { f.warnings = append(f.warnings, err) }})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { f.docs.Close() })
	logger, hook := test.NewNullLogger()
	logger.SetLevel(logrus.DebugLevel)
	f.logs = hook
	f.clock = &clock{now: time.Date(2026, 11, 25, 10, 0, 0, 0, time.UTC)}
	f.bank = &core.Bank{Store: core.DocStore(f.docs), Settings: testSettings(), Now: f.clock.Now, Log: logger.WithField("component", "core")}
	seeds := []core.UserSeed{{Name: "bob", Password: "bob-pw", Balance: 5000}}
	if err := f.bank.Bootstrap(context.Background(), seeds); err != nil {
		t.Fatalf("bootstrap: %v", err)
	}
	return f
}

// charges counts bob's purchase entries in this month's ledger file.
func (f *storeFixture) charges(t *testing.T) int {
	t.Helper()
	var n int
	err := f.docs.View(context.Background(), func(tx *docstore.Tx) error {
		data, err := tx.Get("ledger/bob/2026-11.jsonl")
		n = strings.Count(string(data), `"kind":"purchase"`)
		if errors.Is(err, fs.ErrNotExist) {
			return nil
		}
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return n
}

func (f *storeFixture) orders(t *testing.T) int {
	t.Helper()
	orders, err := f.bank.Orders(context.Background(), "bob")
	if err != nil {
		t.Fatal(err)
	}
	return len(orders)
}

// bobBuysANotebookTwice: shop, add a notebook (12.50), pay; then try to pay
// the same cart again (paying returns to the menu; shop again, check out).
var bobBuysANotebookTwice = []string{"bob", "bob-pw", "1", "3", "1", "x", "y", "1", "x", "b", "q"}

// TestCheckoutCommittedButNotAppliedIsPaid: the checkout's journal record
// is durable, but applying it fails (the orders folder cannot be created).
// The purchase happened: the person is told it was paid, the log has it
// with its ref, and paying the same cart again is impossible.
func TestCheckoutCommittedButNotAppliedIsPaid(t *testing.T) {
	f := newStoreFixture(t)
	f.fs.key = "mkdir orders"
	out := f.script(t, bobBuysANotebookTwice...)
	if !f.fs.done {
		t.Fatal("the fault was never triggered")
	}
	assertContains(t, out, "Paid 12.50. Order p-", "The cart is empty")
	assertLacks(t, out, "Sorry, something went wrong")
	ref := regexp.MustCompile(`Order (p-[0-9a-f]+) is placed`).FindStringSubmatch(out)
	if ref == nil {
		t.Fatalf("no order ref in the output:\n%s", out)
	}
	logged := false
	for _, e := range f.logs.AllEntries() {
		logged = logged || e.Message == "purchase" && e.Data["ref"] == ref[1]
	}
	if !logged {
		t.Errorf("the log lacks the purchase with ref %s", ref[1])
	}
	if len(f.warnings) == 0 {
		t.Error("the failed apply was not reported through Warn")
	}
	if got, want := f.balance(t, "bob"), core.Money(5000-1250); got != want {
		t.Errorf("bob has %s, want %s", got, want)
	}
	if got := f.orders(t); got != 1 {
		t.Errorf("%d orders, want 1", got)
	}
	if got := f.charges(t); got != 1 {
		t.Errorf("%d charges in the ledger, want 1", got)
	}
}

// TestCheckoutFailingBeforeCommitChangesNothing: the journal's fsync
// fails, so nothing is committed: the person is told it failed, and no
// money moved.
func TestCheckoutFailingBeforeCommitChangesNothing(t *testing.T) {
	f := newStoreFixture(t)
	f.fs.key = "sync .journal"
	out := f.script(t, "bob", "bob-pw", "1", "3", "1", "x", "y", "b", "q")
	if !f.fs.done {
		t.Fatal("the fault was never triggered")
	}
	assertContains(t, out, "Sorry, something went wrong")
	assertLacks(t, out, "Paid")
	for _, e := range f.logs.AllEntries() {
		if e.Message == "purchase" {
			t.Errorf("a purchase was logged: %v", e.Data)
		}
	}
	if got, want := f.balance(t, "bob"), core.Money(5000); got != want {
		t.Errorf("bob has %s, want %s", got, want)
	}
	if got := f.orders(t); got != 0 {
		t.Errorf("%d orders, want 0", got)
	}
	if got := f.charges(t); got != 0 {
		t.Errorf("%d charges, want 0", got)
	}
}

// TestLockTimeoutIsErrBusy: a transaction that waits too long for the lock
// fails with core.ErrBusy, whatever the store's own error is.
func TestLockTimeoutIsErrBusy(t *testing.T) {
	dir := t.TempDir()
	holder, err := docstore.Open(context.Background(), dir, docstore.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer holder.Close()
	waiter, err := docstore.Open(context.Background(), dir, docstore.Options{LockTimeout: 10 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	defer waiter.Close()
	held, release, finished := make(chan struct{}), make(chan struct{}), make(chan error)
	go func() {
		finished <- holder.View(context.Background(), func(*docstore.Tx) error {
			close(held)
			<-release
			return nil
		})
	}()
	<-held
	err = core.DocStore(waiter).View(context.Background(), func(core.Tx) error { return nil })
	close(release)
	if ferr := <-finished; ferr != nil {
		t.Fatal(ferr)
	}
	if !errors.Is(err, core.ErrBusy) {
		t.Errorf("View while another copy holds the lock = %v, want core.ErrBusy", err)
	}
}
