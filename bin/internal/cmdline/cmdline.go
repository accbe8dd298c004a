// Package cmdline is what the programs in bin share about their command
// line: flags and no other arguments, and the exit status of a mistake.
package cmdline

import (
	"errors"
	"flag"
	"fmt"
)

// UsageError is a mistake on the command line, already reported with the
// usage text: exit status 2 (0 for -h).
type UsageError struct{ Err error }

func (e UsageError) Error() string { return e.Err.Error() }
func (e UsageError) Unwrap() error { return e.Err }

// Parse parses args into flags, which take no other arguments. A mistake
// is reported on the flag set's output, with the usage, and returned as a
// UsageError.
func Parse(flags *flag.FlagSet, args []string) error {
	if err := flags.Parse(args); err != nil {
		return UsageError{err}
	}
	if flags.NArg() > 0 {
		fmt.Fprintf(flags.Output(), "unexpected argument %q\n", flags.Arg(0))
		flags.Usage()
		return UsageError{errors.New("unexpected argument")}
	}
	return nil
}

// UsageExit is the exit status for err if it is a UsageError: 0 for -h,
// 2 otherwise.
func UsageExit(err error) (status int, ok bool) {
	var usage UsageError
	if !errors.As(err, &usage) {
		return 0, false
	}
	if errors.Is(usage.Err, flag.ErrHelp) {
		return 0, true
	}
	return 2, true
}
