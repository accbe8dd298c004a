//go:build linux || darwin

package main

import (
	"bytes"
	"os"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"golang.org/x/sys/unix"

	"atmshop/core"
)

// TestWaitingForAnotherCopy holds the store's lock the way a stopped or
// hung copy of the program would, and starts the program. It must say that
// it is waiting (before anything else happens), end at SIGTERM like at
// Ctrl-C, and give up after lock_timeout with a sentence that says why.
func TestWaitingForAnotherCopy(t *testing.T) {
	template := bootstrapped(t)

	t.Run("SIGTERM ends the wait", func(t *testing.T) {
		sb := cloneSandbox(t, template)
		holdLock(t, sb)
		cmd := sb.command()
		out := &syncBuffer{}
		cmd.Stdin = strings.NewReader("alice\nalice-pw\n2\nq\n")
		cmd.Stdout, cmd.Stderr = out, out
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		waitFor(t, out, "Another copy of "+core.ProgramName+" is using the data; waiting")
		if err := cmd.Process.Signal(syscall.SIGTERM); err != nil {
			t.Fatal(err)
		}
		_ = cmd.Wait()
		if got := cmd.ProcessState.ExitCode(); got != 128+int(syscall.SIGTERM) {
			t.Errorf("exit status %d after SIGTERM, want %d; output:\n%s", got, 128+int(syscall.SIGTERM), out)
		}
		if strings.Contains(out.String(), "Welcome,") {
			t.Errorf("the program went on while another copy held the lock:\n%s", out)
		}
	})

	t.Run("lock_timeout gives up", func(t *testing.T) {
		sb := cloneSandbox(t, template)
		appendConfig(t, sb, "\n[storage]\nlock_timeout = 2\n")
		holdLock(t, sb)
		r := sb.run("alice\nalice-pw\nq\n")
		checkNoCrash(t, r, 1)
		if !strings.Contains(r.stdout, "Another copy of "+core.ProgramName+" is using the data; waiting") {
			t.Errorf("no word of the wait on stdout:\n%s", r.stdout)
		}
		if !strings.Contains(r.stderr, "another copy of "+core.ProgramName+" has held the data in") || !strings.Contains(r.stderr, "2s (lock_timeout)") {
			t.Errorf("stderr does not say why the program gave up:\n%s", r.stderr)
		}
	})
}

// holdLock takes the store's lock of sb for the rest of the test.
func holdLock(t *testing.T, sb *sandbox) {
	t.Helper()
	f, err := os.OpenFile(sb.db(".lock"), os.O_RDWR|os.O_CREATE, 0o600)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { f.Close() })
	if err := unix.Flock(int(f.Fd()), unix.LOCK_EX); err != nil {
		t.Fatal(err)
	}
}

// appendConfig adds text to the end of sb's config.ini.
func appendConfig(t *testing.T, sb *sandbox, text string) {
	t.Helper()
	f, err := os.OpenFile(sb.path("conf", "config.ini"), os.O_APPEND|os.O_WRONLY, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if _, err := f.WriteString(text); err != nil {
		t.Fatal(err)
	}
}

// syncBuffer is a bytes.Buffer that a running program writes to while the
// test reads it.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// waitFor waits until out holds want; it fails the test if that takes
// unreasonably long (a hang, not a slow machine).
func waitFor(t *testing.T, out *syncBuffer, want string) {
	t.Helper()
	for deadline := time.Now().Add(30 * time.Second); time.Now().Before(deadline); time.Sleep(20 * time.Millisecond) {
		if strings.Contains(out.String(), want) {
			return
		}
	}
	t.Fatalf("no %q after 30 s; output:\n%s", want, out)
}
