// Package logformat provides two logrus formatters that write the line
// formats of the Python logging setup this project started from:
//
//	Standard: [2026-11-25 20:31:40,272][pid:12345][task_id:core][store.go:88][INFO][login ok user=alex]
//	Simple:   [INFO][2026-11-25 20:31:40,272][store.go:88]login ok user=alex
//
// The time is the entry's, to the millisecond, with a comma before the
// milliseconds as Python's asctime writes it. Levels are upper case and
// warn is WARNING, as in Python. The entry's fields follow the message as
// " key=value", sorted by key; a value that is empty or holds spaces, quotes,
// '=', brackets or anything unprintable is written with strconv.Quote.
//
// Every entry is exactly one line. Line breaks, other control characters
// and invalid UTF-8 in the message, the fields or the task are escaped
// (\n, \x1b, \xff), so text typed by a user cannot split an entry or start
// a line that passes for another entry.
package logformat

import (
	"bytes"
	"fmt"
	"path"
	"slices"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/sirupsen/logrus"
)

// timeLayout is Python's asctime: "2017-07-29 00:31:40,272".
const timeLayout = "2006-01-02 15:04:05,000"

// Standard writes "[time][pid:N][task_id:T][file:line][LEVEL][message fields]".
type Standard struct {
	// PID is written as pid:N; use os.Getpid().
	PID int
	// TaskKey names the field whose value is the task_id. That field is
	// not repeated after the message. Empty means no field is the task.
	TaskKey string
	// DefaultTask is the task_id of entries without a TaskKey field.
	DefaultTask string
}

// Format implements logrus.Formatter.
func (f Standard) Format(e *logrus.Entry) ([]byte, error) {
	task := f.DefaultTask
	if v, ok := e.Data[f.TaskKey]; ok && f.TaskKey != "" {
		task = fmt.Sprint(v)
	}
	var b bytes.Buffer
	fmt.Fprintf(&b, "[%s][pid:%d][task_id:%s][%s][%s][", e.Time.Format(timeLayout), f.PID, escape(task), caller(e), level(e))
	writeMessage(&b, e, f.TaskKey)
	b.WriteString("]\n")
	return b.Bytes(), nil
}

// Simple writes "[LEVEL][time][file:line]message fields" for a terminal.
type Simple struct{}

// Format implements logrus.Formatter.
func (Simple) Format(e *logrus.Entry) ([]byte, error) {
	var b bytes.Buffer
	fmt.Fprintf(&b, "[%s][%s][%s]", level(e), e.Time.Format(timeLayout), caller(e))
	writeMessage(&b, e, "")
	b.WriteByte('\n')
	return b.Bytes(), nil
}

func level(e *logrus.Entry) string {
	return strings.ToUpper(e.Level.String())
}

// caller is "file:line" of the code that logged, or "?:0" when the logger
// does not report callers.
func caller(e *logrus.Entry) string {
	// Not e.HasCaller: that also asks the Logger, which may be unset.
	if e.Caller == nil {
		return "?:0"
	}
	return escape(path.Base(e.Caller.File)) + ":" + strconv.Itoa(e.Caller.Line)
}

// writeMessage writes the message and then every field but skip.
func writeMessage(b *bytes.Buffer, e *logrus.Entry, skip string) {
	b.WriteString(escape(e.Message))
	keys := make([]string, 0, len(e.Data))
	for k := range e.Data {
		if k != skip || skip == "" {
			keys = append(keys, k)
		}
	}
	slices.Sort(keys)
	for _, k := range keys {
		fmt.Fprintf(b, " %s=%s", escape(k), quote(fmt.Sprint(e.Data[k])))
	}
}

// escape keeps s on one line: it writes control and other unprintable
// characters, and bytes that are not UTF-8, as Go escapes. Printable text,
// Chinese included, is kept as it is.
func escape(s string) string {
	if !needsEscape(s) {
		return s
	}
	var b strings.Builder
	for i := 0; i < len(s); {
		r, size := utf8.DecodeRuneInString(s[i:])
		switch {
		case r == utf8.RuneError && size == 1:
			fmt.Fprintf(&b, `\x%02x`, s[i])
		case strconv.IsPrint(r):
			b.WriteRune(r)
		default:
			q := strconv.QuoteRune(r) // e.g. '\n', '\x1b', '\u2028'
			b.WriteString(q[1 : len(q)-1])
		}
		i += size
	}
	return b.String()
}

func needsEscape(s string) bool {
	for _, r := range s {
		if r == utf8.RuneError || !strconv.IsPrint(r) {
			return true // RuneError: invalid UTF-8, or a real U+FFFD, which is kept
		}
	}
	return false
}

// quote writes a field value bare when that is unambiguous, else quoted.
func quote(s string) string {
	if s == "" || strings.ContainsAny(s, " \"=[]") || needsEscape(s) {
		return strconv.Quote(s)
	}
	return s
}
