// Command start runs atmshop, the terminal ATM & shop: it loads
// conf/config.ini, sets up logging, opens the user files in db/ and hands
// the terminal to core. It wires and nothing else.
//
// Usage:
//
//	go run ./bin/start [-config conf/config.ini]
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
	"syscall"
	"time"
	_ "time/tzdata" // [bank] time_zone names load on any machine

	"github.com/sirupsen/logrus"
	"golang.org/x/term"

	"atmshop/conf"
	"atmshop/core"
	"atmshop/core/filestore"
	"atmshop/core/pgstore"
	"atmshop/core/terminal"
	"atmshop/lib/docstore"
	"atmshop/lib/localzone"
)

// stopSignals end the program the way Ctrl-C does: the terminal is put
// back and the exit status is the shell's 128 + the signal's number. With
// SIGQUIT (Ctrl-\) caught, Go prints no stack dump at the person. (Windows
// has these names too, and delivers only os.Interrupt.)
var stopSignals = []os.Signal{os.Interrupt, syscall.SIGTERM, syscall.SIGHUP, syscall.SIGQUIT}

func main() {
	ctx, cancel := context.WithCancelCause(context.Background())
	// Not stopped before exit: a second signal while the program shuts down
	// must not dump the stack or kill it half-way either.
	signals := make(chan os.Signal, 1)
	signal.Notify(signals, stopSignals...)
	go func() { cancel(signalled{<-signals}) }()
	err := run(ctx, os.Args[1:], os.Getenv, os.Stdin, os.Stdout, os.Stderr)
	os.Exit(exitCode(err, context.Cause(ctx), os.Stderr))
}

// signalled is the cause of the context's end when a stop signal arrived.
type signalled struct{ sig os.Signal }

func (s signalled) Error() string { return s.sig.String() + " signal received" }

// run is the whole program behind main, with everything it touches passed
// in (getenv is os.Getenv), so tests can drive it.
func run(ctx context.Context, args []string, getenv func(string) string, stdin io.Reader, stdout, stderr io.Writer) error {
	return runAt(ctx, time.Now, args, getenv, stdin, stdout, stderr)
}

// runAt is run with the bank's clock. Only the tests' binary passes
// another clock than time.Now (main_test.go): a person cannot set it.
func runAt(ctx context.Context, now func() time.Time, args []string, getenv func(string) string, stdin io.Reader, stdout, stderr io.Writer) (err error) {
	flags := flag.NewFlagSet(core.ProgramName, flag.ContinueOnError)
	flags.SetOutput(stderr)
	configPath := flags.String("config", filepath.Join("conf", "config.ini"), "the configuration file")
	if err := flags.Parse(args); err != nil {
		return usageError{err}
	}
	if flags.NArg() > 0 {
		fmt.Fprintf(stderr, "unexpected argument %q\n", flags.Arg(0))
		flags.Usage()
		return usageError{errors.New("unexpected argument")}
	}

	cfg, err := conf.Load(*configPath)
	if err != nil {
		return err
	}
	logger, logFile, err := conf.NewLogger(cfg.Log, stderr)
	if err != nil {
		return err
	}
	defer func() { err = errors.Join(err, logFile.Close()) }()

	lang := terminal.ChooseLanguage(cfg.Language, getenv)
	store, closeStore, err := openStore(ctx, cfg, logger, stdout, lang)
	if err != nil {
		return err
	}
	defer func() { err = errors.Join(err, closeStore()) }()

	bank := &core.Bank{
		Store:    store,
		Settings: cfg.App,
		Now:      now,
		Log:      logger.WithField("component", "core"),
	}
	// The zone decides which month file an entry goes to, so it is fixed
	// before Bootstrap writes opening balances.
	if err := bank.SetUpZone(ctx, cfg.TimeZone, localzone.Name); err != nil {
		return lockTimedOut(err, cfg)
	}
	if err := bank.SetUpBooks(ctx); err != nil {
		return lockTimedOut(err, cfg)
	}
	if err := bank.Bootstrap(ctx, cfg.Users); err != nil {
		return lockTimedOut(err, cfg)
	}
	app, err := terminal.New(bank, stdin, stdout, terminal.Options{
		Language: lang,
		Color:    colorWanted(stdout, getenv),
	})
	if err != nil {
		return err
	}
	logger.WithField("component", "main").WithField("config", cfg.File).Info("started")
	return app.Run(ctx)
}

// colorWanted reports whether the app may colour its output: only when it
// goes to a terminal (never to a pipe or a file), the terminal is not a
// dumb one, and NO_COLOR (no-color.org) is unset or empty.
func colorWanted(stdout io.Writer, getenv func(string) string) bool {
	f, ok := stdout.(*os.File)
	return ok && term.IsTerminal(int(f.Fd())) && getenv("NO_COLOR") == "" && getenv("TERM") != "dumb"
}

// openStore opens the store [storage] driver names, and how to close it.
func openStore(ctx context.Context, cfg conf.Config, logger *logrus.Logger, stdout io.Writer, lang core.Language) (core.Store, func() error, error) {
	if cfg.Driver == conf.DriverPostgres {
		// Its errors name the host and database, never the password.
		store, err := pgstore.Open(ctx, cfg.DSN)
		if err != nil {
			return nil, nil, err
		}
		return store, func() error { store.Close(); return nil }, nil
	}
	// Before Open, which creates the folder when it is missing.
	conf.WarnIfDataFolderOpen(logger.WithField(conf.ComponentField, "main"), cfg.DBDir)
	storeLog := logger.WithFields(logrus.Fields{conf.ComponentField: "store", core.FileOnlyField: true})
	store, err := filestore.Open(ctx, cfg.DBDir, docstore.Options{
		LockTimeout: cfg.LockTimeout,
		// After the commit point: the change is done, finishing it is the
		// store's business, and the operator reads about it in the log.
		Warn: func(err error) { storeLog.WithError(err).Error("storage needs attention") },
		OnLockWait: func() {
			io.WriteString(stdout, terminal.Translate(lang, "Another copy of %s is using the data; waiting for it (Ctrl-C to stop)…\n", core.ProgramName))
		},
	})
	if err != nil {
		return nil, nil, lockTimedOut(err, cfg)
	}
	return store, store.Close, nil
}

// lockTimedOut words a start-up that gave up waiting for another copy of
// the program, for the operator who started this one; other errors pass.
func lockTimedOut(err error, cfg conf.Config) error {
	if errors.Is(err, core.ErrBusy) {
		return fmt.Errorf("another copy of %s has held the data in %s for more than %s (lock_timeout); try again when it is done, or stop it", core.ProgramName, cfg.DBDir, cfg.LockTimeout)
	}
	return err
}

// usageError is a mistake on the command line (exit status 2), already
// reported with the usage text.
type usageError struct{ err error }

func (e usageError) Error() string { return e.err.Error() }

// exitCode reports err on stderr and picks the exit status: 0 for a normal
// end, 128 + the signal's number when a signal stopped it (130 for Ctrl-C,
// as shells do), 2 for bad usage, 1 otherwise. cause is the context's
// cause, a signalled when a signal ended it.
func exitCode(err, cause error, stderr io.Writer) int {
	var usage usageError
	var sig signalled
	switch {
	case err == nil:
		return 0
	case errors.Is(err, context.Canceled):
		if !errors.As(cause, &sig) || sig.sig == os.Interrupt {
			fmt.Fprintf(stderr, "\n%s: interrupted\n", core.ProgramName)
			return 130
		}
		fmt.Fprintf(stderr, "\n%s: stopped (%s)\n", core.ProgramName, sig.sig)
		if n, ok := sig.sig.(syscall.Signal); ok {
			return 128 + int(n)
		}
		return 1
	case errors.As(err, &usage): // the flag package has printed it
		if errors.Is(usage.err, flag.ErrHelp) {
			return 0
		}
		return 2
	default:
		fmt.Fprintf(stderr, "%s: %v\n", core.ProgramName, err)
		return 1
	}
}
