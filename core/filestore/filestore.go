// Package filestore is the JSON files adapter of core's storage port: the
// bank's data as small JSON documents in a folder (db/), kept crash-safe
// and shared between processes by lib/docstore.
//
// It owns the layout and the format, which must not change:
//
//	accounts/<name>.json          one account, indented JSON
//	ledger/<name>/<YYYY-MM>.jsonl one month of one ledger, a JSON line per entry
//	orders/<name>.jsonl           one user's orders, a JSON line per order
//	bank.json                     the bank's settings
//
// Documents are decoded strictly (unknown fields and trailing data are
// refused) and checked (core.Account.Check, core.Entry.Check); anything
// else is core.ErrCorrupt naming the file, for the operator's log.
package filestore

import (
	"context"
	"errors"
	"fmt"

	"atmshop/core"
	"atmshop/lib/docstore"
)

// Store is a core.Store on a folder of JSON files.
type Store struct {
	docs *docstore.Store
}

// Open opens (creating it if needed) the data folder dir.
func Open(ctx context.Context, dir string, opts docstore.Options) (*Store, error) {
	docs, err := docstore.Open(ctx, dir, opts)
	if err != nil {
		return nil, busy(err)
	}
	return New(docs), nil
}

// New is a Store on a docstore opened by the caller (tests open it with a
// faulty file system).
func New(docs *docstore.Store) *Store { return &Store{docs: docs} }

// Close releases the folder.
func (s *Store) Close() error { return s.docs.Close() }

// Update runs fn in a transaction that may write.
func (s *Store) Update(ctx context.Context, fn func(core.Tx) error) error {
	return busy(s.docs.Update(ctx, func(d *docstore.Tx) error { return fn(s.tx(d)) }))
}

// View runs fn in a read-only transaction.
func (s *Store) View(ctx context.Context, fn func(core.Tx) error) error {
	return busy(s.docs.View(ctx, func(d *docstore.Tx) error { return fn(s.tx(d)) }))
}

func (s *Store) tx(d *docstore.Tx) *tx {
	return &tx{docs: d, store: s, ends: map[string]*ledgerEnd{}}
}

// busy turns docstore's lock timeout into core's ErrBusy, so core never
// tests for docstore's errors.
func busy(err error) error {
	if errors.Is(err, docstore.ErrLockTimeout) {
		return fmt.Errorf("%w (%v)", core.ErrBusy, err)
	}
	return err
}

// corrupt is core.ErrCorrupt about document doc.
func (s *Store) corrupt(doc, format string, args ...any) error {
	return fmt.Errorf("%w %s: %s", core.ErrCorrupt, s.docs.Path(doc), fmt.Sprintf(format, args...))
}
