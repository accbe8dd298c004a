// Package memstore is an in-memory adapter of core's storage port, for
// tests: fast, and able to fail or hold damaged data on demand.
//
// Transactions run one at a time (a mutex), so they are isolated; Update
// works on a copy of the maps it changes and keeps it only if fn succeeds.
package memstore

import (
	"context"
	"fmt"
	"maps"
	"slices"
	"sync"

	"atmshop/core"
)

// Store is a core.Store in memory. The zero value is not ready: use New.
type Store struct {
	mu      sync.Mutex
	data    state
	version uint64
	// failing, when set, makes every Update that writes fail with it,
	// keeping nothing.
	failing error
	// failAfterCommit, when set, makes every Update that writes keep its
	// writes and then fail with it, like a store whose commit is durable
	// but whose apply fails.
	failAfterCommit error
}

// state is the data. Its maps are copied on write by a transaction, never
// changed in place, so a failed Update leaves them as they were.
type state struct {
	accounts map[string]core.Account
	damaged  map[string]string // name or name/month -> what is wrong
	ledger   map[string]map[core.Month][]core.Entry
	orders   map[string][]core.Order
	settings *core.BankSettings
}

// New returns an empty store.
func New() *Store {
	return &Store{data: state{
		accounts: map[string]core.Account{},
		damaged:  map[string]string{},
		ledger:   map[string]map[core.Month][]core.Entry{},
		orders:   map[string][]core.Order{},
	}}
}

// FailWrites makes every later Update that writes fail with err and keep
// nothing; nil ends it.
func (s *Store) FailWrites(err error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.failing = err
}

// FailAfterCommit makes every later Update that writes keep its writes and
// then return err, as if the commit were durable but its confirmation
// lost; nil ends it.
func (s *Store) FailAfterCommit(err error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.failAfterCommit = err
}

// Version counts the Updates that wrote: equal versions mean nothing changed.
func (s *Store) Version() uint64 {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.version
}

// Ledger is a copy of name's whole ledger by month, for tests to inspect.
func (s *Store) Ledger(name string) map[core.Month][]core.Entry {
	s.mu.Lock()
	defer s.mu.Unlock()
	ledger := map[core.Month][]core.Entry{}
	for m, entries := range s.data.ledger[name] {
		ledger[m] = slices.Clone(entries)
	}
	return ledger
}

// DamageSettings makes the bank's settings unreadable (core.ErrCorrupt).
func (s *Store) DamageSettings() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.data.damaged[settingsKey] = "damaged by the test"
}

// settingsKey is the settings' key in damaged: not a user name.
const settingsKey = "bank settings"

// DamageAccount makes the named account unreadable (core.ErrCorrupt).
func (s *Store) DamageAccount(name string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.data.damaged[name] = "damaged by the test"
	if _, ok := s.data.accounts[name]; !ok {
		s.data.accounts[name] = core.Account{Name: name}
	}
}

// DamageLedger makes the month of name's ledger unreadable (core.ErrCorrupt).
func (s *Store) DamageLedger(name string, month core.Month) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.data.damaged[name+"/"+month.String()] = "damaged by the test"
	if s.data.ledger[name] == nil {
		s.data.ledger[name] = map[core.Month][]core.Entry{}
	}
	if _, ok := s.data.ledger[name][month]; !ok {
		s.data.ledger[name][month] = nil
	}
}

// Update runs fn in a transaction that may write.
func (s *Store) Update(ctx context.Context, fn func(core.Tx) error) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if err := ctx.Err(); err != nil {
		return err
	}
	t := &tx{data: s.data}
	t.data.accounts = maps.Clone(s.data.accounts)
	t.data.ledger = maps.Clone(s.data.ledger)
	t.data.orders = maps.Clone(s.data.orders)
	if err := fn(t); err != nil {
		return err
	}
	if !t.wrote {
		return nil
	}
	if s.failing != nil {
		return s.failing
	}
	s.data = t.data
	s.version++
	return s.failAfterCommit
}

// View runs fn in a read-only transaction.
func (s *Store) View(ctx context.Context, fn func(core.Tx) error) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if err := ctx.Err(); err != nil {
		return err
	}
	return fn(&tx{data: s.data, readOnly: true})
}

type tx struct {
	data     state
	readOnly bool
	wrote    bool
}

func (t *tx) write() error {
	if t.readOnly {
		return fmt.Errorf("memstore: write in a View")
	}
	t.wrote = true
	return nil
}

func (t *tx) damage(key string) error {
	if what, ok := t.data.damaged[key]; ok {
		return fmt.Errorf("%w memstore %s: %s", core.ErrCorrupt, key, what)
	}
	return nil
}

func (t *tx) Account(name string) (*core.Account, error) {
	a, ok := t.data.accounts[name]
	if !ok {
		return nil, core.ErrNoAccount
	}
	if err := t.damage(name); err != nil {
		return nil, err
	}
	if err := a.Check(name); err != nil {
		return nil, fmt.Errorf("%w memstore account %s: %v", core.ErrCorrupt, name, err)
	}
	a.Bills = slices.Clone(a.Bills) // the caller's to change
	return &a, nil
}

func (t *tx) HasAccount(name string) (bool, error) {
	_, ok := t.data.accounts[name]
	return ok, nil
}

func (t *tx) SaveAccount(a *core.Account) error {
	if err := t.write(); err != nil {
		return err
	}
	if err := core.CheckAccountName(a.Name); err != nil {
		return err
	}
	stored := *a
	stored.Bills = slices.Clone(a.Bills)
	t.data.accounts[a.Name] = stored
	return nil
}

func (t *tx) AccountNames(after string, limit int) ([]string, error) {
	var names []string
	for name := range t.data.accounts {
		if name > after {
			names = append(names, name)
		}
	}
	slices.Sort(names)
	return names[:min(len(names), max(0, limit))], nil
}

// months lists name's ledger months, oldest first.
func (t *tx) months(name string) []core.Month {
	return slices.SortedFunc(maps.Keys(t.data.ledger[name]), core.Month.Compare)
}

func (t *tx) LastEntry(name string) (*core.Entry, error) {
	months := t.months(name)
	for i := len(months) - 1; i >= 0; i-- {
		entries, err := t.MonthEntries(name, months[i])
		if err != nil {
			return nil, err
		}
		if n := len(entries); n > 0 {
			return &entries[n-1], nil
		}
	}
	return nil, nil
}

func (t *tx) AppendEntries(name string, month core.Month, entries ...core.Entry) error {
	if err := t.write(); err != nil {
		return err
	}
	prev, err := t.LastEntry(name)
	if err != nil {
		return err
	}
	for _, e := range entries {
		if prev != nil && prev.BalanceAfter != e.BalanceAfter-e.Amount {
			return fmt.Errorf("%w memstore ledger %s: the last entry leaves the balance at %s but the account holds %s", core.ErrCorrupt, name, prev.BalanceAfter, e.BalanceAfter-e.Amount)
		}
		prev = &e
	}
	ledger := maps.Clone(t.data.ledger[name])
	if ledger == nil {
		ledger = map[core.Month][]core.Entry{}
	}
	ledger[month] = append(slices.Clip(ledger[month]), entries...)
	t.data.ledger[name] = ledger
	return nil
}

func (t *tx) MonthEntries(name string, month core.Month) ([]core.Entry, error) {
	if err := t.damage(name + "/" + month.String()); err != nil {
		return nil, err
	}
	entries := slices.Clone(t.data.ledger[name][month])
	for i := range entries {
		if err := entries[i].Check(); err != nil {
			return nil, fmt.Errorf("%w memstore ledger %s %s: %v", core.ErrCorrupt, name, month, err)
		}
	}
	return entries, nil
}

func (t *tx) BalanceBefore(name string, month core.Month) (core.Money, error) {
	months := t.months(name)
	i, _ := slices.BinarySearchFunc(months, month, core.Month.Compare)
	for i--; i >= 0; i-- {
		entries, err := t.MonthEntries(name, months[i])
		if err != nil {
			return 0, err
		}
		if n := len(entries); n > 0 {
			return entries[n-1].BalanceAfter, nil
		}
	}
	return 0, nil
}

// FindRef searches the latest two months whatever deep says: that is
// more than the port promises when not deep, and costs nothing here.
func (t *tx) FindRef(name, ref string, deep bool) (*core.Entry, error) {
	months := t.months(name)
	for _, m := range months[max(0, len(months)-2):] {
		entries, err := t.MonthEntries(name, m)
		if e := core.EntryWithRef(entries, ref); e != nil || err != nil {
			return e, err
		}
	}
	return nil, nil
}

func (t *tx) AppendOrder(name string, o core.Order) error {
	if err := t.write(); err != nil {
		return err
	}
	o.Lines = slices.Clone(o.Lines)
	t.data.orders[name] = append(slices.Clip(t.data.orders[name]), o)
	return nil
}

func (t *tx) Orders(name string) ([]core.Order, error) {
	return slices.Clone(t.data.orders[name]), nil
}

func (t *tx) Order(name, id string) (*core.Order, error) {
	orders := t.data.orders[name]
	for i := len(orders) - 1; i >= 0; i-- {
		if orders[i].ID == id {
			o := orders[i]
			return &o, nil
		}
	}
	return nil, core.ErrNoOrder
}

func (t *tx) BankSettings() (core.BankSettings, error) {
	if err := t.damage(settingsKey); err != nil {
		return core.BankSettings{}, err
	}
	if t.data.settings == nil {
		return core.BankSettings{}, core.ErrNoSettings
	}
	return *t.data.settings, nil
}

func (t *tx) SaveBankSettings(s core.BankSettings) error {
	if err := t.write(); err != nil {
		return err
	}
	t.data.settings = &s
	return nil
}
