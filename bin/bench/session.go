package main

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"time"
)

// Whole-program sessions (issue 9, target 1): the built program fed a
// script of n transfers, with file logging on as shipped, less a session
// that only logs in and quits; against one sqlite3 process fed the same n
// transactions, less one fed none. Short sessions are 300 transfers per
// process, long ones 2,000.
const (
	shortTarget = 1.2 // atmshop/SQLite in short sessions
	longTarget  = 1.0 // in long ones
)

// sessionScript is what a person types for n transfers of 0.01 from egon
// to alex: log in, then the transfers, then quit.
func sessionScript(n int) string { return "egon\n123\n" + transfersScript("alex", n) }

// transfersScript is what a logged-in person types at the menu for n
// transfers of 0.01 to: for each "3", the recipient, the amount, "y"; then
// quit.
func transfersScript(to string, n int) string {
	var s strings.Builder
	for range n {
		s.WriteString("3\n" + to + "\n0.01\ny\n")
	}
	s.WriteString("q\n")
	return s.String()
}

// sessionContender runs atmshop sessions in the project folder dir; each
// round is one process, timed less the median of loginRuns login-only
// processes run just before it (bcrypt at the shipped cost is most of
// those).
func sessionContender(exe, dir string) *contender {
	const loginRuns = 3
	var logins []time.Duration
	round := func(ctx context.Context, n int) (time.Duration, error) {
		run := func(n int) (time.Duration, error) {
			p, err := timed(ctx, dir, strings.NewReader(sessionScript(n)), exe)
			if err != nil {
				return 0, err
			}
			if got := strings.Count(p.stdout, "Transferred 0.01 to alex"); p.exit != 0 || got != n {
				return 0, fmt.Errorf("atmshop session of %d transfers: exit status %d, %d transfers reported; stderr: %s", n, p.exit, got, strings.TrimSpace(p.stderr))
			}
			return p.wall, nil
		}
		for range loginRuns {
			d, err := run(0)
			if err != nil {
				return 0, err
			}
			logins = append(logins, d)
		}
		d, err := run(n)
		return max(d-summarize(logins).median, 0), err
	}
	return &contender{name: "atmshop session", round: round}
}

// measureSessions compares the whole program with SQLite in short and long
// sessions, the two taking turns process by process.
func measureSessions(ctx context.Context, b *bench) error {
	sqliteExe, err := exec.LookPath("sqlite3")
	if err != nil {
		b.report.note("Whole-program comparison skipped: no sqlite3 command on PATH.")
		return nil
	}
	exe, err := b.buildStart(ctx)
	if err != nil {
		return err
	}
	for _, s := range []struct {
		name   string
		n      int
		target float64
	}{
		{"short", b.opts.shortSession, shortTarget},
		{"long", b.opts.longSession, longTarget},
	} {
		dir, err := b.project("session-" + s.name)
		if err != nil {
			return err
		}
		ours := sessionContender(exe, dir)
		sqlite, version, err := sqliteContender(ctx, sqliteExe, filepath.Join(b.work, "session-"+s.name+".sqlite"))
		if err != nil {
			return err
		}
		// The same program with file logging off: what the log line costs.
		quietDir, err := b.project("session-quiet-" + s.name)
		if err != nil {
			return err
		}
		if err := setFileLevel(quietDir, "error"); err != nil {
			return err
		}
		quiet := sessionContender(exe, quietDir)
		all := []*contender{ours, sqlite, quiet}
		var base *contender
		if b.opts.baseline != "" {
			baseDir, err := b.project("session-baseline-" + s.name)
			if err != nil {
				return err
			}
			base = sessionContender(b.opts.baseline, baseDir)
			all = append(all, base)
		}
		// The first session creates db/ and log/ (bcrypt for every
		// config user), as any earlier run would have.
		for _, c := range all {
			if _, err := c.round(ctx, 1); err != nil {
				return fmt.Errorf("%s: %w", c.name, err)
			}
		}
		b.logf("sessions: %d processes of %d transfers each for %d contenders, taking turns", b.opts.sessionRuns, s.n, len(all))
		for range b.opts.sessionRuns {
			for _, c := range all {
				d, err := c.round(ctx, s.n)
				if err != nil {
					return fmt.Errorf("%s: %w", c.name, err)
				}
				c.total += d
				c.ops += s.n
			}
		}
		r := ours.perSecond() / sqlite.perSecond()
		b.report.add(row{"Whole program", fmt.Sprintf("atmshop session of %d transfers per process (script on stdin, file logging on), less a login-only session", s.n),
			fmt.Sprintf("%s (%s each)", rate(ours.perSecond()), dur(ours.each())),
			fmt.Sprintf("SQLite %s, %d per sqlite3 process: %s (%s each)", version, s.n, rate(sqlite.perSecond()), dur(sqlite.each())),
			ratio(ours.perSecond(), sqlite.perSecond()) + " (atmshop/SQLite)",
			verdict(fmt.Sprintf(">= %.1fx SQLite's rate (%s sessions)", s.target, s.name), r >= s.target)})
		b.report.add(row{"Whole program", fmt.Sprintf("the same sessions of %d transfers with file_level = error (no log line written)", s.n),
			fmt.Sprintf("%s (%s each)", rate(quiet.perSecond()), dur(quiet.each())),
			"SQLite " + rate(sqlite.perSecond()),
			ratio(quiet.perSecond(), sqlite.perSecond()) + " (atmshop/SQLite)", ""})
		if base != nil {
			b.report.add(row{"Whole program", fmt.Sprintf("the -baseline build, same sessions of %d transfers", s.n),
				fmt.Sprintf("%s (%s each)", rate(base.perSecond()), dur(base.each())),
				"this build " + rate(ours.perSecond()),
				ratio(base.perSecond(), sqlite.perSecond()) + " (baseline/SQLite); " + ratio(ours.perSecond(), base.perSecond()) + " (this/baseline)", ""})
		}
	}
	b.report.note(fmt.Sprintf("Whole program: %d processes of each kind and length, taking turns; each atmshop session logs in as egon (shipped config.ini, bcrypt cost 10) and transfers 0.01 to alex per \"3, alex, 0.01, y\"; the median of 3 login-and-quit sessions run before each is subtracted. SQLite runs the same transaction as in the Transfers rows, less a sqlite3 process fed none.", b.opts.sessionRuns))
	return nil
}

// setFileLevel sets [logging] file_level in the project's config.ini.
func setFileLevel(dir, level string) error { return setConfigKey(dir, "file_level", level) }

// setConfigKey sets key, which must be in the project's config.ini once
// (in whichever section), to value.
func setConfigKey(dir, key, value string) error {
	path := filepath.Join(dir, "conf", "config.ini")
	data, err := os.ReadFile(path)
	if err != nil {
		return err
	}
	lines := strings.Split(string(data), "\n")
	found := 0
	for i, l := range lines {
		if k, _, ok := strings.Cut(l, "="); ok && !strings.HasPrefix(strings.TrimSpace(l), "#") && strings.TrimSpace(k) == key {
			lines[i] = key + " = " + value
			found++
		}
	}
	if found != 1 {
		return fmt.Errorf("%s has %d %s keys, want 1 to set", path, found, key)
	}
	return os.WriteFile(path, []byte(strings.Join(lines, "\n")), 0o600)
}
