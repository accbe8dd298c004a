package filestore_test

import (
	"context"
	"fmt"
	"io"
	"testing"
	"time"

	"github.com/sirupsen/logrus"

	"atmshop/core"
	"atmshop/core/filestore"
	"atmshop/lib/docstore"
)

// The benchmarks run on a real docstore in b.TempDir(), so they measure the
// disk: every Transfer is durable (journal fsync) before it returns. Run
// them with, for example:
//
//	go test -run XXX -bench . -benchtime 200x ./core/filestore
//
// They report numbers only; nothing here asserts a time.

// benchStart is the fixed time of the benchmarks' clock.
var benchStart = time.Date(2026, 12, 15, 10, 0, 0, 0, time.UTC)

// benchBank opens a docstore in a fresh temporary folder and returns a bank
// on it with users alex and bo (100,000.00 each) and cleo (no money, so no
// ledger entry yet), all with password "benchpass" at bcrypt cost 4. Info entries are not even formatted: logging is measured
// by bin/bench, not here.
func benchBank(b *testing.B) (*core.Bank, *docstore.Store) {
	b.Helper()
	store, err := docstore.Open(context.Background(), b.TempDir(), docstore.Options{})
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { store.Close() })
	logger := logrus.New()
	logger.SetOutput(io.Discard)
	logger.SetLevel(logrus.WarnLevel)
	bank := &core.Bank{
		Store: filestore.New(store),
		Settings: core.Settings{
			SessionTimeout:     10 * time.Minute,
			MaxFailedLogins:    3,
			LockoutDuration:    15 * time.Minute,
			MinPasswordLength:  6,
			BcryptCost:         4, // bcrypt.MinCost
			WithdrawFeePercent: 5,
		},
		Now: func() time.Time { return benchStart },
		Log: logger.WithField("component", "bench"),
	}
	seeds := []core.UserSeed{
		{Name: "alex", Password: "benchpass", Balance: 10_000_000},
		{Name: "bo", Password: "benchpass", Balance: 10_000_000},
		{Name: "cleo", Password: "benchpass"},
	}
	if err := bank.Bootstrap(context.Background(), seeds); err != nil {
		b.Fatal(err)
	}
	return bank, store
}

// BenchmarkTransfer is one durable transfer: two account documents and two
// ledger lines in one journal record. fsyncs/op counts every fsync the
// store made, checkpoints included.
func BenchmarkTransfer(b *testing.B) {
	bank, store := benchBank(b)
	from, to := "alex", "bo"
	before := store.Fsyncs()
	for b.Loop() {
		if _, err := bank.Transfer(context.Background(), core.TransferRequest{Ref: core.NewTransferRef(), From: from, To: to, Amount: 1}); err != nil {
			b.Fatal(err)
		}
		from, to = to, from
	}
	b.ReportMetric(float64(store.Fsyncs()-before)/float64(b.N), "fsyncs/op")
}

// BenchmarkStatement reads the last month of a user with 1 month and with
// 12 months of history, entriesPerMonth entries each: the two should cost
// the same, since a statement reads one month's file only.
func BenchmarkStatement(b *testing.B) {
	const entriesPerMonth = 200
	for _, months := range []int{1, 12} {
		b.Run(fmt.Sprintf("months=%d", months), func(b *testing.B) {
			bank, _ := benchBank(b)
			last := fillHistory(b, bank, "cleo", months, entriesPerMonth)
			s, err := bank.Statement(context.Background(), "cleo", last)
			if err != nil {
				b.Fatal(err)
			}
			if got, want := len(s.Entries), entriesPerMonth; got != want {
				b.Fatalf("statement of %s has %d entries, want %d", last.Format("2006-01"), got, want)
			}
			for b.Loop() {
				if _, err := bank.Statement(context.Background(), "cleo", last); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// fillHistory gives name perMonth repayments in each of the months before
// benchStart's month and that month itself, and returns that last month.
// It runs the real Bank.Repay, all inside one docstore transaction
// (through oneTx), so the setup costs one fsync instead of one per entry.
func fillHistory(b *testing.B, bank *core.Bank, name string, months, perMonth int) time.Time {
	b.Helper()
	first := benchStart.AddDate(0, -(months - 1), 0)
	err := bank.Store.Update(context.Background(), func(tx core.Tx) error {
		batch := *bank
		batch.Store = oneTx{tx}
		for m := range months {
			day := first.AddDate(0, m, 0)
			for i := range perMonth {
				at := day.Add(time.Duration(i) * time.Second)
				batch.Now = func() time.Time { return at }
				if err := batch.Repay(context.Background(), name, 1); err != nil {
					return err
				}
			}
		}
		return nil
	})
	if err != nil {
		b.Fatal(err)
	}
	return benchStart
}

// oneTx is a core.Store whose every transaction is the same open
// transaction: many Bank calls then commit together.
type oneTx struct{ tx core.Tx }

func (o oneTx) Update(_ context.Context, fn func(core.Tx) error) error { return fn(o.tx) }
func (o oneTx) View(_ context.Context, fn func(core.Tx) error) error   { return fn(o.tx) }

// BenchmarkAuthenticate is a successful login at bcrypt cost 4 (the
// shipped config.ini uses 10, where bcrypt alone takes about 64 times
// longer): a read, the bcrypt check and a transaction that writes nothing.
func BenchmarkAuthenticate(b *testing.B) {
	bank, store := benchBank(b)
	before := store.Fsyncs()
	for b.Loop() {
		if _, err := bank.Authenticate(context.Background(), "alex", "benchpass"); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(store.Fsyncs()-before)/float64(b.N), "fsyncs/op")
}
