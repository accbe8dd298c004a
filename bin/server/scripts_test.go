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
// child process (see overSSH).
func TestMain(m *testing.M) {
	testscript.Main(m, map[string]func(){"atmshop": func() {
		os.Exit(overSSH(os.Args[1:], os.Stdin, os.Stdout, os.Stderr))
	}})
}

// overSSH is bin/start's command line served over SSH: it serves the
// config's bank on a free port of 127.0.0.1 with a new key in its
// authorized_keys, runs stdin through one session without a pty (as
// `ssh -T host < input`), prints what the session sends and returns its
// exit status.
func overSSH(args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	flags := flag.NewFlagSet("atmshop", flag.ContinueOnError)
	flags.SetOutput(stderr)
	configPath := flags.String("config", filepath.Join("conf", "config.ini"), "the configuration file")
	if err := cmdline.Parse(flags, args); err != nil {
		return exitCode(err, stderr)
	}
	status, err := serveOne(*configPath, stdin, stdout, stderr)
	if err != nil {
		return exitCode(err, stderr)
	}
	return status
}

func serveOne(configPath string, stdin io.Reader, stdout, stderr io.Writer) (status int, err error) {
	cfg, err := conf.Load(configPath)
	if err != nil {
		return 0, err
	}
	cfg.Server.Listen = "127.0.0.1:0"
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
	bank, logger, closeBank, err := openbank.Open(ctx, cfg, time.Now, core.English, stdout, stderr)
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
	sess.Stdin, sess.Stdout = stdin, stdout
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

// scriptsOverSSH are bin/start's transcripts that TestScriptsOverSSH runs
// unchanged over SSH: all but five, which match whole log lines such as
// [INFO][login ok user=alice], where a session's lines also carry its id
// and address (login ok remote=127.0.0.1:50512 session=s1 user=alice).
var scriptsOverSSH = []string{
	"admin_checks.txtar",
	"change_password.txtar",
	"config_errors.txtar",
	"data_folder_open.txtar",
	"eof_quit.txtar",
	"help.txtar",
	"hostile_input.txtar",
	"lockout.txtar",
	"seed_config.txtar",
	"shop_checkout.txtar",
	"shop_refusals.txtar",
	"statement.txtar",
	"transfer_refusals.txtar",
	"withdraw_repay.txtar",
}

// TestScriptsOverSSH runs bin/start's transcripts with "atmshop" served
// over SSH without a pty: the scripting contract of a pipe holds over SSH.
func TestScriptsOverSSH(t *testing.T) {
	dir := filepath.Join("..", "start", "testdata")
	config, err := os.ReadFile(filepath.Join(dir, "config.ini"))
	if err != nil {
		t.Fatal(err)
	}
	var files []string
	for _, name := range scriptsOverSSH {
		files = append(files, filepath.Join(dir, "script", name))
	}
	testscript.Run(t, testscript.Params{
		Files: files,
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
