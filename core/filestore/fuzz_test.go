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

// FuzzAccountDocument feeds any bytes to the app as bob's account file:
// reading it must never panic, and whatever is accepted must obey the
// account rules. A refused file must stay as it was.
func FuzzAccountDocument(f *testing.F) {
	for _, doc := range []string{
		`{"name":"bob","password_hash":"x","balance_fen":5000,"credit_limit_fen":0,"admin":false,"frozen":false,"failed_logins":0,"created":"2026-11-25T10:00:00Z","updated":"2026-11-25T10:00:00Z"}`,
		`{"name":"bob","password_hash":"x","balance_fen":-1,"credit_limit_fen":0}`,
		`{"name":"bob","password_hash":"x","balance_fen":1e30}`,
		`{"name":"bob","password_hash":"x","balance_fen":99999999999999999999}`,
		`{"name":"bob","password_hash":"x","extra":1}`,
		`{"name":"eve","password_hash":"x"}`,
		`{"name":"bob","password_hash":"x"}{}`,
		`{"name":"bob"`,
		``,
		`null`,
		`[]`,
	} {
		f.Add([]byte(doc))
	}
	f.Fuzz(func(t *testing.T, doc []byte) {
		fx := newFileBank(t, "", docstore.Options{}, banktest.Seeds())
		fx.write(t, "accounts/bob.json", string(doc))
		a, err := fx.bank.Account(context.Background(), "bob")
		if err != nil {
			if !errors.Is(err, core.ErrCorrupt) {
				t.Fatalf("a bad account file gave %v, want ErrCorrupt", err)
			}
			_, err = fx.bank.Transfer(context.Background(), core.TransferRequest{Ref: core.NewTransferRef(), From: "alice", To: "bob", Amount: 100})
			if !errors.Is(err, core.ErrCorrupt) {
				t.Fatalf("transfer to a corrupt account: %v, want ErrCorrupt", err)
			}
			if fx.read(t, "accounts/bob.json") != string(doc) {
				t.Fatalf("the corrupt file was overwritten")
			}
			return
		}
		if a.Name != "bob" || a.Balance < -a.CreditLimit || a.Balance > core.MaxMoney || a.CreditLimit < 0 || a.CreditLimit > core.MaxMoney {
			t.Fatalf("accepted an impossible account: %+v", a)
		}
	})
}

// FuzzLedgerDocument feeds any bytes to the app as a month of alice's
// ledger: a statement must either read it or report it as corrupt.
func FuzzLedgerDocument(f *testing.F) {
	for _, doc := range []string{
		"{\"id\":\"e-1\",\"ref\":\"r-1\",\"time\":\"2026-10-01T00:00:00Z\",\"kind\":\"repayment\",\"amount_fen\":100,\"balance_after_fen\":100}\n",
		"{\"id\":\"e-1\"}\n{garbage\n",
		"\n\n",
		"{\"amount_fen\":\"x\"}",
		"{\"id\":\"e-1\",\"ref\":\"r-1\",\"time\":\"2026-10-01T00:00:00Z\",\"kind\":\"fee\",\"amount_fen\":-9223372036854775808,\"balance_after_fen\":0}\n",
	} {
		f.Add([]byte(doc))
	}
	f.Fuzz(func(t *testing.T, doc []byte) {
		fx := newFileBank(t, "", docstore.Options{}, banktest.Seeds())
		fx.write(t, "ledger/alice/2026-10.jsonl", string(doc))
		_, err := fx.bank.Statement(context.Background(), "alice", time.Date(2026, 10, 1, 0, 0, 0, 0, time.UTC))
		if err != nil && !errors.Is(err, core.ErrCorrupt) {
			t.Fatalf("statement over a bad ledger: %v, want nil or ErrCorrupt", err)
		}
	})
}
