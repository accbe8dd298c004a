package terminal

import (
	"context"
	"fmt"
	"io"
	"strings"

	"atmshop/core"
	"atmshop/lib/textcolumns"
)

// Action is what a menu command does.
type Action func(ctx context.Context, app *App) error

// Access says who may run a command.
type Access int

const (
	Anyone    Access = iota // no login needed (Quit, Log out)
	LoggedIn                // needs a live session: wrapped by RequireLogin
	AdminOnly               // needs a live admin session; hidden from others
)

// Command is one menu entry. To add one, write a Command in its own file
// and list it in Commands; the menu applies the login decorator itself, so
// no command can forget it.
type Command struct {
	Key    string // what the user types
	Label  string // what the menu shows, in English (translated when shown)
	Help   string // one line that says what it does, listed by "?" (likewise)
	Access Access
	Run    Action
}

// helpKey lists a menu's commands with their help.
const helpKey = "?"

// Menu is a validated, ordered set of commands.
type Menu struct {
	commands []Command
	byKey    map[string]int
}

// NewMenu checks the commands and wraps each one in the decorators its
// Access asks for. A duplicate or empty key is a programming mistake and
// fails here, at start-up, not when someone presses the key.
func NewMenu(commands []Command) (*Menu, error) {
	m := &Menu{byKey: map[string]int{}}
	for _, c := range commands {
		if c.Key == "" || c.Key == helpKey || c.Label == "" || c.Help == "" || c.Run == nil {
			return nil, fmt.Errorf("menu command %q (%q) needs a key other than %q, a label, a help line and a Run function", c.Key, c.Label, helpKey)
		}
		if _, dup := m.byKey[c.Key]; dup {
			return nil, fmt.Errorf("menu key %q is used twice (%q and %q)", c.Key, m.commands[m.byKey[c.Key]].Label, c.Label)
		}
		switch c.Access {
		case AdminOnly:
			c.Run = RequireLogin(RequireAdmin(c.Run))
		case LoggedIn:
			c.Run = RequireLogin(c.Run)
		}
		m.byKey[c.Key] = len(m.commands)
		m.commands = append(m.commands, c)
	}
	return m, nil
}

// visible reports whether the menu shows c to a user.
func visible(c Command, admin bool) bool { return c.Access != AdminOnly || admin }

func (m *Menu) lookup(key string, admin bool) (Command, bool) {
	i, ok := m.byKey[key]
	if !ok || !visible(m.commands[i], admin) {
		return Command{}, false
	}
	return m.commands[i], true
}

// help lists the commands the user can see, with their help.
func (m *Menu) help(app *App) {
	t := textcolumns.NewTable(textcolumns.AlignLeft, textcolumns.AlignLeft, textcolumns.AlignLeft)
	for _, c := range m.commands {
		if visible(c, app.session.Admin) {
			t.Row(c.Key, app.Sprintf(c.Label), app.Sprintf(c.Help))
		}
	}
	app.printLines(t.Lines("  "))
}

// show lists the menu, ending with the help key so that a person finds
// out what each entry does. The app keeps each text it has shown, by
// language and admin flag: the menu is shown before every command.
func (m *Menu) show(app *App) {
	key := shownMenu{m, app.Language(), app.session.Admin}
	text, ok := app.menus[key]
	if !ok {
		var b strings.Builder
		b.WriteString(app.Sprintf("\n"))
		for _, c := range m.commands {
			if visible(c, key.admin) {
				b.WriteString(app.Sprintf("  %-2s %s\n", c.Key, app.Sprintf(c.Label)))
			}
		}
		b.WriteString(app.Sprintf("  %-2s %s\n", helpKey, app.Sprintf("Help")))
		text = b.String()
		app.menus[key] = text
	}
	io.WriteString(app.out, text)
}

// shownMenu is what a menu's text depends on.
type shownMenu struct {
	menu     *Menu
	language core.Language
	admin    bool
}

// RequireLogin is the seed's @auth decorator: it runs next only within a
// live session. A session lives SessionTimeout after the last activity
// (a command or an answer); once it has expired the user logs in again
// and, on success, the command carries on. Every answer inside the
// command is checked the same way (App.Ask).
func RequireLogin(next Action) Action {
	return func(ctx context.Context, app *App) error {
		if err := app.keepAlive(ctx); err != nil {
			return err
		}
		err := next(ctx, app)
		app.session.LastActive = app.bank.Now()
		return err
	}
}

// RequireAdmin runs next only for an admin. The menu hides admin commands
// from others; this makes sure they can't be reached either.
func RequireAdmin(next Action) Action {
	return func(ctx context.Context, app *App) error {
		if !app.session.Admin {
			return core.NotAdminRefusal()
		}
		return next(ctx, app)
	}
}
