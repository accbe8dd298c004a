package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"time"

	"github.com/sirupsen/logrus"

	"atmshop/core"
	"atmshop/core/filestore"
	"atmshop/lib/docstore"
)

// transferRounds: the contenders take turns in this many rounds of
// transfers/rounds operations each, so that a change in the machine's
// load touches them all alike.
const transferRounds = 5

// contender is one way of doing durable work, timed in rounds.
type contender struct {
	name  string
	round func(ctx context.Context, n int) (time.Duration, error) // does n operations
	total time.Duration
	ops   int
}

// each is the mean time of one operation.
func (c *contender) each() time.Duration { return c.total / time.Duration(max(c.ops, 1)) }

// perSecond is the operations per second.
func (c *contender) perSecond() float64 { return float64(time.Second) / float64(max(c.each(), 1)) }

// measureTransfers compares durable transfers per second with the
// machine's fsync rate and with SQLite doing the same transaction.
func measureTransfers(ctx context.Context, b *bench) error {
	dir := filepath.Join(b.work, "transfers")
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return err
	}
	fsync, closeFsync, err := fsyncContender(filepath.Join(dir, "fsync.bin"))
	if err != nil {
		return err
	}
	defer closeFsync()
	ours, store, err := bankContender(filepath.Join(dir, "db"))
	if err != nil {
		return err
	}
	defer store.Close()
	all := []*contender{fsync, ours}

	var sqlite *contender
	var version string
	if exe, err := exec.LookPath("sqlite3"); err != nil {
		b.report.note("SQLite comparison skipped: no sqlite3 command on PATH.")
	} else {
		if sqlite, version, err = sqliteContender(ctx, exe, filepath.Join(dir, "bank.sqlite")); err != nil {
			return err
		}
		all = append(all, sqlite)
	}

	per := max(b.opts.transfers/transferRounds, 1)
	b.logf("transfers: %d rounds of %d operations for each of %d contenders", transferRounds, per, len(all))
	for _, c := range all { // warm up: folders created, files in the cache
		if _, err := c.round(ctx, 10); err != nil {
			return fmt.Errorf("%s: %w", c.name, err)
		}
	}
	before := store.Fsyncs()
	for range transferRounds {
		for _, c := range all {
			d, err := c.round(ctx, per)
			if err != nil {
				return fmt.Errorf("%s: %w", c.name, err)
			}
			c.total += d
			c.ops += per
		}
	}
	fsyncs := float64(store.Fsyncs()-before) / float64(ours.ops)

	b.report.add(row{"Transfers", "one fsync: append 100 bytes to a file + fsync, same file system",
		dur(fsync.each()) + " (" + rate(fsync.perSecond()) + ")", "", "", ""})
	b.report.add(row{"Transfers", "atmshop: Bank.Transfer on docstore, durable before it returns",
		fmt.Sprintf("%s (%s each), %.2f fsyncs/transfer", rate(ours.perSecond()), dur(ours.each()), fsyncs),
		"fsync " + rate(fsync.perSecond()), ratio(ours.perSecond(), fsync.perSecond()) + " of the fsync rate",
		verdict("<= 2 fsyncs per transfer", fsyncs <= 2)})
	if sqlite != nil {
		b.report.add(row{"Transfers", "SQLite " + version + ", WAL, synchronous=FULL: the same transfer as one transaction",
			fmt.Sprintf("%s (%s each)", rate(sqlite.perSecond()), dur(sqlite.each())),
			"atmshop " + rate(ours.perSecond()), ratio(ours.perSecond(), sqlite.perSecond()) + " (atmshop/SQLite)",
			verdict("atmshop >= SQLite's rate", ours.perSecond() >= sqlite.perSecond())})
		b.report.note(fmt.Sprintf("SQLite: %d transactions (BEGIN; two UPDATEs of accounts; two INSERTs into ledger; COMMIT), fed in rounds to one sqlite3 process each on stdin; the time of such a process with no transactions is subtracted, so start-up and opening are not counted.", sqlite.ops))
	}
	b.report.note(fmt.Sprintf("Transfers: %d of each operation, in %d rounds taking turns.", ours.ops, transferRounds))
	return nil
}

// fsyncContender appends 100 bytes to a file and fsyncs it.
func fsyncContender(path string) (*contender, func(), error) {
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_APPEND, 0o600)
	if err != nil {
		return nil, nil, err
	}
	line := []byte(strings.Repeat("x", 99) + "\n")
	round := func(ctx context.Context, n int) (time.Duration, error) {
		start := time.Now()
		for range n {
			if _, err := f.Write(line); err != nil {
				return 0, err
			}
			if err := f.Sync(); err != nil {
				return 0, err
			}
		}
		return time.Since(start), nil
	}
	return &contender{name: "fsync", round: round}, func() { f.Close() }, nil
}

// quietLog is a logger that drops the bank's info entries before
// formatting them: these measures are of storage; logging has its own.
func quietLog() *logrus.Entry {
	logger := logrus.New()
	logger.SetOutput(io.Discard)
	logger.SetLevel(logrus.WarnLevel)
	return logger.WithField("component", "bench")
}

// benchSettings are the bank's rules for the in-process measures. Cost 4
// is only for the accounts that Bootstrap creates here.
func benchSettings() core.Settings {
	return core.Settings{
		SessionTimeout:    10 * time.Minute,
		MaxFailedLogins:   3,
		LockoutDuration:   15 * time.Minute,
		MinPasswordLength: 6,
		BcryptCost:        4,
	}
}

// bankContender transfers between two accounts of a docstore in dir, each
// transfer durable when it returns.
func bankContender(dir string) (*contender, *docstore.Store, error) {
	store, err := docstore.Open(context.Background(), dir, docstore.Options{})
	if err != nil {
		return nil, nil, err
	}
	bank := &core.Bank{Store: filestore.New(store), Settings: benchSettings(), Now: time.Now, Log: quietLog()}
	err = bank.Bootstrap(context.Background(), []core.UserSeed{
		{Name: "alex", Password: benchPassword, Balance: 100_000_000},
		{Name: "egon", Password: benchPassword, Balance: 100_000_000},
	})
	if err != nil {
		store.Close()
		return nil, nil, err
	}
	from, to := "alex", "egon"
	round := func(ctx context.Context, n int) (time.Duration, error) {
		start := time.Now()
		for i := range n {
			if i%100 == 0 && ctx.Err() != nil {
				return 0, ctx.Err()
			}
			if _, err := bank.Transfer(context.Background(), core.TransferRequest{Ref: core.NewTransferRef(), From: from, To: to, Amount: 100}); err != nil {
				return 0, err
			}
			from, to = to, from
		}
		return time.Since(start), nil
	}
	return &contender{name: "Bank.Transfer", round: round}, store, nil
}

// sqliteContender runs transfer transactions in SQLite, a round through
// one sqlite3 process, less the time of the same process with none.
func sqliteContender(ctx context.Context, sqlite, db string) (*contender, string, error) {
	version, err := command(ctx, "", sqlite, "--version")
	if err != nil {
		return nil, "", err
	}
	version, _, _ = strings.Cut(strings.TrimSpace(version), " ")
	setup := sqliteSchema + "INSERT INTO accounts VALUES ('alex', 100000000), ('egon', 100000000);\n"
	if _, err := sqliteRun(ctx, sqlite, db, setup); err != nil {
		return nil, "", err
	}
	seq := 0
	script := func(n int) string {
		var s strings.Builder
		// synchronous is per connection; FULL fsyncs the WAL at every commit.
		s.WriteString("PRAGMA synchronous=FULL;\n")
		from, to := "alex", "egon"
		for range n {
			seq++
			sqliteTransfer(&s, "BEGIN", from, to, fmt.Sprintf("t-%016x", seq))
			from, to = to, from
		}
		return s.String()
	}
	var empty []time.Duration
	for range 5 {
		d, err := sqliteRun(ctx, sqlite, db, script(0))
		if err != nil {
			return nil, "", err
		}
		empty = append(empty, d)
	}
	idle := summarize(empty).median
	round := func(ctx context.Context, n int) (time.Duration, error) {
		d, err := sqliteRun(ctx, sqlite, db, script(n))
		return max(d-idle, 0), err
	}
	return &contender{name: "SQLite", round: round}, version, nil
}

// sqliteSchema makes the SQLite comparisons' tables, in WAL mode.
const sqliteSchema = `PRAGMA journal_mode=WAL;
CREATE TABLE accounts(name TEXT PRIMARY KEY, bal INTEGER NOT NULL);
CREATE TABLE ledger(id INTEGER PRIMARY KEY, ref TEXT NOT NULL, time TEXT NOT NULL, name TEXT NOT NULL,
  kind TEXT NOT NULL, counterparty TEXT NOT NULL, amount INTEGER NOT NULL, balance_after INTEGER NOT NULL);
CREATE INDEX ledger_by_name ON ledger(name, time);
`

// sqliteTransfer writes one transfer of 1.00 from from to to as one
// transaction, started with begin ("BEGIN" or "BEGIN IMMEDIATE"): the two
// balances and a ledger line for each side, as Bank.Transfer writes them.
func sqliteTransfer(s *strings.Builder, begin, from, to, ref string) {
	fmt.Fprintf(s, "%[4]s;\n"+
		"UPDATE accounts SET bal=bal-100 WHERE name='%[1]s';\n"+
		"UPDATE accounts SET bal=bal+100 WHERE name='%[2]s';\n"+
		"INSERT INTO ledger(ref,time,name,kind,counterparty,amount,balance_after) VALUES('%[3]s',strftime('%%Y-%%m-%%dT%%H:%%M:%%fZ','now'),'%[1]s','transfer_out','%[2]s',-100,(SELECT bal FROM accounts WHERE name='%[1]s'));\n"+
		"INSERT INTO ledger(ref,time,name,kind,counterparty,amount,balance_after) VALUES('%[3]s',strftime('%%Y-%%m-%%dT%%H:%%M:%%fZ','now'),'%[2]s','transfer_in','%[1]s',100,(SELECT bal FROM accounts WHERE name='%[2]s'));\n"+
		"COMMIT;\n", from, to, ref, begin)
}

// sqliteRun feeds script to one sqlite3 process on db and returns how long
// the process took. Any output on stderr is an error.
func sqliteRun(ctx context.Context, sqlite, db, script string) (time.Duration, error) {
	p, err := timed(ctx, "", strings.NewReader(script), sqlite, "-bail", db)
	if err != nil {
		return 0, err
	}
	if p.exit != 0 || strings.TrimSpace(p.stderr) != "" {
		return 0, fmt.Errorf("sqlite3 exited with status %d: %s", p.exit, strings.TrimSpace(p.stderr))
	}
	return p.wall, nil
}
