package core_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"
	"time"

	"atmshop/core"
)

func TestWithdrawFeeRoundsHalfUpToTheFen(t *testing.T) {
	f := newFixture(t)
	for _, tc := range []struct{ amount, fee core.Money }{
		{10000, 500}, // 100.00 -> 5.00
		{1, 0},       // 0.05 fen rounds down
		{10, 1},      // 0.5 fen rounds up
		{9, 0},       // 0.45 fen rounds down
		{3333, 167},  // 166.65 fen rounds up
		{3331, 167},  // 166.55 fen rounds up
		{3329, 166},  // 166.45 fen rounds down
		{core.MaxMoney, core.MaxMoney / 20},
	} {
		if got := f.bank.WithdrawFee(tc.amount); got != tc.fee {
			t.Errorf("WithdrawFee(%s) = %s, want %s", tc.amount, got, tc.fee)
		}
	}
}

func TestWithdraw(t *testing.T) {
	f := newFixture(t)
	out := f.script(t, "bob", "bob-pw", "4", "40", "y", "4", "7.62", "y", "4", "7.61", "y", "q")
	// 40 + a 2.00 fee leaves 8.00; 7.62 + its 0.38 fee is exactly 8.00;
	// after that even 7.61 is refused.
	assertContains(t, out, "Please take your cash: 40.00. Fee charged: 2.00.", "Please take your cash: 7.62. Fee charged: 0.38.", "Insufficient funds")
	if got := f.balance(t, "bob"); got != 0 {
		t.Errorf("bob has %s, want 0.00", got)
	}
}

func TestRepayPaysBackDebt(t *testing.T) {
	f := newFixture(t)
	if _, err := f.bank.Transfer(context.Background(), core.TransferRequest{Ref: core.NewTransferRef(), From: "alice", To: "bob", Amount: 200000}); err != nil {
		t.Fatal(err)
	}
	out := f.script(t, "alice", "alice-pw", "5", "1000", "2", "q")
	assertContains(t, out, "Paid in 1,000.00. Balance is now 0.00.")
	assertLacks(t, out, "Owed")
}

func TestShopCheckout(t *testing.T) {
	f := newFixture(t)
	out := f.script(t, "bob", "bob-pw", "1", "3", "2", "1", "1", "c", "x", "n", "e", "2", "0", "x", "y", "7", "q")
	assertContains(t, out,
		"Coffee beans 1kg", "89.90", // the catalog
		"Added 2 x Notebook. Cart total: 25.00.",
		"Not paid; the cart is kept.",
		"Paid 25.00. Order p-", // after removing the coffee, only the notebooks are paid
		"2 x Notebook")         // the orders list
	if got, want := f.balance(t, "bob"), core.Money(5000-2500); got != want {
		t.Errorf("bob has %s, want %s", got, want)
	}
}

func TestCheckoutInsufficientChangesNothing(t *testing.T) {
	f := newFixture(t)
	before := f.snapshot()
	out := f.script(t, "bob", "bob-pw", "1", "2", "1", "x", "y", "b", "q")
	assertContains(t, out, "Insufficient funds: this order needs 199.00 but only 50.00 is available.")
	f.assertUnchanged(t, before)
}

func TestShopRefusesBadInput(t *testing.T) {
	f := newFixture(t)
	before := f.snapshot()
	out := f.script(t, "bob", "bob-pw", "1", "0", "4", "1", "-1", "1", "1000", "1", "abc", "x", "e", "zz", "b", "q")
	assertContains(t, out, `Unknown choice "0"`, `Unknown choice "4"`, `Invalid quantity "-1"`, `Invalid quantity "1000"`,
		`Invalid quantity "abc"`, "The cart is empty", `Unknown choice "zz"`)
	f.assertUnchanged(t, before)
}

func TestCartTotalCannotOverflow(t *testing.T) {
	var c core.Cart
	big := core.Item{Name: "Island", Price: core.MaxMoney / 2}
	if err := c.Add(big, 2); err != nil {
		t.Fatalf("two islands: %v", err)
	}
	if err := c.Add(core.Item{Name: "Pen", Price: 1}, 1); !errors.Is(err, core.ErrTooMuch) {
		t.Errorf("adding past MaxMoney: %v, want ErrTooMuch", err)
	}
	if err := c.Add(big, 1); !errors.Is(err, core.ErrTooMuch) {
		t.Errorf("a third island: %v, want ErrTooMuch", err)
	}
	if got := c.Total(); got != core.MaxMoney {
		t.Errorf("total %s, want %s", got, core.MaxMoney)
	}
}

func TestStatement(t *testing.T) {
	f := newFixture(t)
	// December: one transfer. January: a transfer, a withdrawal, a repayment.
	f.clock.now = time.Date(2026, 12, 3, 9, 0, 0, 0, time.UTC)
	mustOK(t, errOf(f.bank.Transfer(context.Background(), core.TransferRequest{Ref: core.NewTransferRef(), From: "alice", To: "bob", Amount: 10000})))
	f.clock.now = time.Date(2027, 1, 5, 9, 0, 0, 0, time.UTC)
	mustOK(t, errOf(f.bank.Transfer(context.Background(), core.TransferRequest{Ref: core.NewTransferRef(), From: "alice", To: "bob", Amount: 2000})))
	mustOK(t, errOf(f.bank.Withdraw(context.Background(), "alice", 1000)))
	if err := f.bank.Repay(context.Background(), "alice", 300); err != nil {
		t.Fatal(err)
	}
	s, err := f.bank.Statement(context.Background(), "alice", f.clock.Now())
	if err != nil {
		t.Fatal(err)
	}
	if s.Opening != 90000 || s.Closing != 90000-2000-1000-50+300 {
		t.Errorf("opening %s closing %s, want 900.00 and %s", s.Opening, s.Closing, core.Money(90000-2000-1000-50+300))
	}
	if s.In != core.TotalOf(300) || s.Out != core.TotalOf(3050) || len(s.Entries) != 4 {
		t.Errorf("in %s out %s entries %d, want 3.00, 30.50, 4", s.In, s.Out, len(s.Entries))
	}
	if s.ByKind[core.KindTransferOut] != core.TotalOf(2000) || s.ByKind[core.KindWithdrawal] != core.TotalOf(1000) || s.ByKind[core.KindFee] != core.TotalOf(50) {
		t.Errorf("by kind %v", s.ByKind)
	}
	// February has no entries: it opens and closes where January ended.
	dec, err := f.bank.Statement(context.Background(), "alice", time.Date(2027, 2, 1, 0, 0, 0, 0, time.UTC))
	if err != nil {
		t.Fatal(err)
	}
	if dec.Opening != s.Closing || dec.Closing != s.Closing || len(dec.Entries) != 0 {
		t.Errorf("February: opening %s closing %s entries %d, want %s twice and none", dec.Opening, dec.Closing, len(dec.Entries), s.Closing)
	}
	out := f.script(t, "alice", "alice-pw", "6", "", "6", "2026-12", "6", "December", "q")
	assertContains(t, out, "Statement for alice, January 2027", "Statement for alice, December 2026", "transfer_out", `Invalid month "December"`)
}

// errOf drops a result so a two-result call can be passed to mustOK.
func errOf[T any](_ T, err error) error { return err }

func mustOK(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

func TestStaleBalanceIsNeverWrittenBack(t *testing.T) {
	f := newFixture(t)
	stale, err := f.bank.Authenticate(context.Background(), "alice", "alice-pw")
	if err != nil {
		t.Fatal(err)
	}
	mustOK(t, errOf(f.bank.Transfer(context.Background(), core.TransferRequest{Ref: core.NewTransferRef(), From: "bob", To: "alice", Amount: 5000})))
	mustOK(t, errOf(f.bank.Transfer(context.Background(), core.TransferRequest{Ref: core.NewTransferRef(), From: "alice", To: "bob", Amount: 100})))
	if got, want := f.balance(t, "alice"), stale.Balance+5000-100; got != want {
		t.Errorf("alice has %s, want %s", got, want)
	}
}

func TestFrozenAccounts(t *testing.T) {
	f := newFixture(t)
	out := f.script(t, "root", "root-pw", "a", "4", "bob", "b", "q")
	assertContains(t, out, "Done: freeze bob.")
	out = f.script(t, "bob", "bob-pw", "q")
	assertContains(t, out, "Your account is frozen")
	assertLacks(t, out, "Welcome, bob.")
	before := f.snapshot()
	out = f.script(t, "alice", "alice-pw", "3", "bob", "q")
	assertContains(t, out, "The account bob is frozen and cannot receive transfers.")
	f.assertUnchanged(t, before)
	if _, err := f.bank.Transfer(context.Background(), core.TransferRequest{Ref: core.NewTransferRef(), From: "alice", To: "bob", Amount: 100}); !errors.Is(err, core.ErrFrozen) {
		t.Errorf("transfer to frozen bob: %v, want ErrFrozen", err)
	}
}

func TestFreezeEndsALiveSessionAtTheNextAction(t *testing.T) {
	f := newFixture(t)
	in := &scriptReader{lines: []string{"bob", "bob-pw", "2", "#freeze", "4", "1", "y", "q"}, clock: f.clock}
	frozen := false
	in.hook = func(line string) {
		if line == "#freeze" && !frozen {
			frozen = true
			if err := f.bank.Change(context.Background(), "root", "bob", "freeze", core.SetFrozen(true)); err != nil {
				t.Errorf("freeze: %v", err)
			}
		}
	}
	var out strings.Builder
	app, err := core.New(f.bank, in, &out)
	if err != nil {
		t.Fatal(err)
	}
	if err := app.Run(context.Background()); err != nil {
		t.Fatal(err)
	}
	assertContains(t, out.String(), "Your account is frozen")
	if got := f.balance(t, "bob"); got != 5000 {
		t.Errorf("bob has %s, want 50.00", got)
	}
}

func TestAdminActions(t *testing.T) {
	f := newFixture(t)
	out := f.script(t, "root", "root-pw", "a",
		"2", "carol", "carol-pw", "", "12.34", // add with default limit
		"2", "carol", "carol-pw", "", "", // again: exists
		"2", "../evil", "evil-pw1", "", "", // bad name
		"2", "dave", "short", "", "", // password too short
		"3", "alice", "20000", // set limit
		"6", "nobody", // unknown account
		"4", "root", // own account
		"7", "alice", // grant admin
		"1", "b", "q")
	assertContains(t, out,
		"Account carol added with a limit of 15,000.00 and a balance of 12.34.",
		`An account named "carol" already exists.`,
		"Invalid username",
		"at least 6 characters",
		"The credit limit of alice is now 20,000.00.",
		`There is no account named "nobody".`,
		"Administrators cannot change their own account here.",
		"Done: grant admin alice.",
		"4 accounts.")
	out = f.script(t, "carol", "carol-pw", "2", "q")
	assertContains(t, out, "12.34")
	a, err := f.bank.Account(context.Background(), "alice")
	if err != nil || !a.Admin || a.CreditLimit != 2000000 {
		t.Errorf("alice = %+v, %v; want admin with limit 20000.00", a, err)
	}
	var logged []string
	for _, e := range f.logs.AllEntries() {
		if e.Data["admin"] == "root" {
			logged = append(logged, e.Message)
		}
	}
	if len(logged) != 4 {
		t.Errorf("admin log lines %q, want add, limit, grant and list", logged)
	}
}

func TestSetLimitBelowDebtIsRefused(t *testing.T) {
	f := newFixture(t)
	mustOK(t, errOf(f.bank.Transfer(context.Background(), core.TransferRequest{Ref: core.NewTransferRef(), From: "alice", To: "bob", Amount: 500000})))
	err := f.bank.Change(context.Background(), "root", "alice", "limit", core.SetCreditLimit(100000))
	if !errors.Is(err, core.ErrBadInput) {
		t.Errorf("limit below debt: %v, want ErrBadInput", err)
	}
}

func TestAdminRulesHoldBelowTheMenu(t *testing.T) {
	f := newFixture(t)
	if _, err := f.bank.ListAccounts(context.Background(), "alice"); !errors.Is(err, core.ErrNotAdmin) {
		t.Errorf("alice lists accounts: %v, want ErrNotAdmin", err)
	}
	if err := f.bank.Change(context.Background(), "alice", "bob", "freeze", core.SetFrozen(true)); !errors.Is(err, core.ErrNotAdmin) {
		t.Errorf("alice freezes bob: %v, want ErrNotAdmin", err)
	}
}

func TestChangePassword(t *testing.T) {
	f := newFixture(t)
	long := strings.Repeat("密", 25) // 75 bytes: past bcrypt's 72
	out := f.script(t, "alice", "alice-pw",
		"8", "wrong", "newpass1", "newpass1",
		"8", "alice-pw", "newpass1", "newpass2",
		"8", "alice-pw", "abc", "abc",
		"8", "alice-pw", long, long,
		"8", "alice-pw", "newpass1", "newpass1", "q")
	assertContains(t, out, "The current password is not correct", "The two new passwords differ", "at least 6 characters", "at most 72 bytes", "Password changed.")
	if _, err := f.bank.Authenticate(context.Background(), "alice", "alice-pw"); !errors.Is(err, core.ErrBadLogin) {
		t.Errorf("old password: %v, want ErrBadLogin", err)
	}
	if _, err := f.bank.Authenticate(context.Background(), "alice", "newpass1"); err != nil {
		t.Errorf("new password: %v", err)
	}
}

func TestCorruptDocumentIsReportedNotOverwritten(t *testing.T) {
	f := newFixture(t)
	f.store.files["accounts/bob.json"] = []byte(`{"name":"bob","balance_fen":"lots"}`)
	before := f.snapshot()
	out := f.script(t, "alice", "alice-pw", "3", "bob", "q")
	assertContains(t, out, "Sorry, something went wrong on our side; nothing was changed. Incident i-")
	assertLacks(t, out, "db/accounts/bob.json")
	f.assertUnchanged(t, before)
}

func TestStorageFailureIsReportedAndChangesNothing(t *testing.T) {
	f := newFixture(t)
	before := f.snapshot()
	f.store.failing = errors.New("disk full")
	out := f.script(t, "alice", "alice-pw", "3", "bob", "10", "y", "q")
	assertContains(t, out, "Sorry, something went wrong on our side;")
	assertLacks(t, out, "disk full")
	f.store.failing = nil
	f.assertUnchanged(t, before)
}

func TestMenuRefusesDuplicateKeys(t *testing.T) {
	run := func(context.Context, *core.App) error { return nil }
	_, err := core.NewMenu([]core.Command{{Key: "1", Label: "One", Run: run}, {Key: "1", Label: "Uno", Run: run}})
	if err == nil || !strings.Contains(err.Error(), `"1" is used twice`) {
		t.Errorf("duplicate key: %v, want an error naming the key", err)
	}
	if _, err := core.NewMenu(core.Commands()); err != nil {
		t.Errorf("the shipped menu: %v", err)
	}
}

// TestLedgerReplaysToBalance runs a random sequence of every kind of money
// movement and checks that each account's ledger adds up to its balance,
// entry by entry, and that money only enters or leaves through repayments,
// withdrawals, fees and purchases.
func TestLedgerReplaysToBalance(t *testing.T) {
	f := newFixture(t)
	rng := rand.New(rand.NewPCG(1, 2))
	users := []string{"alice", "bob", "root"}
	var outside core.Money // money that entered (+) or left (-) the bank
	for i := range 400 {
		f.clock.Advance(time.Duration(rng.IntN(3)) * 24 * time.Hour) // spans several months
		user := users[rng.IntN(len(users))]
		amount := core.Money(rng.IntN(300000) + 1)
		var err error
		switch i % 4 {
		case 0:
			_, err = f.bank.Transfer(context.Background(), core.TransferRequest{Ref: core.NewTransferRef(), From: user, To: users[rng.IntN(len(users))], Amount: amount})
		case 1:
			var fee core.Money
			if fee, err = f.bank.Withdraw(context.Background(), user, amount); err == nil {
				outside -= amount + fee
			}
		case 2:
			if err = f.bank.Repay(context.Background(), user, amount); err == nil {
				outside += amount
			}
		case 3:
			cart := &core.Cart{}
			if err = cart.Add(f.bank.Settings.Catalog[rng.IntN(3)], rng.IntN(5)+1); err != nil {
				t.Fatal(err)
			}
			total := cart.Total()
			if _, err = f.bank.Checkout(context.Background(), user, cart); err == nil {
				outside -= total
			}
		}
		var r *core.Refusal
		if err != nil && !errors.As(err, &r) {
			t.Fatalf("operation %d: %v", i, err)
		}
	}
	var total, opening core.Money
	files := f.snapshot()
	for _, u := range users {
		var months []string
		for name := range files {
			if strings.HasPrefix(name, "ledger/"+u+"/") {
				months = append(months, name)
			}
		}
		slices.Sort(months)
		var replayed core.Money
		for _, name := range months {
			for _, line := range strings.Split(strings.TrimSpace(string(files[name])), "\n") {
				var e core.Entry
				if err := json.Unmarshal([]byte(line), &e); err != nil {
					t.Fatal(err)
				}
				replayed += e.Amount
				if e.BalanceAfter != replayed {
					t.Fatalf("%s entry %s: balance after %s, but the entries so far add up to %s", u, e.ID, e.BalanceAfter, replayed)
				}
				if e.Kind == core.KindOpening {
					opening += e.Amount
				}
			}
		}
		a, err := f.bank.Account(context.Background(), u)
		if err != nil {
			t.Fatal(err)
		}
		if replayed != a.Balance {
			t.Errorf("%s: ledger adds up to %s, balance is %s", u, replayed, a.Balance)
		}
		if a.Balance < -a.CreditLimit {
			t.Errorf("%s: balance %s is past the credit limit %s", u, a.Balance, a.CreditLimit)
		}
		total += a.Balance
	}
	if total != opening+outside {
		t.Errorf("sum of balances %s, want openings %s + net outside flows %s", total, opening, outside)
	}
}

func TestPostingChecksTheLedgerEnd(t *testing.T) {
	f := newFixture(t)
	doc := "ledger/bob/2026-11.jsonl"
	good := f.store.files[doc]
	// A valid last entry longer than the tail window is still read whole.
	var e core.Entry
	if err := json.Unmarshal(good, &e); err != nil {
		t.Fatal(err)
	}
	e.Note = strings.Repeat("n", 20<<10)
	long, _ := json.Marshal(e)
	f.store.files[doc] = append(long, '\n')
	if err := f.bank.Repay(context.Background(), "bob", 100); err != nil {
		t.Errorf("repay after a long valid entry: %v", err)
	}
	for name, ledger := range map[string]string{
		"torn":          string(good[:len(good)-5]),
		"garbage":       string(good) + "garbage\n",
		"wrong balance": strings.Replace(string(good), `"balance_after_fen":5000`, `"balance_after_fen":4000`, 1),
	} {
		f.store.files[doc] = []byte(ledger)
		before := f.snapshot()
		if err := f.bank.Repay(context.Background(), "bob", 100); !errors.Is(err, core.ErrCorrupt) {
			t.Errorf("%s ledger: repay gave %v, want ErrCorrupt", name, err)
		}
		f.assertUnchanged(t, before)
	}
}

// TestStatementTotalsNeverWrap sums a month of entries near MaxMoney whose
// money in and out pass the int64 limit: the totals must be exact, never a
// wrapped (negative) number.
func TestStatementTotalsNeverWrap(t *testing.T) {
	f := newFixture(t)
	var ledger strings.Builder
	for i := range 200 { // 100 times in and out by MaxMoney: 1e19 fen each way
		e := core.Entry{ID: fmt.Sprintf("e-%d", i), Ref: fmt.Sprintf("r-%d", i), Time: time.Date(2026, 10, 1, 0, 0, i, 0, time.UTC), Kind: core.KindRepayment, Amount: core.MaxMoney, BalanceAfter: core.MaxMoney}
		if i%2 == 1 {
			e.Kind, e.Amount, e.BalanceAfter = core.KindWithdrawal, -core.MaxMoney, 0
		}
		line, err := json.Marshal(e)
		if err != nil {
			t.Fatal(err)
		}
		ledger.Write(append(line, '\n'))
	}
	f.store.files["ledger/alice/2026-10.jsonl"] = []byte(ledger.String())
	s, err := f.bank.Statement(context.Background(), "alice", time.Date(2026, 10, 1, 0, 0, 0, 0, time.UTC))
	if err != nil {
		t.Fatal(err)
	}
	const want = "100,000,000,000,000,000.00" // 100 x 1,000,000,000,000,000.00
	if got := fmt.Sprint(s.In); got != want {
		t.Errorf("money in %s, want %s", got, want)
	}
	if got := fmt.Sprint(s.Out); got != want {
		t.Errorf("money out %s, want %s", got, want)
	}
	if got := fmt.Sprint(s.ByKind[core.KindWithdrawal]); got != want {
		t.Errorf("withdrawals %s, want %s", got, want)
	}
	out := f.script(t, "alice", "alice-pw", "6", "2026-10", "q")
	assertContains(t, out, "Money in:        "+want, "Money out:       "+want)
}
