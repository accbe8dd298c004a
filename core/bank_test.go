package core_test

import (
	"context"
	"errors"
	"fmt"
	"maps"
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
		if got := f.Bank.WithdrawFee(tc.amount); got != tc.fee {
			t.Errorf("WithdrawFee(%s) = %s, want %s", tc.amount, got, tc.fee)
		}
	}
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
	f.Clock.Set(time.Date(2026, 12, 3, 9, 0, 0, 0, time.UTC))
	mustOK(t, errOf(f.Bank.Transfer(context.Background(), core.TransferRequest{Ref: core.NewTransferRef(), From: "alice", To: "bob", Amount: 10000})))
	f.Clock.Set(time.Date(2027, 1, 5, 9, 0, 0, 0, time.UTC))
	mustOK(t, errOf(f.Bank.Transfer(context.Background(), core.TransferRequest{Ref: core.NewTransferRef(), From: "alice", To: "bob", Amount: 2000})))
	mustOK(t, errOf(f.Bank.Withdraw(context.Background(), "alice", 1000)))
	if err := f.Bank.Repay(context.Background(), "alice", 300); err != nil {
		t.Fatal(err)
	}
	s, err := f.Bank.Statement(context.Background(), "alice", f.Clock.Now())
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
	dec, err := f.Bank.Statement(context.Background(), "alice", time.Date(2027, 2, 1, 0, 0, 0, 0, time.UTC))
	if err != nil {
		t.Fatal(err)
	}
	if dec.Opening != s.Closing || dec.Closing != s.Closing || len(dec.Entries) != 0 {
		t.Errorf("February: opening %s closing %s entries %d, want %s twice and none", dec.Opening, dec.Closing, len(dec.Entries), s.Closing)
	}
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
	stale, err := f.Bank.Authenticate(context.Background(), "alice", "alice-pw")
	if err != nil {
		t.Fatal(err)
	}
	mustOK(t, errOf(f.Bank.Transfer(context.Background(), core.TransferRequest{Ref: core.NewTransferRef(), From: "bob", To: "alice", Amount: 5000})))
	mustOK(t, errOf(f.Bank.Transfer(context.Background(), core.TransferRequest{Ref: core.NewTransferRef(), From: "alice", To: "bob", Amount: 100})))
	if got, want := f.Balance(t, "alice"), stale.Balance+5000-100; got != want {
		t.Errorf("alice has %s, want %s", got, want)
	}
}

func TestSetLimitBelowDebtIsRefused(t *testing.T) {
	f := newFixture(t)
	mustOK(t, errOf(f.Bank.Transfer(context.Background(), core.TransferRequest{Ref: core.NewTransferRef(), From: "alice", To: "bob", Amount: 500000})))
	err := f.Bank.Change(context.Background(), "root", "alice", "limit", core.SetCreditLimit(100000))
	if !errors.Is(err, core.ErrBadInput) {
		t.Errorf("limit below debt: %v, want ErrBadInput", err)
	}
}

func TestAdminRulesHoldBelowTheMenu(t *testing.T) {
	f := newFixture(t)
	if err := f.Bank.ListAccounts(context.Background(), "alice", func(core.AccountSummary) error { return nil }); !errors.Is(err, core.ErrNotAdmin) {
		t.Errorf("alice lists accounts: %v, want ErrNotAdmin", err)
	}
	if err := f.Bank.Change(context.Background(), "alice", "bob", "freeze", core.SetFrozen(true)); !errors.Is(err, core.ErrNotAdmin) {
		t.Errorf("alice freezes bob: %v, want ErrNotAdmin", err)
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
		f.Clock.Advance(time.Duration(rng.IntN(3)) * 24 * time.Hour) // spans several months
		user := users[rng.IntN(len(users))]
		amount := core.Money(rng.IntN(300000) + 1)
		var err error
		switch i % 4 {
		case 0:
			_, err = f.Bank.Transfer(context.Background(), core.TransferRequest{Ref: core.NewTransferRef(), From: user, To: users[rng.IntN(len(users))], Amount: amount})
		case 1:
			var fee core.Money
			if fee, err = f.Bank.Withdraw(context.Background(), user, amount); err == nil {
				outside -= amount + fee
			}
		case 2:
			if err = f.Bank.Repay(context.Background(), user, amount); err == nil {
				outside += amount
			}
		case 3:
			cart := &core.Cart{}
			if err = cart.Add(f.Bank.Settings.Catalog[rng.IntN(3)], rng.IntN(5)+1); err != nil {
				t.Fatal(err)
			}
			total := cart.Total()
			if _, err = f.Bank.Checkout(context.Background(), user, cart); err == nil {
				outside -= total
			}
		}
		var r *core.Refusal
		if err != nil && !errors.As(err, &r) {
			t.Fatalf("operation %d: %v", i, err)
		}
	}
	var total, opening core.Money
	for _, u := range users {
		ledger := f.Store.Ledger(u)
		var replayed core.Money
		for _, month := range slices.SortedFunc(maps.Keys(ledger), core.Month.Compare) {
			for _, e := range ledger[month] {
				replayed += e.Amount
				if e.BalanceAfter != replayed {
					t.Fatalf("%s entry %s: balance after %s, but the entries so far add up to %s", u, e.ID, e.BalanceAfter, replayed)
				}
				if e.Kind == core.KindOpening {
					opening += e.Amount
				}
			}
		}
		a, err := f.Bank.Account(context.Background(), u)
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

// TestStatementTotalsNeverWrap sums a month of entries near MaxMoney whose
// money in and out pass the int64 limit: the totals must be exact, never a
// wrapped (negative) number.
func TestStatementTotalsNeverWrap(t *testing.T) {
	f := newFixture(t)
	f.AddHugeMonth(t, "carol", core.Month{Year: 2026, Month: 10})
	s, err := f.Bank.Statement(context.Background(), "carol", time.Date(2026, 10, 1, 0, 0, 0, 0, time.UTC))
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
}

// The rules behind the screens' tests (core/terminal), called directly.

func TestWithdrawUpToWhatIsAvailable(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	// 40 + a 2.00 fee leaves 8.00; 7.62 + its 0.38 fee is exactly 8.00;
	// after that even 7.61 is refused, and changes nothing.
	for _, tc := range []struct{ amount, fee core.Money }{{4000, 200}, {762, 38}} {
		fee, err := f.Bank.Withdraw(ctx, "bob", tc.amount)
		if err != nil || fee != tc.fee {
			t.Fatalf("withdraw %s: fee %s, %v; want %s, nil", tc.amount, fee, err, tc.fee)
		}
	}
	before := f.Snapshot()
	if _, err := f.Bank.Withdraw(ctx, "bob", 761); !errors.Is(err, core.ErrInsufficientFunds) {
		t.Errorf("withdraw past the balance: %v, want ErrInsufficientFunds", err)
	}
	f.AssertUnchanged(t, before)
	if got := f.Balance(t, "bob"); got != 0 {
		t.Errorf("bob has %s, want 0.00", got)
	}
	if err := errOf(f.Bank.Withdraw(ctx, "bob", 0)); !errors.Is(err, core.ErrBadInput) {
		t.Errorf("withdraw 0: %v, want ErrBadInput", err)
	}
}

func TestRepayPaysBackDebt(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	mustOK(t, errOf(f.Bank.Transfer(ctx, core.TransferRequest{Ref: core.NewTransferRef(), From: "alice", To: "bob", Amount: 200000})))
	a, err := f.Bank.Account(ctx, "alice")
	mustOK(t, err)
	if a.Owed() != 100000 {
		t.Errorf("alice owes %s, want 1,000.00", a.Owed())
	}
	mustOK(t, f.Bank.Repay(ctx, "alice", 100000))
	if got := f.Balance(t, "alice"); got != 0 {
		t.Errorf("alice has %s after repaying, want 0.00", got)
	}
}

func TestCheckout(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	cart := &core.Cart{}
	mustOK(t, cart.Add(f.Bank.Settings.Catalog[2], 2))
	order, err := f.Bank.Checkout(ctx, "bob", cart)
	mustOK(t, err)
	if order.Total != 2500 || len(order.Lines) != 1 || !strings.HasPrefix(order.ID, "p-") || len(cart.Lines) != 0 {
		t.Errorf("order %+v, cart %v; want 25.00 for one line, an emptied cart", order, cart.Lines)
	}
	if got, want := f.Balance(t, "bob"), core.Money(5000-2500); got != want {
		t.Errorf("bob has %s, want %s", got, want)
	}
	orders, err := f.Bank.Orders(ctx, "bob")
	mustOK(t, err)
	if len(orders) != 1 || orders[0].ID != order.ID || core.DescribeLines(orders[0].Lines) != "2 x Notebook" {
		t.Errorf("orders %+v, want the one order of 2 x Notebook", orders)
	}
	if _, err := f.Bank.Checkout(ctx, "bob", cart); !errors.Is(err, core.ErrBadInput) {
		t.Errorf("empty cart: %v, want ErrBadInput", err)
	}
}

func TestCheckoutInsufficientChangesNothing(t *testing.T) {
	f := newFixture(t)
	cart := &core.Cart{}
	mustOK(t, cart.Add(f.Bank.Settings.Catalog[1], 1)) // a kettle, 199.00
	before := f.Snapshot()
	_, err := f.Bank.Checkout(context.Background(), "bob", cart)
	if !errors.Is(err, core.ErrInsufficientFunds) || err.Error() != "Insufficient funds: this order needs 199.00 but only 50.00 is available." {
		t.Errorf("checkout past the balance: %v, want ErrInsufficientFunds", err)
	}
	f.AssertUnchanged(t, before)
}

func TestFrozenAccounts(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	mustOK(t, f.Bank.Change(ctx, "root", "bob", "freeze", core.SetFrozen(true)))
	if _, err := f.Bank.Authenticate(ctx, "bob", "bob-pw"); !errors.Is(err, core.ErrFrozen) {
		t.Errorf("frozen bob logs in: %v, want ErrFrozen", err)
	}
	before := f.Snapshot()
	if _, err := f.Bank.Transfer(ctx, core.TransferRequest{Ref: core.NewTransferRef(), From: "alice", To: "bob", Amount: 100}); !errors.Is(err, core.ErrFrozen) {
		t.Errorf("transfer to frozen bob: %v, want ErrFrozen", err)
	}
	if err := f.Bank.CheckRecipient(ctx, "alice", "bob"); !errors.Is(err, core.ErrFrozen) {
		t.Errorf("frozen bob as recipient: %v, want ErrFrozen", err)
	}
	if _, err := f.Bank.Withdraw(ctx, "bob", 100); !errors.Is(err, core.ErrFrozen) {
		t.Errorf("frozen bob withdraws: %v, want ErrFrozen", err)
	}
	f.AssertUnchanged(t, before)
}

func TestAdminActions(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	mustOK(t, f.Bank.AddAccount(ctx, "root", core.NewAccount{Name: "carol", Password: "carol-pw", CreditLimit: 1500000, Opening: 1234}))
	for _, tc := range []struct {
		name string
		err  error
		want error
	}{
		{"add an existing name", f.Bank.AddAccount(ctx, "root", core.NewAccount{Name: "carol", Password: "carol-pw"}), core.ErrExists},
		{"add a bad name", f.Bank.AddAccount(ctx, "root", core.NewAccount{Name: "../evil", Password: "evil-pw1"}), core.ErrBadInput},
		{"add a short password", f.Bank.AddAccount(ctx, "root", core.NewAccount{Name: "dave", Password: "short"}), core.ErrBadInput},
		{"check a taken name", f.Bank.CheckNewAccount(ctx, "root", "carol"), core.ErrExists},
		{"change an unknown account", f.Bank.Change(ctx, "root", "nobody", "unlock", core.Unlock), core.ErrUnknownUser},
		{"change one's own account", f.Bank.Change(ctx, "root", "root", "freeze", core.SetFrozen(true)), core.ErrBadInput},
		{"set a limit", f.Bank.Change(ctx, "root", "alice", "limit", core.SetCreditLimit(2000000)), nil},
		{"grant admin", f.Bank.Change(ctx, "root", "alice", "grant admin", core.SetAdmin(true)), nil},
	} {
		if !errors.Is(tc.err, tc.want) {
			t.Errorf("%s: %v, want %v", tc.name, tc.err, tc.want)
		}
	}
	if _, err := f.Bank.Authenticate(ctx, "carol", "carol-pw"); err != nil || f.Balance(t, "carol") != 1234 {
		t.Errorf("carol: %v, balance %s; want a login and 12.34", err, f.Balance(t, "carol"))
	}
	a, err := f.Bank.Account(ctx, "alice")
	if err != nil || !a.Admin || a.CreditLimit != 2000000 {
		t.Errorf("alice = %+v, %v; want admin with limit 20000.00", a, err)
	}
	var names []string
	mustOK(t, f.Bank.ListAccounts(ctx, "root", func(s core.AccountSummary) error {
		names = append(names, s.Name)
		return nil
	}))
	if want := []string{"alice", "bob", "carol", "root"}; !slices.Equal(names, want) {
		t.Errorf("listed %v, want %v", names, want)
	}
	var logged []string
	for _, e := range f.Logs.AllEntries() {
		if e.Data["admin"] == "root" {
			logged = append(logged, e.Message)
		}
	}
	if len(logged) != 4 {
		t.Errorf("admin log lines %q, want add, limit, grant and list", logged)
	}
}

func TestChangePassword(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	long := strings.Repeat("密", 25) // 75 bytes: past bcrypt's 72
	for _, tc := range []struct{ current, next, want string }{
		{"wrong", "newpass1", "The current password is not correct"},
		{"alice-pw", "abc", "at least 6 characters"},
		{"alice-pw", long, "at most 72 bytes"},
	} {
		if err := f.Bank.ChangePassword(ctx, "alice", tc.current, tc.next); err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("change from %q to %q: %v, want %q", tc.current, tc.next, err, tc.want)
		}
	}
	mustOK(t, f.Bank.ChangePassword(ctx, "alice", "alice-pw", "newpass1"))
	if _, err := f.Bank.Authenticate(ctx, "alice", "alice-pw"); !errors.Is(err, core.ErrBadLogin) {
		t.Errorf("old password: %v, want ErrBadLogin", err)
	}
	if _, err := f.Bank.Authenticate(ctx, "alice", "newpass1"); err != nil {
		t.Errorf("new password: %v", err)
	}
}

// Damaged data is core.ErrCorrupt, not a refusal, and nothing is written
// over it.
func TestCorruptAccountIsReportedNotOverwritten(t *testing.T) {
	f := newFixture(t)
	f.Store.DamageAccount("bob")
	before := f.Snapshot()
	_, err := f.Bank.Transfer(context.Background(), core.TransferRequest{Ref: core.NewTransferRef(), From: "alice", To: "bob", Amount: 100})
	var refusal *core.Refusal
	if !errors.Is(err, core.ErrCorrupt) || errors.As(err, &refusal) {
		t.Errorf("transfer to a damaged account: %v, want ErrCorrupt and no refusal", err)
	}
	f.AssertUnchanged(t, before)
}

func TestStorageFailureChangesNothing(t *testing.T) {
	f := newFixture(t)
	before := f.Snapshot()
	full := errors.New("disk full")
	f.Store.FailWrites(full)
	_, err := f.Bank.Transfer(context.Background(), core.TransferRequest{Ref: core.NewTransferRef(), From: "alice", To: "bob", Amount: 1000})
	f.Store.FailWrites(nil)
	if !errors.Is(err, full) {
		t.Errorf("transfer on a failing store: %v, want its error", err)
	}
	f.AssertUnchanged(t, before)
	if got := f.Balance(t, "alice"); got != 100000 {
		t.Errorf("alice has %s, want 1,000.00", got)
	}
}
