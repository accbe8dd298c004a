package conf_test

import (
	"bytes"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"regexp"
	"runtime"
	"strings"
	"testing"

	"github.com/sirupsen/logrus"

	"atmshop/conf"
	"atmshop/core"
)

const stamp = `\d{4}-\d\d-\d\d \d\d:\d\d:\d\d,\d{3}` // Python's asctime

func TestNewLogger(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "not", "yet")
	var console bytes.Buffer
	logger, closer, err := conf.NewLogger(conf.Logging{
		Dir: dir, File: "all2.log", MaxSizeMB: 1, MaxBackups: 2,
		ConsoleLevel: logrus.WarnLevel, FileLevel: logrus.InfoLevel,
	}, &console)
	if err != nil {
		t.Fatal(err)
	}

	_, _, line, _ := runtime.Caller(0)
	logger.WithField(conf.ComponentField, "core").WithField("user", "alex").Info("login ok")
	logger.Debug("too verbose for both")
	logger.WithField("user", "bob smith").Warn("bad password\n[forged][INFO][entry]")
	logger.WithError(fmt.Errorf("disk full")).Error("cannot save")
	if err := closer.Close(); err != nil {
		t.Fatal(err)
	}

	data, err := os.ReadFile(filepath.Join(dir, "all2.log"))
	if err != nil {
		t.Fatal(err)
	}
	head := fmt.Sprintf(`^\[%s\]\[pid:%d\]`, stamp, os.Getpid())
	wantFile := []string{
		head + fmt.Sprintf(`\[task_id:core\]\[logging_test\.go:%d\]\[INFO\]\[login ok user=alex\]$`, line+1),
		head + fmt.Sprintf(`\[task_id:main\]\[logging_test\.go:%d\]\[WARNING\]\[bad password\\n\[forged\]\[INFO\]\[entry\] user="bob smith"\]$`, line+3),
		head + fmt.Sprintf(`\[task_id:main\]\[logging_test\.go:%d\]\[ERROR\]\[cannot save error="disk full"\]$`, line+4),
	}
	matchLines(t, "log file", string(data), wantFile)

	wantConsole := []string{
		fmt.Sprintf(`^\[WARNING\]\[%s\]\[logging_test\.go:%d\]bad password\\n\[forged\]\[INFO\]\[entry\] user="bob smith"$`, stamp, line+3),
		fmt.Sprintf(`^\[ERROR\]\[%s\]\[logging_test\.go:%d\]cannot save error="disk full"$`, stamp, line+4),
	}
	matchLines(t, "console", console.String(), wantConsole)

	if runtime.GOOS != "windows" {
		if info, err := os.Stat(dir); err != nil || info.Mode().Perm() != 0o700 {
			t.Errorf("log folder: %v, %v; want mode 0700", info.Mode(), err)
		}
	}
	if logrus.StandardLogger().Hooks[logrus.InfoLevel] != nil || logrus.StandardLogger().ReportCaller {
		t.Error("NewLogger changed logrus's global logger")
	}
}

func TestNewLoggerConsoleMoreVerboseThanFile(t *testing.T) {
	dir := t.TempDir()
	var console bytes.Buffer
	logger, closer, err := conf.NewLogger(conf.Logging{
		Dir: dir, File: "x.log", MaxSizeMB: 1,
		ConsoleLevel: logrus.DebugLevel, FileLevel: logrus.ErrorLevel,
	}, &console)
	if err != nil {
		t.Fatal(err)
	}
	logger.Debug("detail")
	logger.Info("news")
	logger.Error("trouble")
	if err := closer.Close(); err != nil {
		t.Fatal(err)
	}
	data, err := os.ReadFile(filepath.Join(dir, "x.log"))
	if err != nil {
		t.Fatal(err)
	}
	matchLines(t, "log file", string(data), []string{`\[ERROR\]\[trouble\]$`})
	matchLines(t, "console", console.String(), []string{`^\[DEBUG\].*\]detail$`, `^\[INFO\].*\]news$`, `^\[ERROR\].*\]trouble$`})
}

func TestNewLoggerErrors(t *testing.T) {
	notDir := filepath.Join(t.TempDir(), "file")
	if err := os.WriteFile(notDir, nil, 0o600); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name string
		l    conf.Logging
	}{
		{"folder is a file", conf.Logging{Dir: notDir, File: "all2.log", MaxSizeMB: 1}},
		{"zero size", conf.Logging{Dir: t.TempDir(), File: "all2.log"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, closer, err := conf.NewLogger(tt.l, &bytes.Buffer{})
			if err == nil || closer != nil {
				t.Errorf("NewLogger = %v, %v; want an error and no closer", closer, err)
			}
		})
	}
}

// matchLines checks that text has exactly one line per pattern, in order.
func matchLines(t *testing.T, what, text string, patterns []string) {
	t.Helper()
	lines := strings.Split(strings.TrimSuffix(text, "\n"), "\n")
	if len(lines) != len(patterns) {
		t.Errorf("%s has %d lines, want %d:\n%s", what, len(lines), len(patterns), text)
		return
	}
	for i, p := range patterns {
		if !regexp.MustCompile(p).MatchString(lines[i]) {
			t.Errorf("%s line %d:\n got %s\nwant %s", what, i+1, lines[i], p)
		}
	}
}

func TestNewLoggerLeavesAnExistingFolderAlone(t *testing.T) {
	if runtime.GOOS == "windows" {
		t.Skip("no Unix modes")
	}
	// A log folder shared by several users: everyone writes, the sticky bit
	// keeps each one's files their own.
	dir := filepath.Join(t.TempDir(), "shared")
	if err := os.Mkdir(dir, 0o700); err != nil {
		t.Fatal(err)
	}
	want := os.ModeDir | os.ModeSticky | 0o777
	if err := os.Chmod(dir, want); err != nil {
		t.Fatal(err)
	}
	_, closer, err := conf.NewLogger(conf.Logging{Dir: dir, File: "all2.log", MaxSizeMB: 1}, io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	defer closer.Close()
	info, err := os.Stat(dir)
	if err != nil {
		t.Fatal(err)
	}
	if got := info.Mode(); got != want {
		t.Errorf("log folder mode after NewLogger %v, want %v as it was", got, want)
	}
}

func TestWarnIfDataFolderOpen(t *testing.T) {
	if runtime.GOOS == "windows" {
		t.Skip("no Unix modes")
	}
	// entry is something in the data folder: a folder, or a file with
	// content or without.
	type entry struct {
		name  string
		dir   bool
		empty bool
		mode  os.FileMode
	}
	gitkeep := entry{name: ".gitkeep", empty: true, mode: 0o644}
	private := []entry{{name: "accounts", dir: true, mode: 0o700}, {name: "bank.json", mode: 0o600}, gitkeep}
	tests := []struct {
		name    string
		mode    os.FileMode // of the data folder; 0: it does not exist
		entries []entry
		warn    bool
	}{
		{"missing", 0, nil, false},
		{"owner only", 0o700, private, false},
		{"a fresh clone: others may list an empty .gitkeep", 0o755, []entry{gitkeep}, false},
		{"after the first start: others may list private entries", 0o755, private, false},
		{"others may enter but not list", 0o711, private, false},
		{"others may read a folder of it", 0o755, []entry{{name: "accounts", dir: true, mode: 0o755}}, true},
		{"group may read a file of it", 0o750, []entry{{name: "bank.json", mode: 0o640}}, true},
		{"others may not enter: a readable folder inside is out of reach", 0o700, []entry{{name: "accounts", dir: true, mode: 0o755}}, false},
		{"group may write", 0o730, nil, true},
		{"everyone may write", 0o777, private, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := filepath.Join(t.TempDir(), "db")
			if tt.mode != 0 {
				if err := os.Mkdir(dir, 0o700); err != nil {
					t.Fatal(err)
				}
				for _, e := range tt.entries {
					p := filepath.Join(dir, e.name)
					var err error
					switch {
					case e.dir:
						err = os.Mkdir(p, 0o700)
					case e.empty:
						err = os.WriteFile(p, nil, 0o600)
					default:
						err = os.WriteFile(p, []byte("{}\n"), 0o600)
					}
					if err == nil {
						err = os.Chmod(p, e.mode)
					}
					if err != nil {
						t.Fatal(err)
					}
				}
				if err := os.Chmod(dir, tt.mode); err != nil {
					t.Fatal(err)
				}
			}
			logger := logrus.New()
			logger.SetOutput(io.Discard)
			hook := &recorder{}
			logger.AddHook(hook)
			conf.WarnIfDataFolderOpen(logger, dir)
			if !tt.warn {
				if len(hook.entries) != 0 {
					t.Errorf("logged %d entries, want none: %v", len(hook.entries), hook.entries[0].Message)
				}
				return
			}
			if len(hook.entries) != 1 {
				t.Fatalf("logged %d entries, want one warning", len(hook.entries))
			}
			e := hook.entries[0]
			if e.Level != logrus.WarnLevel || !strings.Contains(e.Message, dir) || !strings.Contains(e.Message, "chmod -R go-rwx") {
				t.Errorf("logged %v %q, want a warning naming %s and saying chmod -R go-rwx", e.Level, e.Message, dir)
			}
			if info, err := os.Stat(dir); err != nil || info.Mode().Perm() != tt.mode {
				t.Errorf("folder mode %v, %v: want %v, untouched", info.Mode(), err, tt.mode)
			}
		})
	}
}

// recorder is a logrus hook that keeps every entry.
type recorder struct{ entries []*logrus.Entry }

func (*recorder) Levels() []logrus.Level       { return logrus.AllLevels }
func (r *recorder) Fire(e *logrus.Entry) error { r.entries = append(r.entries, e); return nil }

// TestLogFileFailureIsNotedOnceAndTheAppGoesOn removes the log folder under
// a running logger, so that every write to the file fails, and checks that
// the console gets one plain sentence about it, keeps its own lines, and
// that logrus never prints "Failed to fire hook" (it would, to os.Stderr,
// if the hook returned an error).
func TestLogFileFailureIsNotedOnceAndTheAppGoesOn(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "log")
	var console bytes.Buffer
	logger, closer, err := conf.NewLogger(conf.Logging{
		Dir: dir, File: "all2.log", MaxSizeMB: 1,
		ConsoleLevel: logrus.WarnLevel, FileLevel: logrus.InfoLevel,
	}, &console)
	if err != nil {
		t.Fatal(err)
	}
	defer closer.Close()
	if err := os.RemoveAll(dir); err != nil {
		t.Fatal(err)
	}
	stderr := captureStderr(t, func() {
		logger.Info("transfer ref=t-1")
		logger.Warn("first warning")
		logger.Info("transfer ref=t-2")
		logger.Warn("second warning")
	})
	note := "Note: the log file cannot be written at the moment; " + core.ProgramName + " carries on, and every money movement is still recorded in the ledger."
	matchLines(t, "console", console.String(), []string{
		"^" + regexp.QuoteMeta(note) + "$",
		`^\[WARNING\].*\]first warning$`,
		`^\[WARNING\].*\]second warning$`,
	})
	if strings.Contains(console.String(), dir) {
		t.Errorf("the console shows the log's path:\n%s", console.String())
	}
	if stderr != "" {
		t.Errorf("logrus wrote to stderr: %q", stderr)
	}
}

// captureStderr runs f with os.Stderr sent to a file and returns what was
// written there.
func captureStderr(t *testing.T, f func()) string {
	t.Helper()
	file, err := os.Create(filepath.Join(t.TempDir(), "stderr"))
	if err != nil {
		t.Fatal(err)
	}
	defer file.Close()
	saved := os.Stderr
	os.Stderr = file
	defer func() { os.Stderr = saved }()
	f()
	data, err := os.ReadFile(file.Name())
	if err != nil {
		t.Fatal(err)
	}
	return string(data)
}

// BenchmarkLogFile logs entries shaped like the bank's transfer entries
// through NewLogger to the file, rotating at 1 MB, as bin/bench's logging
// rows do.
func BenchmarkLogFile(b *testing.B) {
	logger, closer, err := conf.NewLogger(conf.Logging{
		Dir: b.TempDir(), File: "all2.log", MaxSizeMB: 1, MaxBackups: 3,
		ConsoleLevel: logrus.WarnLevel, FileLevel: logrus.InfoLevel,
	}, io.Discard)
	if err != nil {
		b.Fatal(err)
	}
	defer closer.Close()
	log := logger.WithField(conf.ComponentField, "core")
	i := 0
	for b.Loop() {
		log.WithFields(logrus.Fields{"ref": fmt.Sprintf("t-%016x", i), "from": "alex", "to": "egon", "amount": "1.00", "seq": i}).Info("transfer")
		i++
	}
}
