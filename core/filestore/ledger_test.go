package filestore_test

import (
	"context"
	"encoding/json"
	"errors"
	"strings"
	"testing"
	"time"

	"atmshop/core"
	"atmshop/core/banktest"
	"atmshop/lib/docstore"
)

// TestPostingChecksTheLedgerEnd: a posting reads the end of the latest
// month file; a last line longer than the window it reads is read whole,
// and a torn, unreadable or disagreeing last line is corrupt data, which
// no posting writes over.
func TestPostingChecksTheLedgerEnd(t *testing.T) {
	f := newFileBank(t, "", docstore.Options{}, banktest.Seeds())
	const doc = "ledger/bob/2026-11.jsonl"
	good := f.read(t, doc)
	var e map[string]any
	if err := json.Unmarshal([]byte(good), &e); err != nil {
		t.Fatal(err)
	}
	e["note"] = strings.Repeat("n", 20<<10)
	long, _ := json.Marshal(e)
	f.write(t, doc, string(long)+"\n")
	if err := f.bank.Repay(context.Background(), "bob", 100); err != nil {
		t.Errorf("repay after a long valid entry: %v", err)
	}
	for name, ledger := range map[string]string{
		"torn":          good[:len(good)-5],
		"garbage":       good + "garbage\n",
		"wrong balance": strings.Replace(good, `"balance_after_fen":5000`, `"balance_after_fen":4000`, 1),
	} {
		f.write(t, doc, ledger)
		if err := f.bank.Repay(context.Background(), "bob", 100); !errors.Is(err, core.ErrCorrupt) || !strings.Contains(err.Error(), doc) {
			t.Errorf("%s ledger: repay gave %v, want ErrCorrupt naming the file", name, err)
		}
		if got := f.read(t, doc); got != ledger {
			t.Errorf("%s ledger was written over", name)
		}
	}
}

// TestEndOfLedgerCheckReadsTheLatestMonth: a wrong balance in the latest
// month file is found even when the current month has no file yet.
func TestEndOfLedgerCheckReadsTheLatestMonth(t *testing.T) {
	f := newFileBank(t, "", docstore.Options{}, banktest.Seeds())
	const doc = "ledger/bob/2026-11.jsonl"
	f.write(t, doc, strings.Replace(f.read(t, doc), `"balance_after_fen":5000`, `"balance_after_fen":4000`, 1))
	f.clock.Set(time.Date(2027, 1, 5, 9, 0, 0, 0, time.UTC))
	if err := f.bank.Repay(context.Background(), "bob", 100); !errors.Is(err, core.ErrCorrupt) {
		t.Errorf("repay over a November that disagrees with the balance, in January: %v, want ErrCorrupt", err)
	}
	if got := f.read(t, "ledger/bob/2027-01.jsonl"); got != "" {
		t.Errorf("January was written: %q", got)
	}
}

// TestAnotherCopysNewMonthIsSeen: a copy keeps the month files of the
// ledgers it posted to; when another copy (another Store on the folder)
// starts a new month, the first sees it at its next posting and posts
// after it, never over an older month.
func TestAnotherCopysNewMonthIsSeen(t *testing.T) {
	a := newFileBank(t, "", docstore.Options{}, banktest.Seeds())
	if err := a.bank.Repay(context.Background(), "bob", 100); err != nil {
		t.Fatal(err)
	}
	b := newFileBank(t, a.dir, docstore.Options{}, banktest.Seeds())
	b.clock.Set(time.Date(2026, 12, 2, 9, 0, 0, 0, time.UTC))
	if err := b.bank.Repay(context.Background(), "bob", 100); err != nil {
		t.Fatal(err)
	}
	// a's clock is still in November: its posting must follow December's.
	if err := a.bank.Repay(context.Background(), "bob", 100); err != nil {
		t.Fatal(err)
	}
	if got := strings.Count(a.read(t, "ledger/bob/2026-12.jsonl"), "\n"); got != 2 {
		t.Errorf("December has %d entries, want 2 (b's and a's)", got)
	}
	if got, want := a.balance(t, "bob"), b.balance(t, "bob"); got != want {
		t.Errorf("balances seen by the two copies: %s and %s", got, want)
	}
}

// TestFindRefSeesTheTransactionsOwnPostings: within one transaction, the
// end of the ledger that FindRef searches holds the entries read and,
// after them, those the transaction appended, in the same month or in a
// new month file.
func TestFindRefSeesTheTransactionsOwnPostings(t *testing.T) {
	f := newFileBank(t, "", docstore.Options{}, banktest.Seeds())
	err := f.store.Update(context.Background(), func(tx core.Tx) error {
		last, err := tx.LastEntry("bob")
		if err != nil || last == nil {
			t.Fatalf("bob's latest entry: %v, %v", last, err)
		}
		find := func(ref, id string) {
			t.Helper()
			if got, err := tx.FindRef("bob", ref, false); err != nil || got == nil || got.ID != id {
				t.Errorf("FindRef %s: %+v, %v; want entry %s", ref, got, err, id)
			}
		}
		post := func(ref string, at time.Time) {
			t.Helper()
			e := core.Entry{ID: "e-" + ref, Ref: ref, Time: at, Kind: core.KindTransferIn, Counterparty: "alice", Amount: 100, BalanceAfter: last.BalanceAfter + 100}
			if err := tx.AppendEntries("bob", core.MonthOf(at), e); err != nil {
				t.Fatalf("append %s: %v", ref, err)
			}
			last = &e
		}
		read := *last
		post("r-nov", read.Time)
		find(read.Ref, read.ID)
		find("r-nov", "e-r-nov")
		post("r-dec", read.Time.AddDate(0, 1, 0))
		find("r-dec", "e-r-dec")
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}
