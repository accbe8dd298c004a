package conf

import (
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sync"

	"github.com/sirupsen/logrus"

	"atmshop/core"
	"atmshop/lib/logformat"
	"atmshop/lib/sharedlog"
)

// ComponentField is the entry field that names the part of the program that
// logged, shown as task_id in the log file (the seed's logger name):
// logger.WithField(conf.ComponentField, "core").
const ComponentField = "component"

// NewLogger builds the seed's two log handlers on a logger of its own (the
// logrus global logger is left alone). It writes entries at l.FileLevel and
// above to <l.Dir>/<l.File> in the standard format, rotated and shared
// safely with other processes (see package sharedlog), and entries at
// l.ConsoleLevel and above to console in the simple format. console must
// not be nil; pass io.Discard for none. It creates l.Dir, readable by the
// owner only, if it does not exist, and leaves the mode of an existing one
// alone. Closing the returned Closer closes the log file; log nothing after
// that. Never log at Fatal or Panic: logrus would exit or panic.
func NewLogger(l Logging, console io.Writer) (*logrus.Logger, io.Closer, error) {
	// A folder that already exists keeps its mode: it may be shared on
	// purpose (a 1777 folder with its sticky bit), and the log file itself
	// is created readable by its owner only.
	if err := os.MkdirAll(l.Dir, 0o700); err != nil {
		return nil, nil, fmt.Errorf("create log folder: %w", err)
	}
	file, err := sharedlog.Open(filepath.Join(l.Dir, l.File), sharedlog.Options{MaxSizeMB: l.MaxSizeMB, MaxBackups: l.MaxBackups})
	if err != nil {
		return nil, nil, err
	}
	logger := logrus.New()
	// The two outputs are sinks of one hook, each with its own format and
	// level; the logger's own output is not used, so it skips formatting.
	logger.SetOutput(io.Discard)
	logger.SetFormatter(noFormat{})
	logger.SetReportCaller(true)
	logger.SetLevel(max(l.FileLevel, l.ConsoleLevel)) // the more verbose
	logger.AddHook(&sinks{
		file:    sink{l.FileLevel, logformat.Standard{PID: os.Getpid(), TaskKey: ComponentField, DefaultTask: "main"}, file},
		console: sink{l.ConsoleLevel, logformat.Simple{}, console},
	})
	return logger, file, nil
}

// logFileNote is what the console is told, once, when the log file cannot
// be written. It says nothing of paths or system errors: the person at the
// terminal can do nothing with them, and the operator finds the file
// missing its lines.
const logFileNote = "Note: the log file cannot be written at the moment; " + core.ProgramName + " carries on, and every money movement is still recorded in the ledger."

// sink is one output: entries at level and above, formatted by format.
type sink struct {
	level  logrus.Level
	format logrus.Formatter
	w      io.Writer
}

// put writes e to the sink if the sink wants it.
func (k sink) put(e *logrus.Entry) error {
	if e.Level > k.level {
		return nil
	}
	b, err := k.format.Format(e)
	if err != nil {
		return err
	}
	_, err = k.w.Write(b)
	return err
}

// sinks is the hook that writes each entry to the log file and the
// console. It never returns an error: logrus would print it raw to
// os.Stderr ("Failed to fire hook: …"), between the prompts. The ledger,
// not the log, is the record of money, so a log file that cannot be written
// (a full disk) is noted on the console once and the program goes on.
type sinks struct {
	mu            sync.Mutex // logrus does not serialize hooks
	file, console sink
	noted         bool // the console has been told the file cannot be written
}

func (*sinks) Levels() []logrus.Level { return logrus.AllLevels }

func (s *sinks) Fire(e *logrus.Entry) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if err := s.file.put(e); err != nil && !s.noted {
		s.noted = true
		_, _ = fmt.Fprintln(s.console.w, logFileNote)
	}
	// Entries marked core.FileOnlyField (why a login failed, the details
	// of an internal error) would tell the person at the terminal what
	// they must not learn. A console that cannot be written has nowhere to
	// report to.
	if e.Data[core.FileOnlyField] != true {
		_ = s.console.put(e)
	}
	return nil
}

// noFormat formats nothing, for the unused output.
type noFormat struct{}

func (noFormat) Format(*logrus.Entry) ([]byte, error) { return nil, nil }
