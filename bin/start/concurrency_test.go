package main

import (
	"bytes"
	"fmt"
	"math/rand/v2"
	"regexp"
	"slices"
	"strings"
	"sync"
	"testing"
)

// TestConcurrentProcesses starts four copies of the real program at once
// on one fresh folder (so they also race to create the accounts), each
// logged in as its own user and sending about 150 random transfers to the
// other three. Afterwards no money has appeared or vanished, every ledger
// replays, every printed transfer is in the books exactly once, and the
// shared log file holds one whole line per entry, one transfer line per
// confirmed transfer.
func TestConcurrentProcesses(t *testing.T) { concurrentProcesses(t, false) }

// TestConcurrentProcessesPostgres is the same on one PostgreSQL database.
func TestConcurrentProcessesPostgres(t *testing.T) { concurrentProcesses(t, true) }

func concurrentProcesses(t *testing.T, postgres bool) {
	const transfersEach = 150
	sb := newSandbox(t, busyUsers...)
	if postgres {
		sb.usePostgres()
	}
	rng := rand.New(rand.NewPCG(rand.Uint64(), rand.Uint64()))
	inputs := make([]string, len(busyUsers))
	for i := range busyUsers {
		inputs[i] = transfersInput(rng, i, transfersEach)
	}

	results := make([]result, len(inputs))
	var wg sync.WaitGroup
	for i, input := range inputs {
		cmd := sb.command()
		cmd.Stdin = strings.NewReader(input)
		var stdout, stderr bytes.Buffer
		cmd.Stdout, cmd.Stderr = &stdout, &stderr
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		wg.Go(func() {
			_ = cmd.Wait()
			results[i] = result{stdout.String(), stderr.String(), cmd.ProcessState.ExitCode(), cmd.ProcessState.String()}
		})
	}
	wg.Wait()

	var confirmed []confirmation
	for i, r := range results {
		checkNoCrash(t, r, 0)
		if r.stderr != "" {
			t.Errorf("%s's program wrote to stderr:\n%s", busyUsers[i].name, clip(r.stderr))
		}
		c := &confirmations{t: t}
		for _, line := range strings.SplitAfter(r.stdout, "\n") {
			c.feed(line)
		}
		for _, x := range c.list {
			if x.user != busyUsers[i].name {
				t.Errorf("%s's program confirmed an action of %q", busyUsers[i].name, x.user)
			}
		}
		confirmed = append(confirmed, c.list...)
	}
	if len(confirmed) == 0 {
		t.Fatal("no transfer was confirmed at all")
	}

	seed := readSeed(t)
	bk := sb.books()
	if len(bk.accounts) != seed.users+len(busyUsers) {
		t.Errorf("%d accounts, want %d", len(bk.accounts), seed.users+len(busyUsers))
	}
	auditTransfers(t, bk, seed.openingFen+busyOpeningFen, confirmed)

	// The log: whole lines only, one per transfer and one start per process.
	lines := logLines(t, sb)
	transferLog := regexp.MustCompile(`\]\[INFO\]\[transfer .*\bref=(t-[0-9a-f]+)\b`)
	var logged []string
	started := 0
	for _, line := range lines {
		if m := transferLog.FindStringSubmatch(line); m != nil {
			logged = append(logged, m[1])
		}
		if strings.Contains(line, "][INFO][started ") {
			started++
		}
	}
	var printed []string
	for _, c := range confirmed {
		printed = append(printed, c.ref)
	}
	slices.Sort(logged)
	slices.Sort(printed)
	if !slices.Equal(logged, printed) {
		t.Errorf("the log has %d [transfer lines, the programs printed %d transfers; the refs differ", len(logged), len(printed))
	}
	if started != len(inputs) {
		t.Errorf("the log says %d programs started, want %d", started, len(inputs))
	}
	t.Logf("%d transfers confirmed, %d log lines", len(confirmed), len(lines))
}

// auditTransfers checks books in which only transfers were made: they add
// up (books.check), and hold every confirmed transfer and no other.
func auditTransfers(t testing.TB, bk *books, wantOpening int64, confirmed []confirmation) {
	t.Helper()
	totals := bk.check(t, wantOpening)
	for kind, total := range totals {
		if kind != "opening" && kind != "transfer_in" && kind != "transfer_out" {
			t.Errorf("only transfers were made, yet the ledgers hold %d fen of %s", total, kind)
		}
	}
	checkConfirmed(t, bk, confirmed)
	outs := 0
	for _, entries := range bk.ledgers {
		for _, e := range entries {
			if e.Kind == "transfer_out" {
				outs++
			}
		}
	}
	if outs != len(confirmed) {
		t.Errorf("%d transfers were printed as done, but the ledgers hold %d transfer_out entries", len(confirmed), outs)
	}
}

// transfersInput is a whole session of busyUsers[me]: log in, send
// transfers of random amounts (0.01 to 20.00) to random others, quit.
func transfersInput(rng *rand.Rand, me, transfers int) string {
	var b strings.Builder
	fmt.Fprintf(&b, "%s\n%s\n", busyUsers[me].name, busyUsers[me].password)
	for range transfers {
		to := busyUsers[(me+1+rng.IntN(len(busyUsers)-1))%len(busyUsers)]
		fmt.Fprintf(&b, "3\n%s\n%s\ny\n", to.name, yuan(1+rng.Int64N(2000)))
	}
	b.WriteString("q\n")
	return b.String()
}
