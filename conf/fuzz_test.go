package conf_test

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"atmshop/conf"
	"atmshop/core"
)

// FuzzLoad feeds Load arbitrary files. Whatever the bytes, Load must not
// panic, an error must be one line that names the file, and a Config it
// returns must hold only checked values. The corpus in testdata/fuzz/FuzzLoad
// (tricky quoting, duplicates, control characters, invalid UTF-8) runs with
// every go test; go test -fuzz=FuzzLoad ./conf explores further.
func FuzzLoad(f *testing.F) {
	for _, path := range []string{"config.ini", "testdata/seed.ini"} {
		data, err := os.ReadFile(path)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(data)
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		path := writeConfig(t, string(data))
		c, err := conf.Load(path)
		if err != nil {
			msg := err.Error()
			if !strings.HasPrefix(msg, path+": ") || strings.ContainsAny(msg, "\r\n") {
				t.Fatalf("error %q is not one line starting with the file name", msg)
			}
			return
		}
		if c.LockTimeout < time.Second || c.LockTimeout > time.Hour {
			t.Errorf("lock timeout out of range: %v", c.LockTimeout)
		}
		if _, err := time.LoadLocation(c.TimeZone); err != nil {
			t.Errorf("time zone %q: %v", c.TimeZone, err)
		}
		if rel, err := filepath.Rel(c.DBDir, c.Log.Dir); err == nil && !strings.HasPrefix(rel, "..") {
			t.Errorf("log folder %q inside data folder %q", c.Log.Dir, c.DBDir)
		}
		if c.App.SessionTimeout <= 0 || c.App.BcryptCost < 4 || c.App.BcryptCost > 31 || c.Log.MaxSizeMB < 1 || c.Log.MaxBackups < 0 {
			t.Errorf("settings out of range: %+v %+v", c.App, c.Log)
		}
		for _, u := range c.Users {
			if core.CheckUsername(u.Name) != nil || u.Password == "" || len(u.Password) > 72 ||
				u.Balance < 0 || u.CreditLimit < 0 || u.Balance > core.MaxMoney || u.CreditLimit > core.MaxMoney {
				t.Errorf("unchecked user %+v", u)
			}
		}
		for _, it := range c.App.Catalog {
			if it.Price <= 0 || !utf8.ValidString(it.Name) || strings.ContainsAny(it.Name, "\r\n") {
				t.Errorf("unchecked item %+v", it)
			}
		}
	})
}
