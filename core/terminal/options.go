package terminal

import "atmshop/core"

// Options change how New builds the app: how it speaks, and where its
// answers come from. The zero value is an English app on the terminal or
// pipe of bin/start.
type Options struct {
	// Language is spoken until someone logs in who has chosen their own,
	// and to those who have not: English or Chinese, already resolved from
	// [ui] language and the terminal's environment (see ChooseLanguage).
	// Empty means English.
	Language core.Language
	// Color marks refusals and totals with ANSI colours. Only a front end
	// that knows its output is a terminal, and that NO_COLOR is not set,
	// turns it on.
	Color bool
	// Prompter reads the answers; nil means prompt.New(in, out), the
	// terminal or pipe of bin/start. (The SSH server gives a line editor
	// on the session's channel.)
	Prompter Prompter
	// Commands is the main menu; nil means Commands().
	Commands []Command
}

// ColorAllowed reports whether the environment allows colour on a
// terminal: NO_COLOR (no-color.org) unset or empty, and TERM not "dumb".
// The front end checks that its output is a terminal.
func ColorAllowed(getenv func(string) string) bool {
	return getenv("NO_COLOR") == "" && getenv("TERM") != "dumb"
}
