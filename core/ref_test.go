package core_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"atmshop/core"
)

var errAfterCommit = errors.New("applied, then failed")

func TestRetriedCheckoutIsNotChargedTwice(t *testing.T) {
	for _, tc := range []struct {
		name    string
		between func(t *testing.T, f *fixture) // what happens before the retry
	}{
		{"at once", func(*testing.T, *fixture) {}},
		{"after the ref left the end of the ledger", func(t *testing.T, f *fixture) {
			for range 150 { // 150 entries: more than the 16 KiB end that posting reads
				mustOK(t, f.Bank.Repay(context.Background(), "bob", 1))
			}
		}},
		{"in the next month", func(t *testing.T, f *fixture) {
			f.Clock.Set(time.Date(2026, 12, 1, 9, 0, 0, 0, time.UTC))
			mustOK(t, f.Bank.Repay(context.Background(), "bob", 1))
		}},
		{"after the account was frozen", func(t *testing.T, f *fixture) {
			mustOK(t, f.Bank.Change(context.Background(), "root", "bob", "freeze", core.SetFrozen(true)))
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f := newFixture(t)
			cart := &core.Cart{}
			mustOK(t, cart.Add(f.Bank.Settings.Catalog[2], 2)) // 2 notebooks, 25.00
			f.Store.FailAfterCommit(errAfterCommit)
			if _, err := f.Bank.Checkout(context.Background(), "bob", cart); !errors.Is(err, errAfterCommit) {
				t.Fatalf("first attempt: %v, want the store's failure", err)
			}
			f.Store.FailAfterCommit(nil)
			tc.between(t, f)
			paidIn := f.Balance(t, "bob") - (5000 - 2500)
			order, err := f.Bank.Checkout(context.Background(), "bob", cart)
			if err != nil {
				t.Fatalf("retry: %v", err)
			}
			if got := f.orders(t, "bob", ""); got != 1 {
				t.Errorf("%d orders stored, want 1", got)
			}
			if got := f.count("bob", november, func(e core.Entry) bool { return e.Kind == core.KindPurchase }); got != 1 {
				t.Errorf("%d purchases in the ledger, want 1", got)
			}
			if got, want := f.Balance(t, "bob"), core.Money(5000-2500)+paidIn; got != want {
				t.Errorf("bob has %s, want %s (charged once)", got, want)
			}
			if order.Total != 2500 || f.orders(t, "bob", order.ID) != 1 {
				t.Errorf("retry reported order %s of %s, want the stored order of 25.00", order.ID, order.Total)
			}
			if len(cart.Lines) != 0 {
				t.Errorf("the cart still holds %v after it was paid", cart.Lines)
			}
		})
	}
}

func TestChangedCartIsANewPurchase(t *testing.T) {
	f := newFixture(t)
	cart := &core.Cart{}
	mustOK(t, cart.Add(f.Bank.Settings.Catalog[2], 1))
	f.Store.FailAfterCommit(errAfterCommit)
	if _, err := f.Bank.Checkout(context.Background(), "bob", cart); !errors.Is(err, errAfterCommit) {
		t.Fatalf("first attempt: %v, want the store's failure", err)
	}
	f.Store.FailAfterCommit(nil)
	mustOK(t, cart.Add(f.Bank.Settings.Catalog[2], 1))
	if _, err := f.Bank.Checkout(context.Background(), "bob", cart); err != nil {
		t.Fatal(err)
	}
	if got := f.orders(t, "bob", ""); got != 2 {
		t.Errorf("%d orders stored, want 2: the cart changed after the first was applied", got)
	}
}

func TestRetriedTransferIsNotAppliedTwice(t *testing.T) {
	f := newFixture(t)
	req := core.TransferRequest{Ref: core.NewTransferRef(), From: "alice", To: "bob", Amount: 1234}
	f.Store.FailAfterCommit(errAfterCommit)
	if _, err := f.Bank.Transfer(context.Background(), req); !errors.Is(err, errAfterCommit) {
		t.Fatalf("first attempt: %v, want the store's failure", err)
	}
	f.Store.FailAfterCommit(nil)
	for range 150 { // push the ref out of the end of the ledger that posting reads
		mustOK(t, f.Bank.Repay(context.Background(), "alice", 1))
	}
	req.Retry = true
	ref, err := f.Bank.Transfer(context.Background(), req)
	if err != nil || ref != req.Ref {
		t.Fatalf("retry: %q, %v; want %q, nil", ref, err, req.Ref)
	}
	if got, want := f.Balance(t, "bob"), core.Money(5000+1234); got != want {
		t.Errorf("bob has %s, want %s (paid once)", got, want)
	}
	if got, want := f.Balance(t, "alice"), core.Money(100000-1234+150); got != want {
		t.Errorf("alice has %s, want %s (charged once)", got, want)
	}
	if got := f.count("alice", november, func(e core.Entry) bool { return e.Ref == req.Ref }); got != 1 {
		t.Errorf("alice's ledger has %d entries with the ref, want 1", got)
	}

	// A retry that is told nothing still finds the ref at the end of the ledger.
	req = core.TransferRequest{Ref: core.NewTransferRef(), From: "alice", To: "bob", Amount: 1}
	mustOK(t, errOf(f.Bank.Transfer(context.Background(), req)))
	before := f.Snapshot()
	mustOK(t, errOf(f.Bank.Transfer(context.Background(), req)))
	f.AssertUnchanged(t, before)

	// The same ref for another transfer is an error, and changes nothing.
	req.Amount = 2
	if _, err := f.Bank.Transfer(context.Background(), req); err == nil {
		t.Errorf("a ref reused for another amount was accepted")
	}
	f.AssertUnchanged(t, before)
	if _, err := f.Bank.Transfer(context.Background(), core.TransferRequest{From: "alice", To: "bob", Amount: 1}); err == nil {
		t.Errorf("a transfer without a ref was accepted")
	}
	f.AssertUnchanged(t, before)
}
