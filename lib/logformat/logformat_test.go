package logformat_test

import (
	"errors"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/sirupsen/logrus"

	"atmshop/lib/logformat"
)

var (
	when   = time.Date(2026, 11, 25, 20, 31, 40, 272_900_000, time.UTC)
	caller = &runtime.Frame{File: "/src/atmshop/core/store.go", Line: 88}
	std    = logformat.Standard{PID: 12345, TaskKey: "component", DefaultTask: "main"}
)

func entry(level logrus.Level, msg string, fields logrus.Fields) *logrus.Entry {
	return &logrus.Entry{Time: when, Level: level, Message: msg, Data: fields, Caller: caller}
}

func format(t *testing.T, f logrus.Formatter, e *logrus.Entry) string {
	t.Helper()
	b, err := f.Format(e)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func TestStandard(t *testing.T) {
	tests := []struct {
		name string
		e    *logrus.Entry
		want string
	}{
		{"the seed's line", entry(logrus.InfoLevel, "login ok", logrus.Fields{"component": "core", "user": "alex"}),
			"[2026-11-25 20:31:40,272][pid:12345][task_id:core][store.go:88][INFO][login ok user=alex]\n"},
		{"no component: default task", entry(logrus.ErrorLevel, "用户名不存在", nil),
			"[2026-11-25 20:31:40,272][pid:12345][task_id:main][store.go:88][ERROR][用户名不存在]\n"},
		{"warn is WARNING, fields sorted and quoted when needed",
			entry(logrus.WarnLevel, "transfer", logrus.Fields{"to": "bob", "amount": "1,000.00", "note": "rent may", "empty": "", "n": 3, "err": errors.New(`no "funds"`)}),
			`[2026-11-25 20:31:40,272][pid:12345][task_id:main][store.go:88][WARNING][transfer amount=1,000.00 empty="" err="no \"funds\"" n=3 note="rent may" to=bob]` + "\n"},
		{"no caller", &logrus.Entry{Time: when, Level: logrus.DebugLevel, Message: "m"},
			"[2026-11-25 20:31:40,272][pid:12345][task_id:main][?:0][DEBUG][m]\n"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := format(t, std, tt.e); got != tt.want {
				t.Errorf("got  %q\nwant %q", got, tt.want)
			}
		})
	}
}

func TestSimple(t *testing.T) {
	e := entry(logrus.WarnLevel, "登录失败", logrus.Fields{"component": "core", "user": "alex"})
	want := "[WARNING][2026-11-25 20:31:40,272][store.go:88]登录失败 component=core user=alex\n"
	if got := format(t, logformat.Simple{}, e); got != want {
		t.Errorf("got  %q\nwant %q", got, want)
	}
}

func TestNothingBreaksALine(t *testing.T) {
	tests := []struct {
		name, in, wantMsg string
	}{
		{"newline", "a\nb", `a\nb`},
		{"carriage return", "a\rb", `a\rb`},
		{"tab", "a\tb", `a\tb`},
		{"escape sequence", "\x1b[2Jboom", `\x1b[2Jboom`},
		{"NUL and DEL", "a\x00b\x7f", `a\x00b\x7f`},
		{"line separator", "a\u2028b\u0085c", `a\u2028b\u0085c`},
		{"invalid UTF-8", "a\xff\xfeb", `a\xff\xfeb`},
		{"printable text is kept", "余额 ¥10 \\n", `余额 ¥10 \n`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := entry(logrus.InfoLevel, tt.in, logrus.Fields{"component": tt.in, "v": tt.in, tt.in: 1})
			for _, f := range []logrus.Formatter{std, logformat.Simple{}} {
				got := format(t, f, e)
				if strings.Count(got, "\n") != 1 || !strings.HasSuffix(got, "\n") || strings.ContainsAny(got, "\r\x00\x1b\x7f\u2028\u0085") || !strings.Contains(got, tt.wantMsg) {
					t.Errorf("%T wrote %q, want one line with %q", f, got, tt.wantMsg)
				}
			}
			got := format(t, std, e)
			if !strings.Contains(got, "[task_id:"+tt.wantMsg+"]") {
				t.Errorf("task not escaped: %q", got)
			}
		})
	}
}
