package core_test

import (
	"context"
	"errors"
	"maps"
	"slices"
	"strings"
	"testing"
	"time"
	_ "time/tzdata" // the zones below, on any machine

	"atmshop/core"
	"atmshop/core/memstore"
)

func mustZone(t *testing.T, name string) *time.Location {
	t.Helper()
	loc, err := time.LoadLocation(name)
	if err != nil {
		t.Fatal(err)
	}
	return loc
}

// inZone is a copy of the fixture's bank in a process whose clock reads
// in loc: the same instant, another zone.
func (f *fixture) inZone(loc *time.Location) *core.Bank {
	b := *f.Bank
	b.Now = func() time.Time { return f.Clock.Now().In(loc) }
	return &b
}

// assertLedgersChain checks every account's ledger: each entry is in the
// month of its time in zone, no entry is earlier than the one before, and
// the balances chain across entries and months (each month's first entry
// starts from the previous month's last balance after).
func (f *fixture) assertLedgersChain(t *testing.T, zone *time.Location) {
	t.Helper()
	for _, user := range []string{"alice", "bob", "root"} {
		ledger := f.Store.Ledger(user)
		var balance core.Money
		var last time.Time
		for _, month := range slices.SortedFunc(maps.Keys(ledger), core.Month.Compare) {
			for i, e := range ledger[month] {
				if want := core.MonthOf(e.Time.In(zone)); month != want {
					t.Errorf("%s %s entry %d at %s: in the wrong month, want %s", user, month, i+1, e.Time, want)
				}
				if e.Time.Before(last) {
					t.Errorf("%s %s entry %d at %s: earlier than the entry before it (%s)", user, month, i+1, e.Time, last)
				}
				if e.BalanceAfter-e.Amount != balance {
					t.Errorf("%s %s entry %d: starts from %s, but the ledger before it ends at %s", user, month, i+1, e.BalanceAfter-e.Amount, balance)
				}
				balance, last = e.BalanceAfter, e.Time
			}
		}
		if got := f.Balance(t, user); got != balance {
			t.Errorf("%s: ledger ends at %s, account holds %s", user, balance, got)
		}
	}
}

// TestLedgerMonthsDoNotDependOnTheProcessZone has two copies of the
// program in different time zones post to one account just after the
// month ends in one of them: it used to write one copy's entries in
// December's file and the other's in November's, and the second then saw
// November's last entry disagree with the balance: "corrupt".
func TestLedgerMonthsDoNotDependOnTheProcessZone(t *testing.T) {
	f := newFixture(t)
	east, west := f.inZone(mustZone(t, "Asia/Shanghai")), f.inZone(mustZone(t, "America/New_York"))
	f.Clock.Set(time.Date(2026, 11, 30, 20, 0, 0, 0, time.UTC)) // December 1st in Shanghai
	ctx := context.Background()
	mustOK(t, east.Repay(ctx, "alice", 100))
	mustOK(t, west.Repay(ctx, "alice", 200))
	mustOK(t, errOf(east.Withdraw(ctx, "alice", 300)))
	cart := &core.Cart{}
	mustOK(t, cart.Add(f.Bank.Settings.Catalog[2], 1))
	mustOK(t, errOf(west.Checkout(ctx, "alice", cart)))
	f.Clock.Advance(5 * time.Hour) // December everywhere
	mustOK(t, west.Repay(ctx, "alice", 400))
	mustOK(t, east.Repay(ctx, "alice", 500))
	f.assertLedgersChain(t, time.UTC)
}

// TestClockSteppedBackAcrossMonthEnd steps the clock back from December
// into November: entries keep the latest time until the clock catches up,
// so none goes back into November's file after December's has begun.
func TestClockSteppedBackAcrossMonthEnd(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	f.Clock.Set(time.Date(2026, 12, 1, 0, 30, 0, 0, time.UTC))
	mustOK(t, f.Bank.Repay(ctx, "alice", 100))
	novemberBefore := f.Store.Ledger("alice")[november]
	f.Clock.Set(time.Date(2026, 11, 30, 23, 50, 0, 0, time.UTC)) // stepped back 40 minutes
	mustOK(t, f.Bank.Repay(ctx, "alice", 200))
	mustOK(t, errOf(f.Bank.Withdraw(ctx, "alice", 300)))
	cart := &core.Cart{}
	mustOK(t, cart.Add(f.Bank.Settings.Catalog[2], 1))
	mustOK(t, errOf(f.Bank.Checkout(ctx, "alice", cart)))
	// Bob's ledger is still in November, but both sides of a transfer get
	// the same time, so they are in the same month.
	ref, err := f.Bank.Transfer(ctx, core.TransferRequest{Ref: core.NewTransferRef(), From: "alice", To: "bob", Amount: 1})
	mustOK(t, err)
	if f.count("bob", december, func(e core.Entry) bool { return e.Ref == ref }) != 1 {
		t.Errorf("bob's side of transfer %s is not in December, where alice's is", ref)
	}
	if got := f.Store.Ledger("alice")[november]; !slices.Equal(got, novemberBefore) {
		t.Errorf("November changed after December began: %v", got[len(novemberBefore):])
	}
	s, err := f.Bank.Statement(ctx, "alice", time.Date(2026, 12, 1, 0, 0, 0, 0, time.UTC))
	if err != nil {
		t.Fatal(err)
	}
	if len(s.Entries) != 6 { // the repayment, the repayment, the withdrawal, its fee, the purchase, the transfer
		t.Errorf("December has %d entries, want 6", len(s.Entries))
	}
	f.Clock.Set(time.Date(2026, 12, 1, 1, 0, 0, 0, time.UTC)) // the clock has caught up
	mustOK(t, f.Bank.Repay(ctx, "alice", 400))
	f.assertLedgersChain(t, time.UTC)
}

func TestSetUpZone(t *testing.T) {
	ctx := context.Background()
	machine := func(name string) func() (string, error) {
		return func() (string, error) { return name, nil }
	}
	unknown := func() (string, error) { return "", errors.New("no zone name here") }
	// newBank is a bank on store with nothing in it yet.
	newBank := func(t *testing.T, store *memstore.Store) *core.Bank {
		f := newFixture(t)
		b := *f.Bank
		b.Store = store
		return &b
	}
	stored := func(store *memstore.Store) string {
		var zone string
		mustOK(t, store.View(ctx, func(tx core.Tx) error {
			s, err := tx.BankSettings()
			zone = s.TimeZone
			if errors.Is(err, core.ErrNoSettings) {
				return nil
			}
			return err
		}))
		return zone
	}

	t.Run("a new bank takes the machine's zone, and keeps it on another machine", func(t *testing.T) {
		store := memstore.New()
		b := newBank(t, store)
		mustOK(t, b.SetUpZone(ctx, "", machine("Asia/Shanghai")))
		if b.Zone.String() != "Asia/Shanghai" || stored(store) != "Asia/Shanghai" {
			t.Errorf("zone %v, bank.json %q; want Asia/Shanghai", b.Zone, stored(store))
		}
		other := newBank(t, store)
		mustOK(t, other.SetUpZone(ctx, "", machine("America/New_York")))
		if other.Zone.String() != "Asia/Shanghai" {
			t.Errorf("second start in New York: zone %v, want the stored Asia/Shanghai", other.Zone)
		}
		err := other.SetUpZone(ctx, "Europe/Berlin", machine("America/New_York"))
		if err == nil || !strings.Contains(err.Error(), "time_zone") || !strings.Contains(err.Error(), "Asia/Shanghai") {
			t.Errorf("a configured zone that differs from the stored one: %v, want it refused naming both", err)
		}
		mustOK(t, other.SetUpZone(ctx, "Asia/Shanghai", machine("America/New_York")))
	})
	t.Run("a new bank takes the configured zone", func(t *testing.T) {
		store := memstore.New()
		b := newBank(t, store)
		mustOK(t, b.SetUpZone(ctx, "Europe/Berlin", machine("Asia/Shanghai")))
		if b.Zone.String() != "Europe/Berlin" || !strings.Contains(stored(store), "Europe/Berlin") {
			t.Errorf("zone %v, bank.json %q; want Europe/Berlin", b.Zone, stored(store))
		}
	})
	t.Run("data from before the zone was stored keeps the machine's zone", func(t *testing.T) {
		f := newFixture(t) // accounts and ledgers, no bank.json
		old := *f.Bank
		mustOK(t, old.SetUpZone(ctx, "", machine("Asia/Shanghai")))
		if old.Zone.String() != "Asia/Shanghai" {
			t.Errorf("zone %v, want the machine's Asia/Shanghai", old.Zone)
		}
		g := newFixture(t)
		if err := g.Bank.SetUpZone(ctx, "Europe/Berlin", machine("Asia/Shanghai")); err == nil || !strings.Contains(err.Error(), "Asia/Shanghai") {
			t.Errorf("another configured zone over old data: %v, want it refused naming the machine's zone", err)
		}
		if z := stored(g.Store); z != "" {
			t.Errorf("zone %q stored although start-up was refused", z)
		}
	})
	t.Run("no name for the machine's zone: UTC and a warning", func(t *testing.T) {
		f := newFixture(t)
		b := *f.Bank
		b.Store = memstore.New()
		mustOK(t, b.SetUpZone(ctx, "", unknown))
		if b.Zone.String() != "UTC" || stored(b.Store.(*memstore.Store)) != "UTC" {
			t.Errorf("zone %v, want UTC", b.Zone)
		}
		if e := f.Logs.LastEntry(); e == nil || !strings.Contains(e.Message, "[bank] time_zone") {
			t.Errorf("last log line %v, want a warning that says to set [bank] time_zone", e)
		}
	})
	t.Run("bad names are refused", func(t *testing.T) {
		b := newBank(t, memstore.New())
		for _, name := range []string{"Local", "Mars/Olympus"} {
			if err := b.SetUpZone(ctx, name, machine("UTC")); err == nil {
				t.Errorf("configured %q was accepted", name)
			}
		}
		store := memstore.New()
		mustOK(t, store.Update(ctx, func(tx core.Tx) error { return tx.SaveBankSettings(core.BankSettings{TimeZone: "Mars/Olympus"}) }))
		if err := newBank(t, store).SetUpZone(ctx, "", machine("UTC")); !errors.Is(err, core.ErrCorrupt) {
			t.Errorf("a stored zone that does not exist: %v, want ErrCorrupt", err)
		}
	})
}

// TestBankZoneSetsMonths: two copies set up on one store from machines in
// different zones both post and read in the stored zone.
func TestBankZoneSetsMonths(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	shanghai := mustZone(t, "Asia/Shanghai")
	f.Store = memstore.New() // a new bank
	f.Bank.Store = f.Store
	east, west := f.inZone(shanghai), f.inZone(mustZone(t, "America/New_York"))
	mustOK(t, east.SetUpZone(ctx, "", func() (string, error) { return "Asia/Shanghai", nil }))
	mustOK(t, west.SetUpZone(ctx, "", func() (string, error) { return "America/New_York", nil }))
	f.Clock.Set(time.Date(2026, 11, 30, 15, 0, 0, 0, time.UTC)) // 23:00 in Shanghai
	mustOK(t, west.Bootstrap(ctx, []core.UserSeed{{Name: "alice", Password: "alice-pw", Balance: 100000}, {Name: "bob", Password: "bob-pw"}, {Name: "root", Password: "root-pw"}}))
	f.Clock.Set(time.Date(2026, 11, 30, 20, 0, 0, 0, time.UTC)) // December 1st 04:00 in Shanghai
	mustOK(t, errOf(west.Transfer(ctx, core.TransferRequest{Ref: core.NewTransferRef(), From: "alice", To: "bob", Amount: 100})))
	mustOK(t, errOf(east.Transfer(ctx, core.TransferRequest{Ref: core.NewTransferRef(), From: "bob", To: "alice", Amount: 40})))
	f.assertLedgersChain(t, shanghai)
	if len(f.Store.Ledger("bob")[december]) == 0 {
		t.Errorf("no December entries for bob: months do not follow the bank's zone")
	}
	// November as the New York copy asks for it is November in Shanghai.
	nov, err := west.Statement(ctx, "alice", west.NowInZone().AddDate(0, -1, 0))
	if err != nil {
		t.Fatal(err)
	}
	dec, err := west.Statement(ctx, "alice", west.NowInZone())
	if err != nil {
		t.Fatal(err)
	}
	if len(nov.Entries) != 1 || len(dec.Entries) != 2 || nov.Closing != dec.Opening {
		t.Errorf("November %d entries, December %d (opening %s, November closing %s); want 1 and 2, chained", len(nov.Entries), len(dec.Entries), dec.Opening, nov.Closing)
	}
	if got := dec.Entries[0].Time.Format("2006-01-02 15:04 MST"); got != "2026-12-01 04:00 CST" {
		t.Errorf("December's first entry shown at %s, want 2026-12-01 04:00 CST (Shanghai)", got)
	}
}
