package main

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/sirupsen/logrus"

	"atmshop/core"
	"atmshop/core/banktest"
	"atmshop/core/filestore"
	"atmshop/core/pgstore/pgtest"
	"atmshop/lib/docstore"
)

func TestMain(m *testing.M) { os.Exit(pgtest.Main(m)) }

// filesBank makes a files bank with the fixture's users in root/db and a
// config naming it.
func filesBank(t *testing.T) (config string) {
	t.Helper()
	ctx := context.Background()
	root := t.TempDir()
	s, err := filestore.Open(ctx, filepath.Join(root, "db"), docstore.Options{})
	if err != nil {
		t.Fatal(err)
	}
	b := &core.Bank{Store: s, Settings: banktest.Settings(), Now: time.Now, Log: logrus.NewEntry(logrus.New())}
	if err := b.SetUpZone(ctx, "UTC", func() (string, error) { return "UTC", nil }); err != nil {
		t.Fatal(err)
	}
	if err := b.Bootstrap(ctx, banktest.Seeds()); err != nil {
		t.Fatal(err)
	}
	if _, err := b.Transfer(ctx, core.TransferRequest{Ref: core.NewTransferRef(), From: "alice", To: "bob", Amount: 700}); err != nil {
		t.Fatal(err)
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	config = filepath.Join(root, "config.ini")
	if err := os.WriteFile(config, []byte("[bank]\ntime_zone = UTC\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	return config
}

func TestMoveIntoPostgres(t *testing.T) {
	dsn := pgtest.DSN(t)
	config := filesBank(t)
	var out, errOut bytes.Buffer
	if err := run(context.Background(), []string{"-config", config, "-to", dsn}, &out, &errOut); err != nil {
		t.Fatalf("move: %v (%s)", err, errOut.String())
	}
	if got, want := out.String(), "Moved 4 accounts, 6 ledger lines and 0 orders (balances total 1,050.00)"; !strings.HasPrefix(got, want) {
		t.Errorf("move printed %q, want it to start %q", got, want)
	}
	out.Reset()
	err := run(context.Background(), []string{"-config", config, "-to", dsn}, &out, &errOut)
	if err == nil || !strings.Contains(err.Error(), "empty database") {
		t.Errorf("a second move into the same database: %v, want a refusal", err)
	}
}
