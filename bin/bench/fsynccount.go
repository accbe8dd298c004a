package main

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"time"
)

// fsyncCount counts the fsync and fdatasync calls of a running process
// (all its threads) between start and stop, with perf stat on the
// syscalls tracepoints: counting in the kernel, which costs the process
// next to nothing, where strace would stop it at every system call and
// so change how transactions batch. perf starts with its counters off
// and turns them on and off through its control pipe, each change
// acknowledged, so the count covers exactly the calls in between.
type fsyncCount struct {
	cmd      *exec.Cmd
	ctl, ack *os.File
	acks     *bufio.Reader
	out      string // perf's report
	stderr   strings.Builder
}

// fsyncEvents are the tracepoints counted.
var fsyncEvents = []string{"syscalls:sys_enter_fsync", "syscalls:sys_enter_fdatasync"}

// countFsyncs attaches perf stat to the process pid, counting nothing
// yet; dir holds its pipes and report.
func countFsyncs(ctx context.Context, dir string, pid int) (*fsyncCount, error) {
	perf, err := exec.LookPath("perf")
	if err != nil {
		return nil, err
	}
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, err
	}
	ctl, ack := filepath.Join(dir, "ctl"), filepath.Join(dir, "ack")
	for _, p := range []string{ctl, ack} {
		if err := mkfifo(p); err != nil {
			return nil, fmt.Errorf("perf's control pipe: %w", err)
		}
	}
	f := &fsyncCount{out: filepath.Join(dir, "perf.csv")}
	// Read and write: opening a pipe so does not wait for perf to open
	// the other end.
	if f.ctl, err = os.OpenFile(ctl, os.O_RDWR, 0); err != nil {
		return nil, err
	}
	if f.ack, err = os.OpenFile(ack, os.O_RDWR, 0); err != nil {
		f.ctl.Close()
		return nil, err
	}
	f.acks = bufio.NewReader(f.ack)
	f.cmd = exec.CommandContext(ctx, perf, "stat", "-D", "-1", "--control", "fifo:"+ctl+","+ack, "-x,", "-o", f.out,
		"-e", strings.Join(fsyncEvents, ","), "-p", strconv.Itoa(pid))
	f.cmd.Stderr = &f.stderr
	if err := f.cmd.Start(); err != nil {
		f.ctl.Close()
		f.ack.Close()
		return nil, err
	}
	return f, nil
}

func (f *fsyncCount) start() error { return f.command("enable") }
func (f *fsyncCount) stop() error  { return f.command("disable") }

// command sends perf a control command and waits for its acknowledgement.
func (f *fsyncCount) command(c string) error {
	if _, err := f.ctl.WriteString(c + "\n"); err != nil {
		return err
	}
	// perf answers in milliseconds; no answer means it has failed.
	if err := f.ack.SetReadDeadline(time.Now().Add(5 * time.Second)); err != nil {
		return err
	}
	line, err := f.acks.ReadString('\n')
	// perf writes its string's terminating NUL too.
	if err != nil || strings.Trim(line, "\x00\n") != "ack" {
		return fmt.Errorf("perf stat did not acknowledge %q: %q, %v", c, line, err)
	}
	return nil
}

// close ends perf and returns the calls counted. perf stat writes its
// report when interrupted and then dies of the signal, so its exit status
// only matters when there is no report.
func (f *fsyncCount) close() (int64, error) {
	defer f.ctl.Close()
	defer f.ack.Close()
	if err := f.cmd.Process.Signal(os.Interrupt); err != nil && !errors.Is(err, os.ErrProcessDone) {
		return 0, err
	}
	waitErr := f.cmd.Wait()
	data, err := os.ReadFile(f.out)
	if err == nil {
		var calls int64
		if calls, err = parsePerfCounts(string(data)); err == nil {
			return calls, nil
		}
	}
	return 0, fmt.Errorf("perf stat: %w (%v): %s", err, waitErr, strings.TrimSpace(f.stderr.String()))
}

// parsePerfCounts sums the counts of perf stat -x, output; "<not
// counted>" (the events never ran) is 0.
func parsePerfCounts(report string) (int64, error) {
	var sum int64
	seen := 0
	for _, line := range strings.Split(report, "\n") {
		f := strings.Split(line, ",")
		if len(f) < 3 || !strings.HasPrefix(f[2], "syscalls:") {
			continue
		}
		seen++
		if f[0] == "<not counted>" {
			continue
		}
		n, err := strconv.ParseInt(f[0], 10, 64)
		if err != nil {
			return 0, fmt.Errorf("perf stat's count %q: %w", f[0], err)
		}
		sum += n
	}
	if seen != len(fsyncEvents) {
		return 0, errors.New("perf stat reported no count of fsync and fdatasync calls:\n" + report)
	}
	return sum, nil
}
