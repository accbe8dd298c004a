package docstore_test

import (
	"context"
	"errors"
	"io/fs"
	"testing"
	"time"

	"atmshop/lib/docstore"
)

// holdLock runs a transaction in s that holds the lock until the test
// ends (or the returned function is called).
func holdLock(t *testing.T, s *docstore.Store) (release func()) {
	t.Helper()
	held, done := make(chan struct{}), make(chan struct{})
	finished := make(chan error, 1)
	go func() {
		finished <- s.View(context.Background(), func(*docstore.Tx) error {
			close(held)
			<-done
			return nil
		})
	}()
	<-held
	released := false
	release = func() {
		if !released {
			released = true
			close(done)
			if err := <-finished; err != nil {
				t.Error(err)
			}
		}
	}
	t.Cleanup(release)
	return release
}

// TestLockWait: a wait for the lock held by another Store (the file lock,
// as another process holds it) or by another transaction of the same
// Store (its semaphore) tells OnLockWait once, ends when the context ends,
// and ends with ErrLockTimeout after LockTimeout.
func TestLockWait(t *testing.T) {
	t.Cleanup(docstore.SetLockNotice(time.Millisecond))
	for _, sameStore := range []bool{false, true} {
		name := "other Store"
		if sameStore {
			name = "same Store"
		}
		t.Run(name+", context canceled", func(t *testing.T) {
			dir := t.TempDir()
			ctx, cancel := context.WithCancel(context.Background())
			defer cancel()
			calls := 0
			waiter := open(t, dir, docstore.Options{OnLockWait: func() { calls++; cancel() }})
			holder := waiter
			if !sameStore {
				holder = open(t, dir, docstore.Options{})
			}
			release := holdLock(t, holder)
			err := waiter.Update(ctx, func(tx *docstore.Tx) error { return tx.Put("a", []byte("1")) })
			if !errors.Is(err, context.Canceled) {
				t.Errorf("Update = %v, want context.Canceled", err)
			}
			if calls != 1 {
				t.Errorf("OnLockWait called %d times, want 1", calls)
			}
			release()
			err = waiter.View(context.Background(), func(tx *docstore.Tx) error {
				_, err := tx.Get("a")
				return err
			})
			if !errors.Is(err, fs.ErrNotExist) {
				t.Errorf("reading a after the canceled Update: %v, want fs.ErrNotExist", err)
			}
		})
		t.Run(name+", timeout", func(t *testing.T) {
			dir := t.TempDir()
			calls := 0
			waiter := open(t, dir, docstore.Options{LockTimeout: 20 * time.Millisecond, OnLockWait: func() { calls++ }})
			holder := waiter
			if !sameStore {
				holder = open(t, dir, docstore.Options{})
			}
			holdLock(t, holder)
			err := waiter.Update(context.Background(), func(tx *docstore.Tx) error { return tx.Put("a", []byte("1")) })
			if !errors.Is(err, docstore.ErrLockTimeout) {
				t.Errorf("Update = %v, want ErrLockTimeout", err)
			}
			if calls != 1 {
				t.Errorf("OnLockWait called %d times, want 1", calls)
			}
		})
	}
}

// TestOpenLockWaitEndsWithContext: Open too stops waiting when its context
// ends.
func TestOpenLockWaitEndsWithContext(t *testing.T) {
	t.Cleanup(docstore.SetLockNotice(time.Millisecond))
	dir := t.TempDir()
	holdLock(t, open(t, dir, docstore.Options{}))
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	_, err := docstore.Open(ctx, dir, docstore.Options{OnLockWait: cancel})
	if !errors.Is(err, context.Canceled) {
		t.Errorf("Open = %v, want context.Canceled", err)
	}
}

// TestCloseDoesNotWaitForAHungCopy: Close gives up its checkpoint, with a
// warning, when another copy holds the lock, and closes all the same.
func TestCloseDoesNotWaitForAHungCopy(t *testing.T) {
	t.Cleanup(docstore.SetCloseLockWait(10 * time.Millisecond))
	dir := t.TempDir()
	var warnings []error
	s := open(t, dir, docstore.Options{Warn: func(err error) { warnings = append(warnings, err) }})
	put(t, s, "a", "1")
	holdLock(t, open(t, dir, docstore.Options{}))
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	if len(warnings) != 1 || !errors.Is(warnings[0], context.DeadlineExceeded) {
		t.Errorf("warnings = %v, want one for the lock", warnings)
	}
	if err := s.View(context.Background(), func(*docstore.Tx) error { return nil }); err == nil {
		t.Error("the closed store still works")
	}
}
