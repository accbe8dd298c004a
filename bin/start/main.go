// Command start runs atmshop, the terminal ATM & shop: it loads
// conf/config.ini, sets up logging, opens the user files in db/ and hands
// the terminal to core. It wires and nothing else.
//
// Usage:
//
//	go run ./bin/start [-config conf/config.ini]
package main

import (
	"bufio"
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

	"golang.org/x/term"

	"atmshop/bin/internal/cmdline"
	"atmshop/bin/internal/openbank"
	"atmshop/conf"
	"atmshop/core"
	"atmshop/core/terminal"
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
	if err := cmdline.Parse(flags, args); err != nil {
		return err
	}

	cfg, err := conf.Load(*configPath)
	if err != nil {
		return err
	}
	lang := terminal.ChooseLanguage(cfg.Language, getenv)
	// What the program writes to the person is buffered: the prompter
	// flushes it before every wait for an answer, and so does the notice
	// of a wait for the data lock; the rest goes out at the end. A menu is
	// then one write, not one per line.
	out := bufio.NewWriter(stdout)
	defer out.Flush()
	bank, logger, closeBank, err := openbank.Open(ctx, cfg, now, lang, out, stderr)
	if err != nil {
		return err
	}
	defer func() { err = errors.Join(err, closeBank()) }()
	app, err := terminal.New(bank, stdin, out, terminal.Options{
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
	return ok && term.IsTerminal(int(f.Fd())) && terminal.ColorAllowed(getenv)
}

// exitCode reports err on stderr and picks the exit status: 0 for a normal
// end, 128 + the signal's number when a signal stopped it (130 for Ctrl-C,
// as shells do), 2 for bad usage, 1 otherwise. cause is the context's
// cause, a signalled when a signal ended it.
func exitCode(err, cause error, stderr io.Writer) int {
	if status, ok := cmdline.UsageExit(err); ok { // the flag package has printed it
		return status
	}
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
	default:
		fmt.Fprintf(stderr, "%s: %v\n", core.ProgramName, err)
		return 1
	}
}
