package terminal

import (
	"context"
	"errors"
	"fmt"
	"io"
	"slices"
	"strings"
	"time"

	"atmshop/lib/prompt"

	"github.com/sirupsen/logrus"
	"golang.org/x/text/message"

	"atmshop/core"
)

// App is the interactive program: a login, then a menu of commands, over
// a prompt. Build it with New and call Run.
type App struct {
	bank   *core.Bank
	prompt Prompter
	out    io.Writer
	log    *logrus.Entry
	menu   *Menu
	// adminMenu is built with menu, so a mistake in it stops New too.
	adminMenu *Menu
	session   Session
	opts      Options
	// menus holds the text of each menu as shown (see Menu.show).
	menus map[shownMenu]string
}

// Session is the logged-in user. It ends after Settings.SessionTimeout
// without activity (a command or an answer), at log out, or when the
// program stops.
type Session struct {
	User       string
	Admin      bool
	LastActive time.Time
	Cart       core.Cart
	// Language is the one the user chose for themselves, or "" to follow
	// Options.Language.
	Language core.Language
}

// errQuit ends Run normally; errBack leaves a sub-menu; errSessionChanged
// means the session had expired in the middle of an action and someone
// else logged in: the action is dropped and the new user starts at the
// main menu.
var (
	errQuit           = errors.New("quit")
	errBack           = errors.New("back")
	errSessionChanged = errors.New("session changed hands")
)

// Prompter asks a question and reads the answer: a line, or a password
// (without echo on a terminal). *prompt.Prompter is one. An answer longer
// than prompt.MaxLine is prompt.ErrTooLong; the end of input is io.EOF.
type Prompter interface {
	Line(ctx context.Context, question string) (string, error)
	Password(ctx context.Context, question string) (string, error)
}

// New builds the app around a bank, reading answers from in and writing
// to out, speaking and colouring as opts say.
func New(bank *core.Bank, in io.Reader, out io.Writer, opts Options) (*App, error) {
	if opts.Commands == nil {
		opts.Commands = Commands()
	}
	return newApp(bank, in, out, opts, opts.Commands, AdminCommands())
}

// newApp validates both menus, and the message catalog of the language it
// starts in, before anything is shown: a mistake in either is a
// programming mistake found at start-up.
func newApp(bank *core.Bank, in io.Reader, out io.Writer, opts Options, main, admin []Command) (*App, error) {
	if err := core.CheckLanguage(opts.Language); err != nil {
		return nil, err
	}
	if _, err := printerFor(opts.Language); err != nil {
		return nil, err
	}
	menu, err := NewMenu(main)
	if err != nil {
		return nil, err
	}
	adminMenu, err := NewMenu(admin)
	if err != nil {
		return nil, fmt.Errorf("admin menu: %w", err)
	}
	answers := opts.Prompter
	if answers == nil {
		answers = prompt.New(in, out)
	}
	return &App{bank: bank, prompt: answers, out: out, log: bank.Log, menu: menu, adminMenu: adminMenu, opts: opts, menus: map[shownMenu]string{}}, nil
}

// Run logs the user in and serves the menu until they quit or the input
// ends (both are a normal end: nil). A cancelled ctx (Ctrl-C) returns its
// error.
func (a *App) Run(ctx context.Context) error {
	err := a.run(ctx)
	if errors.Is(err, errQuit) || errors.Is(err, io.EOF) {
		a.Printf("Goodbye.\n")
		return nil
	}
	return err
}

func (a *App) run(ctx context.Context) error {
	a.Printf("Welcome to %s.\n", core.ProgramName)
	for {
		err := a.serve(ctx, a.menu, core.Words("choice> "))
		if !errors.Is(err, errSessionChanged) {
			return err
		}
	}
}

// serve shows menu and runs the chosen commands until one of them returns
// errBack (back to the menu before), or the session ends.
func (a *App) serve(ctx context.Context, menu *Menu, question core.Phrase) error {
	for {
		// Like the seed, the menu itself needs a login.
		if a.session.User == "" {
			if err := a.login(ctx); err != nil {
				return err
			}
		}
		menu.show(a)
		// The choice itself is not checked against the session: the
		// command's decorator does that, and Quit needs no login.
		choice, err := a.askWith(ctx, a.Sprintf(question.Format, question.Args...), a.prompt.Line)
		if err != nil {
			return err
		}
		choice = strings.TrimSpace(choice)
		if choice == "" {
			continue
		}
		if choice == helpKey {
			menu.help(a)
			continue
		}
		cmd, ok := menu.lookup(choice, a.session.Admin)
		if !ok {
			a.Printf("Unknown choice %q: type one of the keys on the left of the menu.\n", core.Excerpt(choice))
			continue
		}
		err = a.report(cmd.Run(ctx, a))
		if errors.Is(err, errBack) {
			return nil
		}
		if err != nil {
			return err
		}
	}
}

// report shows an action's error to the person and decides whether the
// session goes on: refusals and internal errors are reported and the menu
// continues; quitting, the end of input and Ctrl-C end it. This is the one
// place errors become messages. Only a *core.Refusal is written for the person;
// any other error (corrupt data included) may name files and balances, so
// the person gets one plain sentence with an incident id and the details
// go to the log under that id.
func (a *App) report(err error) error {
	var refusal *core.Refusal
	switch {
	case err == nil:
		return nil
	case errors.Is(err, errQuit), errors.Is(err, errBack), errors.Is(err, errSessionChanged),
		errors.Is(err, io.EOF), errors.Is(err, context.Canceled):
		return err
	case errors.As(err, &refusal):
		a.Printf("%s\n", a.colored(colorRefusal, a.Sprintf(refusal.Sentence.Format, refusal.Sentence.Args...)))
	case errors.Is(err, core.ErrBusy):
		a.log.WithError(err).WithFields(logrus.Fields{"user": a.session.User, core.FileOnlyField: true}).Warn("gave up waiting for the data lock")
		a.Printf("Another copy of %s has been using the bank's data for too long; nothing was changed. Please try again in a moment.\n", core.ProgramName)
	case errors.Is(err, core.ErrOutcomeUnknown):
		// Not "nothing was changed": it may have been done.
		id := core.NewIncident()
		a.log.WithError(err).WithFields(logrus.Fields{"incident": id, "user": a.session.User, core.FileOnlyField: true}).Error("outcome unknown: the link to the database was lost at commit")
		a.Printf("Sorry, the link to the bank's data was lost just as this was being saved, so we cannot tell whether it was done. Check your balance or statement before you try again. Incident %s (quote it to the bank).\n", id)
	default:
		what := "internal error"
		if errors.Is(err, core.ErrCorrupt) {
			what = "corrupt data: the file must be repaired or restored by the operator"
		}
		id := core.NewIncident()
		// File only: the console is the person's terminal.
		a.log.WithError(err).WithFields(logrus.Fields{"incident": id, "user": a.session.User, core.FileOnlyField: true}).Error(what)
		a.Printf("Sorry, something went wrong on our side; nothing was changed. Incident %s (quote it to the bank).\n", id)
	}
	return nil
}

// login asks for a username and password until one is right. It is the
// body of the login decorator and of the start of the program.
func (a *App) login(ctx context.Context) error {
	for {
		name, err := a.askWith(ctx, a.Sprintf("username: "), a.prompt.Line)
		if err != nil {
			return err
		}
		name = strings.TrimSpace(name)
		if name == "" {
			a.Printf("Please type your username.\n")
			continue
		}
		password, err := a.askWith(ctx, a.Sprintf("password: "), a.prompt.Password)
		if err != nil {
			return err
		}
		acct, err := a.bank.Authenticate(ctx, name, password)
		if err != nil {
			if err := a.report(err); err != nil {
				return err
			}
			continue
		}
		if a.session.User != acct.Name {
			a.session = Session{User: acct.Name}
		}
		a.session.Admin, a.session.Language = acct.Admin, acct.Language
		a.session.LastActive = a.bank.Now()
		a.Printf("Welcome, %s.\n", acct.Name)
		return nil
	}
}

// Ask prints the question (an English format and its arguments, shown
// in the person's language, like Printf) and returns one line of answer.
// An answer that is too long is refused and asked again. Commands ask
// through Ask (or AskPassword, AskMoney, Confirm), so every answer is
// checked against the session before anything is done with it: see
// keepAlive.
func (a *App) Ask(ctx context.Context, question string, args ...any) (string, error) {
	return a.answer(ctx, a.Sprintf(question, args...), a.prompt.Line)
}

// AskPassword is Ask without echo on a terminal.
func (a *App) AskPassword(ctx context.Context, question string, args ...any) (string, error) {
	return a.answer(ctx, a.Sprintf(question, args...), a.prompt.Password)
}

func (a *App) answer(ctx context.Context, question string, read func(context.Context, string) (string, error)) (string, error) {
	answer, err := a.askWith(ctx, question, read)
	if err != nil {
		return "", err
	}
	return answer, a.keepAlive(ctx)
}

// keepAlive makes sure the session is live when an answer arrives, and
// counts the answer as activity. A session lives SessionTimeout after the
// last activity; once it has expired the person logs in again before the
// answer is acted on. If the same user logs in, the action carries on; if
// someone else does, the cart and the unfinished action are dropped
// (errSessionChanged) and the new user starts at the main menu.
func (a *App) keepAlive(ctx context.Context) error {
	s := &a.session
	if s.User == "" {
		return a.login(ctx)
	}
	now := a.bank.Now()
	if now.Sub(s.LastActive) < a.bank.Settings.SessionTimeout {
		s.LastActive = now
		return nil
	}
	previous := s.User
	a.Printf("Your session has expired after %s without activity; please log in again.\n", a.bank.Settings.SessionTimeout.Round(time.Second))
	if err := a.login(ctx); err != nil {
		return err
	}
	if a.session.User != previous {
		a.log.WithFields(logrus.Fields{"user": previous, "next": a.session.User, core.FileOnlyField: true}).Info("session expired; another user logged in: cart and unfinished action dropped")
		a.Printf("The previous session had expired, so its cart and unfinished action were dropped; nothing was paid or changed.\n")
		return errSessionChanged
	}
	return nil
}

func (a *App) askWith(ctx context.Context, question string, read func(context.Context, string) (string, error)) (string, error) {
	for {
		answer, err := read(ctx, question)
		if errors.Is(err, prompt.ErrTooLong) {
			a.Printf("That answer is too long (more than %d characters); please try again.\n", prompt.MaxLine)
			continue
		}
		return answer, err
	}
}

// AskMoney asks for an amount of yuan, more than 0. A bad or empty answer
// is refused (nothing is done).
func (a *App) AskMoney(ctx context.Context, question string, args ...any) (core.Money, error) {
	answer, err := a.Ask(ctx, question, args...)
	if err != nil {
		return 0, err
	}
	m, err := parseAmount(answer, core.Words("amount"))
	if err != nil {
		return 0, err
	}
	return m, core.CheckPositive(m)
}

// parseAmount reads an amount of yuan answered to a question about what;
// it may be 0. A bad answer is refused, naming what.
func parseAmount(answer string, what core.Phrase) (core.Money, error) {
	m, err := core.ParseMoney(answer)
	if errors.Is(err, core.ErrAmountTooLarge) {
		return 0, core.TooLargeRefusal()
	}
	if err != nil {
		return 0, core.Refuse(core.ErrBadInput, "Invalid %s %q: write a number of yuan with at most two decimals, like 100 or 99.50. Nothing was changed.", what, core.Excerpt(strings.TrimSpace(answer)))
	}
	return m, nil
}

// Confirm asks a yes/no question (a format and its arguments, like Ask);
// only "y", "yes" or "是" is yes.
func (a *App) Confirm(ctx context.Context, question string, args ...any) (bool, error) {
	answer, err := a.answer(ctx, a.Sprintf(question, args...)+" (y/n)> ", a.prompt.Line)
	if err != nil {
		return false, err
	}
	answer = strings.ToLower(strings.TrimSpace(answer))
	return answer == "y" || answer == "yes" || answer == "是", nil
}

// User is the logged-in user's name.
func (a *App) User() string { return a.session.User }

// Bank is the bank the app works on.
func (a *App) Bank() *core.Bank { return a.bank }

// Printf writes to the person at the terminal, in their language: format
// is the English, the key of the translations (see i18n.go).
func (a *App) Printf(format string, args ...any) { io.WriteString(a.out, a.Sprintf(format, args...)) }

// Sprintf is Printf to a string: words for a table's heading, a label.
// Arguments that are core.Phrases are translated too.
func (a *App) Sprintf(format string, args ...any) string {
	args = slices.Clone(args) // they may be a Phrase's own
	for i, arg := range args {
		if phrase, ok := arg.(core.Phrase); ok {
			args[i] = a.Sprintf(phrase.Format, phrase.Args...)
		}
	}
	return a.printer().Sprintf(format, args...)
}

// Language is the language the app speaks to the person now.
func (a *App) Language() core.Language {
	if a.session.Language != "" {
		return a.session.Language
	}
	if a.opts.Language != "" {
		return a.opts.Language
	}
	return core.English
}

// printer formats in the session's language (in English should its
// catalog be broken, which the tests rule out).
func (a *App) printer() *message.Printer {
	p, _ := printerFor(a.Language())
	return p
}
