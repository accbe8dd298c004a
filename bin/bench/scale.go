package main

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"golang.org/x/crypto/bcrypt"

	"atmshop/conf"
	"atmshop/core"
	"atmshop/core/filestore"
	"atmshop/lib/docstore"
)

// smallStore is the number of generated accounts the large store is
// compared with.
const smallStore = 10

// The password of every generated account.
const benchPassword = "benchpass"

// scaleResult is what one store size measured.
type scaleResult struct {
	accounts    int
	dir         string // the project folder
	first, next string // two of its generated accounts
	setup       time.Duration
	startup     *program
	open        time.Duration // docstore.Open in this process
	bank        *core.Bank
	store       *docstore.Store
	login       []time.Duration // Bank.Authenticate
	balance     []time.Duration // Bank.Account
	transfer    []time.Duration // Bank.Transfer
	sessionRSS  int64           // peak RSS of a whole session
	sessionWall time.Duration
}

// measureScale compares a store of b.opts.scale accounts with one of 10,
// then a statement with 12 months of history with one with 1. The two
// stores take turns, call by call, so that a change in the machine's load
// touches both alike.
func measureScale(ctx context.Context, b *bench) error {
	exe, err := b.buildStart(ctx)
	if err != nil {
		return err
	}
	small, err := scaleSetup(ctx, b, exe, smallStore)
	if err != nil {
		return err
	}
	large, err := scaleSetup(ctx, b, exe, b.opts.scale)
	if err != nil {
		return err
	}
	defer func() {
		for _, r := range []*scaleResult{small, large} {
			if r.store != nil {
				r.store.Close()
			}
		}
		if !b.opts.keep {
			b.removeFast(large.dir)
		}
	}()
	if err := scaleMeasure(ctx, b, small, large); err != nil {
		return err
	}

	n := count(large.accounts)
	b.report.add(row{"Scale", fmt.Sprintf("set-up: write %s account files (one bcrypt hash reused)", n), dur(large.setup), "", "", ""})
	within := func(what string, l, s time.Duration) {
		r := float64(l) / float64(s)
		b.report.add(row{"Scale", what + ", " + n + " accounts", dur(l) + " (median)",
			fmt.Sprintf("%d accounts: %s", smallStore, dur(s)), ratio(float64(l), float64(s)),
			verdict("within 20%", r <= 1.2)})
	}
	within("start-up to the first prompt", summarize(large.startup.walls).median, summarize(small.startup.walls).median)
	within("docstore.Open in-process (part of start-up)", large.open, small.open)
	within("login: Bank.Authenticate (bcrypt cost 4)", summarize(large.login).median, summarize(small.login).median)
	within("balance: Bank.Account", summarize(large.balance).median, summarize(small.balance).median)
	within("transfer: Bank.Transfer, durable", summarize(large.transfer).median, summarize(small.transfer).median)
	if large.sessionRSS > 0 {
		b.report.add(row{"Scale", "peak memory (RSS) of the whole process, session: login, balance, transfer, statement, quit; " + n + " accounts",
			mb(large.sessionRSS), fmt.Sprintf("%d accounts: %s", smallStore, mb(small.sessionRSS)), ratio(float64(large.sessionRSS), float64(small.sessionRSS)),
			verdict("under 30 MB", large.sessionRSS < 30<<20)})
	} else {
		b.report.note("Peak memory not measured: this system gives no peak RSS of a child process.")
	}
	b.report.note(fmt.Sprintf("Scale: the %d- and %s-account stores also hold config.ini's 4 users; accounts are written directly as JSON files; file cache warm. Start-up: %d runs each; the session took %s with %s accounts and %s with %d.",
		smallStore, n, len(large.startup.walls), dur(large.sessionWall), n, dur(small.sessionWall), smallStore))
	return measureStatement(ctx, b)
}

// scaleSetup builds a project with accounts generated accounts, starts it
// once to create config.ini's users, and opens its store in this process.
func scaleSetup(ctx context.Context, b *bench, exe string, accounts int) (*scaleResult, error) {
	r := &scaleResult{accounts: accounts, first: accountName(1, accounts), next: accountName(2, accounts)}
	var err error
	if r.dir, err = b.project(fmt.Sprintf("scale-%d", accounts)); err != nil {
		return r, err
	}
	b.logf("scale: writing %s accounts", count(accounts))
	start := time.Now()
	if err := writeAccounts(ctx, b, filepath.Join(r.dir, "db"), accounts); err != nil {
		return r, err
	}
	r.setup = time.Since(start)
	b.logf("scale: wrote %s accounts in %s", count(accounts), r.setup.Round(time.Millisecond))
	r.startup = &program{dir: r.dir, exe: exe, want: "Goodbye."}
	if err := interleave(ctx, 1, r.startup); err != nil {
		return r, err
	}
	r.startup.walls = nil
	return r, nil
}

// scaleMeasure measures the two stores, taking turns.
func scaleMeasure(ctx context.Context, b *bench, small, large *scaleResult) error {
	runs := min(b.opts.runs, 10)
	b.logf("scale: %d start-ups with %d and with %s accounts", runs, smallStore, count(large.accounts))
	if err := interleave(ctx, runs, small.startup, large.startup); err != nil {
		return err
	}

	// A whole session, for the process's peak memory.
	for _, r := range []*scaleResult{small, large} {
		input := strings.Join([]string{r.first, benchPassword, "2", "3", r.next, "1", "y", "6", "", "q", ""}, "\n")
		p, err := timed(ctx, r.dir, strings.NewReader(input), r.startup.exe)
		if err != nil {
			return err
		}
		if p.exit != 0 || !strings.Contains(p.stdout, "Transferred") || !strings.Contains(p.stdout, "Statement for") {
			return fmt.Errorf("session with %d accounts: exit status %d, output:\n%s\nstderr: %s", r.accounts, p.exit, p.stdout, p.stderr)
		}
		r.sessionRSS, r.sessionWall = p.maxRSS, p.wall
	}

	// The bank's calls, in this process, on the same files.
	for _, r := range []*scaleResult{small, large} {
		cfg, err := conf.Load(filepath.Join(r.dir, "conf", "config.ini"))
		if err != nil {
			return err
		}
		start := time.Now()
		if r.store, err = docstore.Open(context.Background(), cfg.DBDir, docstore.Options{}); err != nil {
			return err
		}
		r.open = time.Since(start)
		r.bank = &core.Bank{Store: filestore.New(r.store), Settings: cfg.App, Now: time.Now, Log: quietLog()}
	}
	b.logf("scale: login, balance and transfer with %d and with %s accounts", smallStore, count(large.accounts))
	type measure struct {
		times func(r *scaleResult) *[]time.Duration
		n     int
		call  func(r *scaleResult, i int) error
	}
	measures := []measure{
		{func(r *scaleResult) *[]time.Duration { return &r.login }, 30, func(r *scaleResult, _ int) error {
			_, err := r.bank.Authenticate(context.Background(), r.first, benchPassword)
			return err
		}},
		{func(r *scaleResult) *[]time.Duration { return &r.balance }, 300, func(r *scaleResult, _ int) error {
			_, err := r.bank.Account(context.Background(), r.first)
			return err
		}},
		{func(r *scaleResult) *[]time.Duration { return &r.transfer }, 100, func(r *scaleResult, i int) error {
			from, to := r.first, r.next
			if i%2 == 1 {
				from, to = to, from
			}
			_, err := r.bank.Transfer(context.Background(), core.TransferRequest{Ref: core.NewTransferRef(), From: from, To: to, Amount: 1})
			return err
		}},
	}
	for _, m := range measures {
		var err error
		for _, r := range []*scaleResult{small, large} {
			if err = m.call(r, -1); err != nil { // untimed first call
				return err
			}
		}
		for i := range m.n {
			for _, r := range []*scaleResult{small, large} {
				if err := ctx.Err(); err != nil {
					return err
				}
				start := time.Now()
				if err := m.call(r, i); err != nil {
					return err
				}
				*m.times(r) = append(*m.times(r), time.Since(start))
			}
		}
	}
	return nil
}

// removeFast removes dir, whose db/accounts may hold a million files.
// os.RemoveAll closes and re-reads a folder from its start after each 1024
// names it removes (entries may move as others go), so its time grows with
// the square of the folder's size; reading the names once and removing
// them with a pool of workers keeps it linear (about half the time for a
// million files on ext4 here). os.RemoveAll then removes the rest,
// including any name the single pass missed.
func (b *bench) removeFast(dir string) {
	start := time.Now()
	accounts := filepath.Join(dir, "db", "accounts")
	if f, err := os.Open(accounts); err == nil {
		names := make(chan string, 4096)
		var wg sync.WaitGroup
		for range 4 * runtime.NumCPU() {
			wg.Go(func() {
				for name := range names {
					os.Remove(filepath.Join(accounts, name))
				}
			})
		}
		for {
			batch, err := f.Readdirnames(4096)
			for _, name := range batch {
				names <- name
			}
			if err != nil {
				break
			}
		}
		close(names)
		wg.Wait()
		f.Close()
	}
	if err := os.RemoveAll(dir); err != nil {
		b.logf("could not remove %s: %v", dir, err)
		return
	}
	b.logf("removed %s in %s", dir, time.Since(start).Round(time.Millisecond))
}

// accountName is the i-th generated account of a store of n: "u" and i
// with as many digits as n has.
func accountName(i, n int) string {
	return fmt.Sprintf("u%0*d", len(fmt.Sprint(n)), i)
}

// writeAccounts writes n account files into the data folder dbDir as the
// app would have written them (filestore.AccountFile), with a pool of
// workers, all with one bcrypt hash of benchPassword at cost 4.
func writeAccounts(ctx context.Context, b *bench, dbDir string, n int) error {
	first, _, err := filestore.AccountFile(&core.Account{Name: accountName(1, n)})
	if err != nil {
		return err
	}
	if err := os.MkdirAll(filepath.Dir(filepath.Join(dbDir, filepath.FromSlash(first))), 0o700); err != nil {
		return err
	}
	hash, err := bcrypt.GenerateFromPassword([]byte(benchPassword), bcrypt.MinCost)
	if err != nil {
		return err
	}
	now := time.Now().UTC().Truncate(time.Second)
	var next atomic.Int64
	var wg sync.WaitGroup
	errs := make(chan error, 1)
	step := max(n/10, 1)
	for range 4 * runtime.NumCPU() {
		wg.Go(func() {
			for {
				i := int(next.Add(1))
				if i > n || ctx.Err() != nil {
					return
				}
				name, data, err := filestore.AccountFile(&core.Account{Name: accountName(i, n), PasswordHash: string(hash), Balance: 1_000_000, Created: now, Updated: now})
				if err == nil {
					err = os.WriteFile(filepath.Join(dbDir, filepath.FromSlash(name)), data, 0o600)
				}
				if err != nil {
					select {
					case errs <- err:
					default:
					}
					return
				}
				if i%step == 0 && n >= 100_000 {
					b.logf("scale: %s of %s accounts written", count(i), count(n))
				}
			}
		})
	}
	wg.Wait()
	select {
	case err := <-errs:
		return err
	default:
	}
	return ctx.Err()
}

// measureStatement times the statement of this month for a user with 12
// months of history and one with this month only, entries each month.
func measureStatement(ctx context.Context, b *bench) error {
	store, err := docstore.Open(context.Background(), filepath.Join(b.work, "statement"), docstore.Options{})
	if err != nil {
		return err
	}
	defer store.Close()
	bank := &core.Bank{Store: filestore.New(store), Settings: benchSettings(), Now: time.Now, Log: quietLog()}
	if err := bank.Bootstrap(context.Background(), []core.UserSeed{{Name: "year", Password: benchPassword}, {Name: "month", Password: benchPassword}}); err != nil {
		return err
	}
	k := b.opts.entries
	now := time.Now()
	this := time.Date(now.Year(), now.Month(), 1, 0, 0, 0, 0, now.Location())
	b.logf("scale: statements with 12 x %d and 1 x %d entries", k, k)
	if err := fillHistory(bank, store, "year", this, 12, k); err != nil {
		return err
	}
	if err := fillHistory(bank, store, "month", this, 1, k); err != nil {
		return err
	}
	for _, name := range []string{"year", "month"} {
		st, err := bank.Statement(context.Background(), name, this)
		if err != nil {
			return err
		}
		if len(st.Entries) != k {
			return fmt.Errorf("statement of %s for %s has %d entries, want %d", name, this.Format("2006-01"), len(st.Entries), k)
		}
	}
	var times [2][]time.Duration
	for range 100 {
		for i, name := range []string{"year", "month"} {
			if err := ctx.Err(); err != nil {
				return err
			}
			start := time.Now()
			if _, err := bank.Statement(context.Background(), name, this); err != nil {
				return err
			}
			times[i] = append(times[i], time.Since(start))
		}
	}
	year, month := summarize(times[0]), summarize(times[1])
	r := float64(year.median) / float64(month.median)
	b.report.add(row{"Scale", fmt.Sprintf("statement of the last month, 12 months x %d entries of history", k),
		dur(year.median) + " (median)", fmt.Sprintf("1 month x %d: %s", k, dur(month.median)), ratio(float64(year.median), float64(month.median)),
		verdict("equal within noise (20%)", r <= 1.2 && r >= 1/1.2)})
	return nil
}

// fillHistory gives name perMonth repayments in each of the months months
// ending with last. It runs the real Bank.Repay, all inside one docstore
// transaction (through oneTx), so the setup costs one fsync, not one per
// entry.
func fillHistory(bank *core.Bank, store *docstore.Store, name string, last time.Time, months, perMonth int) error {
	return bank.Store.Update(context.Background(), func(tx core.Tx) error {
		batch := *bank
		batch.Store = oneTx{tx}
		for m := range months {
			day := last.AddDate(0, m-(months-1), 0)
			for i := range perMonth {
				at := day.Add(time.Duration(i) * time.Second)
				batch.Now = func() time.Time { return at }
				if err := batch.Repay(context.Background(), name, 1); err != nil {
					return err
				}
			}
		}
		return nil
	})
}

// oneTx is a core.Store whose every transaction is the same open docstore
// transaction: many Bank calls then commit together.
type oneTx struct{ tx core.Tx }

func (o oneTx) Update(_ context.Context, fn func(core.Tx) error) error { return fn(o.tx) }
func (o oneTx) View(_ context.Context, fn func(core.Tx) error) error   { return fn(o.tx) }
