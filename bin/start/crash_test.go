package main

import (
	"bufio"
	"bytes"
	"encoding/binary"
	"fmt"
	"hash/crc32"
	"io"
	"io/fs"
	"math/rand/v2"
	"os"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"
)

// The four users of the crash and concurrency tests, on top of those of
// testdata/config.ini. Some have credit, so balances may go below zero.
var busyUsers = []user{
	{"u1", "u1-secret", "1000", "0"},
	{"u2", "u2-secret", "1000", "500"},
	{"u3", "u3-secret", "1000", "0"},
	{"u4", "u4-secret", "1000", "100"},
}

// busyOpeningFen is the money the busy users start with.
const busyOpeningFen = 4 * 1000_00

// TestCrashRecovery kills the real program with SIGKILL at random moments
// while it serves a stream of transfers, purchases, repayments and
// withdrawals, restarts it, and audits the books after every kill: nothing
// it confirmed may be lost, nothing it was not asked to do may appear, and
// the accounts, ledgers and orders must agree with each other to the fen.
//
// It runs 15 trials by default (a few seconds); ATMSHOP_CRASH_TRIALS=N runs
// N, for a longer hunt (ATMSHOP_CRASH_TRIALS=500 go test -run
// TestCrashRecovery ./bin/start). Each run logs its seed; ATMSHOP_CRASH_SEED
// replays the same streams and kill points (the moment of each kill still
// depends on timing).
//
// A transfer writes two accounts and two ledgers. There is no separate test
// that kills the program "between the two halves" because there is no such
// point to aim at: all four writes are one journal record, made durable by
// one fsync before any file is touched, and the files are written in place
// after it (lib/docstore: TestUnappliedCommitIsFinished stops a commit there
// on purpose). A random SIGKILL lands, over the trials, before the record
// is whole (the journal's torn tail is cut at the next start: neither
// half), after its fsync but before the store has written all four files
// and moved its "applied up to" marker past it (a file may be left torn on
// disk; the next start finds the record after the marker and writes the
// files again from the journal before it reads anything: both halves), or
// anywhere else, such as during a restart's recovery or the checkpoint its
// Close makes (killed before the checkpoint's rename, the old journal stays
// and is replayed again, and the next Open removes the half-written
// .tmp-journal). The audit after each kill would see a half-done transfer
// as a ledger that does not replay or a ref without its other side. The
// test counts and logs how many kills landed in the journal write and how
// many between the fsync and the marker, so a long run shows that those
// windows were hit. Kills while the program holds the store's lock
// (db/.lock) also show that a lock held by a dead process does not block
// the next start.
func TestCrashRecovery(t *testing.T) { crashRecovery(t, false) }

// TestCrashRecoveryPostgres is the same on PostgreSQL: a killed client
// leaves the server with whole transactions or none.
func TestCrashRecoveryPostgres(t *testing.T) { crashRecovery(t, true) }

func crashRecovery(t *testing.T, postgres bool) {
	if runtime.GOOS == "windows" {
		t.Skip("SIGKILL and flock semantics: Unix only")
	}
	trials := 15
	if s := os.Getenv("ATMSHOP_CRASH_TRIALS"); s != "" {
		n, err := strconv.Atoi(s)
		if err != nil || n < 1 {
			t.Fatalf("ATMSHOP_CRASH_TRIALS=%q: want a number of trials, 1 or more", s)
		}
		trials = n
	}
	rngSeed := uint64(time.Now().UnixNano())
	if s := os.Getenv("ATMSHOP_CRASH_SEED"); s != "" {
		var err error
		if rngSeed, err = strconv.ParseUint(s, 10, 64); err != nil {
			t.Fatalf("ATMSHOP_CRASH_SEED=%q: want a number", s)
		}
	}
	t.Logf("%d trials, ATMSHOP_CRASH_SEED=%d", trials, rngSeed)

	sb := newSandbox(t, busyUsers...)
	if postgres {
		sb.usePostgres()
	}
	seed := readSeed(t)
	asked := askedTotals{}
	var confirmed []confirmation
	var stats crashStats
	for trial := range trials {
		rng := rand.New(rand.NewPCG(rngSeed, uint64(trial)))
		c, a, killed := crashTrial(t, sb, rng, seed.prices)
		confirmed = append(confirmed, c...)
		asked.add(a)
		stats.note(sb, killed)

		// Restart, sometimes killing a first restart during its recovery.
		if rng.IntN(3) == 0 {
			cmd := sb.command()
			if err := cmd.Start(); err != nil {
				t.Fatal(err)
			}
			_ = cmd.Process.Kill()
			_ = cmd.Wait()
			if code := cmd.ProcessState.ExitCode(); code != 0 && !killedBySIGKILL(cmd.ProcessState) {
				t.Fatalf("trial %d: a restart killed at once ended with %s", trial, cmd.ProcessState)
			}
		}
		r := sb.run("")
		checkNoCrash(t, r, 0)
		if r.stderr != "" {
			t.Errorf("trial %d: the restart wrote to stderr:\n%s", trial, clip(r.stderr))
		}
		audit(t, sb, seed, confirmed, asked)
		if t.Failed() {
			t.Fatalf("trial %d (ATMSHOP_CRASH_SEED=%d): the books are wrong after the kill", trial, rngSeed)
		}
	}

	// The program still works after all that.
	r := sb.run("u1\nu1-secret\n5\n1.00\n3\nu2\n0.01\ny\nq\n")
	checkNoCrash(t, r, 0)
	final := &confirmations{t: t}
	for _, line := range strings.SplitAfter(r.stdout, "\n") {
		final.feed(line)
	}
	if len(final.list) != 2 {
		t.Errorf("after the crashes, a repayment and a transfer confirmed %d actions, want 2; stdout:\n%s", len(final.list), clip(r.stdout))
	}
	asked.add(askedTotals{{"u1", "repayment"}: 1_00, {"u1", "transfer_out"}: 1})
	audit(t, sb, seed, append(confirmed, final.list...), asked)

	if stats.kills == 0 || len(confirmed) == 0 {
		t.Errorf("%d kills and %d confirmed actions: the trials tested nothing", stats.kills, len(confirmed))
	}
	if postgres {
		t.Logf("%d confirmed actions; %d kills", len(confirmed), stats.kills)
		return
	}
	t.Logf("%d confirmed actions; %d kills, of which %d in the middle of a journal write (torn tail) and %d after a commit's fsync but before the store marked it applied",
		len(confirmed), stats.kills, stats.torn, stats.unapplied)
}

// crashTrial starts the program on an endless-ish stream of actions and
// kills it at a random moment: at once, after a random amount of output,
// or after a random number of confirmations. It returns what the program
// confirmed (every line it printed before dying), what was asked of it,
// and whether it was killed (it may also reach the end of the stream).
func crashTrial(t *testing.T, sb *sandbox, rng *rand.Rand, prices []int64) ([]confirmation, askedTotals, bool) {
	t.Helper()
	cmd, stdin, stdout, stderr := sb.start()
	killAfterLines, killAfterBytes := -1, -1
	switch rng.IntN(6) {
	case 0:
		_ = cmd.Process.Kill() // no wait at all: during start-up or recovery
	case 1:
		killAfterBytes = rng.IntN(16_000)
	default:
		killAfterLines = rng.IntN(40)
	}

	streamSeed := rng.Uint64()
	askedCh := make(chan askedTotals, 1)
	go func() {
		askedCh <- writeStream(stdin, rand.New(rand.NewPCG(streamSeed, 0)), prices, 400)
		stdin.Close()
	}()

	c := &confirmations{t: t}
	out := bufio.NewReader(stdout)
	read := 0
	for {
		line, err := out.ReadString('\n')
		read += len(line)
		if err != nil {
			break // a last line without its line break was never printed whole
		}
		c.feed(line)
		if (killAfterLines >= 0 && len(c.list) >= killAfterLines) || (killAfterBytes >= 0 && read >= killAfterBytes) {
			_ = cmd.Process.Kill() // the process may be gone already
			killAfterLines, killAfterBytes = -1, -1
		}
	}
	_ = cmd.Wait()
	asked := <-askedCh
	killed := killedBySIGKILL(cmd.ProcessState)
	if !killed {
		checkNoCrash(t, result{stderr: stderr.String(), code: cmd.ProcessState.ExitCode(), state: cmd.ProcessState.String()}, 0)
	} else if m := crashText.FindString(stderr.String()); m != "" {
		t.Errorf("the program crashed (%q) before it was killed; stderr:\n%s", m, clip(stderr.String()))
	}
	return c.list, asked, killed
}

func killedBySIGKILL(st *os.ProcessState) bool {
	ws, ok := st.Sys().(syscall.WaitStatus)
	return ok && ws.Signaled() && ws.Signal() == syscall.SIGKILL
}

// askedTotals is what a stream asked for: fen per user and ledger kind.
// The books may hold less (refusals, the kill) but never more.
type askedTotals map[[2]string]int64

func (a askedTotals) add(b askedTotals) {
	for k, v := range b {
		a[k] += v
	}
}

// writeStream writes ops random actions to w, logging in as one of the
// busy users and switching now and then. Every action is written so that
// the menu is back in charge after it whether it is done or refused: a
// refused checkout stays in the shop, so "b" follows it (at the menu, "b"
// is just an unknown choice). It stops at the first failed write: the
// program is dead.
func writeStream(w io.Writer, rng *rand.Rand, prices []int64, ops int) askedTotals {
	asked := askedTotals{}
	var me user
	login := func(b *bytes.Buffer) {
		me = busyUsers[rng.IntN(len(busyUsers))]
		fmt.Fprintf(b, "%s\n%s\n", me.name, me.password)
	}
	var b bytes.Buffer
	login(&b)
	for range ops {
		switch r := rng.IntN(20); {
		case r == 0:
			b.WriteString("o\n")
			login(&b)
		case r < 12:
			to := busyUsers[rng.IntN(len(busyUsers))]
			if to.name == me.name {
				continue
			}
			amount := 1 + rng.Int64N(5000)
			asked[[2]string{me.name, "transfer_out"}] += amount
			fmt.Fprintf(&b, "3\n%s\n%s\ny\n", to.name, yuan(amount))
		case r < 14:
			item, qty := 1+rng.IntN(len(prices)), 1+rng.IntN(2)
			asked[[2]string{me.name, "purchase"}] += prices[item-1] * int64(qty)
			fmt.Fprintf(&b, "1\n%d\n%d\nx\ny\nb\n", item, qty)
		case r < 17:
			amount := 1 + rng.Int64N(10000)
			asked[[2]string{me.name, "repayment"}] += amount
			fmt.Fprintf(&b, "5\n%s\n", yuan(amount))
		default:
			amount := 1 + rng.Int64N(3000)
			asked[[2]string{me.name, "withdrawal"}] += amount
			asked[[2]string{me.name, "fee"}] += feeFen(amount)
			fmt.Fprintf(&b, "4\n%s\ny\n", yuan(amount))
		}
		if _, err := w.Write(b.Bytes()); err != nil {
			break
		}
		b.Reset()
	}
	return asked
}

// audit checks the books of sb after a restart: they agree with
// themselves (books.check), hold every confirmed action, and no more of
// anything than was asked. No temporary file is left: the store's only one
// is a checkpoint's .tmp-journal, which the restart's Open removes if a
// kill left it and its Close's checkpoint renames over .journal.
func audit(t *testing.T, sb *sandbox, seed seed, confirmed []confirmation, asked askedTotals) {
	t.Helper()
	bk := sb.books()
	if len(bk.accounts) != seed.users+len(busyUsers) {
		t.Errorf("%d accounts, want %d", len(bk.accounts), seed.users+len(busyUsers))
	}
	bk.check(t, seed.openingFen+busyOpeningFen)
	checkConfirmed(t, bk, confirmed)
	done := askedTotals{}
	for name, entries := range bk.ledgers {
		for _, e := range entries {
			if e.Kind != "opening" && e.Kind != "transfer_in" {
				done[[2]string{name, e.Kind}] -= *e.Amount // all are money out but repayments
			}
		}
	}
	for k, v := range done {
		if k[1] == "repayment" {
			v = -v
		}
		if v > asked[k] {
			t.Errorf("%s's ledger holds %d fen of %s, but only %d were asked for", k[0], v, k[1], asked[k])
		}
	}
	_ = filepath.WalkDir(sb.path("db"), func(p string, d fs.DirEntry, err error) error {
		if err == nil && strings.HasPrefix(d.Name(), ".tmp-") {
			t.Errorf("a temporary file was left after the restart: %s", p)
		}
		return err
	})
}

// crashStats counts where the kills landed, read from the store's files
// before the restart repairs them. They are for the log only.
type crashStats struct{ kills, torn, unapplied int }

func (s *crashStats) note(sb *sandbox, killed bool) {
	if !killed {
		return
	}
	s.kills++
	if sb.dsn != "" {
		return // no journal: the server keeps whole transactions
	}
	torn, unapplied := journalState(sb)
	if torn {
		s.torn++
	}
	if unapplied {
		s.unapplied++
	}
}

// journalState reads db/.journal and db/.applied (format 2; their layout
// is in lib/docstore/doc.go, "On-disk format") and reports whether the
// journal ends in a torn record and whether it holds committed records the
// marker does not count as applied. Anything unexpected (another format, a
// checkpoint's fresh journal) reports false, false.
func journalState(sb *sandbox) (torn, unapplied bool) {
	j, err := os.ReadFile(sb.db(".journal"))
	if err != nil || len(j) < 16 || string(j[:4]) != "dsj2" {
		return false, false
	}
	castagnoli := crc32.MakeTable(crc32.Castagnoli)
	generation := j[4:12] // a record's checksum covers it, then its length field and payload
	end := 16
	for end < len(j) {
		rest := j[end:]
		if len(rest) < 12 || string(rest[:4]) != "dsr2" {
			break
		}
		n := int(binary.BigEndian.Uint32(rest[4:8]))
		if n > len(rest)-12 {
			break
		}
		sum := crc32.Update(crc32.Update(crc32.Checksum(generation, castagnoli), castagnoli, rest[4:8]), castagnoli, rest[12:12+n])
		if sum != binary.BigEndian.Uint32(rest[8:12]) {
			break
		}
		end += 12 + n
	}
	torn = end < len(j)
	m, err := os.ReadFile(sb.db(".applied"))
	valid := err == nil && len(m) == 40 && string(m[:4]) == "dsa2" &&
		binary.BigEndian.Uint32(m[36:]) == crc32.Checksum(m[:36], castagnoli) &&
		binary.BigEndian.Uint64(m[4:12]) == binary.BigEndian.Uint64(j[4:12])
	applied := 16
	if valid {
		applied = int(binary.BigEndian.Uint64(m[12:20]))
	}
	return torn, applied < end
}
