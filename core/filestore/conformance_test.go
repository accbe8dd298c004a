package filestore_test

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"testing"

	"atmshop/core"
	"atmshop/core/filestore"
	"atmshop/core/storetest"
	"atmshop/lib/docstore"
)

func TestConformance(t *testing.T) {
	storetest.Run(t, func(t *testing.T) storetest.Harness {
		dir := t.TempDir()
		s, err := filestore.Open(context.Background(), dir, docstore.Options{})
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { s.Close() })
		// Damage is done to the files behind the store's back, as a
		// hand edit or a failing disk would.
		damage := func(name, garbage string, appendIt bool) {
			path := filepath.Join(dir, filepath.FromSlash(name))
			flag := os.O_WRONLY | os.O_TRUNC
			if appendIt {
				flag = os.O_WRONLY | os.O_APPEND
			}
			f, err := os.OpenFile(path, flag, 0)
			if err == nil {
				_, err = f.WriteString(garbage)
				err = errors.Join(err, f.Close())
			}
			if err != nil {
				t.Fatal(err)
			}
		}
		return storetest.Harness{
			Store:          s,
			DamageAccount:  func(name string) { damage("accounts/"+name+".json", `{"name":`, false) },
			DamageLedger:   func(name string, m core.Month) { damage("ledger/"+name+"/"+m.String()+".jsonl", "{garbage\n", true) },
			DamageSettings: func() { damage("bank.json", `{"time_zone":1}`, false) },
		}
	})
}
