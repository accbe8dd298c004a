package docstore_test

import (
	"bytes"
	"encoding/json"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"atmshop/lib/docstore"
)

// upgradeFixture is a db/ written by the program before journal format 2:
// its last transfer (bob -> alice 20.00) is in .journal, not applied.
const upgradeFixture = "../../bin/start/testdata/db-2026-11"

// copyTree copies the folder from into the new folder to.
func copyTree(t *testing.T, from, to string) {
	t.Helper()
	err := filepath.WalkDir(from, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(from, p)
		if d.IsDir() {
			return os.MkdirAll(filepath.Join(to, rel), 0o700)
		}
		data, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		return os.WriteFile(filepath.Join(to, rel), data, 0o600)
	})
	if err != nil {
		t.Fatal(err)
	}
}

// snapshot returns every file under dir but the lock, by relative path.
func snapshot(t *testing.T, dir string) map[string]string {
	t.Helper()
	files := map[string]string{}
	err := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() || d.Name() == ".lock" {
			return err
		}
		data, err := os.ReadFile(p)
		rel, _ := filepath.Rel(dir, p)
		files[filepath.ToSlash(rel)] = string(data)
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return files
}

func balanceFen(t *testing.T, files map[string]string, user string) int64 {
	t.Helper()
	var a struct {
		BalanceFen int64 `json:"balance_fen"`
	}
	if err := json.Unmarshal([]byte(files["accounts/"+user+".json"]), &a); err != nil {
		t.Fatalf("%s: %v", user, err)
	}
	return a.BalanceFen
}

// lastEntry returns the last line of a ledger file, decoded.
func lastEntry(t *testing.T, files map[string]string, name string) (kind string, amount int64) {
	t.Helper()
	lines := strings.Split(strings.TrimSuffix(files[name], "\n"), "\n")
	var e struct {
		Kind      string `json:"kind"`
		AmountFen int64  `json:"amount_fen"`
	}
	if err := json.Unmarshal([]byte(lines[len(lines)-1]), &e); err != nil {
		t.Fatalf("%s: %v", name, err)
	}
	return e.Kind, e.AmountFen
}

// TestUpgradeFromFormat1 opens a copy of the fixture with this version:
// the old journal is finished (its unapplied transfer applied) and then
// converted, and every balance, ledger line and order is kept. "same
// boot" stamps the copy's marker with the running boot, as if the old
// program had run in this boot: it is trusted, and counts every record
// but the unapplied one.
func TestUpgradeFromFormat1(t *testing.T) {
	before := snapshot(t, upgradeFixture)
	for _, boot := range []string{"same boot", "other"} {
		t.Run(boot, func(t *testing.T) {
			dir := filepath.Join(t.TempDir(), "db")
			copyTree(t, upgradeFixture, dir)
			if boot == "same boot" {
				if err := docstore.RestampMarker(filepath.Join(dir, docstore.MarkerName)); err != nil {
					t.Fatal(err)
				}
			} else {
				reboot(t, boot)
			}
			s := open(t, dir, docstore.Options{})
			s.Close()
			after := snapshot(t, dir)
			if got := balanceFen(t, after, "bob"); got != 14050 {
				t.Errorf("bob's balance_fen = %d, want 14050", got)
			}
			if got, was := balanceFen(t, after, "alice"), balanceFen(t, before, "alice"); got != was+2000 {
				t.Errorf("alice's balance_fen = %d, want %d + 2000", got, was)
			}
			for user, want := range map[string]int64{"bob": -2000, "alice": 2000} {
				name := "ledger/" + user + "/2026-11.jsonl"
				if kind, amount := lastEntry(t, after, name); !strings.HasPrefix(kind, "transfer") || amount != want {
					t.Errorf("%s ends with %s %d, want the transfer of %d", name, kind, amount, want)
				}
				if !strings.HasPrefix(after[name], before[name]) {
					t.Errorf("%s lost lines", name)
				}
			}
			for name, data := range before {
				if strings.HasPrefix(name, "ledger/") && strings.HasSuffix(name, "2026-10.jsonl") || strings.HasPrefix(name, "orders/") {
					if after[name] != data {
						t.Errorf("%s changed", name)
					}
				}
			}
			if j := after[docstore.JournalName]; len(j) != docstore.JournalHeaderLen || !strings.HasPrefix(j, "dsj2") {
				t.Errorf("journal after the upgrade: %d bytes %q, want an empty format-2 journal", len(j), j[:min(4, len(j))])
			}
			// A second open changes nothing.
			s = open(t, dir, docstore.Options{})
			s.Close()
			again := snapshot(t, dir)
			for name, data := range after {
				if name != docstore.MarkerName && again[name] != data {
					t.Errorf("second open changed %s", name)
				}
			}
			if !bytes.Equal([]byte(before[docstore.JournalName]), mustRead(t, filepath.Join(upgradeFixture, docstore.JournalName))) {
				t.Error("the fixture was modified")
			}
		})
	}
}

func mustRead(t *testing.T, p string) []byte {
	t.Helper()
	data, err := os.ReadFile(p)
	if err != nil {
		t.Fatal(err)
	}
	return data
}
