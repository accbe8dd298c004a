package main

// Shared helpers of the crash, concurrency and corruption tests: a sandbox
// folder with its own config, a way to run the real program in it, and a
// reader of the books (accounts, ledgers, orders) that checks them the way
// an auditor would, independently of core.

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"io/fs"
	"maps"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"atmshop/core"
	"atmshop/core/pgstore/pgtest"
)

// sandbox is a project folder of its own: conf/config.ini (the one the
// transcripts use, plus extra users), and the db/ and log/ the program
// creates beside it.
type sandbox struct {
	t   testing.TB
	dir string
	dsn string // set by usePostgres: the bank is in this database, not db/
}

// usePostgres points the sandbox's config at a new database of the tests'
// PostgreSQL cluster (skipping the test when there is none).
func (sb *sandbox) usePostgres() {
	sb.t.Helper()
	sb.setDSN(pgtest.DSN(sb.t))
}

// setDSN points the sandbox's config at the PostgreSQL database dsn.
func (sb *sandbox) setDSN(dsn string) {
	sb.t.Helper()
	sb.dsn = dsn
	config, err := os.ReadFile(sb.path("conf", "config.ini"))
	if err != nil {
		sb.t.Fatal(err)
	}
	if config, err = withPostgres(config, dsn); err != nil {
		sb.t.Fatal(err)
	}
	if err := os.WriteFile(sb.path("conf", "config.ini"), config, 0o600); err != nil {
		sb.t.Fatal(err)
	}
}

// books reads the sandbox's bank, from db/ or PostgreSQL.
func (sb *sandbox) books() *books {
	sb.t.Helper()
	if sb.dsn != "" {
		return readBooksPG(sb.t, sb.dsn)
	}
	return readBooks(sb.t, sb.path("db"))
}

// readBooksPG reads the books from pgstore's tables.
func readBooksPG(t testing.TB, dsn string) *books {
	t.Helper()
	ctx := context.Background()
	conn, err := pgx.Connect(ctx, dsn)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(ctx)
	bk := &books{accounts: map[string]accountDoc{}, ledgers: map[string][]ledgerEntry{}, orders: map[string][]orderDoc{}}
	rows, _ := conn.Query(ctx, `SELECT name, password_hash, balance, credit_limit, frozen, failed_logins, updated FROM accounts`)
	for rows.Next() {
		var a accountDoc
		a.Balance = new(int64)
		if err := rows.Scan(&a.Name, &a.PasswordHash, a.Balance, &a.CreditLimit, &a.Frozen, &a.FailedLogins, &a.Updated); err != nil {
			t.Fatal(err)
		}
		bk.accounts[a.Name] = a
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	rows, _ = conn.Query(ctx, `SELECT account, id, ref, at, kind, counterparty, amount, balance_after, note FROM entries ORDER BY account, month, seq`)
	for rows.Next() {
		var name string
		e := ledgerEntry{Amount: new(int64), BalanceAfter: new(int64), file: "postgres entries"}
		if err := rows.Scan(&name, &e.ID, &e.Ref, &e.Time, &e.Kind, &e.Counterparty, e.Amount, e.BalanceAfter, &e.Note); err != nil {
			t.Fatal(err)
		}
		bk.ledgers[name] = append(bk.ledgers[name], e)
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	rows, _ = conn.Query(ctx, `SELECT account, id, total FROM orders ORDER BY account, seq`)
	for rows.Next() {
		var name string
		var o orderDoc
		if err := rows.Scan(&name, &o.ID, &o.Total); err != nil {
			t.Fatal(err)
		}
		bk.orders[name] = append(bk.orders[name], o)
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	return bk.separateBank()
}

// user is an extra [name] section of the config.
type user struct {
	name, password string
	money, credit  string // yuan, as config.ini writes them
}

// seed is what testdata/config.ini declares, read the simple way it is
// written: the number of users, the money they start with in all, and the
// prices of the shop's items in order.
type seed struct {
	users      int
	openingFen int64
	prices     []int64
}

func readSeed(t testing.TB) seed {
	t.Helper()
	data, err := os.ReadFile(filepath.Join("testdata", "config.ini"))
	if err != nil {
		t.Fatal(err)
	}
	var s seed
	section := ""
	for _, line := range strings.Split(string(data), "\n") {
		line = strings.TrimSpace(line)
		if strings.HasPrefix(line, "[") {
			section = strings.Trim(line, "[]")
			continue
		}
		key, value, ok := strings.Cut(line, "=")
		if !ok || strings.HasPrefix(line, "#") || strings.HasPrefix(line, ";") {
			continue
		}
		key, value = strings.TrimSpace(key), strings.TrimSpace(value)
		switch {
		case section == "shop":
			s.prices = append(s.prices, configFen(t, value))
		case key == "password":
			s.users++
		case key == "money":
			s.openingFen += configFen(t, value)
		}
	}
	if s.users == 0 || len(s.prices) == 0 {
		t.Fatalf("testdata/config.ini: %d users, %d items for sale: the tests need some", s.users, len(s.prices))
	}
	return s
}

// configFen reads an amount as config.ini writes it: "50", "12.8", "89.90".
func configFen(t testing.TB, yuan string) int64 {
	t.Helper()
	whole, frac, _ := strings.Cut(yuan, ".")
	return fen(t, whole+"."+(frac + "00")[:2])
}

// newSandbox makes a sandbox whose config adds users to testdata/config.ini.
func newSandbox(t testing.TB, users ...user) *sandbox {
	t.Helper()
	config, err := os.ReadFile(filepath.Join("testdata", "config.ini"))
	if err != nil {
		t.Fatal(err)
	}
	var b bytes.Buffer
	b.Write(config)
	for _, u := range users {
		fmt.Fprintf(&b, "\n[%s]\npassword = %s\nmoney = %s\ncredit_limit = %s\n", u.name, u.password, u.money, u.credit)
	}
	sb := &sandbox{t: t, dir: t.TempDir()}
	if err := os.MkdirAll(sb.path("conf"), 0o700); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(sb.path("conf", "config.ini"), b.Bytes(), 0o600); err != nil {
		t.Fatal(err)
	}
	return sb
}

// cloneSandbox copies a whole sandbox folder (conf, db, log) into a new
// one, so each case of a table test starts from the same bootstrapped state.
func cloneSandbox(t testing.TB, from *sandbox) *sandbox {
	t.Helper()
	sb := &sandbox{t: t, dir: t.TempDir()}
	copyTree(t, from.dir, sb.dir)
	return sb
}

// copyTree copies the folder from into the folder to, files 0600 and
// folders 0700 as the program makes them.
func copyTree(t testing.TB, from, to string) {
	t.Helper()
	err := filepath.WalkDir(from, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, err := filepath.Rel(from, p)
		if err != nil {
			return err
		}
		target := filepath.Join(to, rel)
		if d.IsDir() {
			return os.MkdirAll(target, 0o700)
		}
		data, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		return os.WriteFile(target, data, 0o600)
	})
	if err != nil {
		t.Fatal(err)
	}
}

func (sb *sandbox) path(elem ...string) string {
	return filepath.Join(append([]string{sb.dir}, elem...)...)
}

// db is the path of a file in the store, from a slash-separated name.
func (sb *sandbox) db(name string) string { return sb.path("db", filepath.FromSlash(name)) }

// command is the real program, set to run in the sandbox. "atmshop" is
// this test binary, put on PATH by testscript.Main in TestMain. Under go
// test -race it has the race detector too, which would sleep a second at
// every exit (GORACE atexit_sleep_ms): these tests run hundreds of them.
// A race it finds still fails the run: it prints to stderr and exits 66.
func (sb *sandbox) command() *exec.Cmd {
	cmd := exec.Command("atmshop", "-config", sb.path("conf", "config.ini"))
	cmd.Dir = sb.dir
	cmd.Env = append(os.Environ(), "GORACE="+strings.TrimSpace(os.Getenv("GORACE")+" atexit_sleep_ms=0"))
	return cmd
}

// result is what one run of the program did.
type result struct {
	stdout, stderr string
	code           int // -1 when a signal ended it
	state          string
}

// run runs the program to its end with stdin as its whole input.
// start starts the program with pipes to its stdin and stdout, and its
// stderr kept, for tests that answer as it goes or kill it half-way.
func (sb *sandbox) start() (cmd *exec.Cmd, stdin io.WriteCloser, stdout io.Reader, stderr *bytes.Buffer) {
	sb.t.Helper()
	cmd = sb.command()
	stdin, err := cmd.StdinPipe()
	if err != nil {
		sb.t.Fatal(err)
	}
	stdout, err = cmd.StdoutPipe()
	if err != nil {
		sb.t.Fatal(err)
	}
	stderr = new(bytes.Buffer)
	cmd.Stderr = stderr
	if err := cmd.Start(); err != nil {
		sb.t.Fatal(err)
	}
	return cmd, stdin, stdout, stderr
}

func (sb *sandbox) run(stdin string) result {
	sb.t.Helper()
	cmd := sb.command()
	cmd.Stdin = strings.NewReader(stdin)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil && cmd.ProcessState == nil {
		sb.t.Fatalf("run atmshop: %v", err)
	}
	return result{stdout.String(), stderr.String(), cmd.ProcessState.ExitCode(), cmd.ProcessState.String()}
}

// bootstrap starts the program twice on empty input: the first start
// creates the accounts; before the second, the store's "applied up to"
// marker is removed, which makes that start replay the journal and
// checkpoint it (as after a reboot). Then every file is only on disk and
// no later start replays anything over it, whatever a test damages.
func (sb *sandbox) bootstrap() {
	sb.t.Helper()
	for i := range 2 {
		if i == 1 {
			if err := os.Remove(sb.db(".applied")); err != nil {
				sb.t.Fatal(err)
			}
		}
		r := sb.run("")
		if r.code != 0 || r.stderr != "" {
			sb.t.Fatalf("bootstrap: %s, stderr:\n%s", r.state, r.stderr)
		}
	}
	if fi, err := os.Stat(sb.db(".journal")); err != nil || fi.Size() != 16 {
		sb.t.Fatalf("after two starts the journal should be checkpointed (16 bytes): %v %v", fi.Size(), err)
	}
}

// crashText finds the marks of a Go crash in a program's output.
var crashText = regexp.MustCompile(`panic:|goroutine \d+ \[|fatal error:|SIGSEGV|DATA RACE`)

// checkNoCrash fails if the run panicked or died of a signal, and requires
// one of the exit codes allowed.
func checkNoCrash(t testing.TB, r result, allowed ...int) {
	t.Helper()
	if m := crashText.FindString(r.stderr + r.stdout); m != "" {
		t.Errorf("the program crashed (%q); stderr:\n%s", m, clip(r.stderr))
	}
	if !slices.Contains(allowed, r.code) {
		t.Errorf("exit: %s, want one of the codes %v; stderr:\n%s", r.state, allowed, clip(r.stderr))
	}
}

// clip shortens output quoted in a failure message.
func clip(s string) string {
	const max = 3000
	if len(s) <= max {
		return s
	}
	return s[:max/2] + "\n[…]\n" + s[len(s)-max/2:]
}

// snapshot reads every file under dir, by slash-separated relative name.
func snapshot(t testing.TB, dir string) map[string][]byte {
	t.Helper()
	files := map[string][]byte{}
	err := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		data, err := os.ReadFile(p)
		rel, _ := filepath.Rel(dir, p)
		files[filepath.ToSlash(rel)] = data
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return files
}

// diffSnapshots names the files added, removed or changed from a to b,
// leaving out those skip accepts.
func diffSnapshots(a, b map[string][]byte, skip func(name string) bool) []string {
	var diffs []string
	for name, data := range a {
		other, ok := b[name]
		switch {
		case skip != nil && skip(name):
		case !ok:
			diffs = append(diffs, "removed "+name)
		case !bytes.Equal(data, other):
			diffs = append(diffs, "changed "+name)
		}
	}
	for name := range b {
		if _, ok := a[name]; !ok && (skip == nil || !skip(name)) {
			diffs = append(diffs, "added "+name)
		}
	}
	slices.Sort(diffs)
	return diffs
}

// Money in the program's output: "1,234.50". The books hold fen.
const yuanPattern = `-?[0-9][0-9,]*\.[0-9]{2}`

func fen(t testing.TB, yuan string) int64 {
	t.Helper()
	whole, frac, _ := strings.Cut(strings.ReplaceAll(yuan, ",", ""), ".")
	neg := strings.HasPrefix(whole, "-")
	w, err1 := strconv.ParseInt(strings.TrimPrefix(whole, "-"), 10, 64)
	f, err2 := strconv.ParseInt(frac, 10, 64)
	if err1 != nil || err2 != nil || len(frac) != 2 {
		t.Fatalf("not an amount of yuan: %q", yuan)
	}
	if neg {
		return -(w*100 + f)
	}
	return w*100 + f
}

// yuan writes fen the way the program's input wants it: "12.05".
func yuan(fen int64) string { return fmt.Sprintf("%d.%02d", fen/100, fen%100) }

// The documents, as the tests read them. Pointers tell a missing amount
// from zero.
type (
	accountDoc struct {
		Name         string    `json:"name"`
		PasswordHash string    `json:"password_hash"`
		Balance      *int64    `json:"balance_fen"`
		CreditLimit  int64     `json:"credit_limit_fen"`
		Frozen       bool      `json:"frozen"`
		FailedLogins int       `json:"failed_logins"`
		Updated      time.Time `json:"updated"`
	}
	ledgerEntry struct {
		ID           string    `json:"id"`
		Ref          string    `json:"ref"`
		Time         time.Time `json:"time"`
		Kind         string    `json:"kind"`
		Counterparty string    `json:"counterparty"`
		Amount       *int64    `json:"amount_fen"`
		BalanceAfter *int64    `json:"balance_after_fen"`
		Note         string    `json:"note"`
		file         string
	}
	orderDoc struct {
		ID    string `json:"id"`
		Total int64  `json:"total_fen"`
	}
)

// books are all the accounts, ledgers and orders of a store.
type books struct {
	accounts map[string]accountDoc
	ledgers  map[string][]ledgerEntry // each user's entries, oldest month first
	orders   map[string][]orderDoc
	// The bank's own accounts (core.SystemAccounts) and their ledgers,
	// apart from people's.
	bankAccounts map[string]accountDoc
	bankLedgers  map[string][]ledgerEntry
}

// separateBank moves the bank's own accounts and ledgers apart from people's.
func (bk *books) separateBank() *books {
	bk.bankAccounts, bk.bankLedgers = map[string]accountDoc{}, map[string][]ledgerEntry{}
	for _, name := range core.SystemAccounts {
		if a, ok := bk.accounts[name]; ok {
			bk.bankAccounts[name] = a
			delete(bk.accounts, name)
		}
		if l, ok := bk.ledgers[name]; ok {
			bk.bankLedgers[name] = l
			delete(bk.ledgers, name)
		}
	}
	return bk
}

// readBooks reads the store in dbDir. Every file must parse: an account
// file is one JSON object, a ledger or orders file is JSON lines, each
// ending with a line break.
func readBooks(t testing.TB, dbDir string) *books {
	t.Helper()
	bk := &books{accounts: map[string]accountDoc{}, ledgers: map[string][]ledgerEntry{}, orders: map[string][]orderDoc{}}
	accounts, _ := filepath.Glob(filepath.Join(dbDir, "accounts", "*"))
	for _, p := range accounts {
		if strings.HasPrefix(filepath.Base(p), ".") {
			continue // dot-names belong to the store, which never reads strays
		}
		name, ok := strings.CutSuffix(filepath.Base(p), ".json")
		if !ok {
			t.Errorf("stray file in the accounts folder: %s", p)
			continue
		}
		data, err := os.ReadFile(p)
		if err != nil {
			t.Fatal(err)
		}
		var a accountDoc
		if err := json.Unmarshal(data, &a); err != nil || a.Balance == nil || a.Name != name {
			t.Errorf("account file %s does not parse as %s's account (%v):\n%s", p, name, err, data)
			continue
		}
		bk.accounts[name] = a
	}
	users, _ := filepath.Glob(filepath.Join(dbDir, "ledger", "*"))
	for _, dir := range users {
		name := filepath.Base(dir)
		months, _ := filepath.Glob(filepath.Join(dir, "*.jsonl"))
		slices.Sort(months) // YYYY-MM sorts in time order
		for _, p := range months {
			for i, line := range jsonLines(t, p) {
				var e ledgerEntry
				if err := json.Unmarshal(line, &e); err != nil || e.Amount == nil || e.BalanceAfter == nil || e.Ref == "" {
					t.Errorf("%s line %d does not parse as a ledger entry (%v): %s", p, i+1, err, line)
					continue
				}
				e.file = p
				bk.ledgers[name] = append(bk.ledgers[name], e)
			}
		}
	}
	orders, _ := filepath.Glob(filepath.Join(dbDir, "orders", "*.jsonl"))
	for _, p := range orders {
		name := strings.TrimSuffix(filepath.Base(p), ".jsonl")
		for i, line := range jsonLines(t, p) {
			var o orderDoc
			if err := json.Unmarshal(line, &o); err != nil || o.ID == "" {
				t.Errorf("%s line %d does not parse as an order (%v): %s", p, i+1, err, line)
				continue
			}
			bk.orders[name] = append(bk.orders[name], o)
		}
	}
	return bk.separateBank()
}

// jsonLines splits a JSON Lines file; a last line without its line break
// is a torn write and an error.
func jsonLines(t testing.TB, p string) [][]byte {
	t.Helper()
	data, err := os.ReadFile(p)
	if err != nil {
		t.Fatal(err)
	}
	if len(data) == 0 {
		return nil
	}
	if data[len(data)-1] != '\n' {
		t.Errorf("%s does not end with a line break: its last line is torn", p)
	}
	return bytes.Split(bytes.TrimSuffix(data, []byte("\n")), []byte("\n"))
}

// check audits the books: each ledger replays from zero to its account's
// balance, every balance_after_fen is the running sum, every transfer ref
// is one transfer_out and one transfer_in of opposite amounts between the
// two accounts named, every withdrawal has its 5% fee, every purchase its
// order, no balance is past its credit limit, the opening entries add up
// to wantOpening and the sum of all balances is the opening money plus
// repayments minus withdrawals, fees and purchases. It returns the total
// of each kind of entry.
func (bk *books) check(t testing.TB, wantOpening int64) map[string]int64 {
	t.Helper()
	totals := map[string]int64{}
	var balances int64
	for name, a := range bk.accounts {
		balances += *a.Balance
		if *a.Balance < -a.CreditLimit {
			t.Errorf("%s: balance %d is past the credit limit %d", name, *a.Balance, a.CreditLimit)
		}
		var sum int64
		for i, e := range bk.ledgers[name] {
			sum += *e.Amount
			if *e.BalanceAfter != sum {
				t.Errorf("%s entry %d (%s %s): balance_after_fen %d, but the entries before it add up to %d", name, i+1, e.Kind, e.Ref, *e.BalanceAfter, sum)
			}
			totals[e.Kind] += *e.Amount
		}
		if sum != *a.Balance {
			t.Errorf("%s: the ledger adds up to %d but the account says balance_fen %d", name, sum, *a.Balance)
		}
	}
	for name := range bk.ledgers {
		if _, ok := bk.accounts[name]; !ok {
			t.Errorf("a ledger for %s, who has no account", name)
		}
	}
	if got := totals["opening"]; got != wantOpening {
		t.Errorf("opening entries add up to %d fen, want %d", got, wantOpening)
	}
	outside := totals["opening"] + totals["repayment"] + totals["withdrawal"] + totals["fee"] + totals["purchase"] + totals["interest"]
	if balances != outside {
		t.Errorf("the people's balances add up to %d fen, but opening + repayments - withdrawals - fees - purchases - interest is %d (totals %v)", balances, outside, totals)
	}
	bk.audit(t)
	if totals["transfer_in"]+totals["transfer_out"] != 0 {
		t.Errorf("transfers in add up to %d fen but transfers out to %d", totals["transfer_in"], totals["transfer_out"])
	}
	bk.checkTransfers(t)
	bk.checkWithdrawals(t)
	bk.checkOrders(t)
	return totals
}

// audit checks the bank's double-entry books: the sum of all entries, the
// bank's own accounts included, is zero, and so is the sum of each ref's
// entries. Entries from before the bank kept its own books (the data of an
// older version) are balanced as a whole by one books_opened entry, so
// their refs are not checked one by one.
func (bk *books) audit(t testing.TB) {
	t.Helper()
	var all int64
	var opened time.Time
	refs := map[string]int64{}
	last := map[string]time.Time{}
	for name, entries := range bk.bankLedgers {
		var sum int64
		for _, e := range entries {
			sum += *e.Amount
		}
		if a, ok := bk.bankAccounts[name]; !ok || *a.Balance != sum {
			t.Errorf("audit: the bank's ledger %s adds up to %d fen, but its account is %+v", name, sum, a)
		}
	}
	for _, entries := range slices.Concat(slices.Collect(maps.Values(bk.ledgers)), slices.Collect(maps.Values(bk.bankLedgers))) {
		for _, e := range entries {
			all += *e.Amount
			refs[e.Ref] += *e.Amount
			if e.Time.After(last[e.Ref]) {
				last[e.Ref] = e.Time
			}
			if e.Kind == core.KindBooksOpened {
				opened = e.Time
				delete(refs, e.Ref)
			}
		}
	}
	if all != 0 {
		t.Errorf("audit: all entries add up to %d fen, want 0", all)
	}
	for ref, sum := range refs {
		if sum != 0 && last[ref].After(opened) {
			t.Errorf("audit: the entries of ref %s add up to %d fen, want 0", ref, sum)
		}
	}
}

// side is one entry of a ref, with the account it is in.
type side struct {
	owner string
	e     ledgerEntry
}

func (bk *books) byRef(kinds ...string) map[string][]side {
	refs := map[string][]side{}
	for name, entries := range bk.ledgers {
		for _, e := range entries {
			if slices.Contains(kinds, e.Kind) {
				refs[e.Ref] = append(refs[e.Ref], side{name, e})
			}
		}
	}
	return refs
}

func (bk *books) checkTransfers(t testing.TB) {
	t.Helper()
	for ref, sides := range bk.byRef("transfer_out", "transfer_in") {
		if len(sides) != 2 {
			t.Errorf("transfer %s has %d ledger entries, want 2 (out and in): %+v", ref, len(sides), sides)
			continue
		}
		out, in := sides[0], sides[1]
		if out.e.Kind == "transfer_in" {
			out, in = in, out
		}
		switch {
		case out.e.Kind != "transfer_out" || in.e.Kind != "transfer_in":
			t.Errorf("transfer %s is %s in %s and %s in %s, want one out and one in", ref, out.e.Kind, out.owner, in.e.Kind, in.owner)
		case *out.e.Amount >= 0 || *out.e.Amount != -*in.e.Amount:
			t.Errorf("transfer %s: out %d fen, in %d fen, want opposite amounts", ref, *out.e.Amount, *in.e.Amount)
		case out.owner == in.owner || out.e.Counterparty != in.owner || in.e.Counterparty != out.owner:
			t.Errorf("transfer %s: out of %s to %q, into %s from %q", ref, out.owner, out.e.Counterparty, in.owner, in.e.Counterparty)
		}
	}
}

// feeFen is the 5% fee of testdata/config.ini, rounded half up.
func feeFen(amount int64) int64 { return (amount*5 + 50) / 100 }

func (bk *books) checkWithdrawals(t testing.TB) {
	t.Helper()
	for ref, sides := range bk.byRef("withdrawal", "fee") {
		var w, f []side
		for _, s := range sides {
			if s.e.Kind == "withdrawal" {
				w = append(w, s)
			} else {
				f = append(f, s)
			}
		}
		if len(w) != 1 || len(f) > 1 {
			t.Errorf("withdrawal %s has %d withdrawal and %d fee entries, want 1 and at most 1", ref, len(w), len(f))
			continue
		}
		var fee int64
		if len(f) == 1 {
			fee = -*f[0].e.Amount
		}
		if want := feeFen(-*w[0].e.Amount); fee != want || *w[0].e.Amount >= 0 {
			t.Errorf("withdrawal %s of %d fen was charged a fee of %d fen, want %d", ref, -*w[0].e.Amount, fee, want)
		}
	}
}

func (bk *books) checkOrders(t testing.TB) {
	t.Helper()
	purchases := bk.byRef("purchase")
	seen := map[string]bool{}
	for name, orders := range bk.orders {
		for _, o := range orders {
			p := purchases[o.ID]
			if len(p) != 1 || p[0].owner != name || *p[0].e.Amount != -o.Total || seen[o.ID] {
				t.Errorf("order %s of %s (%d fen) has purchase entries %+v, want one of -%d fen in %s's ledger", o.ID, name, o.Total, p, o.Total, name)
			}
			seen[o.ID] = true
		}
	}
	for ref := range purchases {
		if !seen[ref] {
			t.Errorf("purchase %s has no order", ref)
		}
	}
}

// What the program prints when an action has been done: from then on it
// must survive anything.
var (
	welcomeLine  = regexp.MustCompile(`Welcome, ([a-z0-9_-]+)\.`)
	goodbyeUser  = regexp.MustCompile(`Goodbye, ([a-z0-9_-]+)\.`)
	transferLine = regexp.MustCompile(`Transferred (` + yuanPattern + `) to ([a-z0-9_-]+) \(ref (t-[0-9a-f]+)\)\.`)
	purchaseLine = regexp.MustCompile(`Paid (` + yuanPattern + `)\. Order (p-[0-9a-f]+) is placed\.`)
	repayLine    = regexp.MustCompile(`Paid in (` + yuanPattern + `)\. Balance is now (` + yuanPattern + `)\.`)
	withdrawLine = regexp.MustCompile(`Please take your cash: (` + yuanPattern + `)\. Fee charged: (` + yuanPattern + `)\.`)
)

// confirmation is one action the program said it did.
type confirmation struct {
	kind   string // as the ledger names it: transfer_out, purchase, repayment, withdrawal
	user   string // who was logged in
	to     string // transfers: the recipient
	amount int64  // fen, positive
	fee    int64  // withdrawals
	after  int64  // repayments: the balance printed
	ref    string // transfers and purchases
}

// confirmations reads a program's stdout line by line and collects what
// it confirmed. Feed it only whole lines.
type confirmations struct {
	t    testing.TB
	user string
	list []confirmation
}

// feed reads one line of output and reports whether it confirmed an action.
func (c *confirmations) feed(line string) bool {
	if m := welcomeLine.FindStringSubmatch(line); m != nil {
		c.user = m[1]
	}
	if goodbyeUser.MatchString(line) {
		c.user = ""
	}
	n := len(c.list)
	if m := transferLine.FindStringSubmatch(line); m != nil {
		c.list = append(c.list, confirmation{kind: "transfer_out", user: c.user, to: m[2], amount: fen(c.t, m[1]), ref: m[3]})
	}
	if m := purchaseLine.FindStringSubmatch(line); m != nil {
		c.list = append(c.list, confirmation{kind: "purchase", user: c.user, amount: fen(c.t, m[1]), ref: m[2]})
	}
	if m := repayLine.FindStringSubmatch(line); m != nil {
		c.list = append(c.list, confirmation{kind: "repayment", user: c.user, amount: fen(c.t, m[1]), after: fen(c.t, m[2])})
	}
	if m := withdrawLine.FindStringSubmatch(line); m != nil {
		c.list = append(c.list, confirmation{kind: "withdrawal", user: c.user, amount: fen(c.t, m[1]), fee: fen(c.t, m[2])})
	}
	return len(c.list) > n
}

// checkConfirmed fails for every confirmed action the books do not hold: a
// confirmation must never be lost. Transfers and purchases are found by
// their ref; repayments and withdrawals, which print none, by what they
// printed (each ledger entry stands for one confirmation at most).
func checkConfirmed(t testing.TB, bk *books, confirmed []confirmation) {
	t.Helper()
	type key struct {
		user, kind    string
		amount, extra int64
	}
	unclaimed := map[key]int{}
	refs := map[string][]side{}
	for name, entries := range bk.ledgers {
		for i, e := range entries {
			refs[e.Ref] = append(refs[e.Ref], side{name, e})
			switch e.Kind {
			case "repayment":
				unclaimed[key{name, e.Kind, *e.Amount, *e.BalanceAfter}]++
			case "withdrawal":
				var fee int64
				if i+1 < len(entries) && entries[i+1].Kind == "fee" && entries[i+1].Ref == e.Ref {
					fee = -*entries[i+1].Amount
				}
				unclaimed[key{name, e.Kind, -*e.Amount, fee}]++
			}
		}
	}
	for _, c := range confirmed {
		switch c.kind {
		case "transfer_out":
			ok := false
			for _, s := range refs[c.ref] {
				ok = ok || s.owner == c.user && s.e.Kind == "transfer_out" && *s.e.Amount == -c.amount && s.e.Counterparty == c.to
			}
			if !ok || len(refs[c.ref]) != 2 {
				t.Errorf("confirmed transfer %s of %d fen from %s to %s is not in the ledgers as printed: %+v", c.ref, c.amount, c.user, c.to, refs[c.ref])
			}
		case "purchase":
			s := refs[c.ref]
			if len(s) != 1 || s[0].owner != c.user || *s[0].e.Amount != -c.amount {
				t.Errorf("confirmed purchase %s of %d fen by %s is not in the ledgers as printed: %+v", c.ref, c.amount, c.user, s)
			}
		case "repayment", "withdrawal":
			k := key{c.user, c.kind, c.amount, c.after}
			if c.kind == "withdrawal" {
				k.extra = c.fee
			}
			if unclaimed[k] == 0 {
				t.Errorf("confirmed %s of %d fen by %s (%d) is not in the ledgers", c.kind, c.amount, c.user, k.extra)
			}
			unclaimed[k]--
		}
	}
}

// logLine is the whole format of a line of log/all2.log.
var logLine = regexp.MustCompile(`^\[\d{4}-\d\d-\d\d \d\d:\d\d:\d\d,\d{3}\]\[pid:\d+\]\[task_id:[^\]]*\]\[[^\]]+:\d+\]\[(TRACE|DEBUG|INFO|WARNING|ERROR|FATAL|PANIC)\]\[.*\]$`)

// logLines reads the log file and its rotated copies (all2*.log), oldest
// first by name, and checks that every line has the whole format.
func logLines(t testing.TB, sb *sandbox) []string {
	t.Helper()
	files, _ := filepath.Glob(sb.path("log", "all2*.log"))
	if len(files) == 0 {
		t.Fatalf("no log file in %s", sb.path("log"))
	}
	var lines []string
	for _, p := range files {
		data, err := os.ReadFile(p)
		if err != nil {
			t.Fatal(err)
		}
		if len(data) > 0 && data[len(data)-1] != '\n' {
			t.Errorf("%s ends in the middle of a line", p)
		}
		for i, line := range strings.Split(strings.TrimSuffix(string(data), "\n"), "\n") {
			if !logLine.MatchString(line) {
				t.Errorf("%s line %d is not one whole log entry: %q", p, i+1, line)
			}
			lines = append(lines, line)
		}
	}
	return lines
}
