// Command server serves atmshop over SSH: every SSH session is one
// terminal of the app (login, menu, session timeout, lockout and log, as
// bin/start), and all of them share one bank. It loads conf/config.ini,
// sets up logging, opens the bank and serves [server] listen until SIGTERM
// or SIGINT. It wires and nothing else: the SSH side is lib/sshserve, one
// session's app is session.go.
//
// Usage:
//
//	go run ./bin/server [-config conf/config.ini] [-listen host:port]
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"os"
	"os/signal"
	"path/filepath"
	"strings"
	"syscall"
	"time"
	_ "time/tzdata" // [bank] time_zone names load on any machine

	"github.com/sirupsen/logrus"
	"golang.org/x/crypto/ssh"

	"atmshop/bin/internal/cmdline"
	"atmshop/bin/internal/openbank"
	"atmshop/conf"
	"atmshop/core"
	"atmshop/core/terminal"
	"atmshop/lib/sshserve"
)

func main() {
	// SIGTERM (a service manager) and SIGINT (Ctrl-C at the operator's
	// terminal) both stop the server cleanly: exit status 0.
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	err := run(ctx, os.Args[1:], os.Stdin, os.Stdout, os.Stderr)
	stop()
	os.Exit(exitCode(err, os.Stderr))
}

// stopGrace is how long open sessions have, once the server is stopping,
// to finish what they are doing before their connections are closed.
const stopGrace = 5 * time.Second

// run is the whole program behind main, with everything it touches passed
// in, so tests can drive it.
func run(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer) (err error) {
	flags := flag.NewFlagSet(core.ProgramName+" server", flag.ContinueOnError)
	flags.SetOutput(stderr)
	configPath := flags.String("config", filepath.Join("conf", "config.ini"), "the configuration file")
	listen := flags.String("listen", "", "the address to listen on, host:port (default: [server] listen)")
	if err := cmdline.Parse(flags, args); err != nil {
		return err
	}

	cfg, err := conf.Load(*configPath)
	if err != nil {
		return err
	}
	if *listen != "" {
		cfg.Server.Listen = *listen
	}
	bank, logger, closeBank, err := openbank.Open(ctx, cfg, time.Now, core.English, stdout, stderr)
	if err != nil {
		return err
	}
	defer func() { err = errors.Join(err, closeBank()) }()
	return serve(ctx, cfg, logger, bank, terminal.Commands(), stdout)
}

// acceptEnv: a client may send what chooses a session's language and
// colour (OpenSSH sends LANG and LC_* by default), nothing else.
func acceptEnv(name string) bool {
	return name == "LANG" || strings.HasPrefix(name, "LC_") || name == "NO_COLOR"
}

// serve serves the app with the main menu commands on [server] listen
// until ctx ends, then stops. It says where it listens on stdout.
func serve(ctx context.Context, cfg conf.Config, logger *logrus.Logger, bank *core.Bank, commands []terminal.Command, stdout io.Writer) error {
	log := logger.WithField(conf.ComponentField, "server")
	// A mistake in the menus (a key given twice) stops the server here,
	// not every session after it listens.
	if _, err := terminal.New(bank, strings.NewReader(""), io.Discard, terminal.Options{Commands: commands}); err != nil {
		return err
	}
	hostKey, created, err := sshserve.HostKey(cfg.Server.HostKey)
	if err != nil {
		return err
	}
	if created {
		log.WithField("file", cfg.Server.HostKey).Info("created a new host key; clients will be asked to trust its fingerprint " + ssh.FingerprintSHA256(hostKey.PublicKey()))
	}
	// A missing or empty file is not fatal: keys are read at every
	// connection, so the operator can add one without a restart.
	n, err := sshserve.AuthorizedKeys(cfg.Server.AuthorizedKeys)
	switch {
	case err != nil:
		log.WithError(err).WithField("file", cfg.Server.AuthorizedKeys).Warn("nobody can connect yet: the authorized keys file cannot be read")
	case n == 0:
		log.WithField("file", cfg.Server.AuthorizedKeys).Warn("nobody can connect yet: the authorized keys file is missing or holds no key; add a terminal's public key to it (no restart needed)")
	}
	l, err := net.Listen("tcp", cfg.Server.Listen)
	if err != nil {
		return fmt.Errorf("[server] listen = %s: %w", cfg.Server.Listen, err)
	}
	srv := sshserve.New(sshserve.Config{
		HostKey:              hostKey,
		AuthorizedKeys:       cfg.Server.AuthorizedKeys,
		MaxSessions:          cfg.Server.MaxSessions,
		IdleTimeout:          cfg.Server.IdleTimeout,
		ConnectionsPerMinute: cfg.Server.ConnectionsPerMinute,
		Log:                  log,
		AcceptEnv:            acceptEnv,
	}, sessionHandler(bank, cfg.Language, commands))
	served := make(chan error, 1)
	go func() { served <- srv.Serve(l) }()
	fmt.Fprintf(stdout, "%s server listening on %s, host key %s\n", core.ProgramName, l.Addr(), ssh.FingerprintSHA256(hostKey.PublicKey()))
	log.WithFields(logrus.Fields{"config": cfg.File, "listen": l.Addr().String()}).Info("started")

	select {
	case err := <-served:
		return err
	case <-ctx.Done():
	}
	log.Info("stopping: no new connections; open sessions are told and may finish what they are doing")
	grace, cancel := context.WithTimeout(context.Background(), stopGrace)
	defer cancel()
	if err := srv.Shutdown(grace); err != nil {
		log.WithError(err).Warn("closed the sessions still open after the grace period")
	}
	<-served
	log.Info("stopped")
	return nil
}

// exitCode reports err on stderr and picks the exit status: 0 for a normal
// end (a stop signal included), 2 for bad usage, 1 otherwise.
func exitCode(err error, stderr io.Writer) int {
	if status, ok := cmdline.UsageExit(err); ok { // the flag package has printed it
		return status
	}
	if err != nil {
		fmt.Fprintf(stderr, "%s: %v\n", core.ProgramName, err)
		return 1
	}
	return 0
}
