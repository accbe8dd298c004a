//go:build linux

package main

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/creack/pty"
	"golang.org/x/sys/unix"

	"atmshop/core"
)

// ptyTerminal runs atmshop on a real pseudo-terminal, as a person would.
type ptyTerminal struct {
	t      *testing.T
	cmd    *exec.Cmd
	master *os.File
	tty    *os.File // the program's side, to inspect its modes
	mu     sync.Mutex
	screen bytes.Buffer
	done   chan error
}

func startTerminal(t *testing.T) *ptyTerminal {
	t.Helper()
	config, err := os.ReadFile(filepath.Join("testdata", "config.ini"))
	if err != nil {
		t.Fatal(err)
	}
	return startTerminalWith(t, config, nil)
}

// startTerminalWith runs atmshop with config as conf/config.ini and env as
// its environment (nil: the test's own).
func startTerminalWith(t *testing.T, config []byte, env []string) *ptyTerminal {
	t.Helper()
	dir := t.TempDir()
	if err := os.MkdirAll(filepath.Join(dir, "conf"), 0o700); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "conf", "config.ini"), config, 0o600); err != nil {
		t.Fatal(err)
	}
	master, tty, err := pty.Open()
	if err != nil {
		t.Skipf("no pseudo-terminal here: %v", err)
	}
	t.Cleanup(func() { master.Close(); tty.Close() })
	// "atmshop" is this test binary, put on PATH by testscript.Main.
	cmd := exec.Command("atmshop")
	cmd.Dir = dir
	cmd.Env = env
	cmd.Stdin, cmd.Stdout, cmd.Stderr = tty, tty, tty
	cmd.SysProcAttr = &syscall.SysProcAttr{Setsid: true, Setctty: true}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	term := &ptyTerminal{t: t, cmd: cmd, master: master, tty: tty, done: make(chan error, 1)}
	go func() {
		buf := make([]byte, 4096)
		for {
			n, err := master.Read(buf)
			term.mu.Lock()
			term.screen.Write(buf[:n])
			term.mu.Unlock()
			if err != nil {
				return
			}
		}
	}()
	go func() { term.done <- cmd.Wait() }()
	t.Cleanup(func() { _ = cmd.Process.Kill() })
	return term
}

func (term *ptyTerminal) text() string {
	term.mu.Lock()
	defer term.mu.Unlock()
	return term.screen.String()
}

// waitUntil polls ready until it holds. The limit only stops a hung test;
// nothing here measures time.
func (term *ptyTerminal) waitUntil(ready func() bool, failure string) {
	term.t.Helper()
	for deadline := time.Now().Add(30 * time.Second); time.Now().Before(deadline); time.Sleep(10 * time.Millisecond) {
		if ready() {
			return
		}
	}
	term.t.Fatalf("%s; the screen shows:\n%s", failure, term.text())
}

// waitFor waits until the screen shows want.
func (term *ptyTerminal) waitFor(want string) {
	term.t.Helper()
	term.waitUntil(func() bool { return strings.Contains(term.text(), want) }, fmt.Sprintf("the screen never showed %q", want))
}

// waitForPrompt waits until the screen ends with prompt: the program has
// written everything before the question and waits for the answer.
func (term *ptyTerminal) waitForPrompt(prompt string) {
	term.t.Helper()
	term.waitUntil(func() bool { return strings.HasSuffix(term.text(), prompt) }, fmt.Sprintf("the screen never ended with the question %q", prompt))
}

func (term *ptyTerminal) typeKeys(keys string) {
	term.t.Helper()
	if _, err := term.master.Write([]byte(keys)); err != nil {
		term.t.Fatal(err)
	}
}

func (term *ptyTerminal) echoOn() bool {
	term.t.Helper()
	modes, err := unix.IoctlGetTermios(int(term.tty.Fd()), unix.TCGETS)
	if err != nil {
		term.t.Fatal(err)
	}
	return modes.Lflag&unix.ECHO != 0
}

// waitEchoOff waits until the program has turned echo off for a password.
func (term *ptyTerminal) waitEchoOff() {
	term.t.Helper()
	term.waitUntil(func() bool { return !term.echoOn() }, "echo stayed on at the password prompt")
}

// typePassword types password at the password prompt and waits for
// reply; the password must not have been echoed, and echo must be back on
// after it.
func (term *ptyTerminal) typePassword(password, reply string) {
	term.t.Helper()
	term.typeKeys(password + "\r")
	term.waitFor(reply)
	if strings.Contains(term.text(), password) {
		term.t.Errorf("the password was echoed:\n%s", term.text())
	}
	if !term.echoOn() {
		term.t.Errorf("echo is still off after the password")
	}
}

func (term *ptyTerminal) exitCode() int {
	term.t.Helper()
	select {
	case err := <-term.done:
		var exit *exec.ExitError
		if errors.As(err, &exit) {
			return exit.ExitCode()
		}
		if err != nil {
			term.t.Fatal(err)
		}
		return 0
	case <-time.After(30 * time.Second):
		term.t.Fatalf("the program did not exit; the screen shows:\n%s", term.text())
		return -1
	}
}

func TestTerminalPasswordIsNotEchoed(t *testing.T) {
	term := startTerminal(t)
	term.waitFor("username: ")
	term.typeKeys("alice\r")
	term.waitFor("password: ")
	term.waitEchoOff()
	term.typePassword("alice-pw", "Welcome, alice.")
	term.typeKeys("2\r")
	term.waitFor("Available:")
	term.typeKeys("\x04") // Ctrl-D at the menu: a normal end
	term.waitFor("Goodbye.")
	if code := term.exitCode(); code != 0 {
		t.Errorf("exit code after Ctrl-D %d, want 0", code)
	}
}

func TestTerminalCtrlCAtPasswordRestoresEcho(t *testing.T) {
	term := startTerminal(t)
	term.waitFor("username: ")
	term.typeKeys("alice\r")
	term.waitFor("password: ")
	term.waitEchoOff()
	term.typeKeys("\x03") // Ctrl-C
	if code := term.exitCode(); code != 130 {
		t.Errorf("exit code after Ctrl-C %d, want 130", code)
	}
	if !term.echoOn() {
		t.Errorf("echo is off after Ctrl-C at the password prompt: the user's shell would not show what they type")
	}
}

// state is the process's state letter in /proc: R, S, T (stopped), …
func (term *ptyTerminal) state() byte {
	term.t.Helper()
	data, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", term.cmd.Process.Pid))
	if err != nil {
		term.t.Fatal(err)
	}
	_, rest, _ := strings.Cut(string(data), ") ")
	if rest == "" {
		term.t.Fatalf("cannot read the state in %q", data)
	}
	return rest[0]
}

// setEcho turns the terminal's echo on or off from outside the program,
// as a shell does while the program is stopped.
func (term *ptyTerminal) setEcho(on bool) {
	term.t.Helper()
	fd := int(term.tty.Fd())
	modes, err := unix.IoctlGetTermios(fd, unix.TCGETS)
	if err != nil {
		term.t.Fatal(err)
	}
	if on {
		modes.Lflag |= unix.ECHO
	} else {
		modes.Lflag &^= unix.ECHO
	}
	if err := unix.IoctlSetTermios(fd, unix.TCSETS, modes); err != nil {
		term.t.Fatal(err)
	}
}

// TestTerminalEchoStaysOffAfterCtrlZAndFg stops the program at the password
// prompt as Ctrl-Z does, turns echo back on as the shell does while the job is
// stopped, continues it as fg does, and checks the password is not echoed.
func TestTerminalEchoStaysOffAfterCtrlZAndFg(t *testing.T) {
	term := startTerminal(t)
	term.waitFor("username: ")
	term.typeKeys("alice\r")
	term.waitFor("password: ")
	term.waitEchoOff()
	// What Ctrl-Z does. The program leads its own session here, an orphaned
	// process group, which the kernel does not stop for SIGTSTP: send
	// SIGSTOP, which stops it the same way.
	term.signal(syscall.SIGSTOP)
	term.waitUntil(func() bool { return term.state() == 'T' }, "SIGSTOP did not stop the program")
	term.setEcho(true)
	if err := term.cmd.Process.Signal(syscall.SIGCONT); err != nil {
		t.Fatal(err)
	}
	term.waitUntil(func() bool { return !term.echoOn() }, "echo stayed on at the password prompt after the program was continued")
	term.waitUntil(func() bool { return strings.Count(term.text(), "password: ") == 2 }, "the password prompt was not shown again after the program was continued")
	term.typePassword("alice-pw", "Welcome, alice.")
	term.typeKeys("\x04")
	term.waitFor("Goodbye.")
	if code := term.exitCode(); code != 0 {
		t.Errorf("exit code after Ctrl-D %d, want 0", code)
	}
}

// TestTerminalSignalsAtPasswordRestoreEcho ends the program at the password
// prompt with each signal a terminal or a system sends to stop a program:
// the terminal gets its echo back, no stack dump reaches the person, and
// the exit status is the shell's 128 + the signal's number.
func TestTerminalSignalsAtPasswordRestoreEcho(t *testing.T) {
	tests := []struct {
		name string
		send func(term *ptyTerminal)
		want int
	}{
		{"Ctrl-backslash", func(term *ptyTerminal) { term.typeKeys("\x1c") }, 128 + int(syscall.SIGQUIT)},
		{"SIGQUIT", func(term *ptyTerminal) { term.signal(syscall.SIGQUIT) }, 131},
		{"SIGTERM", func(term *ptyTerminal) { term.signal(syscall.SIGTERM) }, 143},
		{"SIGHUP", func(term *ptyTerminal) { term.signal(syscall.SIGHUP) }, 129},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			term := startTerminal(t)
			term.waitFor("username: ")
			term.typeKeys("alice\r")
			term.waitFor("password: ")
			term.waitEchoOff()
			tt.send(term)
			if code := term.exitCode(); code != tt.want {
				t.Errorf("exit code %d, want %d", code, tt.want)
			}
			if !term.echoOn() {
				t.Errorf("echo is off after %s at the password prompt", tt.name)
			}
			// The program's last words; a stack dump would come before them.
			term.waitFor(core.ProgramName + ": stopped")
			if screen := term.text(); strings.Contains(screen, "goroutine ") || strings.Contains(screen, "SIGQUIT") {
				t.Errorf("a stack dump reached the terminal:\n%s", screen)
			}
		})
	}
}

func (term *ptyTerminal) signal(s os.Signal) {
	term.t.Helper()
	if err := term.cmd.Process.Signal(s); err != nil {
		term.t.Fatal(err)
	}
}
