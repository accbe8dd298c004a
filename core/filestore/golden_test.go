package filestore_test

import (
	"context"
	"flag"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/rogpeppe/go-internal/txtar"
	"github.com/sirupsen/logrus"

	"atmshop/core"
	"atmshop/core/filestore"
	"atmshop/lib/docstore"
)

var updateGolden = flag.Bool("update-golden", false, "rewrite testdata/golden.txtar")

// TestGoldenFiles runs bootstrap, transfer, withdraw, checkout and repay on
// a fake clock and compares every file written with testdata/golden.txtar,
// captured from the code before the storage port (commit eb8410f): random ids and bcrypt
// hashes are replaced by placeholders, every other byte must match.
func TestGoldenFiles(t *testing.T) {
	dir := t.TempDir()
	store, err := filestore.Open(context.Background(), dir, docstore.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer store.Close()
	logger := logrus.New()
	logger.SetOutput(io.Discard)
	now := time.Date(2026, 11, 30, 15, 58, 0, 0, time.UTC)
	bank := &core.Bank{Store: store, Settings: testSettings(), Now: func() time.Time { return now }, Log: logger.WithField("component", "core")}
	ctx := context.Background()
	must := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	must(bank.SetUpZone(ctx, "Asia/Shanghai", func() (string, error) { return "UTC", nil }))
	must(bank.SetUpBooks(ctx))
	must(bank.Bootstrap(ctx, []core.UserSeed{
		{Name: "alice", Password: "alice-pw", Balance: 100000, CreditLimit: 1500000},
		{Name: "bob", Password: "bob-pw", Balance: 5000},
		{Name: "root", Password: "root-pw", Admin: true},
	}))
	_, err = bank.Transfer(ctx, core.TransferRequest{Ref: "t-00000000000000aa", From: "alice", To: "bob", Amount: 12345})
	must(err)
	now = now.Add(10 * time.Minute) // past midnight in Shanghai: December
	_, err = bank.Withdraw(ctx, "bob", 1001)
	must(err)
	var cart core.Cart
	must(cart.Add(testSettings().Catalog[0], 2))
	must(cart.Add(testSettings().Catalog[2], 1))
	_, err = bank.Checkout(ctx, "alice", &cart)
	must(err)
	now = now.Add(time.Hour)
	must(bank.Repay(ctx, "alice", 777))
	must(store.Close())

	got := goldenArchive(t, dir)
	path := filepath.Join("testdata", "golden.txtar")
	if *updateGolden {
		must(os.WriteFile(path, txtar.Format(got), 0o644))
	}
	want, err := txtar.ParseFile(path)
	must(err)
	if g, w := string(txtar.Format(got)), string(txtar.Format(want)); g != w {
		t.Errorf("files written:\n%s\nwant:\n%s", g, w)
	}
}

var (
	randomID   = regexp.MustCompile(`\b[a-z]-[0-9a-f]{16}\b`)
	bcryptHash = regexp.MustCompile(`\$2a\$\d\d\$[./A-Za-z0-9]{53}`)
)

// goldenArchive reads every data file under dir (not the store's own dot
// files), numbering random ids in order of appearance.
func goldenArchive(t *testing.T, dir string) *txtar.Archive {
	t.Helper()
	ids := map[string]string{}
	a := &txtar.Archive{}
	err := filepath.WalkDir(dir, func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() || strings.HasPrefix(d.Name(), ".") {
			return err
		}
		data, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(dir, path)
		s := bcryptHash.ReplaceAllString(string(data), "HASH")
		s = randomID.ReplaceAllStringFunc(s, func(id string) string {
			if _, ok := ids[id]; !ok {
				ids[id] = id[:2] + strings.Repeat("0", 14) + string(rune('a'+len(ids)/26)) + string(rune('a'+len(ids)%26))
			}
			return ids[id]
		})
		a.Files = append(a.Files, txtar.File{Name: filepath.ToSlash(rel), Data: []byte(s)})
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return a
}
