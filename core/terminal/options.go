package terminal

import "atmshop/core"

// Options are how the front end that starts the app wants it to speak.
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
}
