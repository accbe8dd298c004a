package main

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// These tests check that bench works and reports what it measured; they
// never compare a time with a limit.

func TestSummarize(t *testing.T) {
	ms := func(ns ...int) []time.Duration {
		var d []time.Duration
		for _, n := range ns {
			d = append(d, time.Duration(n)*time.Millisecond)
		}
		return d
	}
	tests := []struct {
		name        string
		in          []time.Duration
		median, p90 time.Duration
	}{
		{"one", ms(7), 7 * time.Millisecond, 7 * time.Millisecond},
		{"odd", ms(5, 1, 3), 3 * time.Millisecond, 5 * time.Millisecond},
		{"even", ms(4, 1, 3, 2), 2500 * time.Microsecond, 4 * time.Millisecond},
		{"ten", ms(10, 9, 8, 7, 6, 5, 4, 3, 2, 1), 5500 * time.Microsecond, 9 * time.Millisecond},
		{"empty", nil, 0, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := summarize(tt.in)
			if got.median != tt.median || got.p90 != tt.p90 || got.n != len(tt.in) {
				t.Errorf("summarize(%v) = %+v, want median %v, p90 %v, n %d", tt.in, got, tt.median, tt.p90, len(tt.in))
			}
		})
	}
}

func TestFormats(t *testing.T) {
	tests := []struct{ got, want string }{
		{dur(1500 * time.Microsecond), "1.5 ms"},
		{dur(42 * time.Microsecond), "42 µs"},
		{dur(2500 * time.Millisecond), "2.5 s"},
		{ratio(150, 10), "15.0x"},
		{ratio(1, 4), "0.25x"},
		{ratio(5000, 2), "2500x"},
		{ratio(1, 0), "n/a"},
		{rate(929.4), "929/s"},
		{rate(20500), "20 k/s"},
		{rate(1_660_000), "1.66 M/s"},
		{count(1000000), "1,000,000"},
		{count(999), "999"},
		{accountName(7, 1000000), "u0000007"},
		{accountName(10, 10), "u10"},
		{mb(30 << 20), "30.0 MB"},
		{verdict("under 30 MB", true), "under 30 MB: met"},
		{verdict("under 30 MB", false), "under 30 MB: MISSED"},
	}
	for _, tt := range tests {
		if tt.got != tt.want {
			t.Errorf("got %q, want %q", tt.got, tt.want)
		}
	}
}

func TestReportFormats(t *testing.T) {
	r := report{env: "test machine"}
	r.add(row{"Area", "a | b", "1 ms", "", "2.00x", "target: met"})
	r.note("a note")

	var md bytes.Buffer
	r.markdown(&md)
	lines := strings.Split(md.String(), "\n")
	if got, want := lines[0], "| Area | Measure | Result | Compared with | Ratio | Target |"; got != want {
		t.Errorf("markdown header = %q, want %q", got, want)
	}
	if got, want := lines[1], "| --- | --- | --- | --- | --- | --- |"; got != want {
		t.Errorf("markdown rule = %q, want %q", got, want)
	}
	if got, want := lines[2], `| Area | a \| b | 1 ms |  | 2.00x | target: met |`; got != want {
		t.Errorf("markdown row = %q, want %q", got, want)
	}
	if !strings.Contains(md.String(), "- a note") || !strings.Contains(md.String(), "Machine: test machine.") {
		t.Errorf("markdown misses the note or the machine:\n%s", md.String())
	}

	var plain bytes.Buffer
	r.plain(&plain)
	if !strings.Contains(plain.String(), "a | b") || !strings.Contains(plain.String(), "- a note") {
		t.Errorf("plain table misses the row or the note:\n%s", plain.String())
	}
}

func TestFlags(t *testing.T) {
	tests := []struct {
		name string
		args []string
		ok   bool
	}{
		{"defaults", nil, true},
		{"only some", []string{"-only", "log, transfer"}, true},
		{"unknown section", []string{"-only", "disk"}, false},
		{"too small", []string{"-scale", "5"}, false},
		{"argument", []string{"extra"}, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var stderr bytes.Buffer
			o, err := parseFlags(tt.args, &stderr)
			if tt.ok && err != nil {
				t.Fatalf("parseFlags(%q) = %v, want no error", tt.args, err)
			}
			var usage usageError
			if !tt.ok && !errors.As(err, &usage) {
				t.Fatalf("parseFlags(%q) = %v, want a usage error", tt.args, err)
			}
			if tt.ok && len(o.only) == 0 {
				t.Errorf("parseFlags(%q) selected no section", tt.args)
			}
		})
	}
}

func TestCountLines(t *testing.T) {
	dir := t.TempDir()
	write := func(name, text string) {
		t.Helper()
		if err := os.WriteFile(filepath.Join(dir, name), []byte(text), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	line := func(seq int) string {
		return fmt.Sprintf("[2026-11-25 20:31:40,272][pid:1][task_id:core][x.go:1][INFO][transfer amount=1.00 seq=%d to=egon]\n", seq)
	}
	write("all2.log", line(0)+line(2))
	write("all2-2026-11-25T12-31-40.272.log", line(1)+line(2))
	write("other.log", line(3))
	files, found, dups, _, err := countLines(dir, "all2", 4)
	if err != nil {
		t.Fatal(err)
	}
	if files != 2 || found != 3 || dups != 1 {
		t.Errorf("countLines = %d files, %d found, %d repeated; want 2, 3, 1", files, found, dups)
	}
}

// TestSeedProgram runs the Python transcription as bench does, if
// python3 is here.
func TestSeedProgram(t *testing.T) {
	python := findPython(context.Background())
	if python == "" {
		t.Skip("no python3 on PATH")
	}
	dir := t.TempDir()
	if err := writeSeed(dir); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(python, filepath.Join("bin", "start.py"))
	cmd.Dir = dir
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	err := cmd.Run()
	var exit *exec.ExitError
	if !errors.As(err, &exit) || exit.ExitCode() != 1 {
		t.Fatalf("start.py: %v, want exit status 1 (EOFError at the prompt); stderr:\n%s", err, stderr.String())
	}
	if got := stdout.String(); !strings.Contains(got, "name>>: ") {
		t.Errorf("stdout = %q, want the seed's prompt name>>: ", got)
	}
	if got := stderr.String(); !strings.Contains(got, "It works!") || !strings.Contains(got, "EOFError") {
		t.Errorf("stderr = %q, want the log line It works! and an EOFError", got)
	}
	log, err := os.ReadFile(filepath.Join(dir, "log", "all2.log"))
	if err != nil || !strings.Contains(string(log), "[task_id:conf.my_log_settings]") {
		t.Errorf("log/all2.log = %q, %v; want the seed's standard format line", log, err)
	}
}

// TestRunSmall runs every measure at a tiny size and checks the table.
func TestRunSmall(t *testing.T) {
	if testing.Short() {
		t.Skip("builds ./bin/start and runs every measure")
	}
	args := []string{"-dir", t.TempDir(), "-runs", "2", "-transfers", "5", "-scale", "20", "-entries", "3", "-loglines", "300", "-short", "3", "-long", "5", "-sessions", "1"}
	for _, markdown := range []bool{false, true} {
		var stdout, stderr bytes.Buffer
		a := args
		if markdown {
			a = append(a, "-markdown", "-only", "log")
		}
		if err := run(context.Background(), a, &stdout, &stderr); err != nil {
			t.Fatalf("run %q: %v\nstderr:\n%s", a, err, stderr.String())
		}
		out := stdout.String()
		want := []string{"Start-up", "Transfers", "Whole program", "Group commit", "atmshop over SSH: 16 sessions", "1 SSH session", "Scale", "Logging", "no line lost: met", "fsyncs/transfer"}
		if markdown {
			want = []string{"| Area |", "| Logging |", "no line lost: met"}
		}
		for _, w := range want {
			if !strings.Contains(out, w) {
				t.Errorf("run %q: output misses %q:\n%s", a, w, out)
			}
		}
	}
}

func TestShare(t *testing.T) {
	for _, tt := range []struct{ total, n int }{{800, 16}, {5, 16}, {17, 16}, {7, 1}, {0, 3}} {
		sum := 0
		for k := range tt.n {
			s := share(tt.total, tt.n, k)
			if s < tt.total/tt.n || s > tt.total/tt.n+1 {
				t.Errorf("share(%d, %d, %d) = %d, not an even share", tt.total, tt.n, k, s)
			}
			sum += s
		}
		if sum != tt.total {
			t.Errorf("shares of %d among %d add up to %d", tt.total, tt.n, sum)
		}
	}
}

func TestScripts(t *testing.T) {
	if got, want := sessionScript(2), "egon\n123\n3\nalex\n0.01\ny\n3\nalex\n0.01\ny\nq\n"; got != want {
		t.Errorf("sessionScript(2) = %q, want %q", got, want)
	}
	if got, want := transfersScript("g01", 0), "q\n"; got != want {
		t.Errorf("transfersScript(g01, 0) = %q, want %q", got, want)
	}
}

func TestSetConfigKey(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "conf", "config.ini")
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		t.Fatal(err)
	}
	config := "[server]\n# max_sessions = 5 is a comment\nmax_sessions = 100\nlisten = x\n"
	if err := os.WriteFile(path, []byte(config), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := setConfigKey(dir, "max_sessions", "7"); err != nil {
		t.Fatal(err)
	}
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if want := "[server]\n# max_sessions = 5 is a comment\nmax_sessions = 7\nlisten = x\n"; string(data) != want {
		t.Errorf("config after setConfigKey:\n%s\nwant:\n%s", data, want)
	}
	if err := setConfigKey(dir, "idle_timeout", "1"); err == nil {
		t.Error("setConfigKey set a key the file lacks")
	}
}

func TestParsePerfCounts(t *testing.T) {
	report := "# started on Thu Nov 26 11:33:28 2026\n\n12,,syscalls:sys_enter_fsync,1000,100.00,,\n103,,syscalls:sys_enter_fdatasync,1000,100.00,,\n"
	if got, err := parsePerfCounts(report); err != nil || got != 115 {
		t.Errorf("parsePerfCounts = %d, %v; want 115", got, err)
	}
	idle := "<not counted>,,syscalls:sys_enter_fsync,0,100.00,,\n<not counted>,,syscalls:sys_enter_fdatasync,0,100.00,,\n"
	if got, err := parsePerfCounts(idle); err != nil || got != 0 {
		t.Errorf("parsePerfCounts of counters that never ran = %d, %v; want 0", got, err)
	}
	for _, bad := range []string{"", "# started on Thu\n", "<not supported>,,syscalls:sys_enter_fsync,0,100.00,,\n5,,syscalls:sys_enter_fdatasync,1,100.00,,\n"} {
		if got, err := parsePerfCounts(bad); err == nil {
			t.Errorf("parsePerfCounts(%q) = %d, want an error", bad, got)
		}
	}
}

// TestCountFsyncs counts the syncs of a helper process that makes three
// fdatasync and one fsync call between perf's start and stop, and two
// more outside them. It needs perf, allowed to trace, and python3.
func TestCountFsyncs(t *testing.T) {
	python := findPython(context.Background())
	if python == "" {
		t.Skip("no python3 on PATH")
	}
	dir := t.TempDir()
	script := `import os, sys
f = os.open(sys.argv[1], os.O_WRONLY | os.O_CREAT, 0o600)
def syncs(data, full):
    for _ in range(data): os.fdatasync(f)
    for _ in range(full): os.fsync(f)
    print("done", flush=True)
sys.stdin.readline(); syncs(1, 0)
sys.stdin.readline(); syncs(3, 1)
sys.stdin.readline(); syncs(0, 1)
`
	helper := exec.Command(python, "-c", script, filepath.Join(dir, "synced"))
	stdin, err := helper.StdinPipe()
	if err != nil {
		t.Fatal(err)
	}
	stdout, err := helper.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := helper.Start(); err != nil {
		t.Fatal(err)
	}
	defer helper.Wait()
	defer stdin.Close()
	lines := bufio.NewReader(stdout)
	step := func() {
		t.Helper()
		if _, err := io.WriteString(stdin, "go\n"); err != nil {
			t.Fatal(err)
		}
		if line, err := lines.ReadString('\n'); line != "done\n" {
			t.Fatalf("the helper said %q, %v", line, err)
		}
	}
	c, err := countFsyncs(context.Background(), filepath.Join(dir, "perf"), helper.Process.Pid)
	if err != nil {
		t.Skipf("perf cannot count here: %v", err)
	}
	step() // before start: not counted
	if err := c.start(); err != nil {
		c.close()
		t.Skipf("perf cannot count here: %v", err)
	}
	step()
	if err := c.stop(); err != nil {
		t.Fatal(err)
	}
	step() // after stop: not counted
	got, err := c.close()
	if err != nil || got != 4 {
		t.Errorf("counted %d syncs (%v), want 4", got, err)
	}
}
