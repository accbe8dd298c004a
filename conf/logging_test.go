package conf_test

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"runtime"
	"strings"
	"testing"

	"github.com/sirupsen/logrus"

	"atmshop/conf"
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
