package main

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"atmshop/core"
	"atmshop/core/filestore"
	"atmshop/lib/docstore"
)

// Group commit (issue 9, target 3): many sessions in one process share one
// Bank, as the SSH server runs them, and their transfers share journal
// syncs. Measured in-process, N goroutine sessions on one core.Bank on the
// files store, and whole-process, 1 and 16 SSH sessions on one bin/server
// process (sshgroup.go), against 16 SQLite writers at once on the same
// disk, all in the same rounds.
const (
	groupWriters  = 16  // SQLite writers at once, and the most sessions
	groupVsSQLite = 2.0 // target: 16 sessions / 16 SQLite writers
	groupVsOne    = 3.0 // target: 16 sessions / 1 session
)

// groupSessions are the session counts measured.
var groupSessions = []int{1, 4, groupWriters}

// groupDriver is a way of running transfers from several sessions at
// once, timed in rounds next to the others.
type groupDriver struct {
	name   string
	round  func(ctx context.Context, n int) (time.Duration, error) // n transfers in all
	rates  []float64                                               // transfers per second, per round
	fsyncs func() int64                                            // the store's fsyncs so far, or nil
	synced int64                                                   // fsyncs during the timed rounds
	ops    int
}

// median is the driver's median rate over its rounds.
func (d *groupDriver) median() float64 {
	r := slices.Clone(d.rates)
	slices.Sort(r)
	if len(r) == 0 {
		return 0
	}
	if len(r)%2 == 1 {
		return r[len(r)/2]
	}
	return (r[len(r)/2-1] + r[len(r)/2]) / 2
}

// measureGroup times 1, 4 and 16 sessions on one Bank, 1 and 16 SSH
// sessions on one server and 16 SQLite writers, taking turns round by
// round.
func measureGroup(ctx context.Context, b *bench) (err error) {
	dir := filepath.Join(b.work, "group")
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return err
	}
	store, err := docstore.Open(ctx, filepath.Join(dir, "db"), docstore.Options{})
	if err != nil {
		return err
	}
	defer store.Close()
	bank := &core.Bank{Store: filestore.New(store), Settings: benchSettings(), Now: time.Now, Log: quietLog()}
	var seeds []core.UserSeed
	for i := range 2 * groupWriters {
		seeds = append(seeds, core.UserSeed{Name: groupAccount(i), Password: benchPassword, Balance: 100_000_000})
	}
	if err := bank.Bootstrap(ctx, seeds); err != nil {
		return err
	}
	var all []*groupDriver
	ours := map[int]*groupDriver{}
	for _, n := range groupSessions {
		d := sessionsDriver(bank, n)
		d.fsyncs = store.Fsyncs
		ours[n] = d
		all = append(all, d)
	}
	var sqlite, sqliteOne *groupDriver
	var version string
	if exe, err := exec.LookPath("sqlite3"); err != nil {
		b.report.note("Group commit: the SQLite comparison was skipped: no sqlite3 command on PATH.")
	} else {
		if sqlite, version, err = sqliteWriters(ctx, exe, filepath.Join(dir, "bank.sqlite"), groupWriters); err != nil {
			return err
		}
		if sqliteOne, _, err = sqliteWriters(ctx, exe, filepath.Join(dir, "one.sqlite"), 1); err != nil {
			return err
		}
		all = append(all, sqlite, sqliteOne)
	}
	server, err := startSSHServer(ctx, b, 2*groupWriters)
	if err != nil {
		return err
	}
	defer func() { err = errors.Join(err, server.stop()) }()
	sshOne, sshAll := sshDriver(server, 1), sshDriver(server, groupWriters)
	all = append(all, sshOne, sshAll)

	// Four times -transfers, in whole rounds of 16: each SQLite writer
	// runs a few dozen transactions per process.
	per := max(4*b.opts.transfers/transferRounds/groupWriters, 1) * groupWriters
	b.logf("group: %d rounds of %d transfers for each of %d contenders", transferRounds, per, len(all))
	for _, d := range all { // warm up
		if _, err := d.round(ctx, groupWriters); err != nil {
			return fmt.Errorf("%s: %w", d.name, err)
		}
	}
	for range transferRounds {
		for _, d := range all {
			var before int64
			if d.fsyncs != nil {
				before = d.fsyncs()
			}
			took, err := d.round(ctx, per)
			if err != nil {
				return fmt.Errorf("%s: %w", d.name, err)
			}
			if d.fsyncs != nil {
				d.synced += d.fsyncs() - before
			}
			d.rates = append(d.rates, float64(per)/took.Seconds())
			d.ops += per
		}
	}

	one := ours[1].median()
	for _, n := range groupSessions {
		d := ours[n]
		x := row{Area: "Group commit", Measure: d.name,
			Result: fmt.Sprintf("%s (%s each), %.2f fsyncs/transfer", rate(d.median()), dur(time.Duration(float64(time.Second)/d.median())), float64(d.synced)/float64(d.ops))}
		if n > 1 {
			x.Baseline = "1 session " + rate(one)
			x.Ratio = ratio(d.median(), one) + " (N sessions/1)"
		}
		if n == groupWriters {
			x.Target = verdict(fmt.Sprintf(">= %.0fx one session", groupVsOne), d.median() >= groupVsOne*one)
		}
		b.report.add(x)
	}
	if sqlite != nil {
		top := ours[groupWriters].median()
		b.report.add(row{"Group commit", fmt.Sprintf("SQLite %s, %d writers at once (%d sqlite3 processes; WAL, synchronous=FULL, busy_timeout), the same transfer as one transaction", version, groupWriters, groupWriters),
			rate(sqlite.median()) + fmt.Sprintf(" (%s each)", dur(time.Duration(float64(time.Second)/sqlite.median()))),
			fmt.Sprintf("atmshop, %d sessions: %s", groupWriters, rate(top)),
			ratio(top, sqlite.median()) + " (atmshop/SQLite)",
			verdict(fmt.Sprintf(">= %.0fx %d SQLite writers", groupVsSQLite, groupWriters), top >= groupVsSQLite*sqlite.median())})
		b.report.add(row{"Group commit", "SQLite, 1 writer: the same transactions from one sqlite3 process",
			rate(sqliteOne.median()) + fmt.Sprintf(" (%s each)", dur(time.Duration(float64(time.Second)/sqliteOne.median()))),
			fmt.Sprintf("atmshop, %d sessions: %s", groupWriters, rate(top)),
			ratio(top, sqliteOne.median()) + " (atmshop/SQLite)", ""})
		b.report.note(fmt.Sprintf("Group commit: SQLite's writers each run their share of a round (BEGIN IMMEDIATE; two UPDATEs; two INSERTs; COMMIT) between their own two accounts, all %d processes started at once; a round lasts until the last one exits, less the time of %d such processes with no transactions.", groupWriters, groupWriters))
	}
	b.report.note(fmt.Sprintf("Group commit: %d transfers per contender in %d rounds taking turns; rates are the median of the rounds. Each atmshop session is a goroutine calling Bank.Transfer between its own two accounts (logging discarded), every transfer durable when it returns; the rows over SSH are below.", per*transferRounds, transferRounds))
	sshRows(ctx, b, server, filepath.Join(dir, "perf"), per, sshOne, sshAll, sqlite)
	return nil
}

// sshRows reports the rates over SSH, with the server's fsyncs per
// transfer counted in one more, untimed round of each, and 16 sessions
// against the 16 SQLite writers (nil: not measured).
func sshRows(ctx context.Context, b *bench, server *sshServer, perfDir string, per int, one, all, sqlite *groupDriver) {
	for _, s := range []struct {
		d *groupDriver
		n int
	}{{one, 1}, {all, groupWriters}} {
		x := row{Area: "Group commit", Measure: s.d.name, Result: fmt.Sprintf("%s (%s each)", rate(s.d.median()), dur(time.Duration(float64(time.Second)/s.d.median())))}
		if synced, err := server.fsyncsPerTransfer(ctx, filepath.Join(perfDir, fmt.Sprint(s.n)), s.n, per); err != nil {
			b.report.note(fmt.Sprintf("Group commit over SSH, %d sessions: fsyncs not counted: %v.", s.n, err))
		} else {
			x.Result += fmt.Sprintf(", %.2f fsyncs/transfer", synced)
		}
		if s.n > 1 {
			x.Baseline = "1 SSH session " + rate(one.median())
			x.Ratio = ratio(s.d.median(), one.median()) + " (N SSH sessions/1)"
			x.Target = verdict(fmt.Sprintf(">= %.0fx one session", groupVsOne), s.d.median() >= groupVsOne*one.median())
		}
		b.report.add(x)
	}
	if sqlite != nil {
		b.report.add(row{"Group commit", fmt.Sprintf("SQLite, %d writers (as above), against atmshop over SSH", groupWriters),
			rate(sqlite.median()),
			fmt.Sprintf("atmshop over SSH, %d sessions: %s", groupWriters, rate(all.median())),
			ratio(all.median(), sqlite.median()) + " (atmshop over SSH/SQLite)",
			verdict(fmt.Sprintf(">= %.0fx %d SQLite writers", groupVsSQLite, groupWriters), all.median() >= groupVsSQLite*sqlite.median())})
	}
	b.report.note(fmt.Sprintf("Group commit over SSH: bin/server, built from this tree, serves a copy of the shipped config.ini (files store, file logging at info, bcrypt cost 10; connections_per_minute raised for the rounds) with %d more users; each session is a connection of its own, with no pty, and session k logs in as account 2k and types \"3\", account 2k+1, \"0.01\", \"y\" for each of its share of the round's transfers, then \"q\" (the script the whole-program rows feed bin/start). The transfers are sent once every session of the round has logged in and reached the menu; the round is timed from then until the last session has ended. fsyncs/transfer: fsync and fdatasync calls of the server process (every thread), counted by perf stat on the syscall tracepoints over one more round of %d transfers after the timed ones, from the first transfer to the end.", 2*groupWriters, per))
}

// groupAccount names the i-th account of the group measure: session (or
// writer) k transfers between accounts 2k and 2k+1.
func groupAccount(i int) string { return fmt.Sprintf("g%02d", i) }

// sessionsDriver runs n sessions as goroutines on bank, each transferring
// between its own two accounts until the round's transfers are done.
func sessionsDriver(bank *core.Bank, n int) *groupDriver {
	round := func(ctx context.Context, total int) (time.Duration, error) {
		var left atomic.Int64
		left.Store(int64(total))
		errs := make([]error, n)
		var wg sync.WaitGroup
		start := time.Now()
		for k := range n {
			from, to := groupAccount(2*k), groupAccount(2*k+1)
			wg.Go(func() {
				for left.Add(-1) >= 0 {
					if _, err := bank.Transfer(ctx, core.TransferRequest{Ref: core.NewTransferRef(), From: from, To: to, Amount: 100}); err != nil {
						errs[k] = err
						return
					}
					from, to = to, from
				}
			})
		}
		wg.Wait()
		return time.Since(start), errors.Join(errs...)
	}
	name := fmt.Sprintf("atmshop: %d sessions (goroutines) on one Bank, files store, each transfer durable before it returns", n)
	if n == 1 {
		name = "atmshop: 1 session on one Bank, files store, each transfer durable before it returns"
	}
	return &groupDriver{name: name, round: round}
}

// sqliteWriters runs transfer transactions in SQLite from writers sqlite3
// processes at once, each between its own two accounts; a round is timed
// until the last exits, less the median time of writers processes with
// no transactions.
func sqliteWriters(ctx context.Context, sqlite, db string, writers int) (*groupDriver, string, error) {
	version, err := command(ctx, "", sqlite, "--version")
	if err != nil {
		return nil, "", err
	}
	version, _, _ = strings.Cut(strings.TrimSpace(version), " ")
	var setup strings.Builder
	setup.WriteString(sqliteSchema)
	for i := range 2 * writers {
		fmt.Fprintf(&setup, "INSERT INTO accounts VALUES ('%s', 100000000);\n", groupAccount(i))
	}
	if _, err := sqliteRun(ctx, sqlite, db, setup.String()); err != nil {
		return nil, "", err
	}
	var seq atomic.Int64
	script := func(k, n int) string {
		var s strings.Builder
		// busy_timeout (.timeout) makes a writer wait for the lock
		// instead of failing; BEGIN IMMEDIATE takes the write lock at
		// the start, so that the wait is the busy handler's.
		s.WriteString(".timeout 60000\nPRAGMA synchronous=FULL;\n")
		from, to := groupAccount(2*k), groupAccount(2*k+1)
		for range n {
			sqliteTransfer(&s, "BEGIN IMMEDIATE", from, to, fmt.Sprintf("g-%016x", seq.Add(1)))
			from, to = to, from
		}
		return s.String()
	}
	// all runs the writers at once, writer k with its share of n.
	all := func(ctx context.Context, n int) (time.Duration, error) {
		errs := make([]error, writers)
		var wg sync.WaitGroup
		start := time.Now()
		for k := range writers {
			wg.Go(func() { _, errs[k] = sqliteRun(ctx, sqlite, db, script(k, share(n, writers, k))) })
		}
		wg.Wait()
		return time.Since(start), errors.Join(errs...)
	}
	var empty []time.Duration
	for range 5 {
		d, err := all(ctx, 0)
		if err != nil {
			return nil, "", err
		}
		empty = append(empty, d)
	}
	idle := summarize(empty).median
	round := func(ctx context.Context, n int) (time.Duration, error) {
		d, err := all(ctx, n)
		return max(d-idle, time.Microsecond), err
	}
	name := fmt.Sprintf("SQLite, %d writers", writers)
	return &groupDriver{name: name, round: round}, version, nil
}
