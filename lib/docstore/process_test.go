package docstore_test

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"atmshop/lib/docstore"
)

// The test binary doubles as the child process of the multi-process tests:
// childEnv selects what the child does, in the store named by dirEnv.
const (
	childEnv = "DOCSTORE_TEST_CHILD"
	dirEnv   = "DOCSTORE_TEST_DIR"
	countEnv = "DOCSTORE_TEST_COUNT"
	linesLog = "log/lines.txt"
)

func TestMain(m *testing.M) {
	if child := os.Getenv(childEnv); child != "" {
		if err := runChild(child); err != nil {
			fmt.Fprintln(os.Stderr, err)
			os.Exit(1)
		}
		os.Exit(0)
	}
	os.Exit(m.Run())
}

// childGoroutines is how many goroutines of a child increment at once,
// so that the children's transactions are committed in batches.
const childGoroutines = 4

// runChild is the body of a child process: "increment" increments the
// counter countEnv times, from childGoroutines goroutines; "hold" holds
// the lock until its standard input ends; "forever" increments it and
// appends a line from childGoroutines goroutines until killed, printing
// each acknowledged count.
func runChild(child string) error {
	s, err := docstore.Open(context.Background(), os.Getenv(dirEnv), docstore.Options{CheckpointBytes: 4096})
	if err != nil {
		return err
	}
	defer s.Close()
	switch child {
	case "increment":
		count, err := strconv.Atoi(os.Getenv(countEnv))
		if err != nil {
			return err
		}
		return inGoroutines(func(g int) error {
			mine := count / childGoroutines
			if g < count%childGoroutines {
				mine++
			}
			for range mine {
				if _, err := increment(s, ""); err != nil {
					return err
				}
			}
			return nil
		})
	case "hold":
		// Hold the lock until standard input ends.
		return s.View(context.Background(), func(*docstore.Tx) error {
			fmt.Println("held")
			_, err := io.Copy(io.Discard, os.Stdin)
			return err
		})
	case "forever":
		var mu sync.Mutex
		return inGoroutines(func(int) error {
			for {
				n, err := increment(s, linesLog)
				if err != nil {
					return err
				}
				mu.Lock()
				fmt.Println(n)
				mu.Unlock()
			}
		})
	}
	return fmt.Errorf("unknown child %q", child)
}

// inGoroutines runs fn(0), …, fn(childGoroutines-1) at once and returns
// their errors joined.
func inGoroutines(fn func(g int) error) error {
	errs := make([]error, childGoroutines)
	var wg sync.WaitGroup
	for g := range childGoroutines {
		wg.Go(func() { errs[g] = fn(g) })
	}
	wg.Wait()
	return errors.Join(errs...)
}

func childCommand(dir, child string, env ...string) *exec.Cmd {
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	cmd.Env = append(os.Environ(), append(env, childEnv+"="+child, dirEnv+"="+dir)...)
	return cmd
}

func TestConcurrentIncrements(t *testing.T) {
	dir := t.TempDir()
	stores := []*docstore.Store{open(t, dir, docstore.Options{}), open(t, dir, docstore.Options{})}
	const goroutines, each = 8, 25
	var wg sync.WaitGroup
	errs := make(chan error, goroutines)
	for g := range goroutines {
		wg.Go(func() {
			for range each {
				if _, err := increment(stores[g%2], ""); err != nil {
					errs <- err
					return
				}
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
	if got, want := get(t, stores[0], "counter"), strconv.Itoa(goroutines*each); got != want {
		t.Errorf("counter = %s, want %s", got, want)
	}
}

// TestLockFileRemoved removes the lock file while Stores that keep it open
// are in use: they must notice and lock the file that the path names now,
// as a Store opened afterwards does, or they would not exclude it.
func TestLockFileRemoved(t *testing.T) {
	dir := t.TempDir()
	stores := []*docstore.Store{open(t, dir, docstore.Options{}), open(t, dir, docstore.Options{})}
	for _, s := range stores {
		if _, err := increment(s, ""); err != nil {
			t.Fatal(err)
		}
	}
	if err := os.Remove(filepath.Join(dir, ".lock")); err != nil {
		t.Fatal(err)
	}
	stores = append(stores, open(t, dir, docstore.Options{}))
	const each = 40
	var wg sync.WaitGroup
	errs := make(chan error, len(stores))
	for _, s := range stores {
		wg.Go(func() {
			for range each {
				if _, err := increment(s, ""); err != nil {
					errs <- err
					return
				}
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
	if got, want := get(t, stores[0], "counter"), strconv.Itoa(2+len(stores)*each); got != want {
		t.Errorf("counter = %s, want %s", got, want)
	}
}

func TestCrossProcessIncrements(t *testing.T) {
	dir := t.TempDir()
	const children, each = 4, 50
	cmds := make([]*exec.Cmd, children)
	outputs := make([]bytes.Buffer, children)
	for i := range cmds {
		cmds[i] = childCommand(dir, "increment", countEnv+"="+strconv.Itoa(each))
		cmds[i].Stdout, cmds[i].Stderr = &outputs[i], &outputs[i]
		if err := cmds[i].Start(); err != nil {
			t.Fatal(err)
		}
	}
	for i, cmd := range cmds {
		if err := cmd.Wait(); err != nil {
			t.Errorf("child %d: %v\n%s", i, err, &outputs[i])
		}
	}
	if got, want := get(t, open(t, dir, docstore.Options{}), "counter"), strconv.Itoa(children*each); got != want {
		t.Errorf("counter = %s, want %s", got, want)
	}
}

// TestKilledWriter kills a writing process at random moments and checks
// that every acknowledged transaction survived whole: the counter and the
// log of lines are written in one transaction, so they must agree.
func TestKilledWriter(t *testing.T) {
	if runtime.GOOS == "windows" {
		t.Skip("needs SIGKILL")
	}
	dir := t.TempDir()
	// Opened before the kills, so that its first View finds the store as
	// the next transaction of a running process does.
	watcher := open(t, dir, docstore.Options{})
	acked := 0
	for round := range 5 {
		target := acked + 1 + rand.IntN(40)
		cmd := childCommand(dir, "forever")
		var stderr bytes.Buffer
		cmd.Stderr = &stderr
		stdout, err := cmd.StdoutPipe()
		if err != nil {
			t.Fatal(err)
		}
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		lines := bufio.NewScanner(stdout)
		for acked < target && lines.Scan() {
			// The child's goroutines print in any order.
			n, err := strconv.Atoi(lines.Text())
			if err != nil {
				t.Fatal(err)
			}
			acked = max(acked, n)
		}
		// The child goes on committing while the pipe is read, so the kill
		// lands anywhere in a transaction.
		if err := cmd.Process.Kill(); err != nil {
			t.Fatal(err)
		}
		_ = cmd.Wait() // it fails: the child was killed
		if acked < target {
			t.Fatalf("round %d: child stopped at %d before %d: %s", round, acked, target, &stderr)
		}
	}

	check := func(s *docstore.Store) {
		t.Helper()
		n, err := strconv.Atoi(get(t, s, "counter"))
		if err != nil {
			t.Fatal(err)
		}
		if n < acked {
			t.Errorf("counter = %d, but %d was acknowledged", n, acked)
		}
		var want strings.Builder
		for i := 1; i <= n; i++ {
			fmt.Fprintln(&want, i)
		}
		if got := get(t, s, linesLog); got != want.String() {
			t.Errorf("counter = %d but the log has %d lines:\n%s", n, strings.Count(got, "\n"), got)
		}
		if got, want := list(t, s, ""), []string{"counter"}; !slices.Equal(got, want) {
			t.Errorf("List(\"\") = %q, want %q", got, want)
		}
		if got, want := list(t, s, "log"), []string{"lines.txt"}; !slices.Equal(got, want) {
			t.Errorf("List(log) = %q, want %q", got, want)
		}
	}
	check(watcher)
	check(open(t, dir, docstore.Options{}))
	// Open after a reboot replays the whole journal over the files.
	t.Cleanup(docstore.SetBootIdentity("after a reboot"))
	check(open(t, dir, docstore.Options{}))
	err := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err == nil && strings.HasPrefix(d.Name(), ".tmp-") {
			t.Errorf("temporary file left after Open: %s", p)
		}
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
}

// TestLockWaitForAnotherProcess: a wait for a lock that another process
// holds (stopped, hung) ends with the context, or with ErrLockTimeout,
// after one OnLockWait.
func TestLockWaitForAnotherProcess(t *testing.T) {
	t.Cleanup(docstore.SetLockNotice(time.Millisecond))
	dir := t.TempDir()
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	var calls [2]int
	waiter := open(t, dir, docstore.Options{OnLockWait: func() { calls[0]++; cancel() }})
	timer := open(t, dir, docstore.Options{LockTimeout: 20 * time.Millisecond, OnLockWait: func() { calls[1]++ }})

	cmd := childCommand(dir, "hold")
	stdin, err := cmd.StdinPipe()
	if err != nil {
		t.Fatal(err)
	}
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	cmd.Stderr = os.Stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	if line, err := bufio.NewReader(stdout).ReadString('\n'); line != "held\n" {
		t.Fatalf("child said %q, %v", line, err)
	}

	err = waiter.Update(ctx, func(tx *docstore.Tx) error { return tx.Put("a", []byte("1")) })
	if !errors.Is(err, context.Canceled) {
		t.Errorf("Update = %v, want context.Canceled", err)
	}
	err = timer.View(context.Background(), func(*docstore.Tx) error { return nil })
	if !errors.Is(err, docstore.ErrLockTimeout) {
		t.Errorf("View = %v, want ErrLockTimeout", err)
	}
	if calls != [2]int{1, 1} {
		t.Errorf("OnLockWait calls = %v, want one per wait", calls)
	}
	stdin.Close()
	if err := cmd.Wait(); err != nil {
		t.Fatalf("child: %v", err)
	}
	put(t, waiter, "a", "2") // the lock is free again
}
