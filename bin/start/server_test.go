package main

// Whole-process tests of bin/server, beside bin/start's sandbox and its
// auditor of the books, which they share: the real server binary serves a
// sandbox, and the clients are x/crypto/ssh and the real OpenSSH client.

import (
	"bufio"
	"crypto/ed25519"
	"crypto/rand"
	"encoding/pem"
	"errors"
	"fmt"
	"io"
	mathrand "math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/creack/pty"
	"golang.org/x/crypto/ssh"
)

// serverHangGuard only stops a test that would otherwise hang.
const serverHangGuard = 3 * time.Minute

// serverProcess is bin/server running on a sandbox.
type serverProcess struct {
	t       testing.TB
	sb      *sandbox
	cmd     *exec.Cmd
	stderr  *strings.Builder
	addr    string
	key     ssh.Signer // in the sandbox's authorized_keys
	hostKey ssh.PublicKey
}

// startServer builds bin/server and starts it on sb, listening on a free
// port with no limit the tests could reach.
func startServer(t testing.TB, sb *sandbox) *serverProcess {
	t.Helper()
	bin := filepath.Join(t.TempDir(), "atmshop-server")
	if out, err := exec.Command("go", "build", "-o", bin, "atmshop/bin/server").CombinedOutput(); err != nil {
		t.Fatalf("go build ./bin/server: %v\n%s", err, out)
	}
	config, err := os.ReadFile(sb.path("conf", "config.ini"))
	if err != nil {
		t.Fatal(err)
	}
	config = append(config, "\n[server]\nlisten = 127.0.0.1:0\nmax_sessions = 1000\nconnections_per_minute = 10000\n"...)
	if err := os.WriteFile(sb.path("conf", "config.ini"), config, 0o600); err != nil {
		t.Fatal(err)
	}
	_, priv, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	key, err := ssh.NewSignerFromKey(priv)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(sb.path("conf", "authorized_keys"), ssh.MarshalAuthorizedKey(key.PublicKey()), 0o600); err != nil {
		t.Fatal(err)
	}
	block, err := ssh.MarshalPrivateKey(priv, "")
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(sb.path("terminal_key"), pem.EncodeToMemory(block), 0o600); err != nil {
		t.Fatal(err)
	}

	s := &serverProcess{t: t, sb: sb, key: key, stderr: &strings.Builder{}}
	s.cmd = exec.Command(bin, "-config", sb.path("conf", "config.ini"))
	s.cmd.Dir = sb.dir
	s.cmd.Stderr = s.stderr
	stdout, err := s.cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := s.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if s.cmd.ProcessState == nil {
			s.cmd.Process.Kill()
			s.cmd.Wait()
		}
	})
	line, err := bufio.NewReader(stdout).ReadString('\n')
	m := regexp.MustCompile(`server listening on (\S+), host key`).FindStringSubmatch(line)
	if m == nil {
		t.Fatalf("the server did not start: %q, %v; stderr:\n%s", line, err, s.stderr)
	}
	go io.Copy(io.Discard, stdout)
	s.addr = m[1]
	data, err := os.ReadFile(sb.path("conf", "host_key"))
	if err != nil {
		t.Fatal(err)
	}
	hostKey, err := ssh.ParsePrivateKey(data)
	if err != nil {
		t.Fatal(err)
	}
	s.hostKey = hostKey.PublicKey()
	return s
}

func (s *serverProcess) dial() *ssh.Client {
	s.t.Helper()
	c, err := ssh.Dial("tcp", s.addr, &ssh.ClientConfig{
		User:            "terminal",
		Auth:            []ssh.AuthMethod{ssh.PublicKeys(s.key)},
		HostKeyCallback: ssh.FixedHostKey(s.hostKey),
		Timeout:         serverHangGuard,
	})
	if err != nil {
		s.t.Fatalf("dial: %v", err)
	}
	return c
}

// signal stops the server with sig and returns its exit code.
func (s *serverProcess) signal(sig os.Signal) int {
	s.t.Helper()
	if err := s.cmd.Process.Signal(sig); err != nil {
		s.t.Fatal(err)
	}
	done := make(chan struct{})
	go func() { s.cmd.Wait(); close(done) }()
	select {
	case <-done:
	case <-time.After(serverHangGuard):
		s.t.Fatalf("hang guard: the server did not stop after %v", sig)
	}
	return s.cmd.ProcessState.ExitCode()
}

// sessionStatus is the remote exit status a session's Wait reports.
func sessionStatus(err error) (int, error) {
	var exit *ssh.ExitError
	switch {
	case err == nil:
		return 0, nil
	case errors.As(err, &exit):
		return exit.ExitStatus(), nil
	}
	return -1, err
}

// TestServerConcurrentSessions: 50 SSH sessions at once, each logged in as
// one of four users and sending 20 random transfers to the others, on one
// server. Afterwards no money has appeared or vanished, every ledger
// replays, and every printed transfer is in the books exactly once. It
// logs its figures (go test -v -run TestServerConcurrentSessions).
func TestServerConcurrentSessions(t *testing.T) { serverConcurrentSessions(t, false) }

// TestServerConcurrentSessionsPostgres is the same on PostgreSQL.
func TestServerConcurrentSessionsPostgres(t *testing.T) { serverConcurrentSessions(t, true) }

func serverConcurrentSessions(t *testing.T, postgres bool) {
	const sessions, transfersEach = 50, 20
	sb := newSandbox(t, busyUsers...)
	if postgres {
		sb.usePostgres()
	}
	s := startServer(t, sb)
	rng := mathrand.New(mathrand.NewPCG(mathrand.Uint64(), mathrand.Uint64()))
	inputs := make([]string, sessions)
	for i := range inputs {
		inputs[i] = transfersInput(rng, i%len(busyUsers), transfersEach)
	}

	outputs := make([]string, sessions)
	statuses := make([]int, sessions)
	var wg sync.WaitGroup
	start := time.Now()
	for i, input := range inputs {
		wg.Go(func() {
			c := s.dial()
			defer c.Close()
			sess, err := c.NewSession()
			if err != nil {
				t.Errorf("session %d: %v", i, err)
				return
			}
			var out strings.Builder
			sess.Stdin, sess.Stdout = strings.NewReader(input), &out
			if err := sess.Shell(); err != nil {
				t.Errorf("session %d: %v", i, err)
				return
			}
			statuses[i], err = sessionStatus(sess.Wait())
			if err != nil {
				t.Errorf("session %d: %v", i, err)
			}
			outputs[i] = out.String()
		})
	}
	wg.Wait()
	wall := time.Since(start)

	var confirmed []confirmation
	for i, out := range outputs {
		if statuses[i] != 0 {
			t.Errorf("session %d: exit status %d; output:\n%s", i, statuses[i], clip(out))
		}
		c := &confirmations{t: t}
		for _, line := range strings.SplitAfter(out, "\n") {
			c.feed(line)
		}
		confirmed = append(confirmed, c.list...)
	}
	if len(confirmed) == 0 {
		t.Fatal("no transfer was confirmed at all")
	}
	t.Logf("%d sessions × %d transfers asked: %d confirmed, %d refused (funds), in %v: %.0f transfers/s",
		sessions, transfersEach, len(confirmed), sessions*transfersEach-len(confirmed), wall.Round(time.Millisecond), float64(sessions*transfersEach)/wall.Seconds())

	if code := s.signal(syscall.SIGTERM); code != 0 {
		t.Errorf("the server's exit code after SIGTERM: %d, want 0; stderr:\n%s", code, s.stderr)
	}
	auditTransfers(t, sb.books(), readSeed(t).openingFen+busyOpeningFen, confirmed)
}

// lineReader reads a session's output up to what a test waits for.
type lineReader struct {
	t   testing.TB
	r   *bufio.Reader
	got strings.Builder
}

// upTo reads until the output ends with want, read in this call (a hang
// guard aside).
func (l *lineReader) upTo(want string) {
	l.t.Helper()
	done := make(chan error, 1)
	from := l.got.Len()
	go func() {
		for l.got.Len() < from+len(want) || !strings.HasSuffix(l.got.String(), want) {
			b, err := l.r.ReadByte()
			if err != nil {
				done <- err
				return
			}
			l.got.WriteByte(b)
		}
		done <- nil
	}()
	select {
	case err := <-done:
		if err != nil {
			l.t.Fatalf("the output ended (%v) before %q:\n%s", err, want, l.got.String())
		}
	case <-time.After(serverHangGuard):
		l.t.Fatalf("hang guard: no %q in:\n%s", want, l.got.String())
	}
}

// TestServerSIGTERM stops the server while one session waits at the menu
// and another at the confirmation of a transfer: both are told, the
// unconfirmed transfer is not made, and the server exits 0.
func TestServerSIGTERM(t *testing.T) {
	sb := newSandbox(t)
	s := startServer(t, sb)
	type open struct {
		sess *ssh.Session
		in   io.WriteCloser
		out  *lineReader
	}
	start := func(input, upTo string) open {
		c := s.dial()
		t.Cleanup(func() { c.Close() })
		sess, err := c.NewSession()
		if err != nil {
			t.Fatal(err)
		}
		in, _ := sess.StdinPipe()
		out, _ := sess.StdoutPipe()
		if err := sess.Shell(); err != nil {
			t.Fatal(err)
		}
		o := open{sess, in, &lineReader{t: t, r: bufio.NewReader(out)}}
		io.WriteString(in, input)
		o.out.upTo(upTo)
		return o
	}
	atMenu := start("alice\nalice-pw\n", "choice> ")
	atConfirm := start("bob\nbob-pw\n3\nalice\n10\n", "(y/n)> ")

	if code := s.signal(syscall.SIGTERM); code != 0 {
		t.Errorf("exit code after SIGTERM: %d, want 0; stderr:\n%s", code, s.stderr)
	}
	for _, o := range []open{atMenu, atConfirm} {
		o.out.upTo("The server is stopping, so this session ends; nothing unfinished was changed. Please connect again later.\n")
		if status, err := sessionStatus(o.sess.Wait()); status != 143 {
			t.Errorf("a session's exit status: %d (%v), want 143", status, err)
		}
	}
	bk := sb.books()
	bk.check(t, readSeed(t).openingFen)
	if outs := bk.byRef("transfer_out"); len(outs) != 0 {
		t.Errorf("the transfer that was not confirmed was made: %+v", outs)
	}
	log := strings.Join(logLines(t, sb), "\n")
	for _, want := range []string{"][INFO][stopping: no new connections", "][INFO][stopped]"} {
		if !strings.Contains(log, want) {
			t.Errorf("the log lacks %q", want)
		}
	}
}

// requireSSH finds the OpenSSH client, or skips the test (fails it when
// ATMSHOP_REQUIRE_SSH=1, as in CI).
func requireSSH(t *testing.T) string {
	t.Helper()
	path, err := exec.LookPath("ssh")
	if err != nil {
		if os.Getenv("ATMSHOP_REQUIRE_SSH") == "1" {
			t.Fatalf("ATMSHOP_REQUIRE_SSH=1 but there is no ssh client: %v", err)
		}
		t.Skip("no OpenSSH client (ssh) on PATH; install openssh-client to run this test")
	}
	return path
}

// openSSH is the real ssh command for s, pinning its host key.
func (s *serverProcess) openSSH(t *testing.T, sshPath string, args ...string) *exec.Cmd {
	host, port, _ := strings.Cut(s.addr, ":")
	knownHosts := s.sb.path("known_hosts")
	line := fmt.Sprintf("[%s]:%s %s", host, port, ssh.MarshalAuthorizedKey(s.hostKey))
	if err := os.WriteFile(knownHosts, []byte(line), 0o600); err != nil {
		t.Fatal(err)
	}
	all := append([]string{"-p", port, "-i", s.sb.path("terminal_key"),
		"-F", "none", "-o", "IdentitiesOnly=yes", "-o", "BatchMode=yes", "-o", "LogLevel=ERROR",
		"-o", "UserKnownHostsFile=" + knownHosts, "-o", "StrictHostKeyChecking=yes"}, args...)
	cmd := exec.Command(sshPath, append(all, host)...)
	cmd.Dir = s.sb.dir
	return cmd
}

// TestServerOpenSSH drives the server with the real OpenSSH client: under
// a pty (line editing with Chinese, the password unechoed, a window
// resize, Ctrl-C ending with 130) and with -T on a pipe (bin/start's
// scripting contract).
func TestServerOpenSSH(t *testing.T) {
	sshPath := requireSSH(t)
	sb := newSandbox(t)
	s := startServer(t, sb)

	t.Run("pty", func(t *testing.T) {
		cmd := s.openSSH(t, sshPath)
		term, err := pty.StartWithSize(cmd, &pty.Winsize{Rows: 24, Cols: 80})
		if err != nil {
			t.Fatal(err)
		}
		defer term.Close()
		out := &lineReader{t: t, r: bufio.NewReader(term)}
		send := func(keys string) {
			if _, err := io.WriteString(term, keys); err != nil {
				t.Fatal(err)
			}
		}
		out.upTo("username: ")
		send("alice\r")
		out.upTo("password: ")
		send("alice-pw\r")
		out.upTo("choice> ")
		if strings.Contains(out.got.String(), "alice-pw") {
			t.Errorf("the password was echoed:\n%q", out.got.String())
		}
		// Chinese typed and erased again (two columns each), then the
		// choice: the app gets "2".
		send("转账\x7f\x7f2\r")
		out.upTo("choice> ")
		if !strings.Contains(out.got.String(), "Balance:") {
			t.Errorf("after editing, the choice was not 2:\n%q", out.got.String())
		}
		if err := pty.Setsize(term, &pty.Winsize{Rows: 30, Cols: 120}); err != nil {
			t.Fatal(err)
		}
		send("3\r")
		out.upTo("recipient> ")
		send("bob\r")
		out.upTo("amount> ")
		send("1\r")
		out.upTo("(y/n)> ")
		send("y\r")
		out.upTo("choice> ")
		if !strings.Contains(out.got.String(), "Transferred 1.00 to bob") {
			t.Errorf("no transfer:\n%q", out.got.String())
		}
		send("\x03")
		go io.Copy(io.Discard, term)
		err = cmd.Wait()
		if code := cmd.ProcessState.ExitCode(); code != 130 {
			t.Errorf("ssh's exit code after Ctrl-C: %d (%v), want 130", code, err)
		}
	})

	t.Run("pipe", func(t *testing.T) {
		cmd := s.openSSH(t, sshPath, "-T")
		cmd.Stdin = strings.NewReader("bob\nbob-pw\n2\nq\n")
		out, err := cmd.Output()
		if err != nil || !strings.Contains(string(out), "Balance:                   51.00") || !strings.HasSuffix(string(out), "Goodbye.\n") {
			t.Errorf("ssh -T < script: %v; output:\n%s", err, out)
		}
	})

	if code := s.signal(syscall.SIGINT); code != 0 {
		t.Errorf("exit code after SIGINT: %d, want 0", code)
	}
	sb.books().check(t, readSeed(t).openingFen)
}
