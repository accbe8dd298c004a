package core

import (
	"context"
	"fmt"
	"time"
)

// Statement is one month of one account.
type Statement struct {
	Month   time.Time // first day of the month, in the bank's time zone
	Opening Money
	Closing Money
	// In and Out are the month's money in and out (Out is positive), and
	// ByKind is money out by kind of spending. They are Totals, not Money:
	// a month of amounts near MaxMoney sums past the int64 range, and a
	// total is shown exactly, never wrapped.
	In, Out Total
	ByKind  map[string]Total
	Entries []Entry
	// Bill is the bill made in the month, or else the bill still open at
	// its end; nil if there is neither. It is shown as it stands now.
	Bill *Bill
	// Overdue is the bill that makes today bear interest (Account.Overdue).
	Overdue *Bill
}

// Statement reads the entries of month: the calendar month of the date
// month, as written (its year and month in its own location), from its
// first to its last day in the bank's time zone. Entry times are shown in
// that zone. Its cost depends on that month only, never on the length of
// the whole history.
func (b *Bank) Statement(ctx context.Context, name string, month time.Time) (*Statement, error) {
	s := &Statement{Month: time.Date(month.Year(), month.Month(), 1, 0, 0, 0, 0, b.zone()), ByKind: map[string]Total{}}
	// The account and the month's entries come from one transaction. If
	// a day has ended since the account was booked, it is booked and the
	// statement read again, as Account does.
	var a *Account
	read := func() error {
		return b.Store.View(ctx, func(tx Tx) error {
			var err error
			if a, err = b.load(tx, name); err != nil {
				return err
			}
			s.Opening, s.Closing = 0, 0
			if s.Entries, err = tx.MonthEntries(name, MonthOf(s.Month)); err != nil {
				return err
			}
			if len(s.Entries) == 0 {
				s.Opening, err = tx.BalanceBefore(name, MonthOf(s.Month))
				s.Closing = s.Opening
				return err
			}
			return nil
		})
	}
	err := read()
	if err == nil && b.behind(a, b.Now()) {
		if _, err = b.bookUp(ctx, name); err == nil {
			err = read()
		}
	}
	if err != nil {
		return nil, fmt.Errorf("statement for %s: %w", name, err)
	}
	b.inZone(a)
	s.Bill, s.Overdue = billOf(a, s.Month), a.Overdue(b.NowInZone())
	if n := len(s.Entries); n > 0 {
		s.Opening = s.Entries[0].BalanceAfter - s.Entries[0].Amount
		s.Closing = s.Entries[n-1].BalanceAfter
	}
	for i, e := range s.Entries {
		s.Entries[i].Time = e.Time.In(b.zone())
		if e.Amount >= 0 {
			s.In.Add(e.Amount)
		} else {
			s.Out.Add(-e.Amount)
			byKind := s.ByKind[e.Kind]
			byKind.Add(-e.Amount)
			s.ByKind[e.Kind] = byKind
		}
	}
	return s, nil
}

// billOf is the bill made in the month starting at start, or else the
// latest bill made before it if some of it is unpaid; nil if neither.
func billOf(a *Account, start time.Time) *Bill {
	end := time.Date(start.Year(), start.Month()+1, 1, 0, 0, 0, 0, start.Location())
	for i := len(a.Bills) - 1; i >= 0; i-- {
		bill := a.Bills[i]
		if bill.Date.Before(end) {
			if !bill.Date.Before(start) || bill.Unpaid() > 0 {
				return &bill
			}
			return nil
		}
	}
	return nil
}
