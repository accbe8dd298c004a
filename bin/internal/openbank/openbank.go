// Package openbank opens the bank a configuration describes, with its
// logger: the store its [storage] driver names, the bank's time zone and
// the users of the file. It is the wiring bin/start and bin/server share.
package openbank

import (
	"context"
	"errors"
	"fmt"
	"io"
	"time"

	"github.com/sirupsen/logrus"

	"atmshop/conf"
	"atmshop/core"
	"atmshop/core/filestore"
	"atmshop/core/pgstore"
	"atmshop/core/terminal"
	"atmshop/lib/docstore"
	"atmshop/lib/localzone"
)

// Open sets up logging ([logging]; the console is stderr), opens the
// store, fixes the bank's zone and creates the users of the file that are
// not in the store yet. Waits for another copy's data lock are announced
// on stdout, in lang, and stdout is flushed if it has a Flush method. now
// is the bank's clock (time.Now but in tests). The returned function
// closes the store and the log file; call it whatever the error of what
// follows.
func Open(ctx context.Context, cfg conf.Config, now func() time.Time, lang core.Language, stdout, stderr io.Writer) (*core.Bank, *logrus.Logger, func() error, error) {
	logger, logFile, err := conf.NewLogger(cfg.Log, stderr)
	if err != nil {
		return nil, nil, nil, err
	}
	bank, closeStore, err := openBank(ctx, cfg, now, logger, lang, stdout)
	if err != nil {
		return nil, nil, nil, errors.Join(err, logFile.Close())
	}
	return bank, logger, func() error { return errors.Join(closeStore(), logFile.Close()) }, nil
}

func openBank(ctx context.Context, cfg conf.Config, now func() time.Time, logger *logrus.Logger, lang core.Language, stdout io.Writer) (*core.Bank, func() error, error) {
	store, closeStore, err := openStore(ctx, cfg, logger, lang, stdout)
	if err != nil {
		return nil, nil, err
	}
	bank := &core.Bank{
		Store:    store,
		Settings: cfg.App,
		Now:      now,
		Log:      logger.WithField(conf.ComponentField, "core"),
	}
	// The zone decides which month file an entry goes to, so it is fixed
	// before Bootstrap writes opening balances.
	// The bank's own accounts come before Bootstrap's opening balances,
	// which are booked against them.
	err = bank.SetUpZone(ctx, cfg.TimeZone, localzone.Name)
	if err == nil {
		err = bank.SetUpBooks(ctx)
	}
	if err == nil {
		err = bank.Bootstrap(ctx, cfg.Users)
	}
	if err != nil {
		return nil, nil, errors.Join(lockTimedOut(err, cfg), closeStore())
	}
	return bank, closeStore, nil
}

// openStore opens the store [storage] driver names, and how to close it.
func openStore(ctx context.Context, cfg conf.Config, logger *logrus.Logger, lang core.Language, stdout io.Writer) (core.Store, func() error, error) {
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
			if f, ok := stdout.(interface{ Flush() error }); ok {
				f.Flush() // the person sees it while the wait goes on
			}
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
