package core_test

import (
	"context"
	"encoding/json"
	"errors"
	"slices"
	"strings"
	"testing"
	"time"
	_ "time/tzdata" // the zones below, on any machine

	"atmshop/core"
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
	b := *f.bank
	b.Now = func() time.Time { return f.clock.Now().In(loc) }
	return &b
}

// assertLedgersChain checks every account's ledger: each entry is in the
// month file of its time in zone, no entry is earlier than the one before,
// and the balances chain across entries and month files (each month's
// first entry starts from the previous month's last balance_after).
func (f *fixture) assertLedgersChain(t *testing.T, zone *time.Location) {
	t.Helper()
	files := f.snapshot()
	for _, user := range []string{"alice", "bob", "root"} {
		var months []string
		for name := range files {
			if strings.HasPrefix(name, "ledger/"+user+"/") {
				months = append(months, name)
			}
		}
		slices.Sort(months)
		var balance core.Money
		var last time.Time
		for _, doc := range months {
			for i, line := range strings.Split(strings.TrimSuffix(string(files[doc]), "\n"), "\n") {
				var e core.Entry
				if err := json.Unmarshal([]byte(line), &e); err != nil {
					t.Fatalf("%s line %d: %v", doc, i+1, err)
				}
				if want := "ledger/" + user + "/" + e.Time.In(zone).Format("2006-01") + ".jsonl"; doc != want {
					t.Errorf("%s line %d at %s: in the wrong month file, want %s", doc, i+1, e.Time, want)
				}
				if e.Time.Before(last) {
					t.Errorf("%s line %d at %s: earlier than the entry before it (%s)", doc, i+1, e.Time, last)
				}
				if e.BalanceAfter-e.Amount != balance {
					t.Errorf("%s line %d: starts from %s, but the ledger before it ends at %s", doc, i+1, e.BalanceAfter-e.Amount, balance)
				}
				balance, last = e.BalanceAfter, e.Time
			}
		}
		if got := f.balance(t, user); got != balance {
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
	f.clock.now = time.Date(2026, 11, 30, 20, 0, 0, 0, time.UTC) // December 1st in Shanghai
	ctx := context.Background()
	mustOK(t, east.Repay(ctx, "alice", 100))
	mustOK(t, west.Repay(ctx, "alice", 200))
	mustOK(t, errOf(east.Withdraw(ctx, "alice", 300)))
	cart := &core.Cart{}
	mustOK(t, cart.Add(f.bank.Settings.Catalog[2], 1))
	mustOK(t, errOf(west.Checkout(ctx, "alice", cart)))
	f.clock.Advance(5 * time.Hour) // December everywhere
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
	f.clock.now = time.Date(2026, 12, 1, 0, 30, 0, 0, time.UTC)
	mustOK(t, f.bank.Repay(ctx, "alice", 100))
	novemberBefore := string(f.snapshot()["ledger/alice/2026-11.jsonl"])
	f.clock.now = time.Date(2026, 11, 30, 23, 50, 0, 0, time.UTC) // stepped back 40 minutes
	mustOK(t, f.bank.Repay(ctx, "alice", 200))
	mustOK(t, errOf(f.bank.Withdraw(ctx, "alice", 300)))
	cart := &core.Cart{}
	mustOK(t, cart.Add(f.bank.Settings.Catalog[2], 1))
	mustOK(t, errOf(f.bank.Checkout(ctx, "alice", cart)))
	// Bob's ledger is still in November, but both sides of a transfer get
	// the same time, so they are in the same month.
	ref, err := f.bank.Transfer(ctx, core.TransferRequest{Ref: core.NewTransferRef(), From: "alice", To: "bob", Amount: 1})
	mustOK(t, err)
	if !strings.Contains(string(f.snapshot()["ledger/bob/2026-12.jsonl"]), ref) {
		t.Errorf("bob's side of transfer %s is not in December, where alice's is", ref)
	}
	if got := string(f.snapshot()["ledger/alice/2026-11.jsonl"]); got != novemberBefore {
		t.Errorf("November's file changed after December's began:\n%s", strings.TrimPrefix(got, novemberBefore))
	}
	s, err := f.bank.Statement(ctx, "alice", time.Date(2026, 12, 1, 0, 0, 0, 0, time.UTC))
	if err != nil {
		t.Fatal(err)
	}
	if len(s.Entries) != 6 { // the repayment, the repayment, the withdrawal, its fee, the purchase, the transfer
		t.Errorf("December has %d entries, want 6", len(s.Entries))
	}
	f.clock.now = time.Date(2026, 12, 1, 1, 0, 0, 0, time.UTC) // the clock has caught up
	mustOK(t, f.bank.Repay(ctx, "alice", 400))
	f.assertLedgersChain(t, time.UTC)
}

// TestEndOfLedgerCheckReadsTheLatestMonth: a wrong balance in the latest
// month file is found even when the current month has no file yet.
func TestEndOfLedgerCheckReadsTheLatestMonth(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	doc := "ledger/bob/2026-11.jsonl"
	f.store.files[doc] = []byte(strings.Replace(string(f.store.files[doc]), `"balance_after_fen":5000`, `"balance_after_fen":4000`, 1))
	f.clock.now = time.Date(2027, 1, 5, 9, 0, 0, 0, time.UTC)
	before := f.snapshot()
	if err := f.bank.Repay(ctx, "bob", 100); !errors.Is(err, core.ErrCorrupt) {
		t.Errorf("repay over a November that disagrees with the balance, in January: %v, want ErrCorrupt", err)
	}
	f.assertUnchanged(t, before)
}

func TestSetUpZone(t *testing.T) {
	ctx := context.Background()
	machine := func(name string) func() (string, error) {
		return func() (string, error) { return name, nil }
	}
	unknown := func() (string, error) { return "", errors.New("no zone name here") }
	// newBank is a bank on store with nothing in it yet.
	newBank := func(t *testing.T, store *memStore) *core.Bank {
		f := newFixture(t)
		b := *f.bank
		b.Store = store
		return &b
	}
	stored := func(store *memStore) string { return string(store.files["bank.json"]) }

	t.Run("a new bank takes the machine's zone, and keeps it on another machine", func(t *testing.T) {
		store := newMemStore()
		b := newBank(t, store)
		mustOK(t, b.SetUpZone(ctx, "", machine("Asia/Shanghai")))
		if b.Zone.String() != "Asia/Shanghai" || stored(store) != "{\"time_zone\":\"Asia/Shanghai\"}\n" {
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
		store := newMemStore()
		b := newBank(t, store)
		mustOK(t, b.SetUpZone(ctx, "Europe/Berlin", machine("Asia/Shanghai")))
		if b.Zone.String() != "Europe/Berlin" || !strings.Contains(stored(store), "Europe/Berlin") {
			t.Errorf("zone %v, bank.json %q; want Europe/Berlin", b.Zone, stored(store))
		}
	})
	t.Run("data from before the zone was stored keeps the machine's zone", func(t *testing.T) {
		f := newFixture(t) // accounts and ledgers, no bank.json
		old := *f.bank
		mustOK(t, old.SetUpZone(ctx, "", machine("Asia/Shanghai")))
		if old.Zone.String() != "Asia/Shanghai" {
			t.Errorf("zone %v, want the machine's Asia/Shanghai", old.Zone)
		}
		g := newFixture(t)
		if err := g.bank.SetUpZone(ctx, "Europe/Berlin", machine("Asia/Shanghai")); err == nil || !strings.Contains(err.Error(), "Asia/Shanghai") {
			t.Errorf("another configured zone over old data: %v, want it refused naming the machine's zone", err)
		}
		if _, ok := g.store.files["bank.json"]; ok {
			t.Errorf("bank.json written although start-up was refused")
		}
	})
	t.Run("no name for the machine's zone: UTC and a warning", func(t *testing.T) {
		f := newFixture(t)
		b := *f.bank
		b.Store = newMemStore()
		mustOK(t, b.SetUpZone(ctx, "", unknown))
		if b.Zone.String() != "UTC" || !strings.Contains(stored(b.Store.(*memStore)), `"UTC"`) {
			t.Errorf("zone %v, want UTC", b.Zone)
		}
		if e := f.logs.LastEntry(); e == nil || !strings.Contains(e.Message, "[bank] time_zone") {
			t.Errorf("last log line %v, want a warning that says to set [bank] time_zone", e)
		}
	})
	t.Run("bad names are refused", func(t *testing.T) {
		b := newBank(t, newMemStore())
		for _, name := range []string{"Local", "Mars/Olympus"} {
			if err := b.SetUpZone(ctx, name, machine("UTC")); err == nil {
				t.Errorf("configured %q was accepted", name)
			}
		}
		store := newMemStore()
		store.files["bank.json"] = []byte(`{"time_zone":"Mars/Olympus"}`)
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
	f.store.files = map[string][]byte{} // a new bank
	east, west := f.inZone(shanghai), f.inZone(mustZone(t, "America/New_York"))
	mustOK(t, east.SetUpZone(ctx, "", func() (string, error) { return "Asia/Shanghai", nil }))
	mustOK(t, west.SetUpZone(ctx, "", func() (string, error) { return "America/New_York", nil }))
	f.clock.now = time.Date(2026, 11, 30, 15, 0, 0, 0, time.UTC) // 23:00 in Shanghai
	mustOK(t, west.Bootstrap(ctx, []core.UserSeed{{Name: "alice", Password: "alice-pw", Balance: 100000}, {Name: "bob", Password: "bob-pw"}, {Name: "root", Password: "root-pw"}}))
	f.clock.now = time.Date(2026, 11, 30, 20, 0, 0, 0, time.UTC) // December 1st 04:00 in Shanghai
	mustOK(t, errOf(west.Transfer(ctx, core.TransferRequest{Ref: core.NewTransferRef(), From: "alice", To: "bob", Amount: 100})))
	mustOK(t, errOf(east.Transfer(ctx, core.TransferRequest{Ref: core.NewTransferRef(), From: "bob", To: "alice", Amount: 40})))
	f.assertLedgersChain(t, shanghai)
	if _, ok := f.snapshot()["ledger/bob/2026-12.jsonl"]; !ok {
		t.Errorf("no December file for bob: months do not follow the bank's zone")
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
