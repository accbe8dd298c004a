package pgstore_test

import (
	"errors"
	"testing"
	"time"

	"github.com/sirupsen/logrus"
	"github.com/sirupsen/logrus/hooks/test"

	"atmshop/core"
	"atmshop/core/banktest"
)

// TestDamagedValueIsCorrupt: a value the program never writes, which does
// not fit its Go type when read (bills that are not a list of bills, a
// timestamp of 'infinity'), is damaged data: an error wrapping
// core.ErrCorrupt, not a failed connection, and the transaction reading
// it goes on to read the rest.
func TestDamagedValueIsCorrupt(t *testing.T) {
	s := open(t)
	at := time.Date(2026, 11, 25, 10, 0, 0, 0, time.UTC)
	if err := s.Update(ctx, func(tx core.Tx) error {
		for _, name := range []string{"alice", "bob"} {
			if err := tx.SaveAccount(&core.Account{Name: name, PasswordHash: "x", Created: at, Updated: at}); err != nil {
				return err
			}
		}
		return tx.AppendEntries("bob", core.MonthOf(at), core.Entry{ID: "e-1", Ref: "r-1", Time: at, Kind: core.KindRepayment, Amount: 1, BalanceAfter: 1})
	}); err != nil {
		t.Fatal(err)
	}
	for _, damage := range []string{
		`UPDATE accounts SET bills = '{"a": 1}' WHERE name = 'alice'`,
		`UPDATE accounts SET bills = '[1]' WHERE name = 'alice'`,
		`UPDATE accounts SET bills = '[{"date": "yesterday"}]' WHERE name = 'alice'`,
		`UPDATE accounts SET locked_until = 'infinity' WHERE name = 'alice'`,
	} {
		exec(t, s, `UPDATE accounts SET bills = '[]', locked_until = created WHERE name = 'alice'`)
		exec(t, s, damage)
		for _, view := range []struct {
			name string
			run  func(func(core.Tx) error) error
		}{{"View", func(fn func(core.Tx) error) error { return s.View(ctx, fn) }}, {"Update", func(fn func(core.Tx) error) error { return s.Update(ctx, fn) }}} {
			tries := 0
			var bob *core.Account
			err := view.run(func(tx core.Tx) error {
				tries++
				_, err := tx.Account("alice")
				if !errors.Is(err, core.ErrCorrupt) {
					return err
				}
				bob, err = tx.Account("bob")
				return err
			})
			if err != nil || tries != 1 || bob == nil {
				t.Errorf("%s: %s, then bob: %v after %d tries; want alice corrupt, bob read, after 1 try", damage, view.name, err, tries)
			}
		}
	}

	exec(t, s, `UPDATE entries SET at = 'infinity' WHERE account = 'bob'`)
	err := s.View(ctx, func(tx core.Tx) error {
		_, err := tx.MonthEntries("bob", core.MonthOf(at))
		return err
	})
	if !errors.Is(err, core.ErrCorrupt) {
		t.Errorf("an entry at 'infinity': %v; want ErrCorrupt", err)
	}
}

// TestBookAllSkipsDamagedAccount: the admin's "book every account" counts
// an account whose row cannot be read as unreadable and books the others,
// as it does on the files store, rather than stopping at it.
func TestBookAllSkipsDamagedAccount(t *testing.T) {
	s := open(t)
	logger, logs := test.NewNullLogger()
	settings := banktest.Settings()
	settings.Credit = core.CreditRules{StatementDay: 22, DueDay: 10, DailyInterestPPM: 500, MinimumPaymentPercent: 10}
	clock := banktest.NewClock(time.Date(2026, 11, 25, 9, 0, 0, 0, time.UTC))
	bank := &core.Bank{Store: s, Settings: settings, Now: clock.Now, Log: logger.WithField("component", "core")}
	if err := bank.SetUpBooks(ctx); err != nil {
		t.Fatal(err)
	}
	if err := bank.Bootstrap(ctx, banktest.Seeds()); err != nil {
		t.Fatal(err)
	}
	if _, err := bank.Withdraw(ctx, "alice", 200000); err != nil { // alice owes: she has days to book
		t.Fatal(err)
	}
	clock.Set(time.Date(2026, 12, 1, 9, 0, 0, 0, time.UTC))
	// "alice" sorts before "bob": a store that stops at bob has booked her.
	exec(t, s, `UPDATE accounts SET bills = '{"a": 1}' WHERE name = 'bob'`)
	changed, unreadable, err := bank.BookAll(ctx, "root")
	if err != nil || unreadable != 1 || changed != 1 {
		t.Errorf("BookAll: %d changed, %d unreadable, %v; want alice booked, bob unreadable, no error", changed, unreadable, err)
	}
	found := false
	for _, e := range logs.AllEntries() {
		if err, ok := e.Data[logrus.ErrorKey].(error); ok && e.Data["target"] == "bob" {
			found = errors.Is(err, core.ErrCorrupt)
		}
	}
	if !found {
		t.Errorf("no log line about bob's damaged account wrapping ErrCorrupt")
	}
}
