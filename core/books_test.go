package core_test

import (
	"context"
	"errors"
	"slices"
	"testing"

	"atmshop/core"
	"atmshop/core/memstore"
)

func TestEveryEventIsDoubleEntry(t *testing.T) {
	ctx := context.Background()
	f := newFixture(t)
	f.Audit(t) // the openings
	if _, err := f.Bank.Withdraw(ctx, "alice", 1001); err != nil {
		t.Fatal(err)
	}
	if err := f.Bank.Repay(ctx, "bob", 777); err != nil {
		t.Fatal(err)
	}
	var cart core.Cart
	if err := cart.Add(core.Item{Name: "Kettle", Price: 19900}, 2); err != nil {
		t.Fatal(err)
	}
	if _, err := f.Bank.Checkout(ctx, "alice", &cart); err != nil {
		t.Fatal(err)
	}
	if _, err := f.Bank.Transfer(ctx, core.TransferRequest{Ref: core.NewTransferRef(), From: "alice", To: "bob", Amount: 300}); err != nil {
		t.Fatal(err)
	}
	if err := f.Bank.AddAccount(ctx, "root", core.NewAccount{Name: "carol", Password: "carol-pw", Opening: 4200}); err != nil {
		t.Fatal(err)
	}
	f.Audit(t)
	for name, want := range map[string]core.Money{
		core.SystemCash:        1001 - 777,
		core.SystemFeeIncome:   50,
		core.SystemShopRevenue: 2 * 19900,
		core.SystemEquity:      -(100000 + 5000 + 4200),
	} {
		if got := f.stored(t, name).Balance; got != want {
			t.Errorf("%s holds %s, want %s", name, got, want)
		}
	}
	// Each ref's entries sum to zero.
	sums := map[string]core.Money{}
	for _, name := range append([]string{"alice", "bob", "carol"}, core.SystemAccounts...) {
		for _, entries := range f.Store.Ledger(name) {
			for _, e := range entries {
				sums[e.Ref] += e.Amount
			}
		}
	}
	for ref, sum := range sums {
		if sum != 0 {
			t.Errorf("the entries of ref %s add up to %s, want 0", ref, sum)
		}
	}
}

func TestSystemAccountsAreNoPersonsAccounts(t *testing.T) {
	ctx := context.Background()
	f := newFixture(t)
	for _, name := range core.SystemAccounts {
		if err := core.CheckUsername(name); err == nil {
			t.Errorf("CheckUsername(%q) accepts the name of a bank's account", name)
		}
		if err := core.CheckAccountName(name); err != nil {
			t.Errorf("CheckAccountName(%q) = %v, want nil", name, err)
		}
		if _, err := f.Bank.Authenticate(ctx, name, ""); !errors.Is(err, core.ErrBadLogin) {
			t.Errorf("log in as %s: %v, want an invalid login", name, err)
		}
		if err := f.Bank.AddAccount(ctx, "root", core.NewAccount{Name: name, Password: "password"}); !errors.Is(err, core.ErrBadInput) {
			t.Errorf("add an account named %s: %v, want a refusal", name, err)
		}
		if _, err := f.Bank.Transfer(ctx, core.TransferRequest{Ref: core.NewTransferRef(), From: "alice", To: name, Amount: 1}); !errors.Is(err, core.ErrUnknownUser) {
			t.Errorf("transfer to %s: %v, want an unknown user", name, err)
		}
	}
	var listed []string
	if err := f.Bank.ListAccounts(ctx, "root", func(s core.AccountSummary) error { listed = append(listed, s.Name); return nil }); err != nil {
		t.Fatal(err)
	}
	if want := []string{"alice", "bob", "root"}; !slices.Equal(listed, want) {
		t.Errorf("ListAccounts lists %v, want %v (the bank's own apart)", listed, want)
	}
	system, err := f.Bank.SystemAccountSummaries(ctx, "root")
	if err != nil || len(system) != len(core.SystemAccounts) {
		t.Fatalf("SystemAccountSummaries = %v, %v; want one row each", system, err)
	}
}

func TestSetUpBooksBalancesAnOlderBankOnce(t *testing.T) {
	ctx := context.Background()
	f := newFixture(t)
	// A bank written before the books: people's accounts and ledgers
	// only (alice's opening, without the bank's side).
	old := memstore.New()
	err := old.Update(ctx, func(tx core.Tx) error {
		a, err := f.Bank.Account(ctx, "alice")
		if err != nil {
			return err
		}
		for month, entries := range f.Store.Ledger("alice") {
			if err := tx.AppendEntries("alice", month, entries...); err != nil {
				return err
			}
		}
		return tx.SaveAccount(a)
	})
	if err != nil {
		t.Fatal(err)
	}
	f.Store = old
	f.Bank.Store = old
	for range 2 {
		if err := f.Bank.SetUpBooks(ctx); err != nil {
			t.Fatal(err)
		}
	}
	f.Audit(t)
	if got, want := f.stored(t, core.SystemEquity).Balance, core.Money(-100000); got != want {
		t.Errorf("opening equity holds %s, want %s", got, want)
	}
	if n := len(f.Store.Ledger(core.SystemEquity)[november]); n != 1 {
		t.Errorf("opening equity has %d entries, want 1 (once)", n)
	}
}

// stored reads an account as stored, the bank's own too.
func (f *fixture) stored(t *testing.T, name string) *core.Account {
	t.Helper()
	var a *core.Account
	err := f.Store.View(context.Background(), func(tx core.Tx) (err error) {
		a, err = tx.Account(name)
		return err
	})
	if err != nil {
		t.Fatalf("account %s: %v", name, err)
	}
	return a
}

func TestSetUpBooksLeavesOutADamagedAccount(t *testing.T) {
	ctx := context.Background()
	f := newFixture(t)
	old := memstore.New()
	if err := old.Update(ctx, func(tx core.Tx) error {
		for _, name := range []string{"alice", "bob"} {
			a := f.stored(t, name)
			if err := tx.SaveAccount(a); err != nil {
				return err
			}
		}
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	old.DamageAccount("bob")
	f.Bank.Store = old
	if err := f.Bank.SetUpBooks(ctx); err != nil {
		t.Fatalf("SetUpBooks with a damaged account: %v, want the books opened without it", err)
	}
	f.Store = old
	if got, want := f.stored(t, core.SystemEquity).Balance, core.Money(-100000); got != want {
		t.Errorf("opening equity holds %s, want %s (alice's balance only)", got, want)
	}
}

func TestTheBooksRefuseWhatTheyCannotHold(t *testing.T) {
	ctx := context.Background()
	f := newFixture(t)
	big := core.MaxMoney - 105000 // with alice's and bob's openings, the equity reaches -MaxMoney
	if err := f.Bank.AddAccount(ctx, "root", core.NewAccount{Name: "carol", Password: "carol-pw", Opening: big}); err != nil {
		t.Fatal(err)
	}
	before := f.Snapshot()
	err := f.Bank.AddAccount(ctx, "root", core.NewAccount{Name: "dave", Password: "dave-pw", Opening: 1})
	if !errors.Is(err, core.ErrTooMuch) {
		t.Errorf("an opening past what the books hold: %v, want a refusal", err)
	}
	f.AssertUnchanged(t, before)
	f.Audit(t)
}
