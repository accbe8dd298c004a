package core

import (
	"errors"
	"fmt"
	"time"
)

// Account is one user: credentials, balance, credit limit and flags.
type Account struct {
	Name         string
	PasswordHash string
	Balance      Money
	CreditLimit  Money
	Admin        bool
	Frozen       bool
	// Language is the person's own choice, or "" to follow the terminal.
	Language     Language
	FailedLogins int
	LockedUntil  time.Time
	Created      time.Time
	Updated      time.Time
	// Bills are the account's bills, oldest first (see CreditRules).
	Bills []Bill
	// BookedThrough is the last day (its start, in the bank's zone) whose
	// end has been booked: its interest posted and, if the next day is a
	// statement day, its bill made. Zero for an account not yet booked.
	BookedThrough time.Time
}

// Available is what the account may still spend: its balance plus its
// credit limit.
func (a *Account) Available() Money { return a.Balance + a.CreditLimit }

// Owed is what the account owes the bank: the part of the balance below zero.
func (a *Account) Owed() Money { return max(0, -a.Balance) }

// Locked reports whether failed logins have locked the account at now.
func (a *Account) Locked(now time.Time) bool { return now.Before(a.LockedUntil) }

// loadAccount reads an account. A missing account, or a name that cannot
// be one, is a *Refusal (ErrUnknownUser).
func loadAccount(tx Tx, name string) (*Account, error) {
	if err := CheckUsername(name); err != nil {
		return nil, Refuse(ErrUnknownUser, "There is no account named %q.", Excerpt(name))
	}
	a, err := tx.Account(name)
	if errors.Is(err, ErrNoAccount) {
		return nil, Refuse(ErrUnknownUser, "There is no account named %q.", name)
	}
	if err != nil {
		return nil, fmt.Errorf("read account %s: %w", name, err)
	}
	return a, nil
}

// Check refuses values the program can never have written for the account
// stored under name. Adapters call it on every account they read.
func (a *Account) Check(name string) error {
	switch {
	case a.Name != name:
		return fmt.Errorf("name %q does not match the name it is stored under", a.Name)
	case a.PasswordHash == "" && !IsSystemAccount(name):
		return errors.New("password_hash is empty")
	case a.Balance > MaxMoney || a.Balance < -MaxMoney:
		return fmt.Errorf("balance_fen %d is out of range", a.Balance)
	case a.CreditLimit < 0 || a.CreditLimit > MaxMoney:
		return fmt.Errorf("credit_limit_fen %d is out of range", a.CreditLimit)
	case a.Balance < -a.CreditLimit:
		return fmt.Errorf("balance_fen %d is below the credit limit %d", a.Balance, a.CreditLimit)
	case a.FailedLogins < 0:
		return fmt.Errorf("failed_logins %d is negative", a.FailedLogins)
	}
	for i, b := range a.Bills {
		if err := b.Check(); err != nil {
			return err
		}
		if i > 0 && !b.Date.After(a.Bills[i-1].Date) {
			return fmt.Errorf("bill of %s is not after the bill before it", b.Date.Format(time.DateOnly))
		}
	}
	if err := CheckLanguage(a.Language); err != nil {
		return err
	}
	return nil
}

func saveAccount(tx Tx, a *Account, now time.Time) error {
	a.Updated = now
	return tx.SaveAccount(a)
}
