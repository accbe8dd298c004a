package filestore_test

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"atmshop/core"
	"atmshop/core/filestore"
	"atmshop/lib/docstore"
)

// TestFixturesOpen opens copies of the db/ folders written by earlier
// versions (bin/start/testdata: journal format 1, and format 2 with
// bank.json in Asia/Shanghai; in both, the last transfer is in the journal
// but not yet applied) and reads every account, entry and order through
// the port: each value must be exactly what those versions wrote.
func TestFixturesOpen(t *testing.T) {
	for _, tc := range []struct{ dir, want string }{
		{"db-2026-11", fixtureWant2026},
		{"db-2026-11-shanghai", fixtureWantShanghai},
	} {
		t.Run(tc.dir, func(t *testing.T) {
			dir := t.TempDir()
			if err := os.CopyFS(dir, os.DirFS(filepath.Join("..", "..", "bin", "start", "testdata", tc.dir))); err != nil {
				t.Fatal(err)
			}
			s, err := filestore.Open(context.Background(), dir, docstore.Options{})
			if err != nil {
				t.Fatal(err)
			}
			defer s.Close()
			if got := dump(t, s); got != tc.want {
				t.Errorf("read through the port:\n%s\nwant:\n%s", got, tc.want)
			}
		})
	}
}

// dump writes out everything the port reads from s, in a fixed order:
// the settings, then per account its fields, its ledger by month
// (September 2026 to January 2027) and its orders.
func dump(t *testing.T, s core.Store) string {
	t.Helper()
	var b strings.Builder
	err := s.View(context.Background(), func(tx core.Tx) error {
		settings, err := tx.BankSettings()
		switch {
		case errors.Is(err, core.ErrNoSettings):
			fmt.Fprintf(&b, "settings: none\n")
		case err != nil:
			return err
		default:
			fmt.Fprintf(&b, "settings: %+v\n", settings)
		}
		names, err := tx.AccountNames("", 100)
		if err != nil {
			return err
		}
		for _, name := range names {
			a, err := tx.Account(name)
			if err != nil {
				return err
			}
			hash := a.PasswordHash
			a.PasswordHash = hash[:7] + "…" // the rest is salt and hash
			fmt.Fprintf(&b, "account %+v\n", *a)
			for m := (core.Month{Year: 2026, Month: 9}); m.Before(core.Month{Year: 2027, Month: 2}); m = m.Next() {
				entries, err := tx.MonthEntries(name, m)
				if err != nil {
					return err
				}
				before, err := tx.BalanceBefore(name, m)
				if err != nil {
					return err
				}
				if len(entries) > 0 {
					fmt.Fprintf(&b, "  %s opens at %s\n", m, before)
				}
				for _, e := range entries {
					fmt.Fprintf(&b, "    %s %s %s %s %q %s -> %s %q\n", e.ID, e.Ref, e.Time.Format("2006-01-02T15:04:05.999999999Z07:00"), e.Kind, e.Counterparty, e.Amount, e.BalanceAfter, e.Note)
				}
			}
			orders, err := tx.Orders(name)
			if err != nil {
				return err
			}
			for _, o := range orders {
				fmt.Fprintf(&b, "  order %s %s %+v %s\n", o.ID, o.Time.Format("2006-01-02T15:04:05.999999999Z07:00"), o.Lines, o.Total)
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return b.String()
}

const fixtureWant2026 = `settings: none
account {Name:alice PasswordHash:$2a$04$… Balance:529.70 CreditLimit:15,000.00 Admin:false Frozen:false Language: FailedLogins:0 LockedUntil:0001-01-01 00:00:00 +0000 UTC Created:2026-10-15 12:00:00 +0000 UTC Updated:2026-11-04 10:00:00 +0000 UTC Bills:[] BookedThrough:0001-01-01 00:00:00 +0000 UTC}
  2026-10 opens at 0.00
    e-0c8f7a7853309616 o-a5e6a4c58c901258 2026-10-15T12:00:00Z opening "" 1,000.00 -> 1,000.00 "from config"
    e-568f3e8fd3a7ef90 t-f488561c3f885577 2026-10-15T12:00:00Z transfer_out "bob" -100.50 -> 899.50 ""
    e-70c251cfa09cfb54 w-2992451e268cb73e 2026-10-15T12:00:00Z withdrawal "" -200.00 -> 699.50 ""
    e-55fa9134f1432c8b w-2992451e268cb73e 2026-10-15T12:00:00Z fee "" -10.00 -> 689.50 "5% withdrawal fee"
  2026-11 opens at 689.50
    e-5b615b1776a5a50e p-dd4ada156a014401 2026-11-03T09:30:00Z purchase "" -179.80 -> 509.70 "2 x Coffee beans 1kg"
    e-6ebbc51373c03103 t-dc2e5667212cf39a 2026-11-04T10:00:00Z transfer_in "bob" 20.00 -> 529.70 ""
  order p-dd4ada156a014401 2026-11-03T09:30:00Z [{Item:Coffee beans 1kg Price:89.90 Quantity:2}] 179.80
account {Name:bob PasswordHash:$2a$04$… Balance:140.50 CreditLimit:0.00 Admin:false Frozen:false Language: FailedLogins:1 LockedUntil:0001-01-01 00:00:00 +0000 UTC Created:2026-10-15 12:00:00 +0000 UTC Updated:2026-11-04 10:00:00 +0000 UTC Bills:[] BookedThrough:0001-01-01 00:00:00 +0000 UTC}
  2026-10 opens at 0.00
    e-e36d340a8c20f384 o-a6d868d0b6f86538 2026-10-15T12:00:00Z opening "" 50.00 -> 50.00 "from config"
    e-b66b5d5df7f83676 t-f488561c3f885577 2026-10-15T12:00:00Z transfer_in "alice" 100.50 -> 150.50 ""
  2026-11 opens at 150.50
    e-281246379fc93776 r-8e99641c6b15c2a7 2026-11-03T09:30:00Z repayment "" 10.00 -> 160.50 ""
    e-5e6b6e8427b12f31 t-dc2e5667212cf39a 2026-11-04T10:00:00Z transfer_out "alice" -20.00 -> 140.50 ""
account {Name:root PasswordHash:$2a$04$… Balance:0.00 CreditLimit:15,000.00 Admin:true Frozen:false Language: FailedLogins:0 LockedUntil:0001-01-01 00:00:00 +0000 UTC Created:2026-10-15 12:00:00 +0000 UTC Updated:2026-10-15 12:00:00 +0000 UTC Bills:[] BookedThrough:0001-01-01 00:00:00 +0000 UTC}
`

const fixtureWantShanghai = `settings: {TimeZone:Asia/Shanghai}
account {Name:alice PasswordHash:$2a$04$… Balance:529.70 CreditLimit:15,000.00 Admin:false Frozen:false Language: FailedLogins:0 LockedUntil:0001-01-01 00:00:00 +0000 UTC Created:2026-10-15 12:00:00 +0000 UTC Updated:2026-11-04 10:00:00 +0000 UTC Bills:[] BookedThrough:0001-01-01 00:00:00 +0000 UTC}
  2026-10 opens at 0.00
    e-fac674e611b8560f o-3a02234f7ef705b1 2026-10-15T20:00:00+08:00 opening "" 1,000.00 -> 1,000.00 "from config"
    e-b499ad337709b66c t-2462aeea8ea5711c 2026-10-15T20:00:00+08:00 transfer_out "bob" -100.50 -> 899.50 ""
    e-c8f54450714816ed w-085c76068f8e49d6 2026-10-15T20:00:00+08:00 withdrawal "" -200.00 -> 699.50 ""
    e-9cd5c39acd426eb1 w-085c76068f8e49d6 2026-10-15T20:00:00+08:00 fee "" -10.00 -> 689.50 "5% withdrawal fee"
  2026-11 opens at 689.50
    e-b3e5b36408383e47 p-b4d7ced39b1cfb42 2026-11-01T04:00:00+08:00 purchase "" -179.80 -> 509.70 "2 x Coffee beans 1kg"
    e-55a99ce913422714 t-4dcfa51d9a648a45 2026-11-04T18:00:00+08:00 transfer_in "bob" 20.00 -> 529.70 ""
  order p-b4d7ced39b1cfb42 2026-11-01T04:00:00+08:00 [{Item:Coffee beans 1kg Price:89.90 Quantity:2}] 179.80
account {Name:bob PasswordHash:$2a$04$… Balance:140.50 CreditLimit:0.00 Admin:false Frozen:false Language: FailedLogins:1 LockedUntil:0001-01-01 00:00:00 +0000 UTC Created:2026-10-15 12:00:00 +0000 UTC Updated:2026-11-04 10:00:00 +0000 UTC Bills:[] BookedThrough:0001-01-01 00:00:00 +0000 UTC}
  2026-10 opens at 0.00
    e-457bba9cd5503f0b o-664e24e46bd8288d 2026-10-15T20:00:00+08:00 opening "" 50.00 -> 50.00 "from config"
    e-933388c236a2554c t-2462aeea8ea5711c 2026-10-15T20:00:00+08:00 transfer_in "alice" 100.50 -> 150.50 ""
  2026-11 opens at 150.50
    e-f67768239c094b5c r-b57251b1475a6e0b 2026-11-03T17:30:00+08:00 repayment "" 10.00 -> 160.50 ""
    e-e679611a2cbe2fdc t-4dcfa51d9a648a45 2026-11-04T18:00:00+08:00 transfer_out "alice" -20.00 -> 140.50 ""
account {Name:root PasswordHash:$2a$04$… Balance:0.00 CreditLimit:15,000.00 Admin:true Frozen:false Language: FailedLogins:0 LockedUntil:0001-01-01 00:00:00 +0000 UTC Created:2026-10-15 12:00:00 +0000 UTC Updated:2026-10-15 12:00:00 +0000 UTC Bills:[] BookedThrough:0001-01-01 00:00:00 +0000 UTC}
`

// TestFixtureRewritesToTheSameBytes reads everything in the fixture
// written by the program before the storage port and writes it again
// through the port into an empty folder: every file must come out byte
// for byte as that program wrote it.
func TestFixtureRewritesToTheSameBytes(t *testing.T) {
	src, dst := t.TempDir(), t.TempDir()
	if err := os.CopyFS(src, os.DirFS(filepath.Join("..", "..", "bin", "start", "testdata", "db-2026-11-shanghai"))); err != nil {
		t.Fatal(err)
	}
	from, err := filestore.Open(context.Background(), src, docstore.Options{})
	if err != nil {
		t.Fatal(err)
	}
	to, err := filestore.Open(context.Background(), dst, docstore.Options{})
	if err != nil {
		t.Fatal(err)
	}
	err = from.View(context.Background(), func(r core.Tx) error {
		return to.Update(context.Background(), func(w core.Tx) error { return copyBank(r, w) })
	})
	if err != nil {
		t.Fatal(err)
	}
	if err := errors.Join(from.Close(), to.Close()); err != nil {
		t.Fatal(err)
	}
	want, got := dataFiles(t, src), dataFiles(t, dst)
	if len(got) != len(want) {
		t.Errorf("%d files written, want %d", len(got), len(want))
	}
	for name, data := range want {
		if got[name] != data {
			t.Errorf("%s:\n%s\nwant:\n%s", name, got[name], data)
		}
	}
}

// copyBank copies everything r reads into w.
func copyBank(r, w core.Tx) error {
	settings, err := r.BankSettings()
	if err != nil {
		return err
	}
	if err := w.SaveBankSettings(settings); err != nil {
		return err
	}
	names, err := r.AccountNames("", 100)
	if err != nil {
		return err
	}
	for _, name := range names {
		a, err := r.Account(name)
		if err != nil {
			return err
		}
		if err := w.SaveAccount(a); err != nil {
			return err
		}
		for m := (core.Month{Year: 2026, Month: 9}); m.Before(core.Month{Year: 2027, Month: 2}); m = m.Next() {
			entries, err := r.MonthEntries(name, m)
			if err != nil {
				return err
			}
			if err := w.AppendEntries(name, m, entries...); err != nil {
				return err
			}
		}
		orders, err := r.Orders(name)
		if err != nil {
			return err
		}
		for _, o := range orders {
			if err := w.AppendOrder(name, o); err != nil {
				return err
			}
		}
	}
	return nil
}

// dataFiles reads every file under dir but the store's own (.journal,
// .lock, …).
func dataFiles(t *testing.T, dir string) map[string]string {
	t.Helper()
	files := map[string]string{}
	err := filepath.WalkDir(dir, func(path string, d os.DirEntry, err error) error {
		if err != nil || d.IsDir() || strings.HasPrefix(d.Name(), ".") {
			return err
		}
		data, err := os.ReadFile(path)
		rel, _ := filepath.Rel(dir, path)
		files[filepath.ToSlash(rel)] = string(data)
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return files
}
