package core

import (
	"context"
	"errors"
	"fmt"
	"time"
)

// MoveSummary counts what Move copied: equal summaries of the source and
// the target are the verification.
type MoveSummary struct {
	Accounts, Entries, Orders int
	// Balances is the sum of people's balances; the bank's own accounts
	// hold its opposite (their sum with it is zero).
	Balances Money
}

// bankCopy is a whole bank read through the port.
type bankCopy struct {
	settings BankSettings
	accounts []*Account
	ledgers  map[string][]monthEntries
	orders   map[string][]Order
}

type monthEntries struct {
	month   Month
	entries []Entry
}

// Move copies every account, ledger line, order and the bank's settings
// from src into dst in one transaction, then reads dst back and checks it
// holds the same. dst must be empty: Move refuses a target with accounts
// or settings and changes nothing there.
func Move(ctx context.Context, src, dst Store) (MoveSummary, error) {
	var data bankCopy
	if err := src.View(ctx, func(tx Tx) (err error) {
		data, err = readBank(tx)
		return err
	}); err != nil {
		return MoveSummary{}, fmt.Errorf("read the source: %w", err)
	}
	want := data.summary()
	err := dst.Update(ctx, func(tx Tx) error {
		names, err := tx.AccountNames("", 1)
		if err != nil {
			return err
		}
		if _, err := tx.BankSettings(); len(names) > 0 || !errors.Is(err, ErrNoSettings) {
			return errors.New("the target already holds a bank: move only into an empty database")
		}
		if err := tx.SaveBankSettings(data.settings); err != nil {
			return err
		}
		for _, a := range data.accounts {
			if err := tx.SaveAccount(a); err != nil {
				return err
			}
			for _, m := range data.ledgers[a.Name] {
				if err := tx.AppendEntries(a.Name, m.month, m.entries...); err != nil {
					return err
				}
			}
			for _, o := range data.orders[a.Name] {
				if err := tx.AppendOrder(a.Name, o); err != nil {
					return err
				}
			}
		}
		return nil
	})
	if err != nil {
		return MoveSummary{}, fmt.Errorf("write the target: %w", err)
	}
	var got MoveSummary
	if err := dst.View(ctx, func(tx Tx) error {
		back, err := readBank(tx)
		got = back.summary()
		return err
	}); err != nil {
		return MoveSummary{}, fmt.Errorf("verify the target: %w", err)
	}
	if got != want {
		return got, fmt.Errorf("verify the target: it holds %+v, the source %+v", got, want)
	}
	return got, nil
}

func (b bankCopy) summary() MoveSummary {
	s := MoveSummary{Accounts: len(b.accounts)}
	for _, a := range b.accounts {
		if !IsSystemAccount(a.Name) {
			s.Balances += a.Balance
		}
		for _, m := range b.ledgers[a.Name] {
			s.Entries += len(m.entries)
		}
		s.Orders += len(b.orders[a.Name])
	}
	return s
}

// readBank reads the whole bank. An account's ledger months run from the
// month before it was created (in the bank's zone) to its latest entry's.
func readBank(tx Tx) (bankCopy, error) {
	b := bankCopy{ledgers: map[string][]monthEntries{}, orders: map[string][]Order{}}
	var err error
	if b.settings, err = tx.BankSettings(); err != nil {
		return b, err
	}
	zone, err := time.LoadLocation(b.settings.TimeZone)
	if err != nil {
		return b, fmt.Errorf("%w: bank time zone %q: %v", ErrCorrupt, b.settings.TimeZone, err)
	}
	after := ""
	for {
		names, err := tx.AccountNames(after, 500)
		if err != nil || len(names) == 0 {
			return b, err
		}
		for _, name := range names {
			a, err := tx.Account(name)
			if err != nil {
				return b, err
			}
			b.accounts = append(b.accounts, a)
			last, err := tx.LastEntry(name)
			if err != nil {
				return b, err
			}
			if last != nil {
				first := MonthOf(a.Created.In(zone).AddDate(0, -1, 0))
				end := MonthOf(last.Time.In(zone)).Next()
				for m := first; m.Before(end.Next()); m = m.Next() {
					es, err := tx.MonthEntries(name, m)
					if err != nil {
						return b, err
					}
					if len(es) > 0 {
						b.ledgers[name] = append(b.ledgers[name], monthEntries{m, es})
					}
				}
				// The walk must have found the whole ledger: it ends
				// with the latest entry and starts from nothing.
				months := b.ledgers[name]
				lastMonth := months[len(months)-1].entries
				if lastMonth[len(lastMonth)-1].ID != last.ID {
					return b, fmt.Errorf("%w: %s's ledger has entries after %s", ErrCorrupt, name, months[len(months)-1].month)
				}
				before, err := tx.BalanceBefore(name, months[0].month)
				if err != nil {
					return b, err
				}
				if before != 0 {
					return b, fmt.Errorf("%w: %s's ledger has entries before %s", ErrCorrupt, name, months[0].month)
				}
			}
			if b.orders[name], err = tx.Orders(name); err != nil {
				return b, err
			}
		}
		after = names[len(names)-1]
	}
}
