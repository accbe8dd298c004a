package filestore_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"atmshop/core"
	"atmshop/core/banktest"
	"atmshop/lib/docstore"
)

// TestCheckRecipientPeeks: a recipient who can receive is found without a
// transaction, so the check answers even while the lock is held; every
// refusal still comes from a transaction, which waits for the lock.
func TestCheckRecipientPeeks(t *testing.T) {
	f := newFileBank(t, "", docstore.Options{LockTimeout: 200 * time.Millisecond}, banktest.Seeds())
	ctx := context.Background()
	held := func(check func()) {
		t.Helper()
		if err := f.docs.Update(ctx, func(*docstore.Tx) error { check(); return nil }); err != nil {
			t.Fatal(err)
		}
	}
	held(func() {
		if err := f.bank.CheckRecipient(ctx, "alice", "bob"); err != nil {
			t.Errorf("bob as recipient with the lock held: %v, want nil from a peek", err)
		}
		if err := f.bank.CheckRecipient(ctx, "alice", "nobody"); !errors.Is(err, core.ErrBusy) {
			t.Errorf("unknown recipient with the lock held: %v, want ErrBusy (the refusal waits for a transaction)", err)
		}
	})
	for _, tc := range []struct {
		to   string
		want error
	}{{"nobody", core.ErrUnknownUser}, {"alice", core.ErrSelfTransfer}, {"../bob", core.ErrUnknownUser}} {
		if err := f.bank.CheckRecipient(ctx, "alice", tc.to); !errors.Is(err, tc.want) {
			t.Errorf("recipient %q: %v, want %v", tc.to, err, tc.want)
		}
	}
	if err := f.bank.Change(ctx, "root", "bob", "freeze", core.SetFrozen(true)); err != nil {
		t.Fatal(err)
	}
	if err := f.bank.CheckRecipient(ctx, "alice", "bob"); !errors.Is(err, core.ErrFrozen) {
		t.Errorf("frozen bob as recipient: %v, want ErrFrozen", err)
	}
	// A file caught half written (or damaged) is not trusted: the
	// transaction reads it and reports it.
	f.write(t, "accounts/bob.json", `{"name": "bob", "passw`)
	if err := f.bank.CheckRecipient(ctx, "alice", "bob"); !errors.Is(err, core.ErrCorrupt) {
		t.Errorf("half-written bob as recipient: %v, want ErrCorrupt", err)
	}
}

// TestPeekAccount reads the file as it is, and an account decoded before
// is handed out as a copy of its own.
func TestPeekAccount(t *testing.T) {
	f := newFileBank(t, "", docstore.Options{}, banktest.Seeds())
	ctx := context.Background()
	if _, err := f.store.PeekAccount("nobody"); !errors.Is(err, core.ErrNoAccount) {
		t.Errorf("PeekAccount(nobody): %v, want ErrNoAccount", err)
	}
	first, err := f.store.PeekAccount("bob")
	if err != nil {
		t.Fatal(err)
	}
	want := first.Balance
	first.Balance++
	first.Bills = append(first.Bills, core.Bill{})
	again, err := f.store.PeekAccount("bob")
	if err != nil || again.Balance != want || len(again.Bills) != 0 {
		t.Fatalf("PeekAccount(bob) after changing the first copy = %+v, %v; want balance %s and no bills", again, err, want)
	}
	if _, err := f.bank.Transfer(ctx, core.TransferRequest{Ref: core.NewTransferRef(), From: "alice", To: "bob", Amount: 100}); err != nil {
		t.Fatal(err)
	}
	after, err := f.store.PeekAccount("bob")
	if err != nil || after.Balance != want+100 {
		t.Errorf("PeekAccount(bob) after a transfer of 1.00 = %+v, %v; want balance %s", after, err, want+100)
	}
	if got := f.balance(t, "bob"); got != want+100 {
		t.Errorf("bob's balance through a transaction: %s, want %s", got, want+100)
	}
}

// An account read from the same bytes as before is decoded once and kept;
// what a reader changes in its copy, bills included, never reaches the
// kept one: a repay that changes a bill's Paid and then fails leaves the
// bill as it was for the next reader.
func TestKeptAccountIsNotChangedThroughACopy(t *testing.T) {
	f := newFileBank(t, "", docstore.Options{}, banktest.Seeds())
	ctx := context.Background()
	day := func(m time.Month, d int) time.Time { return time.Date(2026, m, d, 0, 0, 0, 0, time.UTC) }
	bill := core.Bill{Date: day(11, 22), Owed: 500, Minimum: 50, Due: day(12, 10), Paid: 20}
	if err := f.store.Update(ctx, func(tx core.Tx) error {
		a, err := tx.Account("bob")
		if err != nil {
			return err
		}
		a.Bills = []core.Bill{bill}
		return tx.SaveAccount(a)
	}); err != nil {
		t.Fatal(err)
	}
	failed := errors.New("the repay failed")
	err := f.store.Update(ctx, func(tx core.Tx) error {
		a, err := tx.Account("bob")
		if err != nil {
			return err
		}
		a.Bills[0].Paid += 100
		return failed
	})
	if !errors.Is(err, failed) {
		t.Fatalf("Update: %v, want the function's error", err)
	}
	peeked, err := f.store.PeekAccount("bob")
	if err != nil {
		t.Fatal(err)
	}
	peeked.Bills[0].Paid += 200
	err = f.store.View(ctx, func(tx core.Tx) error {
		a, err := tx.Account("bob")
		if err != nil {
			return err
		}
		if len(a.Bills) != 1 || a.Bills[0].Paid != bill.Paid {
			t.Errorf("bob's bills after changes to copies: %+v, want paid %s as stored", a.Bills, bill.Paid)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}
