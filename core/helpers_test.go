package core_test

import (
	"bytes"
	"context"
	"errors"

	"io/fs"
	"maps"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"atmshop/core"

	"github.com/sirupsen/logrus"
	"github.com/sirupsen/logrus/hooks/test"
)

// memStore is an in-memory core.Store: fast, and able to fail on demand.
type memStore struct {
	mu      sync.Mutex
	files   map[string][]byte
	failing error // when set, every Update that writes fails with it
	// failAfterCommit, when set, makes every Update that writes apply its
	// writes and then fail with it, like a store whose commit is durable
	// but whose apply fails.
	failAfterCommit error
}

func newMemStore() *memStore { return &memStore{files: map[string][]byte{}} }

func (m *memStore) Path(name string) string { return "db/" + name }

func (m *memStore) View(_ context.Context, fn func(core.Tx) error) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	return fn(&memTx{m: m, readOnly: true})
}

func (m *memStore) Update(_ context.Context, fn func(core.Tx) error) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	tx := &memTx{m: m, writes: map[string][]byte{}}
	if err := fn(tx); err != nil {
		return err
	}
	if len(tx.writes) > 0 && m.failing != nil {
		return m.failing
	}
	maps.Copy(m.files, tx.writes)
	if len(tx.writes) > 0 {
		return m.failAfterCommit
	}
	return nil
}

type memTx struct {
	m        *memStore
	writes   map[string][]byte
	readOnly bool
}

func (tx *memTx) Get(name string) ([]byte, error) {
	if d, ok := tx.writes[name]; ok {
		return d, nil
	}
	if d, ok := tx.m.files[name]; ok {
		return d, nil
	}
	return nil, fs.ErrNotExist
}

func (tx *memTx) Tail(name string, n int) ([]byte, error) {
	d, err := tx.Get(name)
	return d[max(0, len(d)-n):], err
}

func (tx *memTx) Put(name string, data []byte) error {
	if tx.readOnly {
		return errors.New("read-only transaction")
	}
	tx.writes[name] = slices.Clone(data)
	return nil
}

func (tx *memTx) Append(name string, data []byte) error {
	old, err := tx.Get(name)
	if err != nil && !errors.Is(err, fs.ErrNotExist) {
		return err
	}
	return tx.Put(name, append(slices.Clone(old), data...))
}

func (tx *memTx) List(dir string) ([]string, error) {
	seen := map[string]bool{}
	for _, files := range []map[string][]byte{tx.m.files, tx.writes} {
		for name := range files {
			if rest, ok := strings.CutPrefix(name, dir+"/"); ok && !strings.Contains(rest, "/") {
				seen[rest] = true
			}
		}
	}
	return slices.Sorted(maps.Keys(seen)), nil
}

// clock is a fake clock that tests move by hand.
type clock struct{ now time.Time }

func (c *clock) Now() time.Time          { return c.now }
func (c *clock) Advance(d time.Duration) { c.now = c.now.Add(d) }

func testSettings() core.Settings {
	return core.Settings{
		SessionTimeout:     10 * time.Minute,
		CreditLimit:        1500000,
		WithdrawFeePercent: 5,
		MaxFailedLogins:    3,
		LockoutDuration:    15 * time.Minute,
		MinPasswordLength:  6,
		BcryptCost:         4, // bcrypt.MinCost: tests don't need slow hashes
		Catalog: []core.Item{
			{Name: "Coffee beans 1kg", Price: 8990},
			{Name: "Kettle", Price: 19900},
			{Name: "Notebook", Price: 1250},
		},
	}
}

// fixture is a bank with users alice (1000.00, limit 15000.00), bob
// (50.00, no credit) and root (an admin), on a fake store and clock.
type fixture struct {
	store *memStore
	clock *clock
	bank  *core.Bank
	logs  *test.Hook
}

func newFixture(t *testing.T) *fixture {
	t.Helper()
	logger, hook := test.NewNullLogger()
	logger.SetLevel(logrus.DebugLevel)
	f := &fixture{
		store: newMemStore(),
		clock: &clock{now: time.Date(2026, 11, 25, 10, 0, 0, 0, time.UTC)},
		logs:  hook,
	}
	f.bank = &core.Bank{Store: f.store, Settings: testSettings(), Now: f.clock.Now, Log: logger.WithField("component", "core")}
	seeds := []core.UserSeed{
		{Name: "alice", Password: "alice-pw", Balance: 100000, CreditLimit: 1500000},
		{Name: "bob", Password: "bob-pw", Balance: 5000},
		{Name: "root", Password: "root-pw", Admin: true},
	}
	if err := f.bank.Bootstrap(context.Background(), seeds); err != nil {
		t.Fatalf("bootstrap: %v", err)
	}
	return f
}

func (f *fixture) balance(t *testing.T, name string) core.Money {
	t.Helper()
	a, err := f.bank.Account(context.Background(), name)
	if err != nil {
		t.Fatalf("account %s: %v", name, err)
	}
	return a.Balance
}

// snapshot copies every stored file, to prove a refusal changed nothing.
func (f *fixture) snapshot() map[string][]byte {
	f.store.mu.Lock()
	defer f.store.mu.Unlock()
	return maps.Clone(f.store.files)
}

func (f *fixture) assertUnchanged(t *testing.T, before map[string][]byte) {
	t.Helper()
	after := f.snapshot()
	if !maps.EqualFunc(before, after, bytes.Equal) {
		t.Errorf("stored files changed, want none changed")
	}
}
