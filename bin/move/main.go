// Command move copies a bank from the files store (the config's [storage]
// dir) into an empty PostgreSQL database, in one transaction, and checks
// the copy: every account, ledger line and order, and the total of the
// balances. It refuses a database that already holds a bank. Stop every
// copy of atmshop first; then set [storage] driver = postgres.
//
// Usage:
//
//	go run ./bin/move [-config conf/config.ini] [-to dsn]
//
// Without -to, the target is [storage] dsn (or the PG* variables).
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
	_ "time/tzdata" // the bank's zone loads on any machine

	"atmshop/conf"
	"atmshop/core"
	"atmshop/core/filestore"
	"atmshop/core/pgstore"
	"atmshop/lib/docstore"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	err := run(ctx, os.Args[1:], os.Stdout, os.Stderr)
	stop()
	if err != nil {
		fmt.Fprintln(os.Stderr, "move:", err)
		var usage usageError
		if errors.As(err, &usage) {
			os.Exit(2)
		}
		os.Exit(1)
	}
}

type usageError struct{ error }

func run(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	flags := flag.NewFlagSet("move", flag.ContinueOnError)
	flags.SetOutput(stderr)
	configPath := flags.String("config", filepath.Join("conf", "config.ini"), "the configuration file: its [storage] dir is the source")
	to := flags.String("to", "", "the target PostgreSQL database (libpq string or URL); default [storage] dsn")
	if err := flags.Parse(args); err != nil {
		return usageError{err}
	}
	if flags.NArg() > 0 {
		return usageError{fmt.Errorf("unexpected argument %q", flags.Arg(0))}
	}
	cfg, err := conf.Load(*configPath)
	if err != nil {
		return err
	}
	dsn := *to
	if dsn == "" {
		dsn = cfg.DSN
	}
	if _, err := os.Stat(cfg.DBDir); err != nil {
		return fmt.Errorf("no bank to move in %s: %w", cfg.DBDir, err)
	}
	src, err := filestore.Open(ctx, cfg.DBDir, docstore.Options{LockTimeout: cfg.LockTimeout})
	if err != nil {
		return err
	}
	defer src.Close()
	dst, err := pgstore.Open(ctx, dsn)
	if err != nil {
		return err
	}
	defer dst.Close()
	sum, err := core.Move(ctx, src, dst)
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "Moved %d accounts, %d ledger lines and %d orders (balances total %s) from %s; verified.\n",
		sum.Accounts, sum.Entries, sum.Orders, sum.Balances, cfg.DBDir)
	return nil
}
