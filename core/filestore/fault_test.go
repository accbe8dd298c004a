package filestore_test

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"sync"
	"testing"
	"time"

	"atmshop/core"
	"atmshop/core/filestore"
	"atmshop/lib/docstore"
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

// newFaultyBank is a bank with bob (50.00) on a filestore whose file
// layer fails once on demand; warnings collects what the store reports
// after its commit point.
func newFaultyBank(t *testing.T) (f *fileBank, faults *failOnceFS, warnings *[]error) {
	t.Helper()
	dir := t.TempDir()
	root, err := os.OpenRoot(dir)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { root.Close() })
	faults, warnings = &failOnceFS{FS: docstore.RootFS(root)}, &[]error{}
	opts := docstore.Options{FS: faults, Warn: func(err error) { *warnings = append(*warnings, err) }}
	return newFileBank(t, dir, opts, []core.UserSeed{{Name: "bob", Password: "bob-pw", Balance: 5000}}), faults, warnings
}

// charges counts bob's purchases in this month's ledger.
func (f *fileBank) charges(t *testing.T) int {
	t.Helper()
	var n int
	err := f.store.View(context.Background(), func(tx core.Tx) error {
		entries, err := tx.MonthEntries("bob", core.MonthOf(f.clock.Now()))
		for _, e := range entries {
			if e.Kind == core.KindPurchase {
				n++
			}
		}
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return n
}

func (f *fileBank) orders(t *testing.T) int {
	t.Helper()
	orders, err := f.bank.Orders(context.Background(), "bob")
	if err != nil {
		t.Fatal(err)
	}
	return len(orders)
}

// assertPaid checks that bob paid for n notebooks: his balance, his
// orders and the purchases in his ledger agree.
func (f *fileBank) assertPaid(t *testing.T, n int) {
	t.Helper()
	if got, want := f.balance(t, "bob"), core.Money(5000-1250*n); got != want {
		t.Errorf("bob has %s, want %s", got, want)
	}
	if got := f.orders(t); got != n {
		t.Errorf("%d orders, want %d", got, n)
	}
	if got := f.charges(t); got != n {
		t.Errorf("%d charges in the ledger, want %d", got, n)
	}
}

// notebook is a cart of one notebook (12.50).
func notebook(t *testing.T) *core.Cart {
	t.Helper()
	cart := &core.Cart{}
	if err := cart.Add(testSettings().Catalog[2], 1); err != nil {
		t.Fatal(err)
	}
	return cart
}

// TestCheckoutCommittedButNotAppliedIsPaid: the checkout's journal record
// is durable, but applying it fails (the orders folder cannot be created).
// The purchase happened: Checkout reports it paid, the log has it with its
// ref, and paying the same cart again is impossible.
func TestCheckoutCommittedButNotAppliedIsPaid(t *testing.T) {
	f, faults, warnings := newFaultyBank(t)
	faults.key = "mkdir orders"
	cart := notebook(t)
	order, err := f.bank.Checkout(context.Background(), "bob", cart)
	if !faults.done {
		t.Fatal("the fault was never triggered")
	}
	if err != nil || order.Total != 1250 {
		t.Fatalf("checkout: %+v, %v; want the order of 12.50 paid", order, err)
	}
	if _, err := f.bank.Checkout(context.Background(), "bob", cart); !errors.Is(err, core.ErrBadInput) {
		t.Errorf("paying the same cart again: %v, want ErrBadInput (the cart is empty)", err)
	}
	logged := false
	for _, e := range f.logs.AllEntries() {
		logged = logged || e.Message == "purchase" && e.Data["ref"] == order.ID
	}
	if !logged {
		t.Errorf("the log lacks the purchase with ref %s", order.ID)
	}
	if len(*warnings) == 0 {
		t.Error("the failed apply was not reported through Warn")
	}
	f.assertPaid(t, 1)
}

// TestCheckoutFailingBeforeCommitChangesNothing: the journal's fsync
// fails, so nothing is committed: Checkout fails, and no money moved.
func TestCheckoutFailingBeforeCommitChangesNothing(t *testing.T) {
	f, faults, _ := newFaultyBank(t)
	faults.key = "sync .journal"
	_, err := f.bank.Checkout(context.Background(), "bob", notebook(t))
	if !faults.done {
		t.Fatal("the fault was never triggered")
	}
	if !errors.Is(err, errEIO) {
		t.Errorf("checkout: %v, want the injected I/O error", err)
	}
	for _, e := range f.logs.AllEntries() {
		if e.Message == "purchase" {
			t.Errorf("a purchase was logged: %v", e.Data)
		}
	}
	f.assertPaid(t, 0)
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
	waiter, err := filestore.Open(context.Background(), dir, docstore.Options{LockTimeout: 10 * time.Millisecond})
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
	err = waiter.View(context.Background(), func(core.Tx) error { return nil })
	close(release)
	if ferr := <-finished; ferr != nil {
		t.Fatal(ferr)
	}
	if !errors.Is(err, core.ErrBusy) {
		t.Errorf("View while another copy holds the lock = %v, want core.ErrBusy", err)
	}
}
