package conf

import (
	"cmp"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sync"

	"github.com/sirupsen/logrus"

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
	logger.AddHook(&sinks{list: []sink{
		{l.FileLevel, logformat.Standard{PID: os.Getpid(), TaskKey: ComponentField, DefaultTask: "main"}, file},
		{l.ConsoleLevel, logformat.Simple{}, console},
	}})
	return logger, file, nil
}

// sink is one output: entries at level and above, formatted by format.
type sink struct {
	level  logrus.Level
	format logrus.Formatter
	w      io.Writer
}

// sinks is a hook that writes each entry to every sink that wants it. It
// is one hook rather than one per sink because logrus stops firing hooks at
// the first error: a full disk must not silence the console.
type sinks struct {
	mu   sync.Mutex // logrus does not serialize hooks
	list []sink
}

func (*sinks) Levels() []logrus.Level { return logrus.AllLevels }

func (s *sinks) Fire(e *logrus.Entry) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	var first error
	for _, k := range s.list {
		if e.Level > k.level {
			continue
		}
		b, err := k.format.Format(e)
		if err == nil {
			_, err = k.w.Write(b)
		}
		first = cmp.Or(first, err)
	}
	return first
}

// noFormat formats nothing, for the unused output.
type noFormat struct{}

func (noFormat) Format(*logrus.Entry) ([]byte, error) { return nil, nil }
