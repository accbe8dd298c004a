package core

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/sirupsen/logrus"
)

// AccountSummary is one row of the admin's account list.
type AccountSummary struct {
	Name        string
	Balance     Money
	CreditLimit Money
	Admin       bool
	Frozen      bool
	Locked      bool
	// Incident is set when the account cannot be read (only Name is then
	// set): the log has the details under this id.
	Incident string
}

// listPage is how many accounts ListAccounts reads per transaction.
const listPage = 100

// ListAccounts calls each with every account, in name order, reading them
// a page at a time so the list never needs them all in memory. It is the
// one operation that reads them all, so it is for admins only. An account
// that cannot be read is listed by name with an incident id, and the
// others are still listed. The bank's own accounts are not in it
// (SystemAccountSummaries lists them).
func (b *Bank) ListAccounts(ctx context.Context, actor string, each func(AccountSummary) error) error {
	for after, first := "", true; ; first = false {
		var page []AccountSummary
		var read int
		err := b.Store.View(ctx, func(tx Tx) error {
			if first {
				if err := b.requireAdmin(tx, actor); err != nil {
					return err
				}
			}
			names, err := tx.AccountNames(after, listPage)
			if err != nil {
				return fmt.Errorf("list accounts: %w", err)
			}
			now := b.Now()
			for _, name := range names {
				if !IsSystemAccount(name) { // listed apart: SystemAccountSummaries
					page = append(page, b.summary(ctx, tx, actor, name, now))
				}
			}
			read = len(names)
			if read > 0 {
				after = names[read-1]
			}
			return ctx.Err()
		})
		if err != nil {
			return err
		}
		for _, s := range page {
			if err := each(s); err != nil {
				return err
			}
		}
		if read < listPage {
			b.adminLog(actor, "all accounts", "list accounts", nil)
			return nil
		}
	}
}

// summary is the list row of one account, or its name and an incident id
// when it cannot be read.
func (b *Bank) summary(ctx context.Context, tx Tx, actor, name string, now time.Time) AccountSummary {
	a, err := b.load(tx, name)
	if err != nil {
		id := NewIncident()
		if ctx.Err() == nil {
			b.Log.WithError(err).WithFields(logrus.Fields{"incident": id, "admin": actor, "target": name, FileOnlyField: true}).Error("account cannot be read")
		}
		return AccountSummary{Name: name, Incident: id}
	}
	return AccountSummary{Name: a.Name, Balance: a.Balance, CreditLimit: a.CreditLimit, Admin: a.Admin, Frozen: a.Frozen, Locked: a.Locked(now)}
}

// NewAccount is what an admin fills in to open an account.
type NewAccount struct {
	Name        string
	Password    string
	CreditLimit Money
	Opening     Money
}

// CheckNewAccount tells early whether name can be given to a new account
// (a valid name, not taken), so the admin isn't asked the rest in vain.
// AddAccount checks again.
func (b *Bank) CheckNewAccount(ctx context.Context, actor, name string) error {
	if err := CheckUsername(name); err != nil {
		return usernameRefusal(err)
	}
	return b.Store.View(ctx, func(tx Tx) error {
		if err := b.requireAdmin(tx, actor); err != nil {
			return err
		}
		return checkFree(tx, name)
	})
}

// AddAccount opens an account on an admin's behalf.
func (b *Bank) AddAccount(ctx context.Context, actor string, n NewAccount) error {
	if err := CheckUsername(n.Name); err != nil {
		return usernameRefusal(err)
	}
	if err := b.CheckNewPassword(n.Password); err != nil {
		return err
	}
	hash, err := b.hash(n.Password)
	if err != nil {
		return err
	}
	err = b.update(ctx, func(tx Tx, now time.Time) error {
		if err := b.requireAdmin(tx, actor); err != nil {
			return err
		}
		return b.create(tx, now, Account{Name: n.Name, PasswordHash: hash, CreditLimit: n.CreditLimit}, n.Opening, "opened by "+actor)
	})
	if err == nil {
		b.adminLog(actor, n.Name, "add account", logrus.Fields{"limit": n.CreditLimit.String(), "opening": n.Opening.String()})
	}
	return err
}

// AdminChange is a change an admin makes to one account.
type AdminChange func(a *Account, now time.Time) error

// SetCreditLimit refuses a limit the balance is already below.
func SetCreditLimit(limit Money) AdminChange {
	return func(a *Account, _ time.Time) error {
		if a.Balance < -limit {
			return Refuse(ErrBadInput, "%s owes %s, more than a limit of %s allows.", a.Name, a.Owed(), limit)
		}
		a.CreditLimit = limit
		return nil
	}
}

// SetFrozen freezes or unfreezes an account.
func SetFrozen(frozen bool) AdminChange {
	return func(a *Account, _ time.Time) error { a.Frozen = frozen; return nil }
}

// SetAdmin grants or removes the admin role.
func SetAdmin(admin bool) AdminChange {
	return func(a *Account, _ time.Time) error { a.Admin = admin; return nil }
}

// Unlock lifts a lockout from failed logins.
func Unlock(a *Account, _ time.Time) error {
	a.FailedLogins, a.LockedUntil = 0, time.Time{}
	return nil
}

// Change applies an admin's change to the named account. An admin cannot
// change their own account, so nobody can freeze or demote themselves out
// of the admin menu by mistake.
func (b *Bank) Change(ctx context.Context, actor, name, what string, change AdminChange) error {
	if actor == name {
		return Refuse(ErrBadInput, "Administrators cannot change their own account here.")
	}
	err := b.update(ctx, func(tx Tx, now time.Time) error {
		if err := b.requireAdmin(tx, actor); err != nil {
			return err
		}
		a, err := b.load(tx, name)
		if err != nil {
			return err
		}
		if err := change(a, now); err != nil {
			return err
		}
		return saveAccount(tx, a, now)
	})
	if err == nil {
		b.adminLog(actor, name, what, nil)
	}
	return err
}

func (b *Bank) adminLog(actor, target, what string, fields logrus.Fields) {
	b.Log.WithFields(fields).WithFields(logrus.Fields{"admin": actor, "target": target}).Info("admin: " + what)
}

// usernameRefusal tells the person what is wrong with a name CheckUsername
// refused.
func usernameRefusal(err error) error {
	var bad badUsername
	if errors.As(err, &bad) {
		return Refuse(ErrBadInput, "Invalid username: %s.", bad.why)
	}
	return Refuse(ErrBadInput, "Invalid username.")
}
