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
		task = str(v)
	}
	// Appended by hand rather than with fmt: a line is written for every
	// action, and fmt took half the time of formatting one.
	b := make([]byte, 0, 256)
	b = append(b, '[')
	b = e.Time.AppendFormat(b, timeLayout)
	b = append(b, "][pid:"...)
	b = strconv.AppendInt(b, int64(f.PID), 10)
	b = append(b, "][task_id:"...)
	b = append(b, escape(task)...)
	b = append(b, "]["...)
	b = appendCaller(b, e)
	b = append(b, "]["...)
	b = append(b, level(e)...)
	b = append(b, "]["...)
	b = appendMessage(b, e, f.TaskKey)
	b = append(b, "]\n"...)
	return b, nil
}

// Simple writes "[LEVEL][time][file:line]message fields" for a terminal.
type Simple struct{}

// Format implements logrus.Formatter.
func (Simple) Format(e *logrus.Entry) ([]byte, error) {
	b := make([]byte, 0, 256)
	b = append(b, '[')
	b = append(b, level(e)...)
	b = append(b, "]["...)
	b = e.Time.AppendFormat(b, timeLayout)
	b = append(b, "]["...)
	b = appendCaller(b, e)
	b = append(b, ']')
	b = appendMessage(b, e, "")
	b = append(b, '\n')
	return b, nil
}

// levels are the level names in upper case, as Python writes them.
var levels = func() map[logrus.Level]string {
	m := map[logrus.Level]string{}
	for _, l := range logrus.AllLevels {
		m[l] = strings.ToUpper(l.String())
	}
	return m
}()

func level(e *logrus.Entry) string {
	if s, ok := levels[e.Level]; ok {
		return s
	}
	return strings.ToUpper(e.Level.String())
}

// appendCaller appends "file:line" of the code that logged, or "?:0" when
// the logger does not report callers.
func appendCaller(b []byte, e *logrus.Entry) []byte {
	// Not e.HasCaller: that also asks the Logger, which may be unset.
	if e.Caller == nil {
		return append(b, "?:0"...)
	}
	b = append(b, escape(path.Base(e.Caller.File))...)
	b = append(b, ':')
	return strconv.AppendInt(b, int64(e.Caller.Line), 10)
}

// appendMessage appends the message and then every field but skip.
func appendMessage(b []byte, e *logrus.Entry, skip string) []byte {
	b = append(b, escape(e.Message)...)
	keys := make([]string, 0, len(e.Data))
	for k := range e.Data {
		if k != skip || skip == "" {
			keys = append(keys, k)
		}
	}
	slices.Sort(keys)
	for _, k := range keys {
		b = append(b, ' ')
		b = append(b, escape(k)...)
		b = append(b, '=')
		b = append(b, quote(str(e.Data[k]))...)
	}
	return b
}

// str is fmt.Sprint(v), without fmt for the common kinds.
func str(v any) string {
	switch v := v.(type) {
	case string:
		return v
	case int:
		return strconv.Itoa(v)
	case int64:
		return strconv.FormatInt(v, 10)
	case bool:
		return strconv.FormatBool(v)
	}
	return fmt.Sprint(v)
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
