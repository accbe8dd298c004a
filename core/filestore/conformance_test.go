package filestore_test

import (
	"bytes"
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
		// failing disk would: bytes change in place, the size stays. (A
		// hand edit, which may change the size, is made with every copy
		// of the program stopped.) All of the file's content, or its last
		// line, becomes '#'s; the newline that ends it stays.
		damage := func(name string, lastLine bool) {
			path := filepath.Join(dir, filepath.FromSlash(name))
			data, err := os.ReadFile(path)
			if err != nil || len(data) < 2 {
				t.Fatalf("damage %s: %q, %v", name, data, err)
			}
			start := 0
			if lastLine {
				start = bytes.LastIndexByte(data[:len(data)-1], '\n') + 1
			}
			f, err := os.OpenFile(path, os.O_WRONLY, 0)
			if err == nil {
				_, err = f.WriteAt(bytes.Repeat([]byte("#"), len(data)-1-start), int64(start))
				err = errors.Join(err, f.Close())
			}
			if err != nil {
				t.Fatal(err)
			}
		}
		return storetest.Harness{
			Store:          s,
			DamageAccount:  func(name string) { damage("accounts/"+name+".json", false) },
			DamageLedger:   func(name string, m core.Month) { damage("ledger/"+name+"/"+m.String()+".jsonl", true) },
			DamageSettings: func() { damage("bank.json", false) },
		}
	})
}
