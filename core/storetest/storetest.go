// Package storetest is the conformance suite of core's storage port, like
// testing/fstest for file systems: an adapter of core.Store is done when
// Run passes on it. It knows nothing of any adapter; what it needs to
// damage data, the adapter supplies in a Harness.
package storetest

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"sync"
	"testing"
	"time"

	"atmshop/core"
)

// Harness is one new, empty store and the means to damage its data.
type Harness struct {
	Store core.Store
	// DamageAccount makes the stored account name unreadable.
	DamageAccount func(name string)
	// DamageLedger makes the last entry of name's ledger in month
	// unreadable.
	DamageLedger func(name string, month core.Month)
	// DamageSettings makes the stored bank settings unreadable.
	DamageSettings func()
}

// Run runs the suite; open returns a new, empty store for each case.
func Run(t *testing.T, open func(t *testing.T) Harness) {
	for _, tc := range []struct {
		name string
		run  func(t *testing.T, h Harness)
	}{
		{"NotFound", testNotFound},
		{"AccountRoundTrip", testAccountRoundTrip},
		{"BillsAndSystemAccounts", testBillsAndSystemAccounts},
		{"Language", testLanguage},
		{"Atomicity", testAtomicity},
		{"Isolation", testIsolation},
		{"EntryOrderAndMonths", testEntryOrderAndMonths},
		{"EndOfLedgerCheck", testEndOfLedgerCheck},
		{"Listing", testListing},
		{"Refs", testRefs},
		{"Orders", testOrders},
		{"Settings", testSettings},
		{"Corrupt", testCorrupt},
	} {
		t.Run(tc.name, func(t *testing.T) { tc.run(t, open(t)) })
	}
}

var (
	ctx   = context.Background()
	start = time.Date(2026, 11, 25, 10, 0, 0, 0, time.UTC)
	nov   = core.Month{Year: 2026, Month: 11}
	dec   = core.Month{Year: 2026, Month: 12}
	jan   = core.Month{Year: 2027, Month: 1}
)

func update(t *testing.T, s core.Store, fn func(core.Tx) error) {
	t.Helper()
	if err := s.Update(ctx, fn); err != nil {
		t.Fatalf("update: %v", err)
	}
}

func view(t *testing.T, s core.Store, fn func(core.Tx) error) {
	t.Helper()
	if err := s.View(ctx, fn); err != nil {
		t.Fatalf("view: %v", err)
	}
}

func account(name string, balance core.Money) *core.Account {
	return &core.Account{Name: name, PasswordHash: "$2a$04$hash", Balance: balance, CreditLimit: 1000, Created: start, Updated: start}
}

// create saves an account for each name, as the rules do before they
// post to a ledger or place an order.
func create(t *testing.T, s core.Store, names ...string) {
	t.Helper()
	update(t, s, func(tx core.Tx) error {
		for _, name := range names {
			if err := tx.SaveAccount(account(name, 0)); err != nil {
				return err
			}
		}
		return nil
	})
}

// entries makes n entries for a ledger that ends at balance, one a
// minute from at, each paying in amount.
func entries(prefix string, balance, amount core.Money, at time.Time, n int) []core.Entry {
	es := make([]core.Entry, n)
	for i := range es {
		balance += amount
		es[i] = core.Entry{ID: fmt.Sprintf("e-%s%d", prefix, i), Ref: fmt.Sprintf("r-%s%d", prefix, i), Time: at.Add(time.Duration(i) * time.Minute), Kind: core.KindRepayment, Amount: amount, BalanceAfter: balance}
	}
	return es
}

func sameEntries(t *testing.T, what string, got, want []core.Entry) {
	t.Helper()
	if !slices.EqualFunc(got, want, func(a, b core.Entry) bool {
		return a.ID == b.ID && a.Ref == b.Ref && a.Time.Equal(b.Time) && a.Kind == b.Kind && a.Counterparty == b.Counterparty && a.Amount == b.Amount && a.BalanceAfter == b.BalanceAfter && a.Note == b.Note
	}) {
		t.Errorf("%s: got %+v, want %+v", what, got, want)
	}
}

func testNotFound(t *testing.T, h Harness) {
	view(t, h.Store, func(tx core.Tx) error {
		if _, err := tx.Account("nobody"); !errors.Is(err, core.ErrNoAccount) {
			t.Errorf("Account of nobody: %v, want ErrNoAccount", err)
		}
		if ok, err := tx.HasAccount("nobody"); ok || err != nil {
			t.Errorf("HasAccount of nobody: %v, %v; want false, nil", ok, err)
		}
		if e, err := tx.LastEntry("nobody"); e != nil || err != nil {
			t.Errorf("LastEntry of nobody: %v, %v; want nil, nil", e, err)
		}
		if es, err := tx.MonthEntries("nobody", nov); len(es) != 0 || err != nil {
			t.Errorf("MonthEntries of nobody: %v, %v; want none", es, err)
		}
		if m, err := tx.BalanceBefore("nobody", nov); m != 0 || err != nil {
			t.Errorf("BalanceBefore of nobody: %v, %v; want 0", m, err)
		}
		if e, err := tx.FindRef("nobody", "r-1", true); e != nil || err != nil {
			t.Errorf("FindRef of nobody: %v, %v; want nil, nil", e, err)
		}
		if os, err := tx.Orders("nobody"); len(os) != 0 || err != nil {
			t.Errorf("Orders of nobody: %v, %v; want none", os, err)
		}
		if _, err := tx.Order("nobody", "p-1"); !errors.Is(err, core.ErrNoOrder) {
			t.Errorf("Order of nobody: %v, want ErrNoOrder", err)
		}
		if _, err := tx.BankSettings(); !errors.Is(err, core.ErrNoSettings) {
			t.Errorf("BankSettings of a new store: %v, want ErrNoSettings", err)
		}
		if names, err := tx.AccountNames("", 10); len(names) != 0 || err != nil {
			t.Errorf("AccountNames of a new store: %v, %v; want none", names, err)
		}
		return nil
	})
}

func testAccountRoundTrip(t *testing.T, h Harness) {
	want := account("alice", -500)
	want.Admin, want.FailedLogins, want.LockedUntil, want.Language = true, 2, start.Add(time.Hour), core.Chinese
	update(t, h.Store, func(tx core.Tx) error { return tx.SaveAccount(want) })
	view(t, h.Store, func(tx core.Tx) error {
		got, err := tx.Account("alice")
		if err != nil {
			return err
		}
		if got.Name != want.Name || got.PasswordHash != want.PasswordHash || got.Balance != want.Balance || got.CreditLimit != want.CreditLimit ||
			got.Admin != want.Admin || got.Frozen != want.Frozen || got.Language != want.Language || got.FailedLogins != want.FailedLogins ||
			!got.LockedUntil.Equal(want.LockedUntil) || !got.Created.Equal(want.Created) || !got.Updated.Equal(want.Updated) {
			t.Errorf("Account: got %+v, want %+v", got, want)
		}
		if ok, err := tx.HasAccount("alice"); !ok || err != nil {
			t.Errorf("HasAccount: %v, %v; want true", ok, err)
		}
		return nil
	})
}

// testBillsAndSystemAccounts: an account's bills and booked day come back
// as saved, a bank's own account (no password, a name no person can
// have) is stored and listed, and an account saved before bills existed
// reads with none.
func testBillsAndSystemAccounts(t *testing.T, h Harness) {
	day := func(d int) time.Time { return time.Date(2026, 12, d, 0, 0, 0, 0, time.UTC) }
	want := account("alice", -500)
	want.Bills = []core.Bill{
		{Date: day(22), Owed: 500, Minimum: 50, Due: time.Date(2027, 1, 10, 0, 0, 0, 0, time.UTC), Paid: 20},
	}
	want.BookedThrough = day(23)
	bank := &core.Account{Name: core.SystemCash, CreditLimit: core.MaxMoney, Balance: -core.MaxMoney, Created: start, Updated: start}
	update(t, h.Store, func(tx core.Tx) error {
		if err := tx.SaveAccount(account("bob", 0)); err != nil {
			return err
		}
		if err := tx.SaveAccount(want); err != nil {
			return err
		}
		return tx.SaveAccount(bank)
	})
	view(t, h.Store, func(tx core.Tx) error {
		got, err := tx.Account("alice")
		if err != nil {
			return err
		}
		if len(got.Bills) != 1 || !got.BookedThrough.Equal(want.BookedThrough) {
			t.Fatalf("Account: bills %+v booked through %v, want %+v and %v", got.Bills, got.BookedThrough, want.Bills, want.BookedThrough)
		}
		g, w := got.Bills[0], want.Bills[0]
		if !g.Date.Equal(w.Date) || !g.Due.Equal(w.Due) || g.Owed != w.Owed || g.Minimum != w.Minimum || g.Paid != w.Paid {
			t.Errorf("bill: got %+v, want %+v", g, w)
		}
		bob, err := tx.Account("bob")
		if err != nil || len(bob.Bills) != 0 || !bob.BookedThrough.IsZero() {
			t.Errorf("bob: %+v, %v; want no bills, not booked", bob, err)
		}
		gotBank, err := tx.Account(core.SystemCash)
		if err != nil || gotBank.Balance != bank.Balance {
			t.Errorf("the bank's account: %+v, %v; want %+v", gotBank, err, bank)
		}
		if names, err := tx.AccountNames("", 10); err != nil || !slices.Contains(names, core.SystemCash) {
			t.Errorf("AccountNames = %v, %v; want the bank's account listed", names, err)
		}
		return nil
	})
}

// testLanguage: an account without a language reads as none, and a
// language set and then cleared is stored each time.
func testLanguage(t *testing.T, h Harness) {
	a := account("alice", 0)
	for _, want := range []core.Language{"", core.Chinese, core.English, ""} {
		a.Language = want
		update(t, h.Store, func(tx core.Tx) error { return tx.SaveAccount(a) })
		view(t, h.Store, func(tx core.Tx) error {
			got, err := tx.Account("alice")
			if err != nil {
				return err
			}
			if got.Language != want {
				t.Errorf("Language after saving %q: got %q", want, got.Language)
			}
			return nil
		})
	}
}

// testAtomicity: an error from fn keeps none of its writes, of any kind.
func testAtomicity(t *testing.T, h Harness) {
	update(t, h.Store, func(tx core.Tx) error {
		if err := tx.SaveAccount(account("alice", 100)); err != nil {
			return err
		}
		return tx.AppendEntries("alice", nov, entries("a", 0, 100, start, 1)...)
	})
	failed := errors.New("refused halfway")
	err := h.Store.Update(ctx, func(tx core.Tx) error {
		steps := []func() error{
			func() error { return tx.SaveAccount(account("alice", 300)) },
			func() error { return tx.SaveAccount(account("bob", 1)) },
			func() error {
				return tx.AppendEntries("alice", dec, entries("b", 100, 200, start.AddDate(0, 1, 0), 1)...)
			},
			func() error { return tx.AppendOrder("alice", core.Order{ID: "p-1", Time: start, Total: 1}) },
			func() error { return tx.SaveBankSettings(core.BankSettings{TimeZone: "UTC"}) },
		}
		for _, step := range steps {
			if err := step(); err != nil {
				return err
			}
		}
		return failed
	})
	if !errors.Is(err, failed) {
		t.Fatalf("Update: %v, want fn's error", err)
	}
	view(t, h.Store, func(tx core.Tx) error {
		a, err := tx.Account("alice")
		if err != nil || a.Balance != 100 {
			t.Errorf("alice: %+v, %v; want the balance before, 100", a, err)
		}
		if ok, _ := tx.HasAccount("bob"); ok {
			t.Errorf("bob was created by a failed Update")
		}
		last, err := tx.LastEntry("alice")
		if err != nil || last == nil || last.ID != "e-a0" {
			t.Errorf("LastEntry: %+v, %v; want e-a0", last, err)
		}
		if es, _ := tx.MonthEntries("alice", dec); len(es) != 0 {
			t.Errorf("December has %d entries, want none", len(es))
		}
		if os, _ := tx.Orders("alice"); len(os) != 0 {
			t.Errorf("%d orders, want none", len(os))
		}
		if _, err := tx.BankSettings(); !errors.Is(err, core.ErrNoSettings) {
			t.Errorf("BankSettings: %v, want ErrNoSettings", err)
		}
		return nil
	})
}

// testIsolation: concurrent read-modify-write transactions lose no update.
func testIsolation(t *testing.T, h Harness) {
	update(t, h.Store, func(tx core.Tx) error { return tx.SaveAccount(account("alice", 0)) })
	const workers, rounds = 8, 10
	var wg sync.WaitGroup
	errs := make(chan error, workers*rounds)
	for range workers {
		wg.Go(func() {
			for range rounds {
				errs <- h.Store.Update(ctx, func(tx core.Tx) error {
					a, err := tx.Account("alice")
					if err != nil {
						return err
					}
					last, err := tx.LastEntry("alice")
					if err != nil {
						return err
					}
					e := core.Entry{ID: fmt.Sprintf("e-%d", a.Balance), Ref: fmt.Sprintf("r-%d", a.Balance), Time: start, Kind: core.KindRepayment, Amount: 1, BalanceAfter: a.Balance + 1}
					if last != nil && last.BalanceAfter != a.Balance {
						return fmt.Errorf("saw balance %s with a ledger ending at %s", a.Balance, last.BalanceAfter)
					}
					a.Balance++
					if err := tx.AppendEntries("alice", nov, e); err != nil {
						return err
					}
					return tx.SaveAccount(a)
				})
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Fatal(err)
		}
	}
	view(t, h.Store, func(tx core.Tx) error {
		a, err := tx.Account("alice")
		if err != nil || a.Balance != workers*rounds {
			t.Errorf("alice: %v, %v; want %d: no update lost", a, err, workers*rounds)
		}
		es, err := tx.MonthEntries("alice", nov)
		if err != nil || len(es) != workers*rounds {
			t.Errorf("%d entries, %v; want %d", len(es), err, workers*rounds)
		}
		return nil
	})
}

// testEntryOrderAndMonths: entries come back in the order appended, by
// month; a month without entries opens and closes where the one before
// ended.
func testEntryOrderAndMonths(t *testing.T, h Harness) {
	create(t, h.Store, "alice")
	novEntries := entries("n", 0, 100, start, 3)
	janEntries := entries("j", 300, -50, time.Date(2027, 1, 2, 0, 0, 0, 0, time.UTC), 2)
	update(t, h.Store, func(tx core.Tx) error {
		if err := tx.AppendEntries("alice", nov, novEntries[:1]...); err != nil {
			return err
		}
		return tx.AppendEntries("alice", nov, novEntries[1:]...)
	})
	update(t, h.Store, func(tx core.Tx) error { return tx.AppendEntries("alice", jan, janEntries...) })
	view(t, h.Store, func(tx core.Tx) error {
		got, err := tx.MonthEntries("alice", nov)
		if err != nil {
			return err
		}
		sameEntries(t, "November", got, novEntries)
		if got, err = tx.MonthEntries("alice", jan); err != nil {
			return err
		}
		sameEntries(t, "January", got, janEntries)
		if got, err = tx.MonthEntries("alice", dec); err != nil || len(got) != 0 {
			t.Errorf("December: %v, %v; want none", got, err)
		}
		last, err := tx.LastEntry("alice")
		if err != nil || last == nil || last.ID != janEntries[1].ID {
			t.Errorf("LastEntry: %+v, %v; want %s", last, err, janEntries[1].ID)
		}
		for _, tc := range []struct {
			month core.Month
			want  core.Money
		}{
			{core.Month{Year: 2026, Month: 10}, 0},
			{nov, 0},
			{dec, 300},
			{jan, 300},
			{core.Month{Year: 2027, Month: 2}, 200},
			{core.Month{Year: 2030, Month: 6}, 200},
		} {
			if got, err := tx.BalanceBefore("alice", tc.month); got != tc.want || err != nil {
				t.Errorf("BalanceBefore(%s) = %s, %v; want %s", tc.month, got, err, tc.want)
			}
		}
		return nil
	})
}

// testEndOfLedgerCheck: entries that do not start where the ledger ends
// are refused as corrupt data, and nothing is appended.
func testEndOfLedgerCheck(t *testing.T, h Harness) {
	create(t, h.Store, "alice")
	update(t, h.Store, func(tx core.Tx) error { return tx.AppendEntries("alice", nov, entries("a", 0, 100, start, 2)...) })
	for name, bad := range map[string][]core.Entry{
		"a gap after the ledger's end":  entries("x", 150, 10, start.Add(time.Hour), 1),
		"a gap between the new entries": append(entries("y", 200, 10, start.Add(time.Hour), 1), entries("z", 500, 10, start.Add(2*time.Hour), 1)...),
		"a later month":                 entries("w", 0, 10, start.AddDate(0, 1, 0), 1),
	} {
		month := core.MonthOf(bad[0].Time)
		err := h.Store.Update(ctx, func(tx core.Tx) error { return tx.AppendEntries("alice", month, bad...) })
		if !errors.Is(err, core.ErrCorrupt) {
			t.Errorf("%s: %v, want ErrCorrupt", name, err)
		}
	}
	view(t, h.Store, func(tx core.Tx) error {
		last, err := tx.LastEntry("alice")
		if err != nil || last == nil || last.BalanceAfter != 200 {
			t.Errorf("LastEntry: %+v, %v; want the ledger unchanged at 200", last, err)
		}
		return nil
	})
}

// testListing: names in order, a page at a time, and an account added
// between two pages shows up in a later page.
func testListing(t *testing.T, h Harness) {
	update(t, h.Store, func(tx core.Tx) error {
		for _, name := range []string{"erin", "bob", "alice", "dave", "carol"} {
			if err := tx.SaveAccount(account(name, 0)); err != nil {
				return err
			}
		}
		return nil
	})
	page := func(after string, limit int) []string {
		t.Helper()
		var names []string
		view(t, h.Store, func(tx core.Tx) (err error) {
			names, err = tx.AccountNames(after, limit)
			return err
		})
		return names
	}
	for _, tc := range []struct {
		after string
		limit int
		want  []string
	}{
		{"", 2, []string{"alice", "bob"}},
		{"bob", 2, []string{"carol", "dave"}},
		{"dave", 2, []string{"erin"}},
		{"erin", 2, nil},
		{"", 0, nil},
		{"b", 1, []string{"bob"}},
	} {
		if got := page(tc.after, tc.limit); !slices.Equal(got, tc.want) {
			t.Errorf("AccountNames(%q, %d) = %v, want %v", tc.after, tc.limit, got, tc.want)
		}
	}
	update(t, h.Store, func(tx core.Tx) error { return tx.SaveAccount(account("carl", 0)) })
	if got, want := page("bob", 10), []string{"carl", "carol", "dave", "erin"}; !slices.Equal(got, want) {
		t.Errorf("after adding carl: %v, want %v", got, want)
	}
}

// testRefs: the latest posting's ref is always found; with deep, any ref
// of the latest two months.
func testRefs(t *testing.T, h Harness) {
	create(t, h.Store, "alice")
	novEntries := entries("n", 0, 100, start, 3)
	decEntries := entries("d", 300, 100, start.AddDate(0, 1, 0), 2)
	update(t, h.Store, func(tx core.Tx) error {
		if err := tx.AppendEntries("alice", nov, novEntries...); err != nil {
			return err
		}
		return tx.AppendEntries("alice", dec, decEntries...)
	})
	view(t, h.Store, func(tx core.Tx) error {
		for _, deep := range []bool{false, true} {
			if e, err := tx.FindRef("alice", decEntries[1].Ref, deep); err != nil || e == nil || e.ID != decEntries[1].ID {
				t.Errorf("FindRef of the latest entry (deep %v): %+v, %v", deep, e, err)
			}
			if e, err := tx.FindRef("alice", "r-unknown", deep); err != nil || e != nil {
				t.Errorf("FindRef of an unknown ref (deep %v): %+v, %v; want nil", deep, e, err)
			}
		}
		if e, err := tx.FindRef("alice", novEntries[0].Ref, true); err != nil || e == nil || e.ID != novEntries[0].ID {
			t.Errorf("deep FindRef in the month before: %+v, %v", e, err)
		}
		return nil
	})
}

func testOrders(t *testing.T, h Harness) {
	create(t, h.Store, "alice", "bob")
	first := core.Order{ID: "p-1", Time: start, Lines: []core.CartLine{{Item: "Kettle", Price: 19900, Quantity: 1}}, Total: 19900}
	second := core.Order{ID: "p-2", Time: start.Add(time.Hour), Lines: []core.CartLine{{Item: "Notebook", Price: 1250, Quantity: 2}, {Item: "Pen", Price: 1, Quantity: 3}}, Total: 2503}
	update(t, h.Store, func(tx core.Tx) error { return tx.AppendOrder("alice", first) })
	update(t, h.Store, func(tx core.Tx) error { return tx.AppendOrder("alice", second) })
	same := func(a, b core.Order) bool {
		return a.ID == b.ID && a.Time.Equal(b.Time) && a.Total == b.Total && slices.Equal(a.Lines, b.Lines)
	}
	view(t, h.Store, func(tx core.Tx) error {
		orders, err := tx.Orders("alice")
		if err != nil || len(orders) != 2 || !same(orders[0], first) || !same(orders[1], second) {
			t.Errorf("Orders: %+v, %v; want both, oldest first", orders, err)
		}
		o, err := tx.Order("alice", "p-1")
		if err != nil || !same(*o, first) {
			t.Errorf("Order p-1: %+v, %v", o, err)
		}
		if _, err := tx.Order("alice", "p-3"); !errors.Is(err, core.ErrNoOrder) {
			t.Errorf("Order p-3: %v, want ErrNoOrder", err)
		}
		if orders, _ := tx.Orders("bob"); len(orders) != 0 {
			t.Errorf("bob has alice's orders: %v", orders)
		}
		return nil
	})
}

func testSettings(t *testing.T, h Harness) {
	update(t, h.Store, func(tx core.Tx) error { return tx.SaveBankSettings(core.BankSettings{TimeZone: "Asia/Shanghai"}) })
	view(t, h.Store, func(tx core.Tx) error {
		if s, err := tx.BankSettings(); err != nil || s.TimeZone != "Asia/Shanghai" {
			t.Errorf("BankSettings: %+v, %v; want Asia/Shanghai", s, err)
		}
		return nil
	})
}

// testCorrupt: damaged data is an error wrapping core.ErrCorrupt, and a
// damaged account is still known to exist and listed.
func testCorrupt(t *testing.T, h Harness) {
	update(t, h.Store, func(tx core.Tx) error {
		for _, name := range []string{"alice", "bob"} {
			if err := tx.SaveAccount(account(name, 200)); err != nil {
				return err
			}
			if err := tx.AppendEntries(name, nov, entries(name, 0, 100, start, 2)...); err != nil {
				return err
			}
		}
		return tx.SaveBankSettings(core.BankSettings{TimeZone: "UTC"})
	})
	h.DamageAccount("alice")
	h.DamageLedger("bob", nov)
	h.DamageSettings()
	view(t, h.Store, func(tx core.Tx) error {
		if _, err := tx.Account("alice"); !errors.Is(err, core.ErrCorrupt) {
			t.Errorf("damaged account: %v, want ErrCorrupt", err)
		}
		if ok, err := tx.HasAccount("alice"); !ok || err != nil {
			t.Errorf("HasAccount of a damaged account: %v, %v; want true", ok, err)
		}
		if names, err := tx.AccountNames("", 10); err != nil || !slices.Equal(names, []string{"alice", "bob"}) {
			t.Errorf("AccountNames: %v, %v; want the damaged account listed too", names, err)
		}
		if _, err := tx.MonthEntries("bob", nov); !errors.Is(err, core.ErrCorrupt) {
			t.Errorf("damaged month: %v, want ErrCorrupt", err)
		}
		if _, err := tx.LastEntry("bob"); !errors.Is(err, core.ErrCorrupt) {
			t.Errorf("LastEntry over a damaged last entry: %v, want ErrCorrupt", err)
		}
		if _, err := tx.BalanceBefore("bob", dec); !errors.Is(err, core.ErrCorrupt) {
			t.Errorf("BalanceBefore over a damaged month: %v, want ErrCorrupt", err)
		}
		if _, err := tx.BankSettings(); !errors.Is(err, core.ErrCorrupt) {
			t.Errorf("damaged settings: %v, want ErrCorrupt", err)
		}
		if a, err := tx.Account("bob"); err != nil || a.Balance != 200 {
			t.Errorf("bob's account, next to his damaged ledger: %v, %v", a, err)
		}
		return nil
	})
	err := h.Store.Update(ctx, func(tx core.Tx) error {
		return tx.AppendEntries("bob", nov, entries("x", 200, 1, start.Add(time.Hour), 1)...)
	})
	if !errors.Is(err, core.ErrCorrupt) {
		t.Errorf("appending after a damaged last entry: %v, want ErrCorrupt", err)
	}
}
