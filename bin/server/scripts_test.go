package main

import (
	"bufio"
	"context"
	"crypto/ed25519"
	"crypto/rand"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/rogpeppe/go-internal/testscript"
	"golang.org/x/crypto/ssh"

	"atmshop/bin/internal/cmdline"
	"atmshop/bin/internal/openbank"
	"atmshop/conf"
	"atmshop/core"
	"atmshop/core/terminal"
	"atmshop/lib/sshserve"
)

// TestMain lets the transcripts run "atmshop" as the app over SSH, in a
// child process (see overSSH), and "atmshop-at" as the same with the
// server's clock fixed at $ATMSHOP_TEST_NOW, as bin/start's tests do.
func TestMain(m *testing.M) {
	testscript.Main(m, map[string]func(){
		"atmshop": func() {
			os.Exit(overSSH(time.Now, os.Args[1:], os.Environ(), os.Stdin, os.Stdout, os.Stderr))
		},
		"atmshop-at": func() {
			now, err := time.Parse(time.RFC3339, os.Getenv("ATMSHOP_TEST_NOW"))
			if err != nil {
				fmt.Fprintln(os.Stderr, "atmshop-at: set ATMSHOP_TEST_NOW to a time such as 2026-12-22T09:00:00+08:00")
				os.Exit(2)
			}
			clock := func() time.Time { return now }
			os.Exit(overSSH(clock, os.Args[1:], os.Environ(), os.Stdin, os.Stdout, os.Stderr))
		},
	})
}

// overSSH is bin/start's command line served over SSH: it serves the
// config's bank, on the clock now, on a free port of 127.0.0.1 with a new
// key in its authorized_keys, runs stdin through one session without a
// pty (as `ssh -T host < input`), prints what the session sends and
// returns its exit status. The session gets the LANG and LC_* of environ,
// as OpenSSH sends them (SendEnv LANG LC_*, as Debian's ssh_config has it).
func overSSH(now func() time.Time, args, environ []string, stdin io.Reader, stdout, stderr io.Writer) int {
	flags := flag.NewFlagSet("atmshop", flag.ContinueOnError)
	flags.SetOutput(stderr)
	configPath := flags.String("config", filepath.Join("conf", "config.ini"), "the configuration file")
	if err := cmdline.Parse(flags, args); err != nil {
		return exitCode(err, stderr)
	}
	status, err := serveOne(*configPath, now, environ, stdin, stdout, stderr)
	if err != nil {
		return exitCode(err, stderr)
	}
	return status
}

func serveOne(configPath string, now func() time.Time, environ []string, stdin io.Reader, stdout, stderr io.Writer) (status int, err error) {
	cfg, err := conf.Load(configPath)
	if err != nil {
		return 0, err
	}
	cfg.Server.Listen = "127.0.0.1:0"
	// Every run is a server and a terminal with keys of their own: runs at
	// once (credit_interest's four) would otherwise overwrite each other's
	// authorized key and race to create the host key.
	keys, err := os.MkdirTemp("", "keys")
	if err != nil {
		return 0, err
	}
	defer os.RemoveAll(keys)
	cfg.Server.HostKey = filepath.Join(keys, "host_key")
	cfg.Server.AuthorizedKeys = filepath.Join(keys, "authorized_keys")
	_, priv, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		return 0, err
	}
	key, err := ssh.NewSignerFromKey(priv)
	if err != nil {
		return 0, err
	}
	if err := os.WriteFile(cfg.Server.AuthorizedKeys, ssh.MarshalAuthorizedKey(key.PublicKey()), 0o600); err != nil {
		return 0, err
	}
	ctx, cancel := context.WithCancel(context.Background())
	bank, logger, closeBank, err := openbank.Open(ctx, cfg, now, core.English, stdout, stderr)
	if err != nil {
		cancel()
		return 0, err
	}
	defer func() { err = errors.Join(err, closeBank()) }()
	listening, w := io.Pipe()
	served := make(chan error, 1)
	go func() {
		served <- serve(ctx, cfg, logger, bank, terminal.Commands(), w)
		w.Close()
	}()
	defer func() {
		cancel()
		err = errors.Join(err, <-served)
	}()
	line, _ := bufio.NewReader(listening).ReadString('\n')
	go io.Copy(io.Discard, listening)
	m := listeningLine.FindStringSubmatch(line)
	if m == nil {
		return 0, fmt.Errorf("the server did not start: %q", line)
	}
	hostKey, _, err := sshserve.HostKey(cfg.Server.HostKey)
	if err != nil {
		return 0, err
	}
	client, err := ssh.Dial("tcp", m[1], &ssh.ClientConfig{
		User: "script", Auth: []ssh.AuthMethod{ssh.PublicKeys(key)},
		HostKeyCallback: ssh.FixedHostKey(hostKey.PublicKey()),
	})
	if err != nil {
		return 0, err
	}
	defer client.Close()
	sess, err := client.NewSession()
	if err != nil {
		return 0, err
	}
	for _, variable := range environ {
		name, value, _ := strings.Cut(variable, "=")
		if name == "LANG" || strings.HasPrefix(name, "LC_") {
			if err := sess.Setenv(name, value); err != nil {
				return 0, fmt.Errorf("sending %s: %w", name, err)
			}
		}
	}
	sess.Stdin, sess.Stdout, sess.Stderr = stdin, stdout, stderr
	if err := sess.Shell(); err != nil {
		return 0, err
	}
	err = sess.Wait()
	var exit *ssh.ExitError
	if errors.As(err, &exit) {
		return exit.ExitStatus(), nil
	}
	return 0, err
}

// TestScriptsOverSSH runs all of bin/start's transcripts with "atmshop"
// served over SSH without a pty: the scripting contract of a pipe holds
// over SSH. Those about the process hold for the server's: a bad config
// stops it with the same line, its data folder draws the same warning,
// [ui] language wins over the LANG the client sends, atmshop-at is the
// server on a fixed clock. Log-line checks allow the session's remote= and
// session= fields. A transcript about the local process alone would have
// to be left out here, with its reason.
func TestScriptsOverSSH(t *testing.T) {
	dir := filepath.Join("..", "start", "testdata")
	config, err := os.ReadFile(filepath.Join(dir, "config.ini"))
	if err != nil {
		t.Fatal(err)
	}
	testscript.Run(t, testscript.Params{
		Dir: filepath.Join(dir, "script"),
		Setup: func(env *testscript.Env) error {
			if err := os.MkdirAll(filepath.Join(env.WorkDir, "conf"), 0o700); err != nil {
				return err
			}
			return os.WriteFile(filepath.Join(env.WorkDir, "conf", "config.ini"), config, 0o600)
		},
		Condition: func(cond string) (bool, error) {
			switch cond {
			case "files":
				return true, nil
			case "postgres":
				return false, nil
			}
			return false, fmt.Errorf("unknown condition %q", cond)
		},
		RequireExplicitExec: true,
	})
}
