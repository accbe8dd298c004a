package main

import (
	"bufio"
	"bytes"
	"context"
	"crypto/ed25519"
	"crypto/rand"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"syscall"
	"time"

	"golang.org/x/crypto/ssh"
)

// Group commit over SSH (issue 9, target 3, whole-process): the built
// bin/server serves a project of its own (the shipped config.ini, files
// store, file logging on, plus one user per account of the group measure),
// and n x/crypto/ssh clients, each on a connection of its own and with no
// pty, run a scripted session each: log in, transfers, quit, the same
// script the whole-program measure feeds bin/start on stdin. A round is
// timed from the moment every session has logged in and waits at the menu
// until the last has ended, so bcrypt at the shipped cost is not counted.

// sshServer is bin/server running on a project folder.
type sshServer struct {
	dir     string
	cmd     *exec.Cmd
	stderr  bytes.Buffer // read only once the process has exited
	addr    string
	key     ssh.Signer // the only key in the project's authorized_keys
	hostKey ssh.PublicKey
}

// startSSHServer builds bin/server and starts it on a new project folder
// under the work folder, with users for accounts accounts, listening on a
// free port of the loopback interface.
func startSSHServer(ctx context.Context, b *bench, accounts int) (*sshServer, error) {
	exe, err := b.build(ctx, "./bin/server", "atmshop-server")
	if err != nil {
		return nil, err
	}
	dir, err := b.project("group-ssh")
	if err != nil {
		return nil, err
	}
	// The rounds open more connections a minute than the shipped limit
	// lets one address open.
	if err := setConfigKey(dir, "connections_per_minute", "100000"); err != nil {
		return nil, err
	}
	var users strings.Builder
	for i := range accounts {
		fmt.Fprintf(&users, "\n[%s]\npassword = %s\nmoney = 1000000\n", groupAccount(i), benchPassword)
	}
	config, err := os.OpenFile(filepath.Join(dir, "conf", "config.ini"), os.O_APPEND|os.O_WRONLY, 0)
	if err != nil {
		return nil, err
	}
	_, err = config.WriteString(users.String())
	if err := errors.Join(err, config.Close()); err != nil {
		return nil, err
	}
	_, private, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		return nil, err
	}
	s := &sshServer{dir: dir}
	if s.key, err = ssh.NewSignerFromKey(private); err != nil {
		return nil, err
	}
	if err := os.WriteFile(filepath.Join(dir, "conf", "authorized_keys"), ssh.MarshalAuthorizedKey(s.key.PublicKey()), 0o600); err != nil {
		return nil, err
	}

	s.cmd = exec.Command(exe, "-listen", "127.0.0.1:0")
	s.cmd.Dir = dir
	s.cmd.Stderr = &s.stderr
	stdout, err := s.cmd.StdoutPipe()
	if err != nil {
		return nil, err
	}
	b.logf("starting bin/server in %s (bcrypt for every config user first)", dir)
	if err := s.cmd.Start(); err != nil {
		return nil, err
	}
	line, err := bufio.NewReader(stdout).ReadString('\n')
	m := regexp.MustCompile(`server listening on (\S+), host key`).FindStringSubmatch(line)
	if m == nil {
		s.cmd.Process.Kill()
		s.cmd.Wait()
		return nil, fmt.Errorf("bin/server did not start: %q, %v; stderr: %s", line, err, strings.TrimSpace(s.stderr.String()))
	}
	go io.Copy(io.Discard, stdout)
	s.addr = m[1]
	data, err := os.ReadFile(filepath.Join(dir, "conf", "host_key"))
	if err == nil {
		var hostKey ssh.Signer
		if hostKey, err = ssh.ParsePrivateKey(data); err == nil {
			s.hostKey = hostKey.PublicKey()
		}
	}
	if err != nil {
		return nil, errors.Join(fmt.Errorf("the server's host key: %w", err), s.stop())
	}
	return s, nil
}

// stop stops the server as a service manager does (SIGTERM) and checks
// that it exits with status 0.
func (s *sshServer) stop() error {
	if err := s.cmd.Process.Signal(syscall.SIGTERM); err != nil {
		return err
	}
	if err := s.cmd.Wait(); err != nil {
		return fmt.Errorf("bin/server after SIGTERM: %w; stderr: %s", err, strings.TrimSpace(s.stderr.String()))
	}
	return nil
}

// dial connects as a terminal with the authorized key, pinning the
// server's host key.
func (s *sshServer) dial() (*ssh.Client, error) {
	return ssh.Dial("tcp", s.addr, &ssh.ClientConfig{
		User:            "bench",
		Auth:            []ssh.AuthMethod{ssh.PublicKeys(s.key)},
		HostKeyCallback: ssh.FixedHostKey(s.hostKey),
		Timeout:         time.Minute,
	})
}

// sshDriver runs n SSH sessions at once, session k logged in as account
// 2k and transferring to account 2k+1, as the group measure's goroutines
// and SQLite writers do.
func sshDriver(s *sshServer, n int) *groupDriver {
	name := fmt.Sprintf("atmshop over SSH: %d sessions at once on one bin/server process (x/crypto/ssh clients, no pty, file logging on), timed from the first transfer", n)
	if n == 1 {
		name = "atmshop over SSH: 1 session on a bin/server process (x/crypto/ssh client, no pty, file logging on), timed from the first transfer"
	}
	return &groupDriver{name: name, round: func(ctx context.Context, total int) (time.Duration, error) {
		return s.round(ctx, n, total, nil)
	}}
}

// round runs total transfers in n sessions at once and times them from
// the moment all n are logged in. With timed non-nil, timed.start is
// called just before the transfers are sent and timed.stop just after the
// last session ends, both outside the time returned.
func (s *sshServer) round(ctx context.Context, n, total int, timed *fsyncCount) (time.Duration, error) {
	begin := make(chan struct{})
	var ready, done sync.WaitGroup
	loginErrs, errs := make([]error, n), make([]error, n)
	ends := make([]time.Time, n)
	for k := range n {
		ready.Add(1)
		done.Go(func() {
			ends[k], errs[k] = s.session(ctx, groupAccount(2*k), groupAccount(2*k+1), share(total, n, k), func(err error) {
				loginErrs[k] = err
				ready.Done()
			}, begin)
		})
	}
	ready.Wait()
	if err := errors.Join(loginErrs...); err != nil {
		close(begin)
		done.Wait()
		return 0, err
	}
	if timed != nil {
		if err := timed.start(); err != nil {
			close(begin)
			done.Wait()
			return 0, err
		}
	}
	start := time.Now()
	close(begin)
	done.Wait()
	var end time.Time
	for _, t := range ends {
		if t.After(end) {
			end = t
		}
	}
	err := errors.Join(errs...)
	if timed != nil {
		err = errors.Join(err, timed.stop())
	}
	return end.Sub(start), err
}

// fsyncsPerTransfer runs one more round of total transfers in n
// sessions, untimed, with perf counting the server's fsync and fdatasync
// calls from the first transfer to the end.
func (s *sshServer) fsyncsPerTransfer(ctx context.Context, dir string, n, total int) (float64, error) {
	c, err := countFsyncs(ctx, dir, s.cmd.Process.Pid)
	if err != nil {
		return 0, err
	}
	_, err = s.round(ctx, n, total, c)
	calls, cerr := c.close()
	if err := errors.Join(err, cerr); err != nil {
		return 0, err
	}
	return float64(calls) / float64(total), nil
}

// share is writer k's share when n writers do total operations.
func share(total, n, k int) int {
	s := total / n
	if k < total%n {
		s++
	}
	return s
}

// session connects and logs in as user, then calls loggedIn (with nil,
// or the reason it could not log in); once begin is closed it sends
// transfers transfers of 0.01 to recipient and quit. It returns when the
// session ended, with the time it ended.
func (s *sshServer) session(ctx context.Context, user, recipient string, transfers int, loggedIn func(error), begin <-chan struct{}) (time.Time, error) {
	fail := func(err error) (time.Time, error) {
		if loggedIn != nil {
			loggedIn(fmt.Errorf("session of %s: %w", user, err))
		}
		return time.Time{}, nil
	}
	c, err := s.dial()
	if err != nil {
		return fail(err)
	}
	defer c.Close()
	sess, err := c.NewSession()
	if err != nil {
		return fail(err)
	}
	defer sess.Close()
	stdin, err := sess.StdinPipe()
	if err != nil {
		return fail(err)
	}
	out := &menuWatch{atMenu: make(chan struct{})}
	sess.Stdout = out
	if err := sess.Shell(); err != nil {
		return fail(err)
	}
	ended := make(chan error, 1)
	go func() { ended <- sess.Wait() }()
	if _, err := io.WriteString(stdin, user+"\n"+benchPassword+"\n"); err != nil {
		return fail(err)
	}
	select {
	case <-out.atMenu:
	case err := <-ended:
		return fail(fmt.Errorf("ended before the menu (%v): %q", err, out.String()))
	case <-ctx.Done():
		return fail(ctx.Err())
	}
	loggedIn(nil)
	loggedIn = nil
	<-begin
	if _, err := io.WriteString(stdin, transfersScript(recipient, transfers)); err != nil {
		return time.Time{}, fmt.Errorf("session of %s: %w", user, err)
	}
	stdin.Close()
	var waitErr error
	select {
	case waitErr = <-ended:
	case <-ctx.Done():
		return time.Time{}, ctx.Err()
	}
	end := time.Now()
	got := strings.Count(out.String(), "Transferred 0.01 to "+recipient)
	if waitErr != nil || got != transfers || !strings.Contains(out.String(), "Welcome, "+user+".") {
		return end, fmt.Errorf("SSH session of %s with %d transfers: %v, %d transfers reported; output ends: %q", user, transfers, waitErr, got, tail(out.String(), 300))
	}
	return end, nil
}

// tail is the last n bytes of s.
func tail(s string, n int) string { return s[max(len(s)-n, 0):] }

// menuWatch keeps a session's output and closes atMenu when the first
// menu prompt has come: after the login, as no menu is shown before it.
type menuWatch struct {
	mu     sync.Mutex
	out    bytes.Buffer
	atMenu chan struct{}
	seen   bool
}

func (w *menuWatch) Write(p []byte) (int, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.out.Write(p)
	if !w.seen && bytes.Contains(w.out.Bytes(), []byte("choice> ")) {
		w.seen = true
		close(w.atMenu)
	}
	return len(p), nil
}

func (w *menuWatch) String() string {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.out.String()
}
