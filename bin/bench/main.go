// Command bench measures atmshop as whole processes and prints the numbers
// side by side with what they are compared with, all measured in the same
// run on the same machine:
//
//   - start-up: the built ./bin/start, with end of input at the first
//     prompt, against an empty Go program, a Go program that only imports
//     what ./bin/start links (also both built with CGO_ENABLED=0), and
//     the seed's Python program doing the same;
//   - durable transfers: core.Bank.Transfer on a docstore, against the cost
//     of one fsync and against SQLite (WAL, synchronous=FULL) doing the
//     same transaction through the sqlite3 command;
//   - whole-program sessions: the built program fed a script of transfers
//     (300 and 2,000 per process) with file logging on, against one
//     sqlite3 process fed the same transactions;
//   - group commit: 1, 4 and 16 sessions (goroutines) on one Bank, and 1
//     and 16 SSH sessions on one built ./bin/server, against 16 sqlite3
//     processes writing at once;
//   - scale: start-up, login, balance, transfer and peak memory with many
//     accounts against 10 accounts, and a statement's cost with 12 months
//     of history against 1;
//   - logging: lines per second through conf.NewLogger, rotating, with no
//     line lost, against the same with file logging turned off;
//   - pg: transfers per second on PostgreSQL (core.Bank.Transfer on
//     pgstore) at 1, 8 and 32 concurrent clients, against pgbench running
//     the same statements as a custom script on the same throwaway
//     cluster (fsync on unless -pgfsync=false).
//
// It is a module of its own (bin/bench/go.mod, which replaces atmshop with
// ../..), so that "go test ./..." at the root neither builds nor lists it and
// a copy of the app need not carry it. It builds atmshop's ./bin/start and
// ./bin/server with "go build", so run it from its folder:
//
//	cd bin/bench
//	go run .                    # quick run, 10,000 accounts
//	go run . -scale 1000000     # a million accounts (a few GB, minutes)
//	go run . -markdown          # the table for the README
//
// Its data goes to a temporary folder that it removes at the end (-keep
// keeps it). The folder must be on a real disk, not tmpfs, or the fsync
// numbers mean nothing: bench refuses a tmpfs -dir and, when the system's
// temporary folder is tmpfs, uses the current folder instead. python3 and
// sqlite3 are optional, and so are PostgreSQL's initdb, pg_ctl and pgbench
// and Linux's perf (fsyncs per transfer over SSH):
// without them their comparison is skipped with a note. Progress goes to
// stderr, the table to stdout.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"path/filepath"
	"runtime"
	"strings"
	"syscall"
	"time"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	err := run(ctx, os.Args[1:], os.Stdout, os.Stderr)
	stop()
	os.Exit(exitCode(err, os.Stderr))
}

// options are the command-line flags.
type options struct {
	dir       string // parent of the temporary folder
	markdown  bool
	keep      bool
	only      map[string]bool
	runs      int // start-up runs per program
	transfers int // timed durable transfers (and fsyncs, and SQLite transactions)
	scale     int // accounts in the large store
	entries   int // ledger entries per month for the statement measure
	logLines  int

	shortSession, longSession int    // transfers per whole-program session
	sessionRuns               int    // processes of each kind and length
	baseline                  string // another build of ./bin/start to measure alongside, or ""

	pgFsync             bool // the PostgreSQL cluster commits durably
	pgSeconds, pgRounds int  // per client count and side
}

// sections are the measurements, in the order they run and print.
var sections = []struct {
	name string
	run  func(ctx context.Context, b *bench) error
}{
	{"startup", measureStartup},
	{"transfer", measureTransfers},
	{"session", measureSessions},
	{"group", measureGroup},
	{"scale", measureScale},
	{"log", measureLogging},
	{"pg", measurePostgres},
}

func sectionNames() string {
	var names []string
	for _, s := range sections {
		names = append(names, s.name)
	}
	return strings.Join(names, ",")
}

func parseFlags(args []string, stderr io.Writer) (options, error) {
	var o options
	flags := flag.NewFlagSet("bench", flag.ContinueOnError)
	flags.SetOutput(stderr)
	flags.StringVar(&o.dir, "dir", "", "parent `folder` of the temporary data, on a real disk (default: the system's temporary folder unless it is tmpfs, else the current folder)")
	flags.BoolVar(&o.markdown, "markdown", false, "print the table as Markdown, for the README's Performance section")
	flags.BoolVar(&o.keep, "keep", false, "keep the temporary data and print where it is")
	only := flags.String("only", sectionNames(), "comma-separated `sections` to run")
	flags.IntVar(&o.runs, "runs", 30, "start-up runs of each program")
	flags.IntVar(&o.transfers, "transfers", 1000, "timed durable transfers (also fsyncs and SQLite transactions)")
	flags.IntVar(&o.scale, "scale", 10000, "accounts in the large store, compared with 10")
	flags.IntVar(&o.entries, "entries", 500, "ledger entries per month for the statement measure")
	flags.IntVar(&o.logLines, "loglines", 200000, "log lines per logging run")
	flags.IntVar(&o.shortSession, "short", 300, "transfers per short whole-program session")
	flags.IntVar(&o.longSession, "long", 2000, "transfers per long whole-program session")
	flags.IntVar(&o.sessionRuns, "sessions", 5, "whole-program sessions of each kind and length")
	flags.StringVar(&o.baseline, "baseline", "", "another build of ./bin/start (`program`, e.g. of an earlier commit) measured in the same rounds by startup and session, for a before/after")
	flags.BoolVar(&o.pgFsync, "pgfsync", true, "run the PostgreSQL cluster of -only pg with fsync and synchronous_commit on (off: commits cost no disk flush)")
	flags.IntVar(&o.pgSeconds, "pgseconds", 5, "seconds each side of -only pg runs per round and client count")
	flags.IntVar(&o.pgRounds, "pgrounds", 3, "rounds of -only pg, atmshop and pgbench taking turns")
	if err := flags.Parse(args); err != nil {
		return o, usageError{err}
	}
	if flags.NArg() > 0 {
		fmt.Fprintf(stderr, "bench: unexpected argument %q\n", flags.Arg(0))
		flags.Usage()
		return o, usageError{errors.New("unexpected argument")}
	}
	o.only = map[string]bool{}
	for _, name := range strings.Split(*only, ",") {
		name = strings.TrimSpace(name)
		if name == "" {
			continue
		}
		if !strings.Contains(","+sectionNames()+",", ","+name+",") {
			fmt.Fprintf(stderr, "bench: unknown section %q in -only: want some of %s\n", name, sectionNames())
			return o, usageError{errors.New("bad -only")}
		}
		o.only[name] = true
	}
	for _, n := range []struct {
		name   string
		v, min int
	}{{"runs", o.runs, 1}, {"transfers", o.transfers, 1}, {"scale", o.scale, 10}, {"entries", o.entries, 1}, {"loglines", o.logLines, 1}, {"short", o.shortSession, 1}, {"long", o.longSession, 1}, {"sessions", o.sessionRuns, 1}, {"pgseconds", o.pgSeconds, 1}, {"pgrounds", o.pgRounds, 1}} {
		if n.v < n.min {
			fmt.Fprintf(stderr, "bench: -%s %d: want at least %d\n", n.name, n.v, n.min)
			return o, usageError{errors.New("bad flag value")}
		}
	}
	return o, nil
}

// bench is one run: its options, folders, the table it fills and where
// progress goes.
type bench struct {
	opts     options
	root     string // the module's folder
	work     string // the temporary folder, removed at the end
	binary   string // the built ./bin/start, once built
	progress io.Writer
	report   report
}

// logf reports progress on stderr.
func (b *bench) logf(format string, args ...any) {
	fmt.Fprintf(b.progress, "bench: "+format+"\n", args...)
}

func run(ctx context.Context, args []string, stdout, stderr io.Writer) (err error) {
	o, err := parseFlags(args, stderr)
	if err != nil {
		return err
	}
	b := &bench{opts: o, progress: stderr}
	if b.root, err = moduleRoot(ctx); err != nil {
		return err
	}
	parent, note, err := workParent(o.dir)
	if err != nil {
		return err
	}
	if note != "" {
		b.report.note(note)
	}
	if b.work, err = os.MkdirTemp(parent, "atmshop-bench-"); err != nil {
		return err
	}
	defer func() {
		if o.keep {
			b.logf("kept the data in %s", b.work)
			return
		}
		start := time.Now()
		if rerr := os.RemoveAll(b.work); rerr != nil {
			err = errors.Join(err, rerr)
		}
		b.logf("removed %s in %s", b.work, time.Since(start).Round(time.Millisecond))
	}()
	b.report.env = environment(parent)
	b.logf("data in %s (%s)", b.work, fsType(parent))

	start := time.Now()
	for _, s := range sections {
		if !o.only[s.name] {
			continue
		}
		if err := ctx.Err(); err != nil {
			return err
		}
		if err := s.run(ctx, b); err != nil {
			return fmt.Errorf("%s: %w", s.name, err)
		}
	}
	end := fmt.Sprintf("Whole run: %s", time.Since(start).Round(time.Second))
	if l := load(); l != "" {
		end += "; " + l + " at the end"
	}
	b.report.note(end + ".")
	if o.markdown {
		b.report.markdown(stdout)
	} else {
		b.report.plain(stdout)
	}
	return nil
}

// moduleRoot is the folder of the app's module, whose ./bin/start bench
// builds. bench is a module of its own (bin/bench/go.mod) that replaces
// the app's module with ../.., so the app is two folders above bench's
// go.mod, whatever the app's module is named.
func moduleRoot(ctx context.Context) (string, error) {
	out, err := command(ctx, "", "go", "env", "GOMOD")
	gomod := strings.TrimSpace(out)
	if err != nil || filepath.Base(filepath.Dir(gomod)) != "bench" {
		return "", fmt.Errorf("find the app's module: run bench in its own folder (cd bin/bench && go run .); go env GOMOD says %q (%v)", gomod, err)
	}
	root := filepath.Dir(filepath.Dir(filepath.Dir(gomod)))
	if _, err := os.Stat(filepath.Join(root, "go.mod")); err != nil {
		return "", fmt.Errorf("find the app's module: %w", err)
	}
	return root, nil
}

// workParent picks the folder to hold the temporary data: dir if given (it
// must not be tmpfs), else the system's temporary folder unless it is
// tmpfs, else the current folder.
func workParent(dir string) (parent, note string, err error) {
	if dir != "" {
		if err := os.MkdirAll(dir, 0o700); err != nil {
			return "", "", err
		}
		if isTmpfs(dir) {
			return "", "", fmt.Errorf("-dir %s is on tmpfs (memory): fsync costs nothing there; pick a folder on a disk", dir)
		}
		return dir, "", nil
	}
	if tmp := os.TempDir(); !isTmpfs(tmp) {
		return tmp, "", nil
	}
	wd, err := os.Getwd()
	if err != nil {
		return "", "", err
	}
	return wd, fmt.Sprintf("%s is tmpfs, so the data went under the current folder %s.", os.TempDir(), wd), nil
}

func environment(dir string) string {
	env := fmt.Sprintf("%s/%s, %d CPUs, %s; data on %s (%s)", runtime.GOOS, runtime.GOARCH, runtime.NumCPU(), runtime.Version(), dir, fsType(dir))
	if l := load(); l != "" {
		env += "; " + l + " at the start"
	}
	return env
}

// usageError is a mistake on the command line (exit status 2), already
// reported.
type usageError struct{ err error }

func (e usageError) Error() string { return e.err.Error() }

func exitCode(err error, stderr io.Writer) int {
	var usage usageError
	switch {
	case err == nil:
		return 0
	case errors.As(err, &usage):
		if errors.Is(usage.err, flag.ErrHelp) {
			return 0
		}
		return 2
	case errors.Is(err, context.Canceled):
		fmt.Fprintln(stderr, "bench: interrupted")
		return 130
	default:
		fmt.Fprintf(stderr, "bench: %v\n", err)
		return 1
	}
}
