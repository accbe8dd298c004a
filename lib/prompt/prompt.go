// Package prompt asks questions at a terminal or over a pipe and reads the
// answers, one line each.
//
// Every answer, passwords included, comes from one buffered reader when the
// input is not a terminal, so a script can feed a whole session on stdin.
// On a terminal a password is read without echo, and a cancelled context
// (Ctrl-C, or any signal the program stops on) puts the terminal back the
// way it was before returning, so the shell is never left with echo turned
// off. If the program is stopped at the password prompt (Ctrl-Z) and the
// shell turns echo back on, echo is turned off again when it continues.
package prompt

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"

	"golang.org/x/term"
)

// MaxLine is the longest answer accepted. Longer lines are read to their
// end and refused as a whole, so the rest of a long line is never taken as
// the answer to the next question.
const MaxLine = 1024

// ErrTooLong is returned for an answer longer than MaxLine bytes.
var ErrTooLong = fmt.Errorf("answer is longer than %d characters", MaxLine)

// Prompter writes questions to out and reads answers from in.
type Prompter struct {
	in       *bufio.Reader
	out      io.Writer
	terminal *os.File // set when in is a terminal, for reading passwords without echo
	regular  bool     // in is a regular file: a read never waits
	// readAhead: in is a local file or pipe that is not a terminal, so a
	// question whose answer is read already goes out with the next flush.
	readAhead bool
}

// New returns a Prompter reading from in. If in is an *os.File connected to
// a terminal, passwords are read from it without echo. If out has a Flush
// method (a *bufio.Writer), it is flushed before every wait for an answer,
// so whoever writes to out may buffer what comes before a question. If in
// is a file or pipe (an *os.File, not a terminal), a question whose answer
// has been read already is not flushed on its own: a script fed on stdin
// gets its output in full buffers, as from any program that writes to a
// pipe.
func New(in io.Reader, out io.Writer) *Prompter {
	p := &Prompter{in: bufio.NewReader(in), out: out}
	if f, ok := in.(*os.File); ok {
		if term.IsTerminal(int(f.Fd())) {
			p.terminal = f
		} else {
			p.readAhead = true
			if fi, err := f.Stat(); err == nil && fi.Mode().IsRegular() {
				p.regular = true
			}
		}
	}
	return p
}

// Line prints question and returns the answer without its line ending. At
// the end of input it returns io.EOF; if ctx is cancelled while waiting it
// returns ctx's error.
func (p *Prompter) Line(ctx context.Context, question string) (string, error) {
	io.WriteString(p.out, question)
	if p.readsAtOnce() {
		// Nothing to wait for: no goroutine (a script's answers are
		// mostly read this way).
		if !p.readAhead {
			p.flush()
		}
		if err := ctx.Err(); err != nil {
			return "", err
		}
		return p.readLine()
	}
	p.flush()
	return wait(ctx, p.readLine)
}

// flush flushes out if it buffers.
func (p *Prompter) flush() {
	if f, ok := p.out.(interface{ Flush() error }); ok {
		f.Flush()
	}
}

// readsAtOnce reports whether reading a line cannot wait: the input is a
// regular file, or a whole line is already buffered.
func (p *Prompter) readsAtOnce() bool {
	if p.regular {
		return true
	}
	n := p.in.Buffered()
	if n == 0 {
		return false
	}
	b, _ := p.in.Peek(n)
	return bytes.IndexByte(b, '\n') >= 0
}

// Password is Line without echo on a terminal.
func (p *Prompter) Password(ctx context.Context, question string) (string, error) {
	if p.terminal == nil {
		return p.Line(ctx, question)
	}
	io.WriteString(p.out, question)
	p.flush()
	fd := int(p.terminal.Fd())
	state, err := term.GetState(fd)
	if err != nil {
		return "", fmt.Errorf("read terminal state: %w", err)
	}
	// After fg the person finds the question again, on a line of its own.
	stopKeeping := keepEchoOff(fd, func() {
		fmt.Fprint(p.out, question)
		p.flush()
	})
	answer, err := wait(ctx, func() (string, error) {
		b, err := term.ReadPassword(fd)
		if err == nil && len(b) > MaxLine {
			err = ErrTooLong
		}
		return string(b), err
	})
	stopKeeping()
	// Put the modes back whatever happened: after a cancel (Ctrl-C, a
	// signal) ReadPassword is still blocked and will never restore the echo
	// it turned off, and a continue (SIGCONT) handled just as it returned
	// may have turned echo off again.
	_ = term.Restore(fd, state)
	fmt.Fprintln(p.out) // the user's Enter was not echoed
	p.flush()
	return answer, err
}

// wait runs read in the background so that a cancelled ctx (Ctrl-C) ends
// the wait even though a blocked read cannot be interrupted.
func wait(ctx context.Context, read func() (string, error)) (string, error) {
	type result struct {
		line string
		err  error
	}
	done := make(chan result, 1)
	go func() {
		line, err := read()
		done <- result{line, err}
	}()
	select {
	case r := <-done:
		return r.line, r.err
	case <-ctx.Done():
		return "", ctx.Err()
	}
}

func (p *Prompter) readLine() (string, error) {
	var line []byte
	tooLong := false
	for {
		chunk, err := p.in.ReadSlice('\n')
		if len(line)+len(chunk) > MaxLine+2 { // +2 for "\r\n"
			tooLong = true
		} else {
			line = append(line, chunk...)
		}
		switch {
		case errors.Is(err, bufio.ErrBufferFull):
			continue
		case err == io.EOF && (len(line) > 0 || tooLong):
			// A last line without a newline is still an answer.
		case err != nil:
			return "", err
		}
		if tooLong {
			return "", ErrTooLong
		}
		return strings.TrimRight(string(line), "\r\n"), nil
	}
}
