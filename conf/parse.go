package conf

import (
	"bytes"
	"fmt"
	"strings"

	"gopkg.in/ini.v1"
)

// maxLinesToLocate bounds the work of finding the line of a parse error:
// each candidate line costs a parse of the file up to it.
const maxLinesToLocate = 5000

// parseError words an ini.v1 parse error without its text: ini.v1 quotes
// the offending line raw, and that line may be, or be inside, a password
// (a value that starts with a backtick or """ runs on to its closing quote).
// It names the line when it can be found honestly and says what to check.
func parseError(path string, data []byte, err error) error {
	where := ""
	if n := errorLine(data, err); n > 0 {
		where = fmt.Sprintf(" line %d:", n)
	}
	return fmt.Errorf("%s:%s not a valid ini file: %s", path, where, parseProblem(err))
}

// parseProblem says what kind of mistake err is, from its type and the
// fixed start of its message, never from the quoted content.
func parseProblem(err error) string {
	msg := err.Error()
	switch {
	case ini.IsErrDelimiterNotFound(err):
		return "a line is neither a [section] header, a comment nor key = value"
	case ini.IsErrEmptyKeyName(err):
		return "a line has no key name before its '='"
	case strings.HasPrefix(msg, "unclosed section"):
		return "a [section] header has no closing ']'"
	case strings.HasPrefix(msg, "missing closing key quote"):
		return "a quote is never closed: a key starting with a quote, or a value starting with a backtick (`) or with \"\"\", which runs on to its closing quote; wrap such a value in double quotes"
	default:
		return "check that every line is a [section] header, a comment or key = value, and wrap values that start with a backtick (`) or \"\"\" in double quotes"
	}
}

// errorLine finds the line at which reading the file first fails with the
// very error the whole file fails with: the first n such that the file's
// first n lines give the same error. It returns 0 when there is no such
// line or the file is too long to search.
func errorLine(data []byte, err error) int {
	want := err.Error()
	end := 0
	for n := 1; n <= maxLinesToLocate && end < len(data); n++ {
		i := bytes.IndexByte(data[end:], '\n')
		if i < 0 {
			end = len(data)
		} else {
			end += i + 1
		}
		if _, err := ini.LoadSources(options, data[:end:end]); err != nil && err.Error() == want {
			return n
		}
	}
	return 0
}
