package filestore_test

import (
	"context"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/sirupsen/logrus"
	"github.com/sirupsen/logrus/hooks/test"

	"atmshop/core"
	"atmshop/core/banktest"
	"atmshop/core/filestore"
	"atmshop/lib/docstore"
)

func testSettings() core.Settings { return banktest.Settings() }

// fileBank is a bank on a filestore in a temporary folder, with
// banktest's users and clock; its files can be read and written directly.
type fileBank struct {
	dir   string
	docs  *docstore.Store
	store *filestore.Store
	clock *banktest.Clock
	bank  *core.Bank
	logs  *test.Hook
}

// newFileBank opens dir (a new temporary folder if "") with opts and
// bootstraps seeds.
func newFileBank(t *testing.T, dir string, opts docstore.Options, seeds []core.UserSeed) *fileBank {
	t.Helper()
	if dir == "" {
		dir = t.TempDir()
	}
	docs, err := docstore.Open(context.Background(), dir, opts)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { docs.Close() })
	logger, hook := test.NewNullLogger()
	logger.SetLevel(logrus.DebugLevel)
	f := &fileBank{dir: dir, docs: docs, store: filestore.New(docs), clock: banktest.NewClock(time.Date(2026, 11, 25, 10, 0, 0, 0, time.UTC)), logs: hook}
	f.bank = &core.Bank{Store: f.store, Settings: testSettings(), Now: f.clock.Now, Log: logger.WithField("component", "core")}
	if err := f.bank.Bootstrap(context.Background(), seeds); err != nil {
		t.Fatalf("bootstrap: %v", err)
	}
	return f
}

// read is a data file's bytes; "" if it is missing.
func (f *fileBank) read(t *testing.T, name string) string {
	t.Helper()
	data, err := os.ReadFile(filepath.Join(f.dir, filepath.FromSlash(name)))
	if err != nil && !os.IsNotExist(err) {
		t.Fatal(err)
	}
	return string(data)
}

// write replaces a data file behind the store's back, as a hand edit or
// damage would.
func (f *fileBank) write(t *testing.T, name, data string) {
	t.Helper()
	path := filepath.Join(f.dir, filepath.FromSlash(name))
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, []byte(data), 0o600); err != nil {
		t.Fatal(err)
	}
}

func (f *fileBank) balance(t *testing.T, name string) core.Money {
	t.Helper()
	a, err := f.bank.Account(context.Background(), name)
	if err != nil {
		t.Fatalf("account %s: %v", name, err)
	}
	return a.Balance
}
