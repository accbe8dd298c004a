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
	"bytes"
	"context"
	"errors"
	"fmt"
	"io/fs"
	"slices"
	"sync"

	"atmshop/core"
	"atmshop/lib/docstore"
)

// Store is a core.Store on a folder of JSON files.
type Store struct {
	docs *docstore.Store

	// months keeps the month files of the ledgers this Store has listed,
	// for as long as the docstore's epoch says that only this Store wrote:
	// finding a ledger's latest month then needs no folder listing.
	mu     sync.Mutex
	epoch  uint64
	months map[string][]core.Month

	// accounts and lastEntries keep the accounts, and the last entries of
	// ledger months, this Store decoded or wrote lately: one read again
	// unchanged (saved or appended by the transaction before, a recipient
	// peeked at before the transfer) is not decoded again.
	accounts    decodedCache[core.Account]
	lastEntries decodedCache[core.Entry]
}

// maxKeptMonths bounds how many ledgers' month lists a Store keeps.
const maxKeptMonths = 4096

// decodeAccount decodes and checks the account file of name, whose
// content is data.
func (s *Store) decodeAccount(name string, data []byte) (*core.Account, error) {
	doc := accountDoc(name)
	a, ok := s.accounts.get(doc, data)
	if !ok {
		var r account
		if err := decodeStrict(data, &r); err != nil {
			return nil, s.corrupt(doc, "%v", err)
		}
		a = r.domain()
		if err := a.Check(name); err != nil {
			return nil, s.corrupt(doc, "%v", err)
		}
		s.accounts.put(doc, bytes.Clone(data), a)
	}
	a.Bills = slices.Clone(a.Bills) // the kept account's are its own
	return &a, nil
}

// PeekAccount reads the account name without a transaction, taking no
// lock (see core.AccountPeeker and docstore.Store.Peek): the file as it is
// on the disk, which may be stale or caught half written.
func (s *Store) PeekAccount(name string) (*core.Account, error) {
	if core.CheckAccountName(name) != nil {
		return nil, core.ErrNoAccount
	}
	data, err := s.docs.Peek(accountDoc(name))
	if errors.Is(err, fs.ErrNotExist) {
		return nil, core.ErrNoAccount
	}
	if err != nil {
		return nil, fmt.Errorf("peek at account %s: %w", name, err)
	}
	return s.decodeAccount(name, data)
}

// keptMonths returns the month files of name's ledger as kept in epoch.
func (s *Store) keptMonths(epoch uint64, name string) ([]core.Month, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	m, ok := s.months[name]
	if !ok || s.epoch != epoch {
		return nil, false
	}
	return slices.Clone(m), true
}

// keepMonths keeps the month lists a transaction of epoch ended with.
// It is called before the commit: a commit that fails changes the epoch.
func (s *Store) keepMonths(epoch uint64, ends map[string]*ledgerEnd) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.epoch != epoch || len(s.months)+len(ends) > maxKeptMonths {
		s.epoch, s.months = epoch, map[string][]core.Month{}
	}
	for name, end := range ends {
		s.months[name] = slices.Clone(end.months)
	}
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
	return busy(s.docs.Update(ctx, s.run(fn)))
}

// View runs fn in a read-only transaction.
func (s *Store) View(ctx context.Context, fn func(core.Tx) error) error {
	return busy(s.docs.View(ctx, s.run(fn)))
}

// run adapts fn to a docstore transaction; when it succeeds, the ledgers'
// month lists it ended with are kept.
func (s *Store) run(fn func(core.Tx) error) func(*docstore.Tx) error {
	return func(d *docstore.Tx) error {
		t := s.tx(d)
		if err := fn(t); err != nil {
			return err
		}
		s.keepMonths(d.Epoch(), t.ends)
		return nil
	}
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
