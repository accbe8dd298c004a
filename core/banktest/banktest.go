// Package banktest builds what the tests of the rules and of the screens
// share: a bank with three users on an in-memory store (core/memstore),
// a fake clock and a log that records its entries.
package banktest

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/sirupsen/logrus"
	"github.com/sirupsen/logrus/hooks/test"

	"atmshop/core"
	"atmshop/core/memstore"
)

// Clock is a fake clock that tests move by hand.
type Clock struct{ now time.Time }

// NewClock is a clock stopped at now.
func NewClock(now time.Time) *Clock { return &Clock{now: now} }

// Now is the clock's time.
func (c *Clock) Now() time.Time { return c.now }

// Set stops the clock at t.
func (c *Clock) Set(t time.Time) { c.now = t }

// Advance moves the clock on by d.
func (c *Clock) Advance(d time.Duration) { c.now = c.now.Add(d) }

// Settings are the rules the tests run with: bcrypt at its minimum cost, a
// 5% withdrawal fee, a catalog of three items.
func Settings() core.Settings {
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

// Seeds are the users of Fixture: alice (1000.00, limit 15000.00), bob
// (50.00, no credit) and root (an admin, no money).
func Seeds() []core.UserSeed {
	return []core.UserSeed{
		{Name: "alice", Password: "alice-pw", Balance: 100000, CreditLimit: 1500000},
		{Name: "bob", Password: "bob-pw", Balance: 5000},
		{Name: "root", Password: "root-pw", Admin: true},
	}
}

// Fixture is a bank with the Seeds on a memstore, at 2026-11-25 10:00 UTC.
type Fixture struct {
	Store *memstore.Store
	Clock *Clock
	Bank  *core.Bank
	Logs  *test.Hook
}

// New builds a Fixture.
func New(t testing.TB) *Fixture {
	t.Helper()
	logger, hook := test.NewNullLogger()
	logger.SetLevel(logrus.DebugLevel)
	f := &Fixture{
		Store: memstore.New(),
		Clock: NewClock(time.Date(2026, 11, 25, 10, 0, 0, 0, time.UTC)),
		Logs:  hook,
	}
	f.Bank = &core.Bank{Store: f.Store, Settings: Settings(), Now: f.Clock.Now, Log: logger.WithField("component", "core")}
	if err := f.Bank.Bootstrap(context.Background(), Seeds()); err != nil {
		t.Fatalf("bootstrap: %v", err)
	}
	return f
}

// Balance is the named account's balance.
func (f *Fixture) Balance(t testing.TB, name string) core.Money {
	t.Helper()
	a, err := f.Bank.Account(context.Background(), name)
	if err != nil {
		t.Fatalf("account %s: %v", name, err)
	}
	return a.Balance
}

// Snapshot is the store's version, for AssertUnchanged.
func (f *Fixture) Snapshot() uint64 { return f.Store.Version() }

// AssertUnchanged fails if anything was written since Snapshot returned
// before: a refusal must change nothing.
func (f *Fixture) AssertUnchanged(t testing.TB, before uint64) {
	t.Helper()
	if after := f.Snapshot(); after != before {
		t.Errorf("the store was written %d times, want no change", after-before)
	}
}

// AddHugeMonth opens an account for name (password name+"-pw", no money)
// whose month holds 100 times in and out by MaxMoney: 1e19 fen each way,
// past the int64 range.
func (f *Fixture) AddHugeMonth(t testing.TB, name string, month core.Month) {
	t.Helper()
	ctx := context.Background()
	if err := f.Bank.AddAccount(ctx, "root", core.NewAccount{Name: name, Password: name + "-pw"}); err != nil {
		t.Fatal(err)
	}
	var entries []core.Entry
	for i := range 200 {
		e := core.Entry{ID: fmt.Sprintf("e-%d", i), Ref: fmt.Sprintf("r-%d", i), Time: month.Start(time.UTC).Add(time.Duration(i) * time.Second), Kind: core.KindRepayment, Amount: core.MaxMoney, BalanceAfter: core.MaxMoney}
		if i%2 == 1 {
			e.Kind, e.Amount, e.BalanceAfter = core.KindWithdrawal, -core.MaxMoney, 0
		}
		entries = append(entries, e)
	}
	err := f.Store.Update(ctx, func(tx core.Tx) error { return tx.AppendEntries(name, month, entries...) })
	if err != nil {
		t.Fatal(err)
	}
}

// Audit fails the test unless the bank's books balance: the balances of
// all accounts, the bank's own included, add up to zero. (Each ledger ends
// at its account's balance: the store refuses a posting otherwise.)
func (f *Fixture) Audit(t testing.TB) {
	t.Helper()
	var sum int64
	balances := map[string]core.Money{}
	err := f.Store.View(context.Background(), func(tx core.Tx) error {
		sum = 0
		for after := ""; ; {
			names, err := tx.AccountNames(after, 100)
			if err != nil || len(names) == 0 {
				return err
			}
			for _, name := range names {
				a, err := tx.Account(name)
				if err != nil {
					return err
				}
				sum += int64(a.Balance)
				balances[name] = a.Balance
			}
			after = names[len(names)-1]
		}
	})
	if err != nil {
		t.Fatalf("audit: %v", err)
	}
	if sum != 0 {
		t.Errorf("audit: the balances of all accounts add up to %d fen, want 0: %v", sum, balances)
	}
}
