package filestore_test

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"reflect"
	"testing"
	"time"

	"atmshop/core"
	"atmshop/core/filestore"
	"atmshop/lib/docstore"
)

// TestSavedAccountIsKeptAsRead: the account a Store keeps for the file it
// has just saved is exactly what another Store decodes from that file:
// times without their monotonic reading and in the location read back,
// empty bills as none, zero times as zero.
func TestSavedAccountIsKeptAsRead(t *testing.T) {
	shanghai, err := time.LoadLocation("Asia/Shanghai")
	if err != nil {
		t.Fatal(err)
	}
	now := time.Now() // with a monotonic reading, in the local zone
	for _, a := range []core.Account{
		{Name: "plain", PasswordHash: "$2a$04$x", Created: now, Updated: now, Bills: []core.Bill{}},
		{Name: "zoned", PasswordHash: "$2a$04$y", Balance: -1500, CreditLimit: 100000, Admin: true, Language: core.Chinese, FailedLogins: 2,
			LockedUntil: now.In(shanghai).Add(time.Minute), Created: now.UTC(), Updated: now.In(shanghai), BookedThrough: time.Date(2026, 11, 24, 0, 0, 0, 0, shanghai),
			Bills: []core.Bill{{Date: time.Date(2026, 11, 1, 0, 0, 0, 0, shanghai), Owed: 1500, Minimum: 100, Due: time.Date(2026, 11, 21, 0, 0, 0, 0, shanghai)}}},
		{Name: "zero", PasswordHash: "$2a$04$z", LockedUntil: time.Time{}.In(shanghai)},
	} {
		t.Run(a.Name, func(t *testing.T) {
			dir := t.TempDir()
			docs, err := docstore.Open(context.Background(), dir, docstore.Options{})
			if err != nil {
				t.Fatal(err)
			}
			defer docs.Close()
			store := filestore.New(docs)
			if err := store.Update(context.Background(), func(tx core.Tx) error { return tx.SaveAccount(&a) }); err != nil {
				t.Fatal(err)
			}
			name, data, err := filestore.AccountFile(&a)
			if err != nil {
				t.Fatal(err)
			}
			kept, ok := filestore.KeptAccount(store, a.Name, data)
			if !ok {
				t.Fatalf("no account kept for %s as saved", name)
			}
			var read *core.Account
			viewFromAnotherStore(t, dir, func(tx core.Tx) (err error) { read, err = tx.Account(a.Name); return err })
			if !reflect.DeepEqual(kept, *read) {
				t.Errorf("kept after the save:\n%#v\nread by another Store:\n%#v", kept, *read)
			}
		})
	}
}

// TestAppendedEntryIsKeptAsRead: the last entry a Store keeps for the
// ledger line it has just appended is exactly what another Store reads
// from that line.
func TestAppendedEntryIsKeptAsRead(t *testing.T) {
	shanghai, err := time.LoadLocation("Asia/Shanghai")
	if err != nil {
		t.Fatal(err)
	}
	now := time.Now() // with a monotonic reading, in the local zone
	for name, e := range map[string]core.Entry{
		"local":    {ID: "e-1", Ref: "t-1", Time: now, Kind: core.KindTransferOut, Counterparty: "bob", Amount: -100, BalanceAfter: -100},
		"shanghai": {ID: "e-2", Ref: "r-2", Time: now.In(shanghai), Kind: core.KindRepayment, Amount: 250, BalanceAfter: 250, Note: "<cash> & \"coins\""},
	} {
		t.Run(name, func(t *testing.T) {
			dir := t.TempDir()
			store, err := filestore.Open(context.Background(), dir, docstore.Options{})
			if err != nil {
				t.Fatal(err)
			}
			defer store.Close()
			month := core.MonthOf(e.Time)
			if err := store.Update(context.Background(), func(tx core.Tx) error { return tx.AppendEntries(name, month, e) }); err != nil {
				t.Fatal(err)
			}
			file, err := os.ReadFile(filepath.Join(dir, "ledger", name, month.String()+".jsonl"))
			if err != nil {
				t.Fatal(err)
			}
			kept, ok := filestore.KeptLastEntry(store, name, month, bytes.TrimSuffix(file, []byte("\n")))
			if !ok {
				t.Fatalf("no entry kept for the line appended: %s", file)
			}
			var read *core.Entry
			viewFromAnotherStore(t, dir, func(tx core.Tx) (err error) { read, err = tx.LastEntry(name); return err })
			if read == nil || !reflect.DeepEqual(kept, *read) {
				t.Errorf("kept after the append:\n%#v\nread by another Store:\n%#v", kept, read)
			}
		})
	}
}

// viewFromAnotherStore runs fn in a View of a Store of its own on dir, as
// another copy of the program would read it.
func viewFromAnotherStore(t *testing.T, dir string, fn func(core.Tx) error) {
	t.Helper()
	other, err := filestore.Open(context.Background(), dir, docstore.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer other.Close()
	if err := other.View(context.Background(), fn); err != nil {
		t.Fatal(err)
	}
}
