package core

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"time"

	"github.com/sirupsen/logrus"
)

// The bank's own accounts. Every event is double-entry: a person's entry
// has its opposite under the same ref in another person's ledger (a
// transfer) or in one of these, so the entries of one ref sum to zero and
// so do all entries. Their names start with '-', which CheckUsername
// refuses, so no person can take one or log into it, and they are still
// portable file names for core/filestore.
const (
	// SystemCash is the bank's cash: withdrawals pay it out (it gains
	// what the person loses), repayments take it in.
	SystemCash = "-bank-cash"
	// SystemFeeIncome earns the withdrawal fees.
	SystemFeeIncome = "-fee-income"
	// SystemInterestIncome earns the interest on overdue debts.
	SystemInterestIncome = "-interest-income"
	// SystemShopRevenue earns what the shop sells.
	SystemShopRevenue = "-shop-revenue"
	// SystemEquity gives the opening balances, and balances the money
	// that accounts held before the bank kept its own books.
	SystemEquity = "-opening-equity"
)

// SystemAccounts lists the bank's own accounts, in name order.
var SystemAccounts = []string{SystemCash, SystemFeeIncome, SystemInterestIncome, SystemEquity, SystemShopRevenue}

// KindBooksOpened is the entry by which SetUpBooks balances the money
// accounts held before the bank kept its own books.
const KindBooksOpened = "books_opened"

// IsSystemAccount reports whether name is one of the bank's own accounts.
func IsSystemAccount(name string) bool { return slices.Contains(SystemAccounts, name) }

// CheckAccountName accepts the name of a stored account: a person's
// (CheckUsername) or one of the bank's own. Stores check names with it.
func CheckAccountName(name string) error {
	if IsSystemAccount(name) {
		return nil
	}
	return CheckUsername(name)
}

// systemAccount loads one of the bank's accounts, or a new one with a zero
// balance if it was never written. It may go down to -MaxMoney: its
// credit limit is MaxMoney.
func systemAccount(tx Tx, name string, now time.Time) (*Account, error) {
	a, err := tx.Account(name)
	if errors.Is(err, ErrNoAccount) {
		return &Account{Name: name, CreditLimit: MaxMoney, Created: now}, nil
	}
	if err != nil {
		return nil, fmt.Errorf("read the bank's account %s: %w", name, err)
	}
	return a, nil
}

// book posts e on the person's account a and its opposite on the bank's
// account sys, under e.Ref, in the caller's transaction, and saves sys.
// The caller has brought a's days up to now (catchUp) and saves a. A side
// that would leave the bank's account past ±MaxMoney is refused before
// anything is posted.
func (b *Bank) book(tx Tx, a *Account, e Entry, sys string, now time.Time) (Entry, error) {
	s, err := systemAccount(tx, sys, now)
	if err != nil {
		return Entry{}, err
	}
	if -e.Amount > 0 && s.Balance > MaxMoney+e.Amount || -e.Amount < 0 && s.Balance < -MaxMoney+e.Amount {
		return Entry{}, Refuse(ErrTooMuch, "The bank's books cannot take %s more.", e.Amount)
	}
	posted, err := b.record(tx, a, e)
	if err != nil {
		return Entry{}, err
	}
	counter := Entry{Ref: e.Ref, Time: posted.Time, Kind: e.Kind, Counterparty: a.Name, Amount: -e.Amount, Note: e.Note}
	if _, err := b.record(tx, s, counter); err != nil {
		return Entry{}, err
	}
	return posted, saveAccount(tx, s, now)
}

// SetUpBooks opens the bank's own accounts; call it once at start-up,
// after SetUpZone and before anything is written. A bank written before
// the bank kept its own books has money that came from nowhere: the first
// start posts its sum, once, against SystemEquity (KindBooksOpened), so
// the sum of all entries is zero from then on. It reads every account
// once, the first time only. An account that cannot be read then is left
// out of the sum, and the log says so (its balance is not balanced by the
// books; the data is reported, never repaired), so one damaged account
// does not stop the bank.
func (b *Bank) SetUpBooks(ctx context.Context) error {
	var opened Money
	var unreadable []string
	err := b.update(ctx, func(tx Tx, now time.Time) error {
		opened, unreadable = 0, nil
		if ok, err := tx.HasAccount(SystemEquity); err != nil || ok {
			return err
		}
		var sum Money
		for after := ""; ; {
			names, err := tx.AccountNames(after, listPage)
			if err != nil {
				return fmt.Errorf("list accounts: %w", err)
			}
			for _, name := range names {
				a, err := tx.Account(name)
				if errors.Is(err, ErrCorrupt) {
					b.Log.WithError(err).WithFields(logrus.Fields{"target": name, FileOnlyField: true}).Error("account cannot be read: its balance is left out of the bank's opening books")
					unreadable = append(unreadable, name)
					continue
				}
				if err != nil {
					return fmt.Errorf("read account %s: %w", name, err)
				}
				if sum > 0 && a.Balance > MaxMoney-sum || sum < 0 && a.Balance < -MaxMoney-sum {
					return errors.New("the balances add up to more than the books can hold")
				}
				sum += a.Balance
			}
			if len(names) < listPage {
				break
			}
			after = names[len(names)-1]
		}
		equity := &Account{Name: SystemEquity, CreditLimit: MaxMoney, Created: now}
		if sum != 0 {
			if _, err := b.record(tx, equity, Entry{Ref: newID("b"), Time: now, Kind: KindBooksOpened, Amount: -sum, Note: "money held before the bank kept its own books"}); err != nil {
				return err
			}
		}
		opened = sum
		return saveAccount(tx, equity, now)
	})
	if err == nil && (opened != 0 || len(unreadable) > 0) {
		b.Log.WithFields(logrus.Fields{"amount": opened.String(), "left_out": unreadable}).Info("the bank's own books opened against the balances held before")
	}
	return err
}

// SystemAccountSummaries are the bank's own accounts as the admin list
// shows them apart; one never written has a zero balance.
func (b *Bank) SystemAccountSummaries(ctx context.Context, actor string) ([]AccountSummary, error) {
	var list []AccountSummary
	err := b.Store.View(ctx, func(tx Tx) error {
		list = list[:0]
		if err := b.requireAdmin(tx, actor); err != nil {
			return err
		}
		for _, name := range SystemAccounts {
			a, err := systemAccount(tx, name, time.Time{})
			if err != nil {
				id := NewIncident()
				b.Log.WithError(err).WithFields(logrus.Fields{"incident": id, "admin": actor, "target": name, FileOnlyField: true}).Error("account cannot be read")
				list = append(list, AccountSummary{Name: name, Incident: id})
				continue
			}
			list = append(list, AccountSummary{Name: name, Balance: a.Balance})
		}
		return nil
	})
	return list, err
}
