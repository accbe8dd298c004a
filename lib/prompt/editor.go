package prompt

import (
	"context"
	"errors"
	"fmt"

	"atmshop/lib/wideterm"
)

// ErrInterrupted is returned when the person presses Ctrl-C at a line
// editor. It is a context.Canceled, as Ctrl-C is for a local terminal.
var ErrInterrupted = fmt.Errorf("interrupted (Ctrl-C): %w", context.Canceled)

// Editor asks questions on a remote terminal that the program edits
// itself (an SSH session with a pty): the answer is edited in place, a
// password is not echoed, Ctrl-C is ErrInterrupted and Ctrl-D on an empty
// line is io.EOF.
type Editor struct {
	term *wideterm.Terminal
}

// NewEditor returns an Editor on t. Whatever else is written to the
// person should go through t too, so that it is not mixed with a line
// being edited.
func NewEditor(t *wideterm.Terminal) *Editor { return &Editor{term: t} }

// Line prints question and returns the answer.
func (e *Editor) Line(ctx context.Context, question string) (string, error) {
	return e.read(ctx, func() (string, error) {
		e.term.SetPrompt(question)
		return e.term.ReadLine()
	})
}

// Password prints question and returns the answer, which is not echoed.
func (e *Editor) Password(ctx context.Context, question string) (string, error) {
	return e.read(ctx, func() (string, error) { return e.term.ReadPassword(question) })
}

func (e *Editor) read(ctx context.Context, read func() (string, error)) (string, error) {
	answer, err := wait(ctx, read)
	switch {
	case errors.Is(err, wideterm.ErrInterrupt):
		return "", ErrInterrupted
	case err == nil && len(answer) > MaxLine:
		return "", ErrTooLong
	}
	return answer, err
}
