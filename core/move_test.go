package core_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"atmshop/core"
	"atmshop/core/banktest"
	"atmshop/core/memstore"
)

// movedBank is the fixture's bank after a transfer (into the next month
// too), a checkout and a withdrawal, with its settings stored.
func movedBank(t *testing.T) *banktest.Fixture {
	t.Helper()
	ctx := context.Background()
	f := banktest.New(t)
	if err := f.Store.Update(ctx, func(tx core.Tx) error { return tx.SaveBankSettings(core.BankSettings{TimeZone: "UTC"}) }); err != nil {
		t.Fatal(err)
	}
	if _, err := f.Bank.Transfer(ctx, core.TransferRequest{Ref: core.NewTransferRef(), From: "alice", To: "bob", Amount: 1050}); err != nil {
		t.Fatal(err)
	}
	var cart core.Cart
	if err := cart.Add(banktest.Settings().Catalog[2], 2); err != nil {
		t.Fatal(err)
	}
	if _, err := f.Bank.Checkout(ctx, "bob", &cart); err != nil {
		t.Fatal(err)
	}
	f.Clock.Advance(40 * 24 * time.Hour)
	if _, err := f.Bank.Withdraw(ctx, "alice", 500); err != nil {
		t.Fatal(err)
	}
	return f
}

func TestMove(t *testing.T) {
	f := movedBank(t)
	dst := memstore.New()
	got, err := core.Move(context.Background(), f.Store, dst)
	if err != nil {
		t.Fatal(err)
	}
	// Three people and the bank's cash, fee income, opening equity and
	// shop revenue. Entries: openings of alice and bob, transfer,
	// purchase, withdrawal and fee, and the bank's side of each but the
	// transfer. Balances are people's.
	want := core.MoveSummary{Accounts: 3 + 4, Entries: (2 + 2 + 1 + 2) + (2 + 1 + 2), Orders: 1, Balances: 100000 + 5000 - 1250*2 - 500 - 25}
	if got != want {
		t.Errorf("Move = %+v, want %+v", got, want)
	}
	for _, name := range []string{"alice", "bob"} {
		if a, b := f.Store.Ledger(name), dst.Ledger(name); len(a) != len(b) {
			t.Errorf("%s: %d months moved, want %d", name, len(b), len(a))
		}
	}
}

func TestMoveRefusesANonEmptyTarget(t *testing.T) {
	f := movedBank(t)
	dst := movedBank(t).Store
	before := dst.Version()
	_, err := core.Move(context.Background(), f.Store, dst)
	if err == nil || !strings.Contains(err.Error(), "empty database") {
		t.Errorf("Move into a bank: %v, want a refusal", err)
	}
	if dst.Version() != before {
		t.Errorf("the target changed")
	}
}
