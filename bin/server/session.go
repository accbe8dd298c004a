package main

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"strings"

	"atmshop/conf"
	"atmshop/core"
	"atmshop/core/terminal"
	"atmshop/lib/prompt"
	"atmshop/lib/sshserve"
)

// Exit statuses of a session, as a shell would give them to bin/start.
const (
	exitInterrupted = 130 // Ctrl-C
	exitStopped     = 143 // the server stopped (SIGTERM)
)

// errStopping ends a session at its next question when the server stops.
// It is a context.Canceled, so the app ends as for Ctrl-C.
var errStopping = fmt.Errorf("the server is stopping: %w", context.Canceled)

// sessionHandler runs one app per session, on the shared bank, with the
// session's id and address on every log line. With a pty the answers are
// edited on the client's terminal; without one they are read one a line,
// exactly as bin/start reads a pipe. The session speaks language ([ui]
// language), or with auto the language of the environment the client
// sent; it has colour only on a pty, as bin/start only on a terminal.
func sessionHandler(bank *core.Bank, language core.Language, commands []terminal.Command) sshserve.Handler {
	return func(ctx context.Context, s *sshserve.Session) int {
		sessionBank := *bank
		sessionBank.Log = s.Log.WithField(conf.ComponentField, "core")
		var out io.Writer
		var answers terminal.Prompter
		if s.Terminal != nil {
			out, answers = s.Terminal, prompt.NewEditor(s.Terminal)
		} else {
			// Buffered: the prompter flushes before every question.
			w := bufio.NewWriter(s.Stdout)
			defer w.Flush()
			out, answers = w, prompt.New(s.Stdin, w)
		}
		getenv := func(name string) string { return s.Env[name] }
		lang := terminal.ChooseLanguage(language, getenv)
		app, err := terminal.New(&sessionBank, s.Stdin, out, terminal.Options{
			Language: lang,
			Color:    s.Terminal != nil && terminal.ColorAllowed(getenv),
			Prompter: stoppable{answers, s.Stopping},
			Commands: commands,
		})
		if err != nil {
			panic(err) // serve checked these menus before it listened: a programming mistake
		}
		err = app.Run(ctx)
		switch {
		case err == nil:
			return 0
		case errors.Is(err, prompt.ErrInterrupted):
			fmt.Fprintf(out, "%s: interrupted\n", core.ProgramName)
			return exitInterrupted
		case errors.Is(err, errStopping):
			msg := terminal.Translate(lang, "\nThe server is stopping, so this session ends; nothing unfinished was changed. Please connect again later.\n")
			if s.Terminal != nil {
				// Past the terminal, whose prompt is still waiting and would
				// be drawn again after the message.
				out, msg = s.Stdout, strings.ReplaceAll(msg, "\n", "\r\n")
			}
			io.WriteString(out, msg)
			return exitStopped
		default:
			// The connection has gone (ctx) or the channel failed.
			s.Log.WithError(err).Info("session ended by an error")
			return 1
		}
	}
}

// stoppable asks through next until the server stops: then the question
// being waited on, or the next one, ends the session (errStopping). What
// the person already answered carries on, so a transfer confirmed before
// the stop is made and reported.
type stoppable struct {
	next     terminal.Prompter
	stopping <-chan struct{}
}

func (p stoppable) Line(ctx context.Context, question string) (string, error) {
	return p.ask(ctx, question, p.next.Line)
}

func (p stoppable) Password(ctx context.Context, question string) (string, error) {
	return p.ask(ctx, question, p.next.Password)
}

func (p stoppable) ask(ctx context.Context, question string, read func(context.Context, string) (string, error)) (string, error) {
	select {
	case <-p.stopping:
		return "", errStopping
	default:
	}
	ctx, cancel := context.WithCancelCause(ctx)
	defer cancel(nil)
	go func() {
		select {
		case <-p.stopping:
			cancel(errStopping)
		case <-ctx.Done():
		}
	}()
	answer, err := read(ctx, question)
	if errors.Is(context.Cause(ctx), errStopping) {
		return "", errStopping
	}
	return answer, err
}
