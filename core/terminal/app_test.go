package terminal_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"regexp"
	"strings"
	"testing"
	"time"

	"atmshop/core"
	"atmshop/core/banktest"
	"atmshop/core/terminal"

	"github.com/sirupsen/logrus"
)

// scriptReader feeds the app one line per Read, like a person typing. It
// obeys "#advance <duration>" lines itself by moving the fake clock, so a
// test can let a session expire between two answers, and hands other
// "#" lines to hook, to change the world between two answers.
type scriptReader struct {
	lines   []string
	clock   *banktest.Clock
	hook    func(line string)
	pending string // the rest of a line longer than a Read's buffer
}

func (r *scriptReader) Read(p []byte) (int, error) {
	if r.pending != "" {
		n := copy(p, r.pending)
		r.pending = r.pending[n:]
		return n, nil
	}
	for len(r.lines) > 0 {
		line := r.lines[0]
		r.lines = r.lines[1:]
		if d, ok := strings.CutPrefix(line, "#advance "); ok {
			dur, err := time.ParseDuration(d)
			if err != nil {
				return 0, err
			}
			r.clock.Advance(dur)
			continue
		}
		if strings.HasPrefix(line, "#") {
			r.hook(line)
			continue
		}
		n := copy(p, line+"\n")
		r.pending = (line + "\n")[n:]
		return n, nil
	}
	return 0, io.EOF
}

// fixture is banktest's bank with the screens' helpers.
type fixture struct{ *banktest.Fixture }

func newFixture(t *testing.T) *fixture { return &fixture{banktest.New(t)} }

const invalidLogin = "Invalid username or password. (After 3 failed tries an account is locked for 15 minutes.)"

func (f *fixture) script(t *testing.T, lines ...string) string {
	t.Helper()
	var out bytes.Buffer
	app, err := terminal.New(f.Bank, &scriptReader{lines: lines, clock: f.Clock}, &out, terminal.Options{})
	if err != nil {
		t.Fatalf("new app: %v", err)
	}
	if err := app.Run(context.Background()); err != nil {
		t.Fatalf("run: %v\noutput:\n%s", err, out.String())
	}
	return out.String()
}

func assertContains(t *testing.T, out string, wants ...string) {
	t.Helper()
	for _, w := range wants {
		if !strings.Contains(out, w) {
			t.Errorf("output lacks %q; output:\n%s", w, out)
		}
	}
}

func assertLacks(t *testing.T, out string, unwanted ...string) {
	t.Helper()
	for _, w := range unwanted {
		if strings.Contains(out, w) {
			t.Errorf("output has %q, want it absent; output:\n%s", w, out)
		}
	}
}

func TestLoginThenBalance(t *testing.T) {
	f := newFixture(t)
	out := f.script(t, "alice", "alice-pw", "2", "q")
	assertContains(t, out, "Welcome, alice.", "Balance:", "1,000.00", "Credit limit:", "15,000.00", "Available:", "16,000.00", "Goodbye.")
	assertLacks(t, out, "Owed")
}

func TestLoginFailureAsksAgainWithOneMessage(t *testing.T) {
	f := newFixture(t)
	out := f.script(t, "alice", "wrong", "nobody", "x", "alice", "alice-pw", "q")
	if n := strings.Count(out, "Invalid username or password."); n != 2 {
		t.Errorf("got %d invalid-login messages, want 2 (wrong password, unknown user); output:\n%s", n, out)
	}
	assertContains(t, out, "Welcome, alice.")
	var reasons []string
	for _, e := range f.Logs.AllEntries() {
		reasons = append(reasons, e.Message)
	}
	all := strings.Join(reasons, "|")
	for _, want := range []string{"login failed: wrong password", "login failed: no such user", "login ok"} {
		if !strings.Contains(all, want) {
			t.Errorf("log lacks %q; log: %s", want, all)
		}
	}
	for _, e := range f.Logs.AllEntries() {
		s, _ := e.String()
		if strings.Contains(s, "alice-pw") || strings.Contains(s, "wrong") && !strings.Contains(s, "wrong password") {
			t.Errorf("a password reached the log: %s", s)
		}
	}
}

func TestEndOfInputAtEveryPromptExitsCleanly(t *testing.T) {
	full := []string{"alice", "alice-pw", "3", "bob", "10", "y", "q"}
	for n := range len(full) {
		f := newFixture(t)
		f.script(t, full[:n]...) // script fails the test on any error
	}
}

func TestSessionExpiryAsksLoginAndCarriesOn(t *testing.T) {
	f := newFixture(t)
	out := f.script(t, "alice", "alice-pw", "#advance 9m", "2", "#advance 11m", "2", "alice", "alice-pw", "q")
	if n := strings.Count(out, "Balance:"); n != 2 {
		t.Errorf("balance shown %d times, want 2; output:\n%s", n, out)
	}
	if n := strings.Count(out, "session has expired"); n != 1 {
		t.Errorf("expiry message shown %d times, want 1; output:\n%s", n, out)
	}
	// The second balance comes after the second login.
	if strings.LastIndex(out, "Balance:") < strings.LastIndex(out, "Welcome, alice.") {
		t.Errorf("balance was not shown after logging in again; output:\n%s", out)
	}
}

func TestSessionStaysAliveWhileActive(t *testing.T) {
	f := newFixture(t)
	out := f.script(t, "alice", "alice-pw", "#advance 9m", "2", "#advance 9m", "2", "#advance 9m", "2", "q")
	assertLacks(t, out, "expired")
	if n := strings.Count(out, "Balance:"); n != 3 {
		t.Errorf("balance shown %d times, want 3", n)
	}
}

func TestTransfer(t *testing.T) {
	f := newFixture(t)
	out := f.script(t, "alice", "alice-pw", "3", "bob", "100.5", "y", "q")
	assertContains(t, out, "Transferred 100.50 to bob")
	if got, want := f.Balance(t, "alice"), core.Money(100000-10050); got != want {
		t.Errorf("alice has %s, want %s", got, want)
	}
	if got, want := f.Balance(t, "bob"), core.Money(5000+10050); got != want {
		t.Errorf("bob has %s, want %s", got, want)
	}
}

func TestTransferRefusals(t *testing.T) {
	for _, tc := range []struct {
		name   string
		answer []string
		want   string
	}{
		{"to oneself", []string{"alice"}, "You cannot transfer money to yourself."},
		{"unknown recipient", []string{"nobody"}, `There is no account named "nobody".`},
		{"path as recipient", []string{"../admin/admin"}, `There is no account named "../admin/admin".`},
		{"zero", []string{"bob", "0"}, "The amount must be more than 0."},
		{"negative", []string{"bob", "-5"}, "Invalid amount"},
		{"NaN", []string{"bob", "NaN"}, "Invalid amount"},
		{"exponent", []string{"bob", "1e3"}, "Invalid amount"},
		{"three decimals", []string{"bob", "1.234"}, "Invalid amount"},
		{"two points", []string{"bob", "1.2.3"}, "Invalid amount"},
		{"absurd", []string{"bob", "99999999999999999999"}, "That amount is too large: the most is 1,000,000,000,000,000.00."},
		{"over the credit limit", []string{"bob", "16000.01", "y"}, "Insufficient funds"},
		{"not confirmed", []string{"bob", "10", "n"}, "Transfer cancelled"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f := newFixture(t)
			before := f.Snapshot()
			lines := append(append([]string{"alice", "alice-pw", "3"}, tc.answer...), "q")
			out := f.script(t, lines...)
			assertContains(t, out, tc.want)
			f.AssertUnchanged(t, before)
		})
	}
}

func TestTransferUpToTheCreditLimit(t *testing.T) {
	f := newFixture(t)
	f.script(t, "alice", "alice-pw", "3", "bob", "16000", "y", "q")
	if got, want := f.Balance(t, "alice"), core.Money(-1500000); got != want {
		t.Errorf("alice has %s, want %s", got, want)
	}
	out := f.script(t, "alice", "alice-pw", "2", "q")
	assertContains(t, out, "Owed:", "15,000.00")
}

func TestNoCreditMeansOnlyTheBalance(t *testing.T) {
	f := newFixture(t)
	out := f.script(t, "bob", "bob-pw", "3", "alice", "50.01", "y", "3", "alice", "50", "y", "q")
	assertContains(t, out, "Insufficient funds", "Transferred 50.00 to alice")
	if got := f.Balance(t, "bob"); got != 0 {
		t.Errorf("bob has %s, want 0.00", got)
	}
}

func TestUnknownChoiceAndBlankLines(t *testing.T) {
	f := newFixture(t)
	out := f.script(t, "alice", "alice-pw", "", "   ", "9x", "\x1b[2J", "q")
	assertContains(t, out, `Unknown choice "9x"`, `Unknown choice "\x1b[2J"`)
}

func TestVeryLongAnswerIsRefusedAndAskedAgain(t *testing.T) {
	f := newFixture(t)
	out := f.script(t, "alice", "alice-pw", strings.Repeat("2", 5000), "2", "q")
	assertContains(t, out, "too long", "Balance:")
}

func TestLogoutAsksForLoginAgain(t *testing.T) {
	f := newFixture(t)
	out := f.script(t, "alice", "alice-pw", "o", "bob", "bob-pw", "2", "q")
	assertContains(t, out, "Goodbye, alice.", "Welcome, bob.", "50.00")
}

func TestAdminMenuIsHiddenFromOthers(t *testing.T) {
	f := newFixture(t)
	out := f.script(t, "alice", "alice-pw", "a", "q")
	assertLacks(t, out, "Admin")
	assertContains(t, out, `Unknown choice "a"`)
	out = f.script(t, "root", "root-pw", "a", "1", "b", "q")
	assertContains(t, out, "Admin", "List accounts", "alice", "bob", "root", "3 accounts.")
}

func TestLockoutAfterFailedLogins(t *testing.T) {
	f := newFixture(t)
	out := f.script(t, "bob", "x1", "bob", "x2", "bob", "x3", "bob", "bob-pw")
	// The locked account answers like any failure, even to the right
	// password: the lock tells a stranger nothing.
	if n := strings.Count(out, invalidLogin); n != 4 {
		t.Errorf("%d invalid-login answers, want 4; output:\n%s", n, out)
	}
	assertLacks(t, out, "Welcome, bob.", "locked until")
	a, err := f.Bank.Account(context.Background(), "bob")
	if err != nil {
		t.Fatal(err)
	}
	if got, want := a.LockedUntil, f.Clock.Now().Add(15*time.Minute); !got.Equal(want) {
		t.Errorf("bob locked until %v, want %v", got, want)
	}
	// The lock is in storage: a new app (a restart) still sees it.
	out = f.script(t, "bob", "bob-pw")
	assertContains(t, out, invalidLogin)
	assertLacks(t, out, "Welcome, bob.")
	f.Clock.Advance(15 * time.Minute)
	out = f.script(t, "bob", "bob-pw", "q")
	assertContains(t, out, "Welcome, bob.")
}

func TestSuccessResetsFailedLogins(t *testing.T) {
	f := newFixture(t)
	f.script(t, "bob", "x1", "bob", "x2", "bob", "bob-pw", "o", "bob", "x3", "bob", "x4", "bob", "bob-pw", "q")
	a, err := f.Bank.Account(context.Background(), "bob")
	if err != nil {
		t.Fatal(err)
	}
	if a.Locked(f.Clock.Now()) || a.FailedLogins != 0 {
		t.Errorf("bob locked=%v failures=%d, want unlocked with 0", a.Locked(f.Clock.Now()), a.FailedLogins)
	}
}

// The session is checked at every answer, not only when a menu command
// starts: an answer after the timeout asks for a login before anything is
// done with it.
func TestSessionExpiryInsideACommand(t *testing.T) {
	login := []string{"alice", "alice-pw"}
	for _, tc := range []struct {
		name   string
		before []string // answers up to the idle pause
		after  []string // answers after it, the first one expired
		done   string   // what the action prints when it goes through
	}{
		{"shop, before x", []string{"1", "1", "1"}, []string{"x", "y"}, "Paid 89.90"},
		{"shop, before y", []string{"1", "1", "1", "x"}, []string{"y"}, "Paid 89.90"},
		{"transfer confirmation", []string{"3", "bob", "100"}, []string{"y"}, "Transferred 100.00 to bob"},
		{"withdraw confirmation", []string{"4", "100"}, []string{"y"}, "Please take your cash: 100.00"},
	} {
		t.Run(tc.name+", same user carries on", func(t *testing.T) {
			f := newFixture(t)
			var lines []string
			lines = append(append(append(lines, login...), tc.before...), "#advance 11m", tc.after[0])
			lines = append(append(append(lines, login...), tc.after[1:]...), "b", "q")
			out := f.script(t, lines...)
			expired := strings.Index(out, "session has expired")
			if expired < 0 {
				t.Fatalf("no expiry message; output:\n%s", out)
			}
			relogin := strings.Index(out[expired:], "Welcome, alice.")
			done := strings.Index(out[expired:], tc.done)
			if relogin < 0 || done < 0 || done < relogin {
				t.Errorf("want a login after the expiry and then %q; output:\n%s", tc.done, out)
			}
		})
		t.Run(tc.name+", another user drops it", func(t *testing.T) {
			f := newFixture(t)
			before := f.Snapshot()
			var lines []string
			lines = append(append(append(lines, login...), tc.before...), "#advance 11m", tc.after[0])
			lines = append(lines, "bob", "bob-pw", "2", "o", "alice", "alice-pw", "1", "b", "q")
			out := f.script(t, lines...)
			assertContains(t, out, "session has expired", "Welcome, bob.", "cart and unfinished action were dropped", "Balance:", "50.00", "shop [cart 0.00]> ")
			assertLacks(t, out, tc.done)
			f.AssertUnchanged(t, before)
		})
	}
}

func TestEveryAnswerKeepsTheSessionAlive(t *testing.T) {
	f := newFixture(t)
	out := f.script(t, "alice", "alice-pw", "1", "#advance 9m", "1", "#advance 9m", "1", "#advance 9m", "x", "#advance 9m", "y", "q")
	assertLacks(t, out, "expired")
	assertContains(t, out, "Paid 89.90")
}

var incidentRE = regexp.MustCompile(`Incident (i-[0-9a-f]{8})\b`)

// assertIncident checks that out tells the person an incident id and
// nothing internal, and that the log has the details under that id.
func assertIncident(t *testing.T, f *fixture, out string) {
	t.Helper()
	// (The menu says "Check balance": look for the stored fields instead.)
	assertLacks(t, out, "db/", ".json", "balance_fen", "password_hash", "corrupt")
	assertContains(t, out, "Sorry, something went wrong on our side; nothing was changed.")
	m := incidentRE.FindStringSubmatch(out)
	if m == nil {
		t.Fatalf("no incident id in the output:\n%s", out)
	}
	for _, e := range f.Logs.AllEntries() {
		if e.Data["incident"] == m[1] {
			if e.Data[core.FileOnlyField] != true {
				t.Errorf("the entry for %s is not file-only: the console would show the details", m[1])
			}
			if err, _ := e.Data[logrus.ErrorKey].(error); !errors.Is(err, core.ErrCorrupt) || !strings.Contains(err.Error(), "bob") {
				t.Errorf("log entry for %s has error %v, want the details", m[1], e.Data[logrus.ErrorKey])
			}
			return
		}
	}
	t.Errorf("no log entry with incident=%s", m[1])
}

func corruptBob(f *fixture) { f.Store.DamageAccount("bob") }

// A corrupt document is an internal matter: the person gets one sentence
// and an incident id, the log gets the file and what is wrong with it.
func TestInternalErrorsShowAnIncidentOnly(t *testing.T) {
	t.Run("corrupt recipient", func(t *testing.T) {
		f := newFixture(t)
		corruptBob(f)
		out := f.script(t, "alice", "alice-pw", "3", "bob", "q")
		assertIncident(t, f, out)
		assertLacks(t, out, "Transferred")
	})
	t.Run("corrupt name at the login prompt", func(t *testing.T) {
		f := newFixture(t)
		corruptBob(f)
		out := f.script(t, "bob", "whatever", "alice", "alice-pw", "q")
		assertIncident(t, f, out)
		assertContains(t, out, "Welcome, alice.")
	})
}

func TestAdminSetLimitEmptyCancels(t *testing.T) {
	f := newFixture(t)
	before := f.Snapshot()
	out := f.script(t, "root", "root-pw", "a", "3", "bob", "", "b", "q")
	assertContains(t, out, "Nothing was changed.")
	assertLacks(t, out, "The credit limit of bob is now")
	f.AssertUnchanged(t, before)
}

// Admin add checks the new name as soon as it is typed; the answers after
// a refused name go back to the admin menu.
func TestAdminAddChecksTheNameFirst(t *testing.T) {
	for _, tc := range []struct{ name, want string }{
		{"bob", `An account named "bob" already exists.`},
		{"../x", "Invalid username: use only lower-case letters"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f := newFixture(t)
			out := f.script(t, "root", "root-pw", "a", "2", tc.name, "1", "b", "q")
			assertContains(t, out, "new username> "+tc.want, "3 accounts.")
			assertLacks(t, out, "password> ")
		})
	}
}

// One unreadable account does not hide the others from the admin's list:
// it is named, with an incident id whose details are in the log.
func TestAdminListNamesABrokenAccount(t *testing.T) {
	f := newFixture(t)
	corruptBob(f)
	out := f.script(t, "root", "root-pw", "a", "1", "b", "q")
	assertContains(t, out, "alice", "root", "3 accounts.")
	m := regexp.MustCompile(`\n  bob +\(cannot be read: see the log, incident (i-[0-9a-f]{8})\)\n`).FindStringSubmatch(out)
	if m == nil {
		t.Fatalf("bob is not listed as unreadable; output:\n%s", out)
	}
	assertLacks(t, out, "db/", "balance_fen", "Sorry")
	var found bool
	for _, e := range f.Logs.AllEntries() {
		if e.Data["incident"] == m[1] {
			found = true
			if err, _ := e.Data[logrus.ErrorKey].(error); !errors.Is(err, core.ErrCorrupt) || !strings.Contains(err.Error(), "bob") {
				t.Errorf("log entry for %s has error %v, want the details", m[1], e.Data[logrus.ErrorKey])
			}
		}
	}
	if !found {
		t.Errorf("no log entry with incident=%s", m[1])
	}
}

// Input quoted back is shortened at a character boundary, never in the
// middle of one.
func TestLongAnswerIsQuotedWhole(t *testing.T) {
	f := newFixture(t)
	out := f.script(t, "alice", "alice-pw", strings.Repeat("a", 39)+"密密", "q")
	assertContains(t, out, `Unknown choice "`+strings.Repeat("a", 39)+`密…"`)
	assertLacks(t, out, `\x`)
}

// lostReply is a store whose Update applies fn and then, as a database
// whose link dropped at COMMIT, cannot say so.
type lostReply struct{ core.Store }

func (s lostReply) Update(ctx context.Context, fn func(core.Tx) error) error {
	if err := s.Store.Update(ctx, fn); err != nil {
		return err
	}
	return fmt.Errorf("commit: %w", core.ErrOutcomeUnknown)
}

// A transfer whose outcome the store cannot tell is not reported as
// "nothing was changed" (here it was made): the person is told to check.
func TestUnknownOutcomeIsNotReportedAsNothingChanged(t *testing.T) {
	f := newFixture(t)
	f.Bank.Store = lostReply{f.Bank.Store}
	out := f.script(t, "alice", "alice-pw", "3", "bob", "10", "y", "q")
	assertContains(t, out, "we cannot tell whether it was done. Check your balance or statement before you try again.")
	assertLacks(t, out, "nothing was changed", "Transferred")
	m := incidentRE.FindStringSubmatch(out)
	if m == nil {
		t.Fatalf("no incident id in the output:\n%s", out)
	}
	logged := false
	for _, e := range f.Logs.AllEntries() {
		err, _ := e.Data[logrus.ErrorKey].(error)
		logged = logged || e.Data["incident"] == m[1] && e.Data[core.FileOnlyField] == true && errors.Is(err, core.ErrOutcomeUnknown)
	}
	if !logged {
		t.Errorf("no file-only log entry for %s with the store's error", m[1])
	}
}
