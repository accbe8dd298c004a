package terminal

// ANSI styles for what a person should not miss: a refusal, a total.
const (
	colorRefusal = "31" // red
	colorTotal   = "1"  // bold
)

// colored wraps s in the style when Options.Color is on. Wrap whole lines
// or cells already padded: the escape codes take no columns on screen.
func (a *App) colored(style, s string) string {
	if !a.opts.Color || s == "" {
		return s
	}
	return "\x1b[" + style + "m" + s + "\x1b[0m"
}

// printLines writes lines laid out already, such as a table's.
func (a *App) printLines(lines []string) {
	for _, l := range lines {
		a.Printf("%s\n", l)
	}
}
