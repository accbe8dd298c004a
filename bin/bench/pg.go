package main

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"runtime"
	"slices"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"atmshop/core"
	"atmshop/core/pgstore"
	"atmshop/core/pgstore/pgtest"
)

// pgAccounts is how many accounts the transfers pick their two from: few
// enough that clients meet on an account now and then, as at a bank.
const pgAccounts = 1000

// measurePostgres compares core.Bank.Transfer on pgstore with pgbench
// running the same SQL as a custom script, against the same server, at
// 1, 8 and 32 concurrent clients, taking turns.
func measurePostgres(ctx context.Context, b *bench) error {
	cluster, err := pgtest.Start(pgtest.Options{Fsync: b.opts.pgFsync})
	if err != nil {
		b.report.note("PostgreSQL comparison skipped: " + err.Error())
		return nil
	}
	defer cluster.Stop()
	pgbench, err := findPgbench(cluster.BinDir())
	if err != nil {
		b.report.note("PostgreSQL comparison skipped: " + err.Error())
		return nil
	}
	version, err := command(ctx, "", pgbench, "--version")
	if err != nil {
		return err
	}
	dsn := cluster.DSN
	store, err := pgstore.Open(ctx, dsn)
	if err != nil {
		return err
	}
	defer store.Close()
	b.logf("postgres: creating %d accounts", pgAccounts)
	seeds := make([]core.UserSeed, pgAccounts)
	for i := range seeds {
		seeds[i] = core.UserSeed{Name: pgAccountName(i), Password: benchPassword, Balance: 100_000_000}
	}
	bank := &core.Bank{Store: store, Settings: benchSettings(), Now: time.Now, Log: quietLog()}
	if err := bank.Bootstrap(ctx, seeds); err != nil {
		return err
	}
	script := filepath.Join(b.work, "transfer.pgbench")
	if err := os.WriteFile(script, []byte(pgbenchScript), 0o600); err != nil {
		return err
	}
	secs := b.opts.pgSeconds
	fsync := "off"
	if b.opts.pgFsync {
		fsync = "on"
	}
	for _, clients := range []int{1, 8, 32} {
		var ours, theirs []float64
		for round := range b.opts.pgRounds {
			b.logf("postgres: %d clients, round %d of %d", clients, round+1, b.opts.pgRounds)
			tps, err := pgTransfers(ctx, dsn, clients, time.Duration(secs)*time.Second)
			if err != nil {
				return fmt.Errorf("atmshop, %d clients: %w", clients, err)
			}
			ours = append(ours, tps)
			tps, err = runPgbench(ctx, pgbench, cluster, script, clients, secs)
			if err != nil {
				return fmt.Errorf("pgbench, %d clients: %w", clients, err)
			}
			theirs = append(theirs, tps)
		}
		// The machine's load drifts from round to round; each round's
		// two runs are next to each other, so their ratio is the fairer
		// figure, and its median is the one the target is held to.
		paired := make([]float64, len(ours))
		for i := range ours {
			paired[i] = ours[i] / theirs[i]
		}
		o, p, r := median(ours), median(theirs), median(paired)
		b.report.add(row{"PostgreSQL", fmt.Sprintf("transfers per second, %d client(s): Bank.Transfer on pgstore", clients),
			fmt.Sprintf("%.0f/s (runs: %s)", o, rates(ours)),
			fmt.Sprintf("pgbench %.0f/s (runs: %s)", p, rates(theirs)),
			fmt.Sprintf("%.2fx (median of each round's ratio; of the medians: %s)", r, ratio(o, p)),
			verdict(">= 0.8x pgbench", r >= 0.8)})
	}
	b.report.note(fmt.Sprintf("PostgreSQL: %s, a throwaway cluster on a unix socket, fsync %s (synchronous_commit %[2]s); %d accounts, 1-fen transfers between two picked at random; each side runs %d s per round, %d rounds taking turns (ours, then pgbench); medians shown, and the median of each round's ratio. pgbench: -M prepared, --max-tries=%d, the script in bin/bench/pg.go, the statements of pgstore's transfer: BEGIN ISOLATION LEVEL SERIALIZABLE, the transaction id, the payer with its latest entry, the ref lookup, the payee with its latest entry, then two account upserts, two entry INSERTs and COMMIT in one pipeline. Ours: goroutines, one pool of as many connections.",
		version[:len(version)-1], fsync, pgAccounts, secs, b.opts.pgRounds, pgMaxTries))
	return nil
}

// findPgbench finds the pgbench of the server's version: next to initdb
// (following a link such as /usr/local/bin/initdb), else on PATH.
func findPgbench(bin string) (string, error) {
	if initdb, err := filepath.EvalSymlinks(filepath.Join(bin, "initdb")); err == nil {
		p := filepath.Join(filepath.Dir(initdb), "pgbench")
		if _, err := os.Stat(p); err == nil {
			return p, nil
		}
	}
	if p, err := exec.LookPath("pgbench"); err == nil {
		return p, nil
	}
	return "", errors.New("no pgbench next to initdb nor on PATH")
}

func pgAccountName(i int) string { return "a" + strconv.Itoa(i+1) }

// pgTransfers runs clients goroutines doing Bank.Transfer for d on one pool
// of as many connections, and returns the transfers per second.
func pgTransfers(ctx context.Context, dsn string, clients int, d time.Duration) (float64, error) {
	store, err := pgstore.Open(ctx, fmt.Sprintf("%s pool_max_conns=%d pool_min_conns=%[2]d", dsn, clients))
	if err != nil {
		return 0, err
	}
	defer store.Close()
	bank := &core.Bank{Store: store, Settings: benchSettings(), Now: time.Now, Log: quietLog()}
	transfer := func() error {
		from := rand.IntN(pgAccounts)
		to := rand.IntN(pgAccounts - 1)
		if to >= from {
			to++
		}
		_, err := bank.Transfer(ctx, core.TransferRequest{Ref: core.NewTransferRef(), From: pgAccountName(from), To: pgAccountName(to), Amount: 1})
		return err
	}
	// Warm up: every connection open, statements prepared.
	var wg sync.WaitGroup
	for range clients {
		wg.Go(func() { _ = transfer() })
	}
	wg.Wait()
	var done atomic.Int64
	var failed atomic.Pointer[error]
	deadline := time.Now().Add(d)
	start := time.Now()
	for range clients {
		wg.Go(func() {
			for time.Now().Before(deadline) && ctx.Err() == nil {
				if err := transfer(); err != nil {
					failed.CompareAndSwap(nil, &err)
					return
				}
				done.Add(1)
			}
		})
	}
	wg.Wait()
	elapsed := time.Since(start)
	if err := failed.Load(); err != nil {
		return 0, *err
	}
	return float64(done.Load()) / elapsed.Seconds(), ctx.Err()
}

// pgMaxTries is pgbench's bound on tries of a transaction refused for a
// serialization failure or deadlock, as pgstore's maxAttempts.
const pgMaxTries = 100

var tpsLine = regexp.MustCompile(`tps = ([0-9.]+) \(without initial connection time\)`)

// runPgbench runs the script for secs seconds with clients connections and
// returns pgbench's transactions per second.
func runPgbench(ctx context.Context, pgbench string, c *pgtest.Cluster, script string, clients, secs int) (float64, error) {
	threads := min(clients, runtime.NumCPU())
	out, err := command(ctx, "", pgbench, "-n", "-M", "prepared", "-f", script,
		"-c", strconv.Itoa(clients), "-j", strconv.Itoa(threads), "-T", strconv.Itoa(secs),
		"--max-tries", strconv.Itoa(pgMaxTries), "-D", "accounts="+strconv.Itoa(pgAccounts),
		"-h", c.Socket, "-U", c.User, "postgres")
	if err != nil {
		return 0, err
	}
	m := tpsLine.FindStringSubmatch(out)
	if m == nil {
		return 0, errors.New("pgbench printed no tps: " + out)
	}
	return strconv.ParseFloat(m[1], 64)
}

func median(xs []float64) float64 {
	s := slices.Clone(xs)
	slices.Sort(s)
	if len(s)%2 == 0 {
		return (s[len(s)/2-1] + s[len(s)/2]) / 2
	}
	return s[len(s)/2]
}

func rates(xs []float64) string {
	s := ""
	for i, x := range xs {
		if i > 0 {
			s += ", "
		}
		s += strconv.FormatFloat(x, 'f', 0, 64)
	}
	return s
}

// pgbenchScript is one transfer as pgstore sends it (core/pgstore: attempt,
// Account in a write transaction, FindRef, AppendEntries, SaveAccount),
// statement for statement. pgbench cannot pipeline a statement whose
// result it needs (\gset), so BEGIN and the transaction id cost it one
// round trip more than pgstore, which sends them with the payer's row:
// five round trips against four.
const pgbenchScript = `\set fromi random(1, :accounts)
\set toi random(1, :accounts - 1)
\if :toi >= :fromi
\set toi :toi + 1
\endif
\set ref random(0, 9223372036854775806)
\set e1 random(0, 9223372036854775806)
\set e2 random(0, 9223372036854775806)
BEGIN ISOLATION LEVEL SERIALIZABLE;
SELECT pg_current_xact_id()::text;
SELECT a.name, a.password_hash, a.balance, a.credit_limit, a.admin, a.frozen, a.failed_logins, a.locked_until, a.created, a.updated, e.month, e.id, e.ref, e.at, e.kind, e.counterparty, e.amount, e.balance_after, e.note FROM accounts a LEFT JOIN LATERAL (SELECT month, id, ref, at, kind, counterparty, amount, balance_after, note FROM entries
	WHERE account = a.name ORDER BY month DESC, seq DESC LIMIT 1) e ON true WHERE a.name = 'a' || :fromi::text \gset f_
SELECT month, id, ref, at, kind, counterparty, amount, balance_after, note FROM entries WHERE account = 'a' || :fromi::text AND ref = 't-' || :ref::text ORDER BY seq LIMIT 1;
SELECT a.name, a.password_hash, a.balance, a.credit_limit, a.admin, a.frozen, a.failed_logins, a.locked_until, a.created, a.updated, e.month, e.id, e.ref, e.at, e.kind, e.counterparty, e.amount, e.balance_after, e.note FROM accounts a LEFT JOIN LATERAL (SELECT month, id, ref, at, kind, counterparty, amount, balance_after, note FROM entries
	WHERE account = a.name ORDER BY month DESC, seq DESC LIMIT 1) e ON true WHERE a.name = 'a' || :toi::text \gset t_
\set fbal :f_balance - 1
\set tbal :t_balance + 1
\startpipeline
INSERT INTO accounts (name, password_hash, balance, credit_limit, admin, frozen, failed_logins, locked_until, created, updated) VALUES (:f_name, :f_password_hash, :fbal, :f_credit_limit, :f_admin, :f_frozen, :f_failed_logins, :f_locked_until, :f_created, now())
		ON CONFLICT (name) DO UPDATE SET password_hash = EXCLUDED.password_hash, balance = EXCLUDED.balance, credit_limit = EXCLUDED.credit_limit, admin = EXCLUDED.admin, frozen = EXCLUDED.frozen,
		failed_logins = EXCLUDED.failed_logins, locked_until = EXCLUDED.locked_until, created = EXCLUDED.created, updated = EXCLUDED.updated;
INSERT INTO accounts (name, password_hash, balance, credit_limit, admin, frozen, failed_logins, locked_until, created, updated) VALUES (:t_name, :t_password_hash, :tbal, :t_credit_limit, :t_admin, :t_frozen, :t_failed_logins, :t_locked_until, :t_created, now())
		ON CONFLICT (name) DO UPDATE SET password_hash = EXCLUDED.password_hash, balance = EXCLUDED.balance, credit_limit = EXCLUDED.credit_limit, admin = EXCLUDED.admin, frozen = EXCLUDED.frozen,
		failed_logins = EXCLUDED.failed_logins, locked_until = EXCLUDED.locked_until, created = EXCLUDED.created, updated = EXCLUDED.updated;
INSERT INTO entries (account, month, id, ref, at, kind, counterparty, amount, balance_after, note) VALUES (:f_name, :f_month, 'e-' || :e1::text, 't-' || :ref::text, now(), 'transfer_out', :t_name, -1, :fbal, '');
INSERT INTO entries (account, month, id, ref, at, kind, counterparty, amount, balance_after, note) VALUES (:t_name, :t_month, 'e-' || :e2::text, 't-' || :ref::text, now(), 'transfer_in', :f_name, 1, :tbal, '');
COMMIT;
\endpipeline
`
