package main

import (
	"bufio"
	"context"
	"crypto/ed25519"
	"crypto/rand"
	"errors"
	"io"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"golang.org/x/crypto/ssh"

	"atmshop/bin/internal/openbank"
	"atmshop/conf"
	"atmshop/core"
	"atmshop/core/terminal"
	"atmshop/lib/sshserve"
)

// hangGuard only stops a test that would otherwise hang; nothing is
// asserted about time.
const hangGuard = 2 * time.Minute

// testServer is the server of a test, in this process, serving a folder
// of its own: conf/config.ini from bin/start's transcripts (alice, bob,
// root; fast password hashing) with [server] settings added.
type testServer struct {
	t       testing.TB
	dir     string
	addr    string
	key     ssh.Signer // in authorized_keys
	hostKey ssh.PublicKey
	stop    context.CancelFunc
	done    chan error
}

// startServer starts a server with the main menu commands (nil: the
// app's) and extra [server] lines.
func startServer(t testing.TB, commands []terminal.Command, serverLines string) *testServer {
	t.Helper()
	dir := t.TempDir()
	config, err := os.ReadFile(filepath.Join("..", "start", "testdata", "config.ini"))
	if err != nil {
		t.Fatal(err)
	}
	config = append(config, "\n[server]\nlisten = 127.0.0.1:0\n"+serverLines...)
	if err := os.MkdirAll(filepath.Join(dir, "conf"), 0o700); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "conf", "config.ini"), config, 0o600); err != nil {
		t.Fatal(err)
	}
	key := newKey(t)
	if err := os.WriteFile(filepath.Join(dir, "conf", "authorized_keys"), ssh.MarshalAuthorizedKey(key.PublicKey()), 0o600); err != nil {
		t.Fatal(err)
	}
	if commands == nil {
		commands = terminal.Commands()
	}
	s := &testServer{t: t, dir: dir, key: key, done: make(chan error, 1)}
	s.addr = s.start(commands)
	hostKey, _, err := sshserve.HostKey(filepath.Join(dir, "conf", "host_key"))
	if err != nil {
		t.Fatal(err)
	}
	s.hostKey = hostKey.PublicKey()
	return s
}

// listening is the line serve prints when it is ready.
var listeningLine = regexp.MustCompile(`server listening on (\S+), host key`)

// start runs serve as run does, and returns the address it listens on.
func (s *testServer) start(commands []terminal.Command) string {
	t := s.t
	cfg, err := conf.Load(filepath.Join(s.dir, "conf", "config.ini"))
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	s.stop = cancel
	bank, logger, closeBank, err := openbank.Open(ctx, cfg, time.Now, core.English, io.Discard, io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	out, w := io.Pipe()
	go func() {
		s.done <- serve(ctx, cfg, logger, bank, commands, w)
		w.Close()
	}()
	t.Cleanup(func() {
		cancel()
		if err := <-s.done; err != nil {
			t.Errorf("serve: %v", err)
		}
		if err := closeBank(); err != nil {
			t.Error(err)
		}
	})
	line, err := bufio.NewReader(out).ReadString('\n')
	m := listeningLine.FindStringSubmatch(line)
	if m == nil {
		t.Fatalf("the server did not say where it listens: %q, %v", line, err)
	}
	go io.Copy(io.Discard, out)
	return m[1]
}

func newKey(t testing.TB) ssh.Signer {
	t.Helper()
	_, priv, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	signer, err := ssh.NewSignerFromKey(priv)
	if err != nil {
		t.Fatal(err)
	}
	return signer
}

// dial connects with key, pinning the server's host key.
func (s *testServer) dial(key ssh.Signer) (*ssh.Client, error) {
	return ssh.Dial("tcp", s.addr, &ssh.ClientConfig{
		User:            "terminal-1",
		Auth:            []ssh.AuthMethod{ssh.PublicKeys(key)},
		HostKeyCallback: ssh.FixedHostKey(s.hostKey),
		Timeout:         hangGuard,
	})
}

func (s *testServer) client() *ssh.Client {
	s.t.Helper()
	c, err := s.dial(s.key)
	if err != nil {
		s.t.Fatalf("dial: %v", err)
	}
	s.t.Cleanup(func() { c.Close() })
	return c
}

// shutdown stops the server as a stop signal does and waits for serve to
// return (it waits for every connection to end).
func (s *testServer) shutdown() {
	s.t.Helper()
	s.stop()
	select {
	case err := <-s.done:
		s.done <- err // for the cleanup, which checks it
	case <-time.After(hangGuard):
		s.t.Fatal("hang guard: serve did not return")
	}
}

// log is the server's log file.
func (s *testServer) log() string {
	s.t.Helper()
	data, err := os.ReadFile(filepath.Join(s.dir, "log", "all2.log"))
	if err != nil {
		s.t.Fatal(err)
	}
	return string(data)
}

// exitStatus is the remote exit status a session's Wait reports.
func exitStatus(t testing.TB, err error) int {
	t.Helper()
	var exit *ssh.ExitError
	switch {
	case err == nil:
		return 0
	case errors.As(err, &exit):
		return exit.ExitStatus()
	}
	t.Fatalf("session ended without an exit status: %v", err)
	return -1
}

// script runs a session without a pty, as `ssh -T host < script` does.
func script(t testing.TB, c *ssh.Client, input string) (string, int) {
	t.Helper()
	sess, err := c.NewSession()
	if err != nil {
		t.Fatalf("new session: %v", err)
	}
	defer sess.Close()
	var out strings.Builder
	sess.Stdin = strings.NewReader(input)
	sess.Stdout = &out
	if err := sess.Shell(); err != nil {
		t.Fatalf("shell: %v", err)
	}
	status := exitStatus(t, sess.Wait())
	return out.String(), status
}

func TestScriptSession(t *testing.T) {
	s := startServer(t, nil, "")
	out, status := script(t, s.client(), "alice\nalice-pw\n3\nbob\n100.5\ny\n2\nq\n")
	if status != 0 {
		t.Errorf("exit status %d, want 0; output:\n%s", status, out)
	}
	for _, want := range []string{"username: password: Welcome, alice.", "Transferred 100.50 to bob (ref t-", "Balance:                  899.50", "Goodbye."} {
		if !strings.Contains(out, want) {
			t.Errorf("output lacks %q:\n%s", want, out)
		}
	}
	// The end of input is a normal end, as on a pipe to bin/start.
	if out, status := script(t, s.client(), "alice\n"); status != 0 || !strings.HasSuffix(out, "password: Goodbye.\n") {
		t.Errorf("end of input at the password: exit status %d, output:\n%s", status, out)
	}
	s.shutdown() // the disconnections are logged by then
	log := s.log()
	for _, want := range []string{
		`[connected fingerprint=` + ssh.FingerprintSHA256(s.key.PublicKey()) + ` remote=127.0.0.1:`,
		`[disconnected duration=`,
		`session=s1 to=bob]`, // the transfer, with the session's fields
	} {
		if !strings.Contains(log, want) {
			t.Errorf("the log lacks %q:\n%s", want, log)
		}
	}
}

func TestStrangerRefused(t *testing.T) {
	s := startServer(t, nil, "")
	stranger := newKey(t)
	if c, err := s.dial(stranger); err == nil {
		c.Close()
		t.Fatal("a key that is not in authorized_keys got in")
	} else if !strings.Contains(err.Error(), "unable to authenticate") {
		t.Errorf("dial with a stranger's key: %v", err)
	}
	if want := "refused a key that is not in the authorized keys fingerprint=" + ssh.FingerprintSHA256(stranger.PublicKey()); !strings.Contains(s.log(), want) {
		t.Errorf("the log lacks %q", want)
	}
	// No key at all: nobody gets in, and the server still serves the
	// others once the file names them.
	if err := os.Remove(filepath.Join(s.dir, "conf", "authorized_keys")); err != nil {
		t.Fatal(err)
	}
	if c, err := s.dial(s.key); err == nil {
		c.Close()
		t.Fatal("got in with no authorized_keys file")
	}
}

// pty is a session with a pty, driven key by key.
type pty struct {
	t    testing.TB
	sess *ssh.Session
	in   io.WriteCloser
	mu   sync.Mutex
	out  strings.Builder
	more chan struct{} // a signal after every read
	seen int           // expect has matched up to here
}

func openPty(t testing.TB, c *ssh.Client) *pty {
	t.Helper()
	sess, err := c.NewSession()
	if err != nil {
		t.Fatalf("new session: %v", err)
	}
	if err := sess.RequestPty("xterm", 24, 80, ssh.TerminalModes{}); err != nil {
		t.Fatal(err)
	}
	in, err := sess.StdinPipe()
	if err != nil {
		t.Fatal(err)
	}
	out, err := sess.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	p := &pty{t: t, sess: sess, in: in, more: make(chan struct{}, 1)}
	go func() {
		buf := make([]byte, 4096)
		for {
			n, err := out.Read(buf)
			p.mu.Lock()
			p.out.Write(buf[:n])
			p.mu.Unlock()
			select {
			case p.more <- struct{}{}:
			default:
			}
			if err != nil {
				close(p.more)
				return
			}
		}
	}()
	if err := sess.Shell(); err != nil {
		t.Fatal(err)
	}
	return p
}

// expect waits for want in what the server sends after the last match.
func (p *pty) expect(want string) {
	p.t.Helper()
	guard := time.After(hangGuard)
	for {
		p.mu.Lock()
		all := p.out.String()
		p.mu.Unlock()
		if i := strings.Index(all[p.seen:], want); i >= 0 {
			p.seen += i + len(want)
			return
		}
		select {
		case _, ok := <-p.more:
			if !ok {
				p.mu.Lock()
				all = p.out.String()
				p.mu.Unlock()
				if !strings.Contains(all[p.seen:], want) {
					p.t.Fatalf("the session ended without %q; it sent:\n%q", want, all)
				}
			}
		case <-guard:
			p.t.Fatalf("hang guard: no %q; the session sent:\n%q", want, all)
		}
	}
}

func (p *pty) send(keys string) {
	p.t.Helper()
	if _, err := io.WriteString(p.in, keys); err != nil {
		p.t.Fatalf("send %q: %v", keys, err)
	}
}

func (p *pty) output() string {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.out.String()
}

func TestPtySession(t *testing.T) {
	s := startServer(t, nil, "")
	c := s.client()

	t.Run("Ctrl-C ends the session with 130", func(t *testing.T) {
		p := openPty(t, c)
		p.expect("username: ")
		p.send("alice\r")
		p.expect("password: ")
		p.send("alice-pw\r")
		p.expect("Welcome, alice.\r\n") // raw mode: the server ends lines with CR LF
		if strings.Contains(p.output(), "alice-pw") {
			t.Errorf("the password was echoed:\n%q", p.output())
		}
		// A narrower window: the terminal keeps working.
		if err := p.sess.WindowChange(24, 40); err != nil {
			t.Fatal(err)
		}
		p.expect("choice> ")
		p.send("2\r")
		p.expect("Balance:")
		p.expect("choice> ")
		p.send("tr\x7f\x7f3\r") // line editing: the backspaces take "tr" away
		p.expect("recipient> ")
		p.send("\x03")
		if got := exitStatus(t, p.sess.Wait()); got != 130 {
			t.Errorf("exit status after Ctrl-C: %d, want 130; output:\n%q", got, p.output())
		}
	})

	t.Run("Ctrl-D ends the session with 0", func(t *testing.T) {
		p := openPty(t, c)
		p.expect("username: ")
		p.send("\x04")
		p.expect("Goodbye.")
		if got := exitStatus(t, p.sess.Wait()); got != 0 {
			t.Errorf("exit status after Ctrl-D: %d, want 0", got)
		}
	})
}

// panicKey runs a command that panics, registered only in this test.
const panicKey = "p"

func TestPanicEndsOnlyItsSession(t *testing.T) {
	commands := append(terminal.Commands(), terminal.Command{
		Key: panicKey, Label: "Panic", Help: "panics (a test of the server)", Access: terminal.LoggedIn,
		Run: func(context.Context, *terminal.App) error { panic("a bug in a command") },
	})
	s := startServer(t, commands, "")
	c := s.client()
	out, status := script(t, c, "alice\nalice-pw\n"+panicKey+"\n2\nq\n")
	if status != sshserve.ExitPanic || !strings.Contains(out, "Sorry, something went wrong on our side; this session ends.") || strings.Contains(out, "Balance:") {
		t.Errorf("the panicking session: exit status %d, output:\n%s", status, out)
	}
	// The server goes on, on the same connection and on new ones.
	for _, c := range []*ssh.Client{c, s.client()} {
		if out, status := script(t, c, "bob\nbob-pw\n2\nq\n"); status != 0 || !strings.Contains(out, "Balance:") {
			t.Errorf("a session after the panic: exit status %d, output:\n%s", status, out)
		}
	}
	if log := s.log(); !strings.Contains(log, "the session panicked and was ended") || !strings.Contains(log, "panic=\"a bug in a command\"") {
		t.Errorf("the log does not tell of the panic:\n%s", log)
	}
}

func TestMaxSessions(t *testing.T) {
	s := startServer(t, nil, "max_sessions = 1\n")
	p := openPty(t, s.client())
	p.expect("username: ")
	_, err := s.client().NewSession()
	var open *ssh.OpenChannelError
	if !errors.As(err, &open) || open.Reason != ssh.ResourceShortage {
		t.Fatalf("a second session with max_sessions = 1: %v, want a resource shortage", err)
	}
	p.send("\x04")
	if got := exitStatus(t, p.sess.Wait()); got != 0 {
		t.Fatalf("exit status %d", got)
	}
	// Once the first has ended there is room again (its slot is freed
	// when its handler returns, which the exit status follows).
	if out, status := script(t, s.client(), "q\n"); status != 0 {
		t.Errorf("a session after the first ended: exit status %d, output:\n%s", status, out)
	}
}

func TestConnectionRate(t *testing.T) {
	s := startServer(t, nil, "connections_per_minute = 1\n")
	s.client()
	if c, err := s.dial(s.key); err == nil {
		c.Close()
		t.Fatal("a second connection within the minute got in")
	}
	if !strings.Contains(s.log(), "refused a connection: too many from this address in the last minute") {
		t.Errorf("the log does not say why:\n%s", s.log())
	}
}

func TestIdleTimeout(t *testing.T) {
	s := startServer(t, nil, "idle_timeout = 1\n")
	p := openPty(t, s.client())
	p.expect("username: ")
	// Nothing is sent: the server closes the connection.
	err := p.sess.Wait()
	if err == nil {
		t.Fatal("the idle session ended normally")
	}
	if !strings.Contains(s.log(), "closing an idle connection") {
		t.Errorf("the log does not say why:\n%s", s.log())
	}
}

// Stopping the server (SIGTERM or SIGINT cancel run's ctx) tells open
// sessions and lets them end, and serve returns nil (exit status 0).
func TestStopWithSessionsOpen(t *testing.T) {
	s := startServer(t, nil, "")
	c := s.client()
	p := openPty(t, c)
	p.expect("username: ")
	p.send("alice\ralice-pw\r")
	p.expect("choice> ")
	go s.stop()
	p.expect("The server is stopping, so this session ends")
	if got := exitStatus(t, p.sess.Wait()); got != exitStopped {
		t.Errorf("exit status %d, want %d", got, exitStopped)
	}
	s.shutdown()
	if _, err := s.dial(s.key); err == nil {
		t.Error("a stopped server accepted a connection")
	}
}

// When the client is gone, what the app could not send (here a
// confirmation printed after the connection dropped) is in the log.
func TestUnsentConfirmationLogged(t *testing.T) {
	entered, printed := make(chan struct{}), make(chan struct{})
	commands := append(terminal.Commands(), terminal.Command{
		Key: "w", Label: "Wait", Help: "waits for the connection to drop, then confirms (a test of the server)", Access: terminal.LoggedIn,
		Run: func(ctx context.Context, app *terminal.App) error {
			close(entered)
			<-ctx.Done() // the session's context ends with its connection
			app.Printf("Transferred 1.00 to bob (ref t-0000000000000000).\n")
			close(printed)
			return nil
		},
	})
	s := startServer(t, commands, "")
	c, err := s.dial(s.key)
	if err != nil {
		t.Fatal(err)
	}
	sess, err := c.NewSession()
	if err != nil {
		t.Fatal(err)
	}
	sess.Stdin = strings.NewReader("alice\nalice-pw\nw\n")
	if err := sess.Shell(); err != nil {
		t.Fatal(err)
	}
	<-entered
	c.Close()
	<-printed
	s.shutdown() // waits for the session to end
	if want := `could not send to the client; it has gone`; !strings.Contains(s.log(), want) || !strings.Contains(s.log(), "Transferred 1.00 to bob") {
		t.Errorf("the log lacks %q with the unsent confirmation:\n%s", want, s.log())
	}
}

// run with no authorized_keys starts, says nobody can connect, listens on
// the -listen address rather than [server] listen, and ends with nil (exit
// status 0) when stopped.
func TestRunWithoutAuthorizedKeys(t *testing.T) {
	dir := t.TempDir()
	config, err := os.ReadFile(filepath.Join("..", "start", "testdata", "config.ini"))
	if err != nil {
		t.Fatal(err)
	}
	config = append(config, "\n[server]\nlisten = 127.0.0.1:1\n"...)
	path := filepath.Join(dir, "conf", "config.ini")
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, config, 0o600); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	out, w := io.Pipe()
	done := make(chan error, 1)
	go func() { done <- run(ctx, []string{"-config", path, "-listen", "127.0.0.1:0"}, nil, w, io.Discard) }()
	line, _ := bufio.NewReader(out).ReadString('\n')
	if m := listeningLine.FindStringSubmatch(line); m == nil || m[1] == "127.0.0.1:1" {
		t.Errorf("run with -listen 127.0.0.1:0 says %q", line)
	}
	go io.Copy(io.Discard, out)
	cancel()
	if err := <-done; err != nil {
		t.Errorf("run after a stop: %v, want nil", err)
	}
	log, err := os.ReadFile(filepath.Join(dir, "log", "all2.log"))
	if err != nil {
		t.Fatal(err)
	}
	if want := "nobody can connect yet: the authorized keys file is missing or holds no key"; !strings.Contains(string(log), want) {
		t.Errorf("the log lacks %q:\n%s", want, log)
	}
	if fi, err := os.Stat(filepath.Join(dir, "conf", "host_key")); err != nil || fi.Mode().Perm() != 0o600 {
		t.Errorf("the new host key: %v, %v; want a file of mode 0600", fi, err)
	}
}

// A transfer under way when the server starts to stop is finished and
// reported, and only then is the session told and ended.
func TestStopLetsATransferFinish(t *testing.T) {
	entered, release := make(chan struct{}), make(chan struct{})
	commands := append(terminal.Commands(), terminal.Command{
		Key: "t", Label: "Slow transfer", Help: "sends bob 1.00 once the test says so (a test of the server)", Access: terminal.LoggedIn,
		Run: func(ctx context.Context, app *terminal.App) error {
			close(entered)
			<-release
			ref, err := app.Bank().Transfer(ctx, core.TransferRequest{Ref: core.NewTransferRef(), From: app.User(), To: "bob", Amount: 100})
			if err == nil {
				app.Printf("Transferred 1.00 to bob (ref %s).\n", ref)
			}
			return err
		},
	})
	s := startServer(t, commands, "")
	sess, err := s.client().NewSession()
	if err != nil {
		t.Fatal(err)
	}
	var out strings.Builder
	sess.Stdin, sess.Stdout = strings.NewReader("alice\nalice-pw\nt\n2\nq\n"), &out
	if err := sess.Shell(); err != nil {
		t.Fatal(err)
	}
	<-entered
	go s.stop()
	// Wait (a hang guard aside) until the server has begun to stop.
	for guard := time.After(hangGuard); !strings.Contains(s.log(), "stopping: no new connections"); {
		select {
		case <-guard:
			t.Fatal("hang guard: the server did not begin to stop")
		case <-time.After(10 * time.Millisecond):
		}
	}
	close(release)
	status := exitStatus(t, sess.Wait())
	if !strings.Contains(out.String(), "Transferred 1.00 to bob (ref t-") || !strings.HasSuffix(out.String(), "The server is stopping, so this session ends; nothing unfinished was changed. Please connect again later.\n") || strings.Contains(out.String(), "Balance:") || status != exitStopped {
		t.Errorf("exit status %d, output:\n%s", status, out.String())
	}
	s.shutdown()
	if !strings.Contains(s.log(), "][INFO][transfer amount=1.00 from=alice") {
		t.Errorf("the transfer is not in the log:\n%s", s.log())
	}
}

// TestSessionLanguageFromClientEnv: with [ui] language = auto, a session
// speaks the language of the LANG or LC_* the client sends (OpenSSH's
// default SendEnv); other variables are refused.
func TestSessionLanguageFromClientEnv(t *testing.T) {
	s := startServer(t, nil, "")
	c := s.client()
	session := func(env ...string) string {
		t.Helper()
		sess, err := c.NewSession()
		if err != nil {
			t.Fatal(err)
		}
		defer sess.Close()
		for i := 0; i < len(env); i += 2 {
			if err := sess.Setenv(env[i], env[i+1]); err != nil {
				t.Fatalf("Setenv %s: %v", env[i], err)
			}
		}
		var out strings.Builder
		sess.Stdin, sess.Stdout = strings.NewReader("q\n"), &out
		if err := sess.Shell(); err != nil {
			t.Fatal(err)
		}
		_ = sess.Wait()
		return out.String()
	}
	if got := session("LANG", "zh_CN.UTF-8"); !strings.HasPrefix(got, "欢迎使用 atmshop。") {
		t.Errorf("LANG=zh_CN.UTF-8: got %q, want the Chinese welcome", got)
	}
	if got := session("LANG", "zh_CN.UTF-8", "LC_ALL", "C"); !strings.HasPrefix(got, "Welcome to atmshop.") {
		t.Errorf("LC_ALL=C over LANG=zh_CN.UTF-8: got %q, want English", got)
	}
	if got := session(); !strings.HasPrefix(got, "Welcome to atmshop.") {
		t.Errorf("no environment: got %q, want English", got)
	}
	sess, err := c.NewSession()
	if err != nil {
		t.Fatal(err)
	}
	defer sess.Close()
	if err := sess.Setenv("LD_PRELOAD", "/tmp/x.so"); err == nil {
		t.Error("Setenv LD_PRELOAD was accepted; want it refused")
	}
}

// A mistake in the menus (a key given twice) stops serve before it
// listens, instead of panicking every session.
func TestMenuMistakeStopsTheServerBeforeItListens(t *testing.T) {
	s := startServer(t, nil, "")
	cfg, err := conf.Load(filepath.Join(s.dir, "conf", "config.ini"))
	if err != nil {
		t.Fatal(err)
	}
	bank, logger, closeBank, err := openbank.Open(context.Background(), cfg, time.Now, core.English, io.Discard, io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	defer closeBank()
	commands := append(terminal.Commands(), terminal.Command{Key: "1", Label: "Again", Access: terminal.Anyone, Run: func(context.Context, *terminal.App) error { return nil }})
	var out strings.Builder
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second) // a guard: serve would serve until then
	defer cancel()
	err = serve(ctx, cfg, logger, bank, commands, &out)
	if err == nil || !strings.Contains(err.Error(), `"1"`) || out.Len() != 0 {
		t.Errorf("serve with a key given twice = %v, printed %q; want an error naming the key, before listening", err, out.String())
	}
}
