package pgstore_test

import (
	"errors"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgconn"
	"github.com/sirupsen/logrus"

	"atmshop/core"
	"atmshop/core/banktest"
)

// TestInterestOncePerAccountAndDay: copies of the program booking the same
// overdue account at once post each day's interest once, and the database
// itself refuses a second interest entry of one account and day.
func TestInterestOncePerAccountAndDay(t *testing.T) {
	s := open(t)
	clock := banktest.NewClock(time.Date(2026, 12, 1, 9, 0, 0, 0, time.UTC))
	logger := logrus.New()
	logger.SetLevel(logrus.ErrorLevel)
	newBank := func() *core.Bank {
		settings := banktest.Settings()
		settings.Credit = core.CreditRules{StatementDay: 22, DueDay: 10, DailyInterestPPM: 500, MinimumPaymentPercent: 10}
		return &core.Bank{Store: s, Settings: settings, Now: clock.Now, Log: logger.WithField("component", "core")}
	}
	bank := newBank()
	if err := bank.SetUpBooks(ctx); err != nil {
		t.Fatal(err)
	}
	if err := bank.Bootstrap(ctx, banktest.Seeds()); err != nil {
		t.Fatal(err)
	}
	if _, err := bank.Withdraw(ctx, "alice", 200000); err != nil { // owes 1,100.00 with the fee
		t.Fatal(err)
	}
	clock.Set(time.Date(2027, 2, 1, 9, 0, 0, 0, time.UTC)) // 11 to 31 January are overdue
	var wg sync.WaitGroup
	errs := make(chan error, 8)
	for range 8 {
		wg.Go(func() {
			if _, err := newBank().Account(ctx, "alice"); err != nil {
				errs <- err
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Errorf("a concurrent read: %v", err)
	}
	var days, refs int
	var sum int64
	if err := s.Pool().QueryRow(ctx, `SELECT count(*), count(DISTINCT ref) FROM entries WHERE account = 'alice' AND kind = 'interest'`).Scan(&days, &refs); err != nil {
		t.Fatal(err)
	}
	if days != 21 || refs != 21 {
		t.Errorf("%d interest entries with %d refs, want 21 (11 to 31 January), once each", days, refs)
	}
	if err := s.Pool().QueryRow(ctx, `SELECT coalesce(sum(amount), 0) FROM entries`).Scan(&sum); err != nil || sum != 0 {
		t.Errorf("all entries add up to %d fen (%v), want 0", sum, err)
	}
	_, err := s.Pool().Exec(ctx, `INSERT INTO entries (account, month, id, ref, at, kind, counterparty, amount, balance_after, note)
		SELECT account, month, id || 'x', ref, at, kind, counterparty, amount, balance_after, note FROM entries
		WHERE account = 'alice' AND kind = 'interest' LIMIT 1`)
	var pgErr *pgconn.PgError
	if !errors.As(err, &pgErr) || pgErr.Code != "23505" {
		t.Errorf("a second interest entry of one account and day: %v, want a unique violation", err)
	}
}
