package core

import (
	"context"
	"errors"
	"fmt"

	"atmshop/lib/docstore"
)

// ErrBusy is wrapped by the error of a transaction that waited too long
// for the store's lock: another copy of the program holds it, stopped or
// hung.
var ErrBusy = errors.New("another copy of atmshop is using the data")

// Store is what core needs from storage: all-or-nothing transactions over
// named documents. *docstore.Store provides it through DocStore; tests can
// wrap it to inject failures. A transaction that waits for a lock stops
// waiting when ctx ends.
type Store interface {
	Update(ctx context.Context, fn func(Tx) error) error
	View(ctx context.Context, fn func(Tx) error) error
	// Path names a document's file, for error messages.
	Path(name string) string
}

// Tx reads and writes documents inside one transaction.
type Tx interface {
	Get(name string) ([]byte, error)
	// Tail is the last n bytes of a document (all of it if shorter),
	// reading only those.
	Tail(name string, n int) ([]byte, error)
	Put(name string, data []byte) error
	Append(name string, data []byte) error
	List(dir string) ([]string, error)
}

// DocStore adapts a *docstore.Store to Store. Go has no variance for func
// parameters, so the callback types need this one-line bridge.
func DocStore(s *docstore.Store) Store { return docStore{s} }

type docStore struct{ s *docstore.Store }

func (d docStore) Update(ctx context.Context, fn func(Tx) error) error {
	return storeError(d.s.Update(ctx, func(tx *docstore.Tx) error { return fn(tx) }))
}

func (d docStore) View(ctx context.Context, fn func(Tx) error) error {
	return storeError(d.s.View(ctx, func(tx *docstore.Tx) error { return fn(tx) }))
}

// storeError turns the store's own errors that core acts on into core's
// sentinels, so that core never tests for docstore's errors.
func storeError(err error) error {
	if errors.Is(err, docstore.ErrLockTimeout) {
		return fmt.Errorf("%w (%v)", ErrBusy, err)
	}
	return err
}

func (d docStore) Path(name string) string { return d.s.Path(name) }
