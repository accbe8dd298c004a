package core

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/sirupsen/logrus"
)

// CreditRules are the credit card's month (config's [credit]). A bill is
// made on StatementDay of every month for each account that owes money; it
// is due on the first DueDay after it; from the day after that, while any
// of the bill is unpaid, every day's end charges DailyInterestPPM of the
// whole debt. A day a month lacks (31 in April) means its last day.
type CreditRules struct {
	// StatementDay is the day of the month bills are made, 1 to 31; 0
	// means no bills and no interest (tests of other rules).
	StatementDay int
	// DueDay is the day of the month a bill is due, 1 to 31.
	DueDay int
	// DailyInterestPPM is the interest per day on an overdue debt, in
	// millionths: 0.05% is 500.
	DailyInterestPPM int64
	// MinimumPaymentPercent of a bill is its minimum payment.
	MinimumPaymentPercent int
}

// KindInterest is the ledger entry of one day's interest. Its ref names
// the account and the day (interestRef), so it is posted once per
// account and day: a store may enforce that with a unique key.
const KindInterest = "interest"

// Bill is what an account owed on a statement day.
type Bill struct {
	// Date is the statement day's first instant in the bank's zone
	// (00:00, unless the clocks go forward at midnight): the bill is what
	// the account owed at that instant.
	Date time.Time
	Owed Money
	// Minimum is MinimumPaymentPercent of Owed, rounded up to the fen.
	// Paying it does not stop interest; paying the whole bill does.
	Minimum Money
	// Due is the due date's first instant in the bank's zone: paying by
	// the end of that day is in time.
	Due time.Time
	// Paid is the money paid in since Date, up to Owed.
	Paid Money
}

// Unpaid is what is left to pay of the bill.
func (b Bill) Unpaid() Money { return b.Owed - b.Paid }

// Overdue is the bill that makes today bear interest at now (in the
// bank's zone): the latest bill due before today, if some of it is
// unpaid; nil if none.
func (a *Account) Overdue(now time.Time) *Bill {
	return a.overdue(startOf(dateOf(now, now.Location()), now.Location()))
}

// Check refuses a bill the program can never have written.
func (b Bill) Check() error {
	if b.Owed <= 0 || b.Owed > MaxMoney || b.Paid < 0 || b.Paid > b.Owed || b.Minimum < 0 || b.Minimum > b.Owed || !b.Due.After(b.Date) {
		return fmt.Errorf("bill of %s: owed %d, minimum %d, paid %d, due %s: out of range", b.Date.Format(time.DateOnly), b.Owed, b.Minimum, b.Paid, b.Due.Format(time.DateOnly))
	}
	return nil
}

// Days are counted as calendar dates, each kept as 00:00 UTC of its date,
// so counting never meets a clock change: in a zone whose clocks go
// forward at midnight (America/Santiago in September) that day has no
// 00:00, and time.Date in the zone gives 23:00 of the day before. The
// bank's zone only turns an instant into its date (dateOf) and a date into
// its first instant (startOf), the times entries and bills are written
// with.

// dateOf is the calendar date of t in loc.
func dateOf(t time.Time, loc *time.Location) time.Time {
	y, m, d := t.In(loc).Date()
	return time.Date(y, m, d, 0, 0, 0, 0, time.UTC)
}

// startOf is the first instant of date in loc: its midnight or, where
// the clocks go forward at midnight, the instant they do.
func startOf(date time.Time, loc *time.Location) time.Time {
	t := time.Date(date.Year(), date.Month(), date.Day(), 0, 0, 0, 0, loc)
	if dateOf(t, loc).Before(date) { // an instant of the day before the gap: the gap ends the zone in effect then
		_, t = t.ZoneBounds()
	}
	return t
}

// nextDay is the date after date.
func nextDay(date time.Time) time.Time { return date.AddDate(0, 0, 1) }

// dayOfMonth is the date of day n of month m of year y, or of the month's
// last day if it has fewer days.
func dayOfMonth(y int, m time.Month, n int) time.Time {
	last := time.Date(y, m+1, 0, 0, 0, 0, 0, time.UTC).Day()
	return time.Date(y, m, min(n, last), 0, 0, 0, 0, time.UTC)
}

// isStatementDay reports whether date is a statement day.
func (r CreditRules) isStatementDay(date time.Time) bool {
	return date.Equal(dayOfMonth(date.Year(), date.Month(), r.StatementDay))
}

// dueDate is the date of the first due day after the statement date s.
func (r CreditRules) dueDate(s time.Time) time.Time {
	due := dayOfMonth(s.Year(), s.Month(), r.DueDay)
	if !due.After(s) {
		due = dayOfMonth(s.Year(), s.Month()+1, r.DueDay)
	}
	return due
}

// minimum is MinimumPaymentPercent of owed, rounded up to the fen.
func (r CreditRules) minimum(owed Money) Money {
	pct := Money(r.MinimumPaymentPercent)
	return owed/100*pct + (owed%100*pct+99)/100
}

// DailyInterest is one day's interest on debt: DailyInterestPPM millionths
// of it, rounded half up to the fen.
func (r CreditRules) DailyInterest(debt Money) Money {
	const million = 1_000_000
	// Split debt so debt*rate cannot overflow near MaxMoney.
	return debt/million*Money(r.DailyInterestPPM) + (debt%million*Money(r.DailyInterestPPM)+million/2)/million
}

// RateString is the daily rate as config writes it: "0.05%".
func (r CreditRules) RateString() string {
	s := fmt.Sprintf("%d.%04d", r.DailyInterestPPM/10_000, r.DailyInterestPPM%10_000)
	for s[len(s)-1] == '0' {
		s = s[:len(s)-1]
	}
	if s[len(s)-1] == '.' {
		s = s[:len(s)-1]
	}
	return s + "%"
}

// OpenBill is the latest bill while some of it is unpaid; nil otherwise.
func (a *Account) OpenBill() *Bill {
	if n := len(a.Bills); n > 0 && a.Bills[n-1].Unpaid() > 0 {
		return &a.Bills[n-1]
	}
	return nil
}

// overdue is the latest bill due before the day that starts at start,
// if some of it is unpaid: the bill that makes that day bear interest.
// (An earlier bill is then unpaid too: each bill's debt includes what was
// left of the one before.)
func (a *Account) overdue(start time.Time) *Bill {
	for i := len(a.Bills) - 1; i >= 0; i-- {
		if a.Bills[i].Due.Before(start) {
			if a.Bills[i].Unpaid() > 0 {
				return &a.Bills[i]
			}
			return nil
		}
	}
	return nil
}

// payBills counts money paid in towards every unpaid bill.
func (a *Account) payBills(amount Money) {
	for i := range a.Bills {
		a.Bills[i].Paid += min(amount, a.Bills[i].Unpaid())
	}
}

// behind reports whether a day has ended since a's bills and interest
// were last booked that may bring a bill or interest. An account that owes
// nothing has nothing to book for any day since: its balance has not
// changed since then (every posting books first), and an unpaid bill
// implies a debt. Reading it writes nothing.
func (b *Bank) behind(a *Account, now time.Time) bool {
	if b.Settings.Credit.StatementDay == 0 || IsSystemAccount(a.Name) || a.Owed() == 0 {
		return false
	}
	return a.BookedThrough.IsZero() || nextDay(dateOf(a.BookedThrough, b.zone())).Before(dateOf(now, b.zone()))
}

// catchUp books, in the caller's transaction, every day that has ended
// since a's last booked day, in order: the day's interest if a bill is
// overdue, then, if the next day is a statement day, its bill. Every
// payment calls it with the transaction's time, before its checks; no
// other time may be used, or a day not yet ended would be charged. An
// account that has never been booked (one from before bills) starts with
// today. The caller saves a.
func (b *Bank) catchUp(tx Tx, a *Account, now time.Time) error {
	if b.Settings.Credit.StatementDay == 0 || IsSystemAccount(a.Name) {
		return nil
	}
	loc, r := b.zone(), b.Settings.Credit
	today := dateOf(now, loc)
	yesterday := startOf(today.AddDate(0, 0, -1), loc)
	if !b.behind(a, now) {
		// Nothing to book up to yesterday; the days from then on start
		// from the balance as it is now.
		if a.BookedThrough.Before(yesterday) {
			a.BookedThrough = yesterday
		}
		return nil
	}
	if a.BookedThrough.IsZero() { // an account from before bills, in debt: it starts today
		a.BookedThrough = yesterday
		return nil
	}
	for d := nextDay(dateOf(a.BookedThrough, loc)); d.Before(today); d = nextDay(d) {
		if err := b.chargeInterest(tx, a, d, now); err != nil {
			return err
		}
		if next := nextDay(d); r.isStatementDay(next) && a.Owed() > 0 {
			if n := len(a.Bills); n > 0 && MonthOf(dateOf(a.Bills[n-1].Date, loc)) == MonthOf(next) {
				// statement_day was moved later in the month after this
				// month's bill was made: one bill a month, the next is
				// next month's. The day is booked, so this is said once.
				b.Log.WithFields(logrus.Fields{"user": a.Name, "bill": a.Bills[n-1].Date.In(loc).Format(time.DateOnly), "statement_day": next.Format(time.DateOnly)}).Info("no second bill this month: [credit] statement_day was moved after this month's bill was made")
			} else {
				owed := a.Owed()
				a.Bills = append(a.Bills, Bill{Date: startOf(next, loc), Owed: owed, Minimum: r.minimum(owed), Due: startOf(r.dueDate(next), loc)})
				b.Log.WithFields(logrus.Fields{"user": a.Name, "owed": owed.String(), "due": r.dueDate(next).Format(time.DateOnly)}).Info("bill")
			}
		}
		a.BookedThrough = startOf(d, loc)
	}
	return nil
}

// chargeInterest posts the interest of date d on a's whole debt at the
// day's end, if a bill due before d is unpaid then. Interest never takes
// the balance past the credit limit: what would is not charged.
func (b *Bank) chargeInterest(tx Tx, a *Account, d, now time.Time) error {
	loc := b.zone()
	if a.overdue(startOf(d, loc)) == nil || a.Owed() == 0 {
		return nil
	}
	r := b.Settings.Credit
	debt := a.Owed()
	interest := min(r.DailyInterest(debt), a.Available())
	if interest <= 0 {
		return nil
	}
	end := startOf(nextDay(d), loc).Add(-time.Microsecond) // the day's last instant a store keeps
	e := Entry{Ref: interestRef(a.Name, d), Time: end, Kind: KindInterest, Amount: -interest,
		Note: fmt.Sprintf("%s of %s owed on %s", r.RateString(), debt, d.Format(time.DateOnly))}
	_, err := b.book(tx, a, e, SystemInterestIncome, now)
	return err
}

// interestRef names the interest of name's date d: one per account and day.
func interestRef(name string, d time.Time) string {
	return "i-" + name + "-" + d.Format(time.DateOnly)
}

// Bills are the account's bills, oldest first, after bringing it up to
// date; times are in the bank's zone.
func (b *Bank) Bills(ctx context.Context, name string) ([]Bill, error) {
	a, err := b.Account(ctx, name)
	if err != nil {
		return nil, err
	}
	return a.Bills, nil
}

// inZone shows a's bills in the bank's zone.
func (b *Bank) inZone(a *Account) {
	for i := range a.Bills {
		a.Bills[i].Date = a.Bills[i].Date.In(b.zone())
		a.Bills[i].Due = a.Bills[i].Due.In(b.zone())
	}
}

// BookAll brings every person's account up to date: bills and interest
// for every day that has ended. It is the admin's command; reading or
// writing an account does the same for that account. It returns how many
// accounts it changed, and how many it could not read (each is logged
// with an incident id, and the others are still booked). Each account is
// its own transaction, so a long run holds no lock for long, and an
// interrupted one is simply run again.
func (b *Bank) BookAll(ctx context.Context, actor string) (changed, unreadable int, err error) {
	if err := b.Store.View(ctx, func(tx Tx) error { return b.requireAdmin(tx, actor) }); err != nil {
		return 0, 0, err
	}
	for after := ""; ; {
		// Read a page of accounts; only those a day has passed since
		// they were booked get a write transaction of their own.
		var names, due []string
		err := b.Store.View(ctx, func(tx Tx) (err error) {
			due = due[:0]
			if names, err = tx.AccountNames(after, listPage); err != nil {
				return err
			}
			now := b.Now()
			for _, name := range names {
				if IsSystemAccount(name) {
					continue
				}
				a, err := tx.Account(name)
				switch {
				case errors.Is(err, ErrCorrupt):
					due = append(due, name) // bookUp meets it again, and counts it
				case err != nil:
					return fmt.Errorf("account %s: %w", name, err)
				case b.behind(a, now):
					due = append(due, name)
				}
			}
			return nil
		})
		if err != nil {
			return changed, unreadable, fmt.Errorf("list accounts: %w", err)
		}
		for _, name := range due {
			did, err := b.bookUp(ctx, name)
			if errors.Is(err, ErrCorrupt) {
				unreadable++
				b.Log.WithError(err).WithFields(logrus.Fields{"incident": NewIncident(), "admin": actor, "target": name, FileOnlyField: true}).Error("account cannot be read: its bills and interest are not booked")
				continue
			}
			if err != nil {
				return changed, unreadable, fmt.Errorf("account %s: %w", name, err)
			}
			if did {
				changed++
			}
		}
		if len(names) < listPage {
			b.adminLog(actor, "all accounts", "book bills and interest", logrus.Fields{"changed": changed, "unreadable": unreadable})
			return changed, unreadable, nil
		}
		after = names[len(names)-1]
	}
}

// bookUp brings name's account up to date in its own transaction, if a
// day has ended since it was last booked; did reports whether it wrote.
func (b *Bank) bookUp(ctx context.Context, name string) (did bool, err error) {
	err = b.update(ctx, func(tx Tx, now time.Time) error {
		did = false
		a, err := b.load(tx, name)
		if err != nil || !b.behind(a, now) {
			return err
		}
		did = true
		if err := b.catchUp(tx, a, now); err != nil {
			return err
		}
		return saveAccount(tx, a, now)
	})
	return did, err
}
