package core

import (
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"time"
)

// Kinds of ledger entries.
const (
	KindOpening     = "opening"      // the balance an account started with
	KindPurchase    = "purchase"     // a shop checkout
	KindTransferOut = "transfer_out" // money sent to Counterparty
	KindTransferIn  = "transfer_in"  // money received from Counterparty
	KindWithdrawal  = "withdrawal"   // cash taken out
	KindFee         = "fee"          // the withdrawal fee
	KindRepayment   = "repayment"    // money paid in
)

// Entry is one money movement on one account. Amount is signed: negative
// takes money out. Entries of one event (the two sides of a transfer, a
// withdrawal and its fee) share Ref.
type Entry struct {
	ID           string
	Ref          string
	Time         time.Time
	Kind         string
	Counterparty string
	Amount       Money
	BalanceAfter Money
	Note         string
}

// Check refuses values the program can never have written in an entry.
// Adapters call it on every entry they read.
func (e *Entry) Check() error {
	if e.Amount < -MaxMoney || e.Amount > MaxMoney || e.BalanceAfter < -MaxMoney || e.BalanceAfter > MaxMoney {
		return fmt.Errorf("amount_fen %d or balance_after_fen %d is out of range", e.Amount, e.BalanceAfter)
	}
	return nil
}

// The ledger is kept per user and month (Tx.AppendEntries): appending is
// cheap and atomic with the balance in the same transaction, and a
// statement reads one month only. The month is the entry time's month in
// the bank's time zone (Bank.Zone), so it does not depend on the zone of
// the process that wrote it, and an entry is never earlier than the
// account's latest (see record), so the months of an account follow each
// other and chain: each month starts where the one before it ended.

// newID returns a random identifier, prefixed so a reader can tell what it
// names. 64 random bits make a collision practically impossible.
func newID(prefix string) string {
	var b [8]byte
	_, _ = rand.Read(b[:]) // crypto/rand.Read never fails on supported systems
	return prefix + "-" + hex.EncodeToString(b[:])
}

// record applies e.Amount to the account and appends the entry recording
// it, in the caller's transaction, and returns the entry as written. The
// entry's time is e.Time in the bank's zone, but never earlier than the
// account's latest entry: after a clock stepped back, entries keep the
// latest time until the clock catches up, so they never go into an earlier
// month than the latest. The store refuses the entry (ErrCorrupt) if the
// ledger does not end at the account's balance: the disagreement must be
// repaired, not buried. Money paid into a person's account counts towards
// their unpaid bills.
//
// The caller has already brought a's bills and interest up to the
// transaction's time (catchUp) and then checked the limits. record books
// no days itself: e.Time may be later than the bank's clock (it follows
// the latest entry), and a day that has not ended on the bank's clock
// must not be charged, least of all after the limit was checked.
func (b *Bank) record(tx Tx, a *Account, e Entry) (Entry, error) {
	last, err := tx.LastEntry(a.Name)
	if err != nil {
		return Entry{}, err
	}
	e.Time = notBefore(last, e.Time).In(b.zone()).Round(0)
	e.ID = newID("e")
	e.BalanceAfter = a.Balance + e.Amount
	if err := tx.AppendEntries(a.Name, MonthOf(e.Time), e); err != nil {
		return Entry{}, err
	}
	a.Balance = e.BalanceAfter
	if e.Amount > 0 && !IsSystemAccount(a.Name) {
		a.payBills(e.Amount)
	}
	return e, nil
}

// notBefore is t, or the time of the latest entry if that is later.
func notBefore(last *Entry, t time.Time) time.Time {
	if last != nil && t.Before(last.Time) {
		return last.Time
	}
	return t
}

// EntryWithRef is the first of entries with ref; nil if none has it.
// Adapters use it in Tx.FindRef.
func EntryWithRef(entries []Entry, ref string) *Entry {
	for i := range entries {
		if entries[i].Ref == ref {
			return &entries[i]
		}
	}
	return nil
}
