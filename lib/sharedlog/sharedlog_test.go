package sharedlog_test

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"

	"atmshop/lib/sharedlog"
)

const (
	// helperEnv turns the test binary into a writer process: "<path>|<name>".
	helperEnv  = "SHAREDLOG_TEST_WRITER"
	children   = 3
	goroutines = 4
	linesEach  = 2000
	// A line is about 110 bytes: 4 processes write some 3.5 MB, so a 1 MB
	// file is rotated at least three times.
	maxSizeMB = 1
)

var padding = strings.Repeat("x", 90)

func TestMain(m *testing.M) {
	if spec := os.Getenv(helperEnv); spec != "" {
		path, name, _ := strings.Cut(spec, "|")
		if err := writeLines(path, name); err != nil {
			fmt.Fprintln(os.Stderr, err)
			os.Exit(1)
		}
		os.Exit(0)
	}
	os.Exit(m.Run())
}

func line(proc string, g, n int) string {
	return fmt.Sprintf("%s g%d n%05d %s\n", proc, g, n, padding)
}

// writeLines writes linesEach numbered lines from each of several
// goroutines through one Writer, as one process would.
func writeLines(path, proc string) error {
	w, err := sharedlog.Open(path, sharedlog.Options{MaxSizeMB: maxSizeMB, MaxBackups: 1000})
	if err != nil {
		return err
	}
	errs := make([]error, goroutines)
	var wg sync.WaitGroup
	for g := range goroutines {
		wg.Go(func() {
			for n := range linesEach {
				if _, err := io.WriteString(w, line(proc, g, n)); err != nil {
					errs[g] = err
					return
				}
			}
		})
	}
	wg.Wait()
	return errors.Join(append(errs, w.Close())...)
}

func TestProcessesShareOneRotatedFile(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "test.log")

	var procs []string
	var cmds []*exec.Cmd
	var stderr []*bytes.Buffer
	for i := range children {
		name := fmt.Sprintf("child%d", i)
		cmd := exec.Command(os.Args[0], "-test.run=^$")
		cmd.Env = append(os.Environ(), helperEnv+"="+path+"|"+name)
		var b bytes.Buffer
		cmd.Stderr = &b
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		procs, cmds, stderr = append(procs, name), append(cmds, cmd), append(stderr, &b)
	}
	procs = append(procs, "parent")
	if err := writeLines(path, "parent"); err != nil {
		t.Error(err)
	}
	for i, cmd := range cmds {
		if err := cmd.Wait(); err != nil {
			t.Errorf("%s: %v: %s", procs[i], err, stderr[i])
		}
	}

	want := map[string]int{}
	for _, p := range procs {
		for g := range goroutines {
			for n := range linesEach {
				want[line(p, g, n)] = 0
			}
		}
	}
	files, err := filepath.Glob(filepath.Join(dir, "test*.log"))
	if err != nil {
		t.Fatal(err)
	}
	if len(files) < 4 {
		t.Errorf("%d files %v, want the current one and at least 3 backups", len(files), files)
	}
	for _, f := range files {
		data, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		// Rotation follows the real size, whoever wrote: no file grows past
		// the limit.
		if len(data) > maxSizeMB<<20 {
			t.Errorf("%s is %d bytes, more than %d MB", filepath.Base(f), len(data), maxSizeMB)
		}
		for l := range strings.Lines(string(data)) {
			count, ok := want[l]
			if !ok {
				t.Fatalf("%s has a line nobody wrote whole: %q", filepath.Base(f), l)
			}
			want[l] = count + 1
		}
	}
	for l, count := range want {
		if count != 1 {
			t.Errorf("line %q found %d times, want once", strings.TrimSpace(l[:20]), count)
		}
	}
}

func TestWriteRules(t *testing.T) {
	path := filepath.Join(t.TempDir(), "a.log")
	w, err := sharedlog.Open(path, sharedlog.Options{MaxSizeMB: 1})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := w.Write([]byte("no line end")); !errors.Is(err, sharedlog.ErrPartialLine) {
		t.Errorf("partial line: %v, want ErrPartialLine", err)
	}
	if n, err := w.Write([]byte("one\ntwo\n")); n != 8 || err != nil {
		t.Errorf("whole lines: %d, %v; want 8, nil", n, err)
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	if _, err := w.Write([]byte("late\n")); !errors.Is(err, os.ErrClosed) {
		t.Errorf("write after Close: %v, want os.ErrClosed", err)
	}
	data, err := os.ReadFile(path)
	if string(data) != "one\ntwo\n" || err != nil {
		t.Errorf("file holds %q, %v; want the two whole lines only", data, err)
	}
	if _, err := os.Stat(filepath.Join(filepath.Dir(path), ".a.log.lock")); err != nil {
		t.Errorf("lock file: %v", err)
	}
}

func TestOpenErrors(t *testing.T) {
	dir := t.TempDir()
	tests := []struct {
		name string
		path string
		o    sharedlog.Options
	}{
		{"missing folder", filepath.Join(dir, "missing", "a.log"), sharedlog.Options{MaxSizeMB: 1}},
		{"size 0", filepath.Join(dir, "a.log"), sharedlog.Options{}},
		{"negative backups", filepath.Join(dir, "a.log"), sharedlog.Options{MaxSizeMB: 1, MaxBackups: -1}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			w, err := sharedlog.Open(tt.path, tt.o)
			if err == nil || !strings.Contains(err.Error(), tt.path) {
				t.Errorf("Open = %v, %v; want an error naming %s", w, err, tt.path)
			}
		})
	}
}

// TestFailedWriteNeverLeavesHalfALine makes the second of three writes
// fail, after writing part of its line or none of it, and checks that the
// third line still starts a line of its own.
func TestFailedWriteNeverLeavesHalfALine(t *testing.T) {
	const one, two, three = "first line\n", "second line, cut short\n", "third line\n"
	tests := []struct {
		name        string
		write       func(p []byte, real func([]byte) (int, error)) (int, error)
		truncateErr error
		want        string
	}{
		{"short write", func(p []byte, real func([]byte) (int, error)) (int, error) {
			n, _ := real(p[:len(p)/2])
			return n, io.ErrShortWrite
		}, nil, one + three},
		{"error after writing it all", func(p []byte, real func([]byte) (int, error)) (int, error) {
			n, _ := real(p)
			return n, syscall.EIO
		}, nil, one + three},
		{"nothing written", func([]byte, func([]byte) (int, error)) (int, error) {
			return 0, syscall.ENOSPC
		}, nil, one + three},
		{"short write that cannot be cut back", func(p []byte, real func([]byte) (int, error)) (int, error) {
			n, _ := real(p[:len(p)/2])
			return n, io.ErrShortWrite
		}, syscall.EIO, one + two[:len(two)/2] + "\n" + three},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "a.log")
			w, err := sharedlog.Open(path, sharedlog.Options{MaxSizeMB: 1})
			if err != nil {
				t.Fatal(err)
			}
			if _, err := io.WriteString(w, one); err != nil {
				t.Fatal(err)
			}
			sharedlog.SetWrite(w, tt.write)
			sharedlog.SetTruncate(w, func(name string, size int64) error {
				if tt.truncateErr != nil {
					return tt.truncateErr
				}
				return os.Truncate(name, size)
			})
			if _, err := io.WriteString(w, two); err == nil {
				t.Errorf("the failed write returned no error")
			}
			sharedlog.SetWrite(w, func(p []byte, real func([]byte) (int, error)) (int, error) { return real(p) })
			if n, err := io.WriteString(w, three); n != len(three) || err != nil {
				t.Errorf("the write after it: %d, %v; want %d, nil", n, err, len(three))
			}
			data, err := os.ReadFile(path)
			if err != nil {
				t.Fatal(err)
			}
			if string(data) != tt.want {
				t.Errorf("file holds %q, want %q", data, tt.want)
			}
		})
	}
}

// BenchmarkWrite writes log-sized lines through one Writer, rotating at
// 1 MB (about every 9,000 lines) and keeping 3 backups, as one process of
// the app does.
func BenchmarkWrite(b *testing.B) {
	path := filepath.Join(b.TempDir(), "bench.log")
	w, err := sharedlog.Open(path, sharedlog.Options{MaxSizeMB: 1, MaxBackups: 3})
	if err != nil {
		b.Fatal(err)
	}
	defer w.Close()
	p := []byte(line("bench", 0, 0))
	b.SetBytes(int64(len(p)))
	for b.Loop() {
		if _, err := w.Write(p); err != nil {
			b.Fatal(err)
		}
	}
}

// TestLineCutShortElsewhereIsEnded leaves a line without its line break at
// the end of the file, as a process killed in the middle of a write would,
// and checks that the next line starts on a line of its own, whether or
// not the Writer wrote before.
func TestLineCutShortElsewhereIsEnded(t *testing.T) {
	for _, wroteBefore := range []bool{true, false} {
		t.Run(fmt.Sprintf("wrote before %v", wroteBefore), func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "a.log")
			w, err := sharedlog.Open(path, sharedlog.Options{MaxSizeMB: 1})
			if err != nil {
				t.Fatal(err)
			}
			defer w.Close()
			want := "one\n"
			if wroteBefore {
				if _, err := io.WriteString(w, "one\n"); err != nil {
					t.Fatal(err)
				}
			} else if err := os.WriteFile(path, []byte("one\n"), 0o600); err != nil {
				t.Fatal(err)
			}
			f, err := os.OpenFile(path, os.O_WRONLY|os.O_APPEND, 0)
			if err != nil {
				t.Fatal(err)
			}
			if _, err := f.WriteString("killed half way thr"); err != nil {
				t.Fatal(err)
			}
			if err := f.Close(); err != nil {
				t.Fatal(err)
			}
			want += "killed half way thr\n"
			for _, l := range []string{"three\n", "four\n"} {
				if _, err := io.WriteString(w, l); err != nil {
					t.Fatal(err)
				}
				want += l
			}
			data, err := os.ReadFile(path)
			if string(data) != want || err != nil {
				t.Errorf("file holds %q, %v; want %q", data, err, want)
			}
		})
	}
}

// TestFolderMadeAgain removes the log folder under a Writer and makes it
// again: the Writer goes on in the new folder, with the lock file there
// (the one a process started since would lock), not the one it held.
func TestFolderMadeAgain(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "log")
	if err := os.Mkdir(dir, 0o700); err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(dir, "a.log")
	w, err := sharedlog.Open(path, sharedlog.Options{MaxSizeMB: 1})
	if err != nil {
		t.Fatal(err)
	}
	defer w.Close()
	if _, err := io.WriteString(w, "before\n"); err != nil {
		t.Fatal(err)
	}
	if err := os.RemoveAll(dir); err != nil {
		t.Fatal(err)
	}
	if _, err := io.WriteString(w, "lost\n"); err == nil {
		t.Error("a write with no folder returned no error")
	}
	if err := os.Mkdir(dir, 0o700); err != nil {
		t.Fatal(err)
	}
	if _, err := io.WriteString(w, "after\n"); err != nil {
		t.Fatal(err)
	}
	data, err := os.ReadFile(path)
	if string(data) != "after\n" || err != nil {
		t.Errorf("file holds %q, %v; want %q", data, err, "after\n")
	}
	if _, err := os.Stat(filepath.Join(dir, ".a.log.lock")); err != nil {
		t.Errorf("lock file: %v", err)
	}
}
