package terminal_test

import (
	"context"
	"errors"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"atmshop/core"
	"atmshop/core/terminal"
)

func TestWithdraw(t *testing.T) {
	f := newFixture(t)
	out := f.script(t, "bob", "bob-pw", "4", "40", "y", "4", "7.62", "y", "4", "7.61", "y", "q")
	// 40 + a 2.00 fee leaves 8.00; 7.62 + its 0.38 fee is exactly 8.00;
	// after that even 7.61 is refused.
	assertContains(t, out, "Please take your cash: 40.00. Fee charged: 2.00.", "Please take your cash: 7.62. Fee charged: 0.38.", "Insufficient funds")
	if got := f.Balance(t, "bob"); got != 0 {
		t.Errorf("bob has %s, want 0.00", got)
	}
}

func TestRepayPaysBackDebt(t *testing.T) {
	f := newFixture(t)
	if _, err := f.Bank.Transfer(context.Background(), core.TransferRequest{Ref: core.NewTransferRef(), From: "alice", To: "bob", Amount: 200000}); err != nil {
		t.Fatal(err)
	}
	out := f.script(t, "alice", "alice-pw", "5", "1000", "2", "q")
	assertContains(t, out, "Paid in 1,000.00. Balance is now 0.00.")
	assertLacks(t, out, "Owed")
}

func TestShopCheckout(t *testing.T) {
	f := newFixture(t)
	out := f.script(t, "bob", "bob-pw", "1", "3", "2", "1", "1", "c", "x", "n", "e", "2", "0", "x", "y", "7", "q")
	assertContains(t, out,
		"Coffee beans 1kg", "89.90", // the catalog
		"Added 2 x Notebook. Cart total: 25.00.",
		"Not paid; the cart is kept.",
		"Paid 25.00. Order p-", // after removing the coffee, only the notebooks are paid
		"2 x Notebook")         // the orders list
	if got, want := f.Balance(t, "bob"), core.Money(5000-2500); got != want {
		t.Errorf("bob has %s, want %s", got, want)
	}
}

func TestCheckoutInsufficientChangesNothing(t *testing.T) {
	f := newFixture(t)
	before := f.Snapshot()
	out := f.script(t, "bob", "bob-pw", "1", "2", "1", "x", "y", "b", "q")
	assertContains(t, out, "Insufficient funds: this order needs 199.00 but only 50.00 is available.")
	f.AssertUnchanged(t, before)
}

func TestShopRefusesBadInput(t *testing.T) {
	f := newFixture(t)
	before := f.Snapshot()
	out := f.script(t, "bob", "bob-pw", "1", "0", "4", "1", "-1", "1", "1000", "1", "abc", "x", "e", "zz", "b", "q")
	assertContains(t, out, `Unknown choice "0"`, `Unknown choice "4"`, `Invalid quantity "-1"`, `Invalid quantity "1000"`,
		`Invalid quantity "abc"`, "The cart is empty", `Unknown choice "zz"`)
	f.AssertUnchanged(t, before)
}

func TestFrozenAccounts(t *testing.T) {
	f := newFixture(t)
	out := f.script(t, "root", "root-pw", "a", "4", "bob", "b", "q")
	assertContains(t, out, "Done: freeze bob.")
	out = f.script(t, "bob", "bob-pw", "q")
	assertContains(t, out, "Your account is frozen")
	assertLacks(t, out, "Welcome, bob.")
	before := f.Snapshot()
	out = f.script(t, "alice", "alice-pw", "3", "bob", "q")
	assertContains(t, out, "The account bob is frozen and cannot receive transfers.")
	f.AssertUnchanged(t, before)
	if _, err := f.Bank.Transfer(context.Background(), core.TransferRequest{Ref: core.NewTransferRef(), From: "alice", To: "bob", Amount: 100}); !errors.Is(err, core.ErrFrozen) {
		t.Errorf("transfer to frozen bob: %v, want ErrFrozen", err)
	}
}

func TestFreezeEndsALiveSessionAtTheNextAction(t *testing.T) {
	f := newFixture(t)
	in := &scriptReader{lines: []string{"bob", "bob-pw", "2", "#freeze", "4", "1", "y", "q"}, clock: f.Clock}
	frozen := false
	in.hook = func(line string) {
		if line == "#freeze" && !frozen {
			frozen = true
			if err := f.Bank.Change(context.Background(), "root", "bob", "freeze", core.SetFrozen(true)); err != nil {
				t.Errorf("freeze: %v", err)
			}
		}
	}
	var out strings.Builder
	app, err := terminal.New(f.Bank, in, &out, terminal.Options{})
	if err != nil {
		t.Fatal(err)
	}
	if err := app.Run(context.Background()); err != nil {
		t.Fatal(err)
	}
	assertContains(t, out.String(), "Your account is frozen")
	if got := f.Balance(t, "bob"); got != 5000 {
		t.Errorf("bob has %s, want 50.00", got)
	}
}

func TestAdminActions(t *testing.T) {
	f := newFixture(t)
	out := f.script(t, "root", "root-pw", "a",
		"2", "carol", "carol-pw", "", "12.34", // add with default limit
		"2", "carol", "carol-pw", "", "", // again: exists
		"2", "../evil", "evil-pw1", "", "", // bad name
		"2", "dave", "short", "", "", // password too short
		"3", "alice", "20000", // set limit
		"6", "nobody", // unknown account
		"4", "root", // own account
		"7", "alice", // grant admin
		"1", "b", "q")
	assertContains(t, out,
		"Account carol added with a limit of 15,000.00 and a balance of 12.34.",
		`An account named "carol" already exists.`,
		"Invalid username",
		"at least 6 characters",
		"The credit limit of alice is now 20,000.00.",
		`There is no account named "nobody".`,
		"Administrators cannot change their own account here.",
		"Done: grant admin alice.",
		"4 accounts.")
	out = f.script(t, "carol", "carol-pw", "2", "q")
	assertContains(t, out, "12.34")
	a, err := f.Bank.Account(context.Background(), "alice")
	if err != nil || !a.Admin || a.CreditLimit != 2000000 {
		t.Errorf("alice = %+v, %v; want admin with limit 20000.00", a, err)
	}
}

func TestChangePassword(t *testing.T) {
	f := newFixture(t)
	long := strings.Repeat("密", 25) // 75 bytes: past bcrypt's 72
	out := f.script(t, "alice", "alice-pw",
		"8", "wrong", "newpass1", "newpass1",
		"8", "alice-pw", "newpass1", "newpass2",
		"8", "alice-pw", "abc", "abc",
		"8", "alice-pw", long, long,
		"8", "alice-pw", "newpass1", "newpass1", "q")
	assertContains(t, out, "The current password is not correct", "The two new passwords differ", "at least 6 characters", "at most 72 bytes", "Password changed.")
	if _, err := f.Bank.Authenticate(context.Background(), "alice", "alice-pw"); !errors.Is(err, core.ErrBadLogin) {
		t.Errorf("old password: %v, want ErrBadLogin", err)
	}
	if _, err := f.Bank.Authenticate(context.Background(), "alice", "newpass1"); err != nil {
		t.Errorf("new password: %v", err)
	}
}

func TestCorruptDocumentIsReportedNotOverwritten(t *testing.T) {
	f := newFixture(t)
	f.Store.DamageAccount("bob")
	before := f.Snapshot()
	out := f.script(t, "alice", "alice-pw", "3", "bob", "q")
	assertContains(t, out, "Sorry, something went wrong on our side; nothing was changed. Incident i-")
	assertLacks(t, out, "db/", ".json", "bob")
	f.AssertUnchanged(t, before)
}

func TestStorageFailureIsReportedAndChangesNothing(t *testing.T) {
	f := newFixture(t)
	before := f.Snapshot()
	f.Store.FailWrites(errors.New("disk full"))
	out := f.script(t, "alice", "alice-pw", "3", "bob", "10", "y", "q")
	assertContains(t, out, "Sorry, something went wrong on our side;")
	assertLacks(t, out, "disk full")
	f.Store.FailWrites(nil)
	f.AssertUnchanged(t, before)
}

func TestMenuRefusesDuplicateKeys(t *testing.T) {
	run := func(context.Context, *terminal.App) error { return nil }
	_, err := terminal.NewMenu([]terminal.Command{{Key: "1", Label: "One", Help: "The first", Run: run}, {Key: "1", Label: "Uno", Help: "The first again", Run: run}})
	if err == nil || !strings.Contains(err.Error(), `"1" is used twice`) {
		t.Errorf("duplicate key: %v, want an error naming the key", err)
	}
	for _, c := range []terminal.Command{
		{Key: "", Label: "No key", Help: "h", Run: run},
		{Key: "?", Label: "Help's key", Help: "h", Run: run},
		{Key: "x", Label: "No help", Run: run},
	} {
		if _, err := terminal.NewMenu([]terminal.Command{c}); err == nil {
			t.Errorf("%s: accepted, want an error", c.Label)
		}
	}
	for name, commands := range map[string][]terminal.Command{"main": terminal.Commands(), "admin": terminal.AdminCommands()} {
		if _, err := terminal.NewMenu(commands); err != nil {
			t.Errorf("the shipped %s menu: %v", name, err)
		}
	}
}

// The reasons for a failed login go to the log file only: every such
// entry carries core.FileOnlyField, which the console sink skips.
func TestLoginFailureReasonsAreFileOnly(t *testing.T) {
	f := newFixture(t)
	f.script(t, "nobody", "x", "../root", "x", "bob", "wrong", "bob", "wrong", "bob", "wrong", "bob", "bob-pw")
	var n int
	for _, e := range f.Logs.AllEntries() {
		if !strings.HasPrefix(e.Message, "login") {
			continue
		}
		n++
		if e.Data[core.FileOnlyField] != true {
			t.Errorf("log entry %q lacks %s=true: the console would show it", e.Message, core.FileOnlyField)
		}
	}
	if n < 6 {
		t.Errorf("%d login entries, want at least 6", n)
	}
}

// Wrong current passwords at Change password count as failed logins: the
// third one in a row locks the account and ends the session.
func TestChangePasswordCountsFailures(t *testing.T) {
	f := newFixture(t)
	change := func(old string) []string { return []string{"8", old, "new-secret", "new-secret"} }
	var lines []string
	lines = append(lines, "alice", "alice-pw")
	lines = append(lines, change("wrong-1")...)
	lines = append(lines, change("wrong-2")...)
	lines = append(lines, change("wrong-3")...)
	lines = append(lines, "alice", "alice-pw", "q")
	out := f.script(t, lines...)
	assertContains(t, out, "You are logged out.")
	if n := strings.Count(out, "Welcome, alice."); n != 1 {
		t.Errorf("alice welcomed %d times, want once (the account is locked); output:\n%s", n, out)
	}
	if i := strings.Index(out, "You are logged out."); i < 0 || !strings.Contains(out[i:], invalidLogin) {
		t.Errorf("the login after the lock should fail; output:\n%s", out)
	}
	a, err := f.Bank.Account(context.Background(), "alice")
	if err != nil {
		t.Fatal(err)
	}
	if !a.Locked(f.Clock.Now()) {
		t.Errorf("alice is not locked after three wrong current passwords")
	}
}

func TestStatementScreen(t *testing.T) {
	f := newFixture(t)
	f.Clock.Set(time.Date(2026, 12, 3, 9, 0, 0, 0, time.UTC))
	if _, err := f.Bank.Transfer(context.Background(), core.TransferRequest{Ref: core.NewTransferRef(), From: "alice", To: "bob", Amount: 10000}); err != nil {
		t.Fatal(err)
	}
	f.Clock.Set(time.Date(2027, 1, 5, 9, 0, 0, 0, time.UTC))
	out := f.script(t, "alice", "alice-pw", "6", "", "6", "2026-12", "6", "December", "q")
	assertContains(t, out, "Statement for alice, January 2027", "(no entries this month)", "Statement for alice, December 2026", "transfer_out", `Invalid month "December"`)
}

// Totals past the int64 range are shown exactly.
func TestStatementScreenTotalsNeverWrap(t *testing.T) {
	f := newFixture(t)
	f.AddHugeMonth(t, "carol", core.Month{Year: 2026, Month: 10})
	out := f.script(t, "carol", "carol-pw", "6", "2026-10", "q")
	const want = "100,000,000,000,000,000.00"
	assertContains(t, out, "Money in:        "+want, "Money out:       "+want)
}

// Amounts of ten and more digits keep their columns apart and lined up.
func TestStatementColumnsHoldLargeAmounts(t *testing.T) {
	f := newFixture(t)
	if err := f.Bank.Repay(context.Background(), "alice", 1_000_000_000_000); err != nil { // 10,000,000,000.00
		t.Fatal(err)
	}
	if _, err := f.Bank.Transfer(context.Background(), core.TransferRequest{Ref: core.NewTransferRef(), From: "alice", To: "bob", Amount: 25050}); err != nil {
		t.Fatal(err)
	}
	out := f.script(t, "alice", "alice-pw", "6", "", "q")
	amount := regexp.MustCompile(`^-?[0-9,]+\.[0-9]{2}$`)
	var ends [2][]int // where each entry line's amount and balance end
	for _, line := range strings.Split(out, "\n") {
		if !regexp.MustCompile(`^  \d\d-\d\d \d\d:\d\d  `).MatchString(line) {
			continue
		}
		fields := strings.Fields(line)
		if len(fields) < 5 || !amount.MatchString(fields[3]) || !amount.MatchString(fields[4]) {
			t.Errorf("entry line without two separate amounts: %q", line)
			continue
		}
		at := strings.Index(line, " "+fields[3]+" ") + 1
		ends[0] = append(ends[0], at+len(fields[3]))
		ends[1] = append(ends[1], strings.Index(line[at+len(fields[3]):], fields[4])+at+len(fields[3])+len(fields[4]))
	}
	if len(ends[0]) != 3 {
		t.Fatalf("want 3 entry lines (opening, repayment, transfer), got %d:\n%s", len(ends[0]), out)
	}
	for i, col := range ends {
		if slices.Min(col) != slices.Max(col) {
			t.Errorf("column %d of the entries does not line up (ends at %v):\n%s", i+1, col, out)
		}
	}
	var totals []int
	for _, label := range []string{"Opening balance:", "Money in:", "Money out:", "Closing balance:"} {
		for _, line := range strings.Split(out, "\n") {
			if strings.HasPrefix(line, label) {
				totals = append(totals, len(line))
			}
		}
	}
	if len(totals) != 4 || slices.Min(totals) != slices.Max(totals) {
		t.Errorf("the totals do not line up (line ends %v):\n%s", totals, out)
	}
}

// "?" lists the commands a person can see, with their help, at the main
// and the admin menu.
func TestHelpListsTheMenu(t *testing.T) {
	f := newFixture(t)
	out := f.script(t, "bob", "bob-pw", "?", "q")
	assertContains(t, out, "  3  Transfer         Send money to another user\n", "  q  Quit             End the program\n")
	assertLacks(t, out, "Admin", "Unknown choice")
	out = f.script(t, "root", "root-pw", "?", "a", "?", "b", "q")
	assertContains(t, out, "  a  Admin            Manage accounts (administrators only)\n",
		"  6  Unlock an account             Lift a lock left by failed logins\n",
		"  b  Back                          Go back to the main menu\n")
}
