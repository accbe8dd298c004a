package core

import (
	"context"

	"atmshop/lib/docstore"
)

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
	return d.s.Update(ctx, func(tx *docstore.Tx) error { return fn(tx) })
}

func (d docStore) View(ctx context.Context, fn func(Tx) error) error {
	return d.s.View(ctx, func(tx *docstore.Tx) error { return fn(tx) })
}

func (d docStore) Path(name string) string { return d.s.Path(name) }
