package main

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"

	"atmshop/core"
	"atmshop/lib/docstore"
)

// bootstrapped returns a sandbox with the users of testdata/config.ini,
// created and checkpointed (see sandbox.bootstrap), to be cloned by each
// case.
func bootstrapped(t *testing.T) *sandbox {
	t.Helper()
	sb := newSandbox(t)
	if r := sb.run(""); r.code != 0 {
		t.Fatalf("first start: %s\n%s", r.state, r.stderr)
	}
	sb.bootstrap()
	return sb
}

// currentRecord returns a valid journal record of the sandbox's current
// journal generation (a record's checksum is seeded with it), leaving the
// files as they were: it rewrites alice's account unchanged through a
// store that is dropped, not closed (Close would checkpoint the record
// away), and then puts back the journal and the marker.
func currentRecord(t *testing.T, sb *sandbox) []byte {
	t.Helper()
	journal := sb.db(".journal")
	before, err := os.ReadFile(journal)
	if err != nil {
		t.Fatal(err)
	}
	marker, err := os.ReadFile(sb.db(".applied"))
	if err != nil {
		t.Fatal(err)
	}
	s, err := docstore.Open(context.Background(), sb.db(""), docstore.Options{})
	if err != nil {
		t.Fatal(err)
	}
	err = s.Update(context.Background(), func(tx *docstore.Tx) error {
		data, err := tx.Get("accounts/alice.json")
		if err != nil {
			return err
		}
		return tx.Put("accounts/alice.json", data)
	})
	if err != nil {
		t.Fatal(err)
	}
	after, err := os.ReadFile(journal)
	if err != nil {
		t.Fatal(err)
	}
	writeFile(t, journal, before)
	writeFile(t, sb.db(".applied"), marker)
	return after[len(before):]
}

// The sessions the corrupt-file cases run.
const (
	aliceLogin       = "alice\nalice-pw\n"
	bobPaysAlice     = "bob\nbob-pw\n3\nalice\n1.00\ny\nq\n"
	rootListsAll     = "root\nroot-pw\na\n1\nb\nq\n"
	alicePaysBob     = "alice\nalice-pw\n3\nbob\n1.00\ny\nq\n"
	aliceBuysANote   = "alice\nalice-pw\n1\n2\n1\nx\ny\nq\n"
	aliceSeesOrders  = "alice\nalice-pw\n7\nq\n"
	transferredToBob = `Transferred 1\.00 to bob \(ref t-[0-9a-f]+\)\.`
)

// outcome is what a damaged store must lead to.
type outcome int

const (
	// refused: each run reports the damaged file by its path and changes
	// nothing at all: the damaged file, the other users' files, the journal.
	refused outcome = iota
	// repaired: the store repairs the damage itself and the transfer of
	// alicePaysBob goes through.
	repaired
	// fatal: the program refuses to start (exit status 1) and names the
	// damaged file on stderr; nothing is changed.
	fatal
)

// TestCorruptFiles damages one file of a bootstrapped store, runs the real
// program on it and checks the outcome defined for that damage. In no case
// may the program panic or die of a signal, and a damaged file is never
// overwritten: the operator repairs it.
//
// Files are damaged only after the journal has been checkpointed. Until
// then the next start replays the journal over every file it names and so
// silently puts back their last committed content, whatever was done to
// them (lib/docstore's package comment, "Limits").
func TestCorruptFiles(t *testing.T) {
	template := bootstrapped(t)
	start := readBooks(t, template.path("db"))
	aliceCredit := start.accounts["alice"].CreditLimit
	bobBefore := *start.accounts["bob"].Balance
	openingFen := readSeed(t).openingFen

	// editAccount damages alice's account file with a regexp replacement.
	editAccount := func(pattern, repl string) func(t *testing.T, sb *sandbox) {
		return func(t *testing.T, sb *sandbox) {
			editFile(t, sb.db("accounts/alice.json"), func(data []byte) []byte {
				re := regexp.MustCompile(pattern)
				if !re.Match(data) {
					t.Fatalf("alice.json has no %s:\n%s", pattern, data)
				}
				return re.ReplaceAll(data, []byte(repl))
			})
		}
	}
	cutAccount := func(f func([]byte) []byte) func(t *testing.T, sb *sandbox) {
		return func(t *testing.T, sb *sandbox) { editFile(t, sb.db("accounts/alice.json"), f) }
	}
	editLedger := func(f func([]byte) []byte) func(t *testing.T, sb *sandbox) {
		return func(t *testing.T, sb *sandbox) { editFile(t, aliceLedger(t, sb), f) }
	}
	accountRuns := []string{aliceLogin, bobPaysAlice, rootListsAll}
	garbage := []byte("\x8b\x1f\x00garbage from a half-written sector\xff\xfe\x00\x00")

	cases := []struct {
		name    string
		prepare string // a session run (and checkpointed) before the damage
		damage  func(t *testing.T, sb *sandbox)
		file    string // the damaged file, as named under db/
		outcome outcome
		runs    []string
		after   func(t *testing.T, sb *sandbox) // more checks, for repaired
	}{
		{name: "account truncated", damage: cutAccount(func(b []byte) []byte { return b[:len(b)/2] })},
		{name: "account empty", damage: cutAccount(func([]byte) []byte { return nil })},
		{name: "account binary garbage", damage: cutAccount(func([]byte) []byte { return garbage })},
		{name: "account trailing document", damage: cutAccount(func(b []byte) []byte { return append(b, `{"name":"alice"}`...) })},
		{name: "balance of wrong type", damage: editAccount(`"balance_fen": -?\d+`, `"balance_fen": "lots"`)},
		{name: "balance below credit limit", damage: editAccount(`"balance_fen": -?\d+`, fmt.Sprintf(`"balance_fen": %d`, -aliceCredit-1))},
		{name: "balance 1e30", damage: editAccount(`"balance_fen": -?\d+`, `"balance_fen": 1e30`)},
		{name: "balance past int64", damage: editAccount(`"balance_fen": -?\d+`, `"balance_fen": 99999999999999999999`)},
		{name: "balance past MaxMoney", damage: editAccount(`"balance_fen": -?\d+`, `"balance_fen": `+strconv.FormatInt(int64(core.MaxMoney)+1, 10))},
		{name: "negative credit limit", damage: editAccount(`"credit_limit_fen": \d+`, `"credit_limit_fen": -1`)},
		{name: "negative failed logins", damage: editAccount(`"failed_logins": \d+`, `"failed_logins": -1`)},
		{name: "empty password hash", damage: editAccount(`"password_hash": "[^"]*"`, `"password_hash": ""`)},
		{name: "unknown field", damage: editAccount(`^\{`, "{\n  \"nickname\": \"al\",")},
		{name: "name mismatch", damage: editAccount(`"name": "alice"`, `"name": "bob"`)},

		{name: "ledger garbage line statement", damage: editLedger(func(b []byte) []byte { return append(b, "garbage\n"...) }), file: "ledger", runs: []string{"statement"}},
		{name: "ledger torn line statement", damage: editLedger(func(b []byte) []byte { return b[:len(b)-20] }), file: "ledger", runs: []string{"statement"}},
		{name: "ledger empty line statement", damage: editLedger(func(b []byte) []byte { return append(b, '\n') }), file: "ledger", runs: []string{"statement"}},
		{name: "ledger amount of wrong type statement", damage: editLedger(func(b []byte) []byte {
			return regexp.MustCompile(`"amount_fen":-?\d+`).ReplaceAll(b, []byte(`"amount_fen":"x"`))
		}), file: "ledger", runs: []string{"statement"}},
		{name: "ledger garbage line transfer", damage: editLedger(func(b []byte) []byte { return append(b, "garbage\n"...) }), file: "ledger", runs: []string{alicePaysBob}},
		{name: "ledger torn line transfer", damage: editLedger(func(b []byte) []byte { return b[:len(b)-20] }), file: "ledger", runs: []string{alicePaysBob}},
		{name: "orders garbage line", prepare: aliceBuysANote, damage: func(t *testing.T, sb *sandbox) {
			editFile(t, sb.db("orders/alice.jsonl"), func(b []byte) []byte { return append(b, "{garbage\n"...) })
		}, file: "orders/alice.jsonl", runs: []string{aliceSeesOrders}},

		// The store never reads dot-files it didn't name itself: a stray
		// temp file is harmless and left alone (Open doesn't walk db/).
		{name: "stray temp file", outcome: repaired, damage: func(t *testing.T, sb *sandbox) {
			writeFile(t, sb.db("accounts/.tmp-123"), []byte(`{"name": "alice", "bal`))
			writeFile(t, sb.db(".tmp-456"), garbage)
		}, after: func(t *testing.T, sb *sandbox) {
			r := sb.run("root\nroot-pw\na\n1\nb\nq\n")
			if !strings.Contains(r.stdout, "accounts.") || strings.Contains(r.stdout, "tmp") {
				t.Errorf("the account list should show the accounts and no temp file:\n%s", r.stdout)
			}
		}},
		{name: "journal torn tail garbage", outcome: repaired, damage: func(t *testing.T, sb *sandbox) {
			appendFile(t, sb.db(".journal"), garbage)
		}, after: journalLacks(garbage)},
		{name: "journal torn record", outcome: repaired, damage: func(t *testing.T, sb *sandbox) {
			appendFile(t, sb.db(".journal"), tornRecord())
		}, after: journalLacks(tornRecord())},
		{name: "lock file of a dead process", outcome: repaired, damage: func(t *testing.T, sb *sandbox) {
			// flock locks die with their process: the file's presence and
			// content mean nothing. (TestCrashRecovery kills processes
			// holding the real lock.)
			writeFile(t, sb.db(".lock"), []byte("pid 4242\n"))
		}},
		{name: "lock file missing", outcome: repaired, damage: func(t *testing.T, sb *sandbox) { removeFile(t, sb.db(".lock")) }},
		{name: "applied marker missing", outcome: repaired, damage: func(t *testing.T, sb *sandbox) { removeFile(t, sb.db(".applied")) }},
		{name: "applied marker garbage", outcome: repaired, damage: func(t *testing.T, sb *sandbox) { writeFile(t, sb.db(".applied"), garbage) }},

		{name: "journal bad record before a good one", outcome: fatal, file: ".journal", damage: func(t *testing.T, sb *sandbox) {
			appendFile(t, sb.db(".journal"), append(bytes.Clone(garbage), currentRecord(t, sb)...))
		}},
		{name: "journal bad header", outcome: fatal, file: ".journal", damage: func(t *testing.T, sb *sandbox) {
			editFile(t, sb.db(".journal"), func(b []byte) []byte { return append([]byte("XXXX"), b[4:]...) })
		}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			sb := cloneSandbox(t, template)
			if c.prepare != "" {
				if r := sb.run(c.prepare); r.code != 0 || r.stderr != "" {
					t.Fatalf("prepare: %s\n%s", r.state, r.stderr)
				}
				sb.bootstrap() // checkpoints what prepare wrote
			}
			c.damage(t, sb)
			file := c.file
			switch file {
			case "":
				file = "accounts/alice.json"
			case "ledger":
				file, _ = filepath.Rel(sb.path("db"), aliceLedger(t, sb))
				file = filepath.ToSlash(file)
			}
			runs := c.runs
			if runs == nil {
				runs = accountRuns
			}
			if c.outcome == repaired {
				runs = []string{alicePaysBob}
			}
			before := snapshot(t, sb.path("db"))

			var problems []string
			fail := func(format string, args ...any) { problems = append(problems, fmt.Sprintf(format, args...)) }
			named := filepath.Join("db", filepath.FromSlash(file))
			for _, input := range runs {
				if input == "statement" {
					month := strings.TrimSuffix(filepath.Base(file), ".jsonl")
					input = "alice\nalice-pw\n6\n" + month + "\nq\n"
				}
				r := sb.run(input)
				switch c.outcome {
				case refused:
					// The person gets an incident id, never the path; the
					// log names the file under that id.
					checkNoCrash(t, r, 0, 1)
					id := incidentID.FindStringSubmatch(r.stdout)
					switch {
					case strings.Contains(r.stdout, named):
						fail("the session %q shows the person %s; stdout:\n%s", input, named, clip(r.stdout))
					case id == nil:
						fail("the session %q gives no incident id; stdout:\n%s", input, clip(r.stdout))
					default:
						log, _ := os.ReadFile(sb.path("log", "all2.log"))
						if !slices.ContainsFunc(strings.Split(string(log), "\n"), func(line string) bool {
							return strings.Contains(line, "incident="+id[1]) && strings.Contains(line, named)
						}) {
							fail("the log has no entry naming %s under incident %s:\n%s", named, id[1], clip(string(log)))
						}
					}
				case repaired:
					checkNoCrash(t, r, 0)
					if !regexp.MustCompile(transferredToBob).MatchString(r.stdout) || r.stderr != "" {
						fail("the transfer did not go through; stdout:\n%s\nstderr:\n%s", clip(r.stdout), clip(r.stderr))
					}
				case fatal:
					checkNoCrash(t, r, 1)
					if !strings.Contains(r.stderr, named) {
						fail("stderr does not name %s:\n%s", named, clip(r.stderr))
					}
				}
			}
			after := snapshot(t, sb.path("db"))
			if c.outcome == repaired {
				books := readBooks(t, sb.path("db"))
				books.check(t, openingFen)
				if got := *books.accounts["bob"].Balance; got != bobBefore+1_00 {
					t.Errorf("bob's balance is %d fen after the transfer, want %d", got, bobBefore+1_00)
				}
				if c.after != nil {
					c.after(t, sb)
				}
			} else {
				if diffs := diffSnapshots(before, after, nil); len(diffs) > 0 {
					fail("the store changed though the action was refused: %v", diffs)
				}
				if !bytes.Equal(before[file], after[file]) {
					fail("the damaged file %s was rewritten:\n%q\nis now\n%q", file, before[file], after[file])
				}
			}
			for _, p := range problems {
				t.Error(p)
			}
		})
	}
}

var incidentID = regexp.MustCompile(`[Ii]ncident (i-[0-9a-f]{8})\b`)

// aliceLedger is the path of alice's only ledger file.
func aliceLedger(t *testing.T, sb *sandbox) string {
	t.Helper()
	files, _ := filepath.Glob(sb.db("ledger/alice/*.jsonl"))
	if len(files) != 1 {
		t.Fatalf("alice should have one ledger file, has %v", files)
	}
	return files[0]
}

// tornRecord is the start of a journal record whose writer died: a header
// announcing more bytes than follow.
func tornRecord() []byte {
	return append([]byte("dsr1\x00\x00\x01\x00\x12\x34\x56\x78"), "P\x00\x14accounts/alice.json"...)
}

func journalLacks(junk []byte) func(t *testing.T, sb *sandbox) {
	return func(t *testing.T, sb *sandbox) {
		j, err := os.ReadFile(sb.db(".journal"))
		if err != nil || bytes.Contains(j, junk) {
			t.Errorf("the torn tail is still in the journal (%v)", err)
		}
	}
}

func editFile(t *testing.T, p string, f func([]byte) []byte) {
	t.Helper()
	data, err := os.ReadFile(p)
	if err != nil {
		t.Fatal(err)
	}
	writeFile(t, p, f(data))
}

func writeFile(t *testing.T, p string, data []byte) {
	t.Helper()
	if err := os.WriteFile(p, data, 0o600); err != nil {
		t.Fatal(err)
	}
}

func appendFile(t *testing.T, p string, data []byte) {
	t.Helper()
	f, err := os.OpenFile(p, os.O_WRONLY|os.O_APPEND, 0)
	if err == nil {
		_, err = f.Write(data)
		err = errors.Join(err, f.Close())
	}
	if err != nil {
		t.Fatal(err)
	}
}

func removeFile(t *testing.T, p string) {
	t.Helper()
	if err := os.Remove(p); err != nil {
		t.Fatal(err)
	}
}

// hostileAnswers are typed at every prompt by TestHostileInput.
var hostileAnswers = []struct{ name, line string }{
	{"empty", ""},
	{"long", strings.Repeat("9", 5000)},
	{"control", "\x00\x01\x07\x1b[2J\x7f\r"},
	{"invalid utf8", "\xff\xfe"},
	{"unknown key", "zz"},
	{"huge", strings.Repeat("9", 29)},
	{"minus one", "-1"},
	{"nan", "NaN"},
	{"overflow float", "1e309"},
}

// Answers that lead to the prompts.
const (
	asAlice = "alice\nalice-pw\n"
	asRoot  = "root\nroot-pw\na\n"
)

// TestHostileInput types each hostile answer at each prompt of the real
// program. Every time the program must end normally (exit status 0), say
// something about the answer, and change nothing in db/: a wrong login
// password, or a wrong current password at Change password, may only count
// a failed login.
func TestHostileInput(t *testing.T) {
	template := bootstrapped(t)
	prompts := []struct {
		name          string
		before, after string // the answers before and after it
		want          string // regexp: the reply to a bad answer
		empty, long   string // the reply to "" and to a too-long line, if not want
		failedLogin   bool
		emptyAdds     bool // the empty answer is a good one and changes db/
	}{
		{name: "username", after: "alice-pw\n", want: `Invalid username or password\.`, empty: `Please type your username\.`},
		{name: "password", before: "alice\n", want: `Invalid username or password\.`, failedLogin: true},
		{name: "menu", before: asAlice, want: `Unknown choice`, empty: `(?s)choice> .*choice> `},
		{name: "recipient", before: asAlice + "3\n", after: "1.00\ny\n", want: `There is no account named`},
		{name: "transfer amount", before: asAlice + "3\nbob\n", after: "y\n", want: `Invalid amount`},
		{name: "transfer confirmation", before: asAlice + "3\nbob\n1.00\n", want: `Transfer cancelled; nothing was changed\.`},
		{name: "withdraw amount", before: asAlice + "4\n", after: "y\n", want: `Invalid amount`},
		{name: "withdraw confirmation", before: asAlice + "4\n1.00\n", want: `Withdrawal cancelled; nothing was changed\.`},
		{name: "repay amount", before: asAlice + "5\n", want: `Invalid amount`},
		{name: "shop item", before: asAlice + "1\n", want: `Unknown choice`, empty: `(?s)shop \[.*shop \[`},
		{name: "quantity", before: asAlice + "1\n2\n", want: `Invalid quantity`},
		{name: "checkout confirmation", before: asAlice + "1\n2\n1\nx\n", want: `Not paid; the cart is kept\.`},
		{name: "cart line", before: asAlice + "1\n2\n1\ne\n", want: `Invalid line`},
		{name: "cart new quantity", before: asAlice + "1\n2\n1\ne\n1\n", want: `Invalid quantity`},
		{name: "statement month", before: asAlice + "6\n", want: `Invalid month`, empty: `Statement for alice`},
		{name: "current password", before: asAlice + "8\n", after: "newpass-1\nnewpass-1\n", want: `current password is not correct`, failedLogin: true},
		{name: "new password", before: asAlice + "8\nalice-pw\n", after: "newpass-1\n", want: `The two new passwords differ`},
		{name: "new password again", before: asAlice + "8\nalice-pw\nnewpass-1\n", want: `The two new passwords differ`},
		{name: "admin menu", before: asRoot, want: `Unknown choice`, empty: `(?s)admin> .*admin> `},
		// Names that are valid are refused for the empty password after them.
		{name: "admin new username", before: asRoot + "2\n", after: "\n\n\n", want: `Invalid username|The password must be at least`, empty: `Invalid username: it is empty\.`},
		// Each answer is checked as soon as it is typed; an answer the rules
		// accept is followed by a bad opening balance, so nothing is added.
		{name: "admin new password", before: asRoot + "2\ncarol\n", after: "\nx\n", want: `The password must be at least|Invalid opening balance`},
		{name: "admin credit limit", before: asRoot + "2\ncarol\ncarol-pw\n", after: "x\n", want: `Invalid credit limit`, empty: `Invalid opening balance`},
		// The empty answer (0.00) is a good one: it adds carol.
		{name: "admin opening balance", before: asRoot + "2\ncarol\ncarol-pw\n\n", want: `Invalid opening balance`, empty: `Account carol added`, emptyAdds: true},
		{name: "admin limit account", before: asRoot + "3\n", after: "100\n", want: `There is no account named`},
		// root may not change itself: an accepted limit is refused there.
		{name: "admin limit amount", before: asRoot + "3\nroot\n", want: `Invalid new credit limit`, empty: `Nothing was changed\.`},
		{name: "admin freeze account", before: asRoot + "4\n", want: `There is no account named`},
		{name: "admin unfreeze account", before: asRoot + "5\n", want: `There is no account named`},
		{name: "admin unlock account", before: asRoot + "6\n", want: `There is no account named`},
		{name: "admin grant account", before: asRoot + "7\n", want: `There is no account named`},
		{name: "admin revoke account", before: asRoot + "8\n", want: `There is no account named`},
	}
	for _, p := range prompts {
		t.Run(p.name, func(t *testing.T) {
			t.Parallel()
			for _, a := range hostileAnswers {
				t.Run(a.name, func(t *testing.T) {
					t.Parallel()
					sb := cloneSandbox(t, template)
					before := snapshot(t, sb.path("db"))
					r := sb.run(p.before + a.line + "\n" + p.after)
					checkNoCrash(t, r, 0)

					after := snapshot(t, sb.path("db"))
					var skip func(string) bool
					if p.failedLogin {
						skip = func(name string) bool {
							return name == "accounts/alice.json" || name == ".journal" || name == ".applied"
						}
						was, is := readBooks(t, template.path("db")).accounts["alice"], readBooks(t, sb.path("db")).accounts["alice"]
						if *was.Balance != *is.Balance || was.CreditLimit != is.CreditLimit || was.PasswordHash != is.PasswordHash || was.Frozen != is.Frozen {
							t.Errorf("a wrong password changed more than the failed-login count: %+v, was %+v", is, was)
						}
					}
					if diffs := diffSnapshots(before, after, skip); len(diffs) > 0 && !(a.name == "empty" && p.emptyAdds) {
						t.Errorf("db/ changed: %v", diffs)
					}

					want := p.want
					switch {
					case a.name == "empty" && p.empty != "":
						want = p.empty
					case a.name == "long" && p.long != "":
						want = p.long
					case a.name == "long":
						want = `That answer is too long`
					case a.name == "huge":
						// Well formed, but past MaxMoney at an amount prompt.
						want += `|That amount is too large: the most is 1,000,000,000,000,000\.00\.`
					}
					var problems []string
					if !regexp.MustCompile(want).MatchString(r.stdout) {
						problems = append(problems, fmt.Sprintf("stdout does not match %q:\n%s", want, clip(r.stdout)))
					}
					if r.stderr != "" {
						problems = append(problems, "stderr is not empty:\n"+clip(r.stderr))
					}
					for _, problem := range problems {
						t.Error(problem)
					}
				})
			}
		})
	}
}
