package core

import (
	"context"
	"errors"
	"fmt"
	"time"
)

// Store is the storage port: what the rules need from storage, in the
// bank's terms. An adapter (core/filestore for the JSON files in db/,
// core/memstore for tests) implements it; core/storetest is the
// conformance suite every adapter passes.
//
// Update and View run fn in one all-or-nothing transaction: if fn returns
// an error, nothing it wrote is kept, and no other transaction sees its
// writes half done. A transaction that waits for a lock stops waiting when
// ctx ends (with ctx's error) or when the store gives up (ErrBusy).
type Store interface {
	Update(ctx context.Context, fn func(Tx) error) error
	View(ctx context.Context, fn func(Tx) error) error
}

// AccountPeeker is a Store that can also read an account outside any
// transaction, taking no lock and never waiting. What it reads is a hint:
// it may be stale, or fail where a transaction would not (a file caught
// half written). The rules act on it only to let a person go on sooner
// (Bank.CheckRecipient); a refusal, and the change itself, always rest on
// a transaction.
type AccountPeeker interface {
	PeekAccount(name string) (*Account, error)
}

// Tx reads and writes the bank's data inside one transaction. Data that is
// not what the program writes is reported with an error wrapping
// ErrCorrupt, never repaired or overwritten.
type Tx interface {
	// Account returns the named account; ErrNoAccount if there is none.
	Account(name string) (*Account, error)
	// HasAccount reports whether an account of that name is stored,
	// readable or not.
	HasAccount(name string) (bool, error)
	// SaveAccount creates or replaces a.
	SaveAccount(a *Account) error
	// AccountNames lists at most limit account names that sort after
	// after, in order; "" starts at the first.
	AccountNames(after string, limit int) ([]string, error)

	// LastEntry is name's latest ledger entry, whatever its month; nil
	// if the ledger is empty.
	LastEntry(name string) (*Entry, error)
	// AppendEntries adds entries, which follow each other, at the end of
	// name's ledger in month. The ledger must end where the first entry
	// starts (its BalanceAfter less its Amount), or the data is corrupt.
	AppendEntries(name string, month Month, entries ...Entry) error
	// MonthEntries is name's ledger in month, oldest first.
	MonthEntries(name string, month Month) ([]Entry, error)
	// BalanceBefore is the balance at the start of month: where the
	// latest earlier month with entries ends; 0 if there is none.
	BalanceBefore(name string, month Month) (Money, error)
	// FindRef finds an entry of name's ledger with ref, to recognise a
	// request that was already applied; nil if there is none. It always
	// looks at the latest entries (at least the latest posting); when
	// deep, at every entry of the latest two months.
	FindRef(name, ref string, deep bool) (*Entry, error)

	// AppendOrder adds o to name's orders.
	AppendOrder(name string, o Order) error
	// Orders lists name's orders, oldest first.
	Orders(name string) ([]Order, error)
	// Order returns name's order with id; ErrNoOrder if there is none.
	Order(name, id string) (*Order, error)

	// BankSettings are the settings this bank's data is fixed to;
	// ErrNoSettings before they are first saved.
	BankSettings() (BankSettings, error)
	SaveBankSettings(s BankSettings) error
}

// BankSettings are the settings a bank's data is fixed to once written.
type BankSettings struct {
	// TimeZone is the IANA name of the zone the ledger's months follow.
	TimeZone string
}

// Errors of the port. Adapters return (or wrap) them; the rules act on
// them with errors.Is.
var (
	// ErrNoAccount: there is no account of that name.
	ErrNoAccount = errors.New("no such account")
	// ErrNoOrder: there is no order with that id.
	ErrNoOrder = errors.New("no such order")
	// ErrNoSettings: the bank's settings were never saved.
	ErrNoSettings = errors.New("no bank settings stored")
	// ErrCorrupt is wrapped by every error about data that is not what
	// the program wrote. Such data is reported, never overwritten or
	// "fixed"; the error says where, for the operator's log.
	ErrCorrupt = errors.New("corrupt data")
	// ErrBusy is wrapped by the error of a transaction that waited too
	// long for the store's lock: another copy of atmshop holds it,
	// stopped or hung.
	ErrBusy = errors.New("another copy of " + ProgramName + " is using the data")
	// ErrOutcomeUnknown is wrapped by the error of a transaction that may
	// or may not have been applied: the store lost its link to a database
	// server after asking it to commit, and could not find out. It is
	// never retried (it may be done); the person is told to check.
	ErrOutcomeUnknown = errors.New("the outcome of the transaction is unknown")
)

// Month is a calendar month of the ledger. An entry belongs to the month
// of its time in the bank's zone.
type Month struct {
	Year  int
	Month time.Month
}

const monthLayout = "2006-01"

// MonthOf is the month of t, in t's location.
func MonthOf(t time.Time) Month { return Month{t.Year(), t.Month()} }

// ParseMonth reads a month written YYYY-MM.
func ParseMonth(s string) (Month, error) {
	t, err := time.Parse(monthLayout, s)
	if err != nil || len(s) != len(monthLayout) {
		return Month{}, fmt.Errorf("month %q: write it YYYY-MM", s)
	}
	return MonthOf(t), nil
}

// String is the month written YYYY-MM.
func (m Month) String() string { return fmt.Sprintf("%04d-%02d", m.Year, int(m.Month)) }

// Before reports whether m is earlier than o.
func (m Month) Before(o Month) bool {
	return m.Year < o.Year || m.Year == o.Year && m.Month < o.Month
}

// Compare is -1, 0 or +1 as m is before, equal to or after o.
func (m Month) Compare(o Month) int {
	switch {
	case m.Before(o):
		return -1
	case o.Before(m):
		return 1
	}
	return 0
}

// Next is the month after m.
func (m Month) Next() Month {
	if m.Month == time.December {
		return Month{m.Year + 1, time.January}
	}
	return Month{m.Year, m.Month + 1}
}

// Start is the first instant of m in loc.
func (m Month) Start(loc *time.Location) time.Time {
	return time.Date(m.Year, m.Month, 1, 0, 0, 0, 0, loc)
}
