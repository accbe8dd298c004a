package terminal

import (
	"context"
	"strings"

	"atmshop/core"
	"atmshop/lib/textcolumns"
)

var adminCommand = Command{Key: "a", Label: "Admin", Help: "Manage accounts (administrators only)", Access: AdminOnly, Run: admin}

// AdminCommands is the admin menu, in the order it is shown. It is a Menu
// like the main one, so its commands are added the same way.
func AdminCommands() []Command {
	return []Command{
		{Key: "1", Label: "List accounts", Help: "List every account with its balance, limit and flags", Access: AdminOnly, Run: adminList},
		{Key: "2", Label: "Add an account", Help: "Open an account with a password, a credit limit and an opening balance", Access: AdminOnly, Run: adminAdd},
		{Key: "3", Label: "Set a credit limit", Help: "Change how far below zero an account may go", Access: AdminOnly, Run: adminSetLimit},
		{Key: "4", Label: "Freeze an account", Help: "Stop an account from logging in, paying and receiving", Access: AdminOnly, Run: adminChange("freeze", core.Words("Done: freeze %s."), core.SetFrozen(true))},
		{Key: "5", Label: "Unfreeze an account", Help: "Lift a freeze", Access: AdminOnly, Run: adminChange("unfreeze", core.Words("Done: unfreeze %s."), core.SetFrozen(false))},
		{Key: "6", Label: "Unlock an account", Help: "Lift a lock left by failed logins", Access: AdminOnly, Run: adminChange("unlock", core.Words("Done: unlock %s."), core.Unlock)},
		{Key: "7", Label: "Make an account admin", Help: "Give an account the admin role", Access: AdminOnly, Run: adminChange("grant admin", core.Words("Done: grant admin %s."), core.SetAdmin(true))},
		{Key: "8", Label: "Remove admin from an account", Help: "Take the admin role from an account", Access: AdminOnly, Run: adminChange("revoke admin", core.Words("Done: revoke admin %s."), core.SetAdmin(false))},
		{Key: "9", Label: "Book bills and interest", Help: "Bring every account's bills and interest up to date", Access: AdminOnly, Run: adminBookAll},
		{Key: "b", Label: "Back", Help: "Go back to the main menu", Access: Anyone, Run: func(context.Context, *App) error { return errBack }},
	}
}

func admin(ctx context.Context, app *App) error {
	return app.serve(ctx, app.adminMenu, core.Words("admin> "))
}

// adminListSystem lists the bank's own accounts apart from people's.
func adminListSystem(ctx context.Context, app *App) error {
	system, err := app.Bank().SystemAccountSummaries(ctx, app.User())
	if err != nil {
		return err
	}
	app.Printf("The bank's own accounts (no one can log into them):\n")
	for _, a := range system {
		if a.Incident != "" {
			app.Printf("%s\n", unreadableRow(app, a.Name, a.Incident))
			continue
		}
		app.Printf("%s\n", "  "+textcolumns.Left(a.Name, listNameWidth)+"  "+textcolumns.Right(a.Balance.String(), listAmountWidth))
	}
	return nil
}

// The admin list's columns are fixed, so that it streams however many
// accounts there are: a name is at most 32 ASCII characters, and an
// amount column holds 13 digits of yuan with their sign and separators
// (-1,000,000,000,000.00); a wider one pushes only its own row.
const (
	listNameWidth   = 20
	listAmountWidth = 21
)

func adminList(ctx context.Context, app *App) error {
	header := func() {
		app.Printf("%s\n", adminRow(app.Sprintf("Name"), app.Sprintf("Balance"), app.Sprintf("Limit"), app.Sprintf("Flags")))
	}
	var listed, unreadable int
	err := app.Bank().ListAccounts(ctx, app.User(), func(a core.AccountSummary) error {
		if listed == 0 { // after the admin check: a refusal shows no header
			header()
		}
		listed++
		if a.Incident != "" {
			unreadable++
			app.Printf("%s\n", unreadableRow(app, a.Name, a.Incident))
			return nil
		}
		var flags []string
		for _, f := range []struct {
			on   bool
			name string
		}{{a.Admin, app.Sprintf("admin")}, {a.Frozen, app.Sprintf("frozen")}, {a.Locked, app.Sprintf("locked")}} {
			if f.on {
				flags = append(flags, f.name)
			}
		}
		app.Printf("%s\n", adminRow(a.Name, a.Balance.String(), a.CreditLimit.String(), strings.Join(flags, " ")))
		return nil
	})
	if err != nil {
		return err
	}
	if listed == 0 {
		header()
	}
	app.Printf("%d accounts.\n", listed)
	if unreadable > 0 {
		app.Printf("%d of them cannot be read; quote the incident to the operator.\n", unreadable)
	}
	return adminListSystem(ctx, app)
}

// unreadableRow is the admin list's row for an account that cannot be
// read: its name, and the incident whose details are in the log.
func unreadableRow(app *App, name, incident string) string {
	return "  " + textcolumns.Left(name, listNameWidth) + "  " + app.Sprintf("(cannot be read: see the log, incident %s)", incident)
}

func adminRow(name, balance, limit, flags string) string {
	row := "  " + textcolumns.Left(name, listNameWidth) + "  " + textcolumns.Right(balance, listAmountWidth) + "  " + textcolumns.Right(limit, listAmountWidth)
	if flags != "" {
		row += "  " + flags
	}
	return row
}

// adminAdd asks for the new account's details, checking each as soon as
// it is typed.
func adminAdd(ctx context.Context, app *App) error {
	var n core.NewAccount
	var err error
	if n.Name, err = app.Ask(ctx, "new username> "); err != nil {
		return err
	}
	n.Name = strings.TrimSpace(n.Name)
	if err := app.Bank().CheckNewAccount(ctx, app.User(), n.Name); err != nil {
		return err
	}
	if n.Password, err = app.AskPassword(ctx, "password> "); err != nil {
		return err
	}
	if err := app.Bank().CheckNewPassword(n.Password); err != nil {
		return err
	}
	var ok bool
	if n.CreditLimit, ok, err = askAmountOrEmpty(ctx, app, core.Words("credit limit (empty for %s)> ", app.Bank().Settings.CreditLimit), core.Words("credit limit")); err != nil {
		return err
	} else if !ok {
		n.CreditLimit = app.Bank().Settings.CreditLimit
	}
	if n.Opening, _, err = askAmountOrEmpty(ctx, app, core.Words("opening balance (empty for 0.00)> "), core.Words("opening balance")); err != nil {
		return err
	}
	if err := app.Bank().AddAccount(ctx, app.User(), n); err != nil {
		return err
	}
	app.Printf("Account %s added with a limit of %s and a balance of %s.\n", n.Name, n.CreditLimit, n.Opening)
	return nil
}

// askAmountOrEmpty asks question for an amount of what that may be 0; ok
// is false for an empty answer (the question says what that means).
func askAmountOrEmpty(ctx context.Context, app *App, question, what core.Phrase) (m core.Money, ok bool, err error) {
	answer, err := app.Ask(ctx, question.Format, question.Args...)
	if err != nil || strings.TrimSpace(answer) == "" {
		return 0, false, err
	}
	m, err = parseAmount(answer, what)
	return m, err == nil, err
}

func adminSetLimit(ctx context.Context, app *App) error {
	name, err := app.Ask(ctx, "account> ")
	if err != nil {
		return err
	}
	name = strings.TrimSpace(name)
	limit, ok, err := askAmountOrEmpty(ctx, app, core.Words("new credit limit (empty to cancel)> "), core.Words("new credit limit"))
	if err != nil {
		return err
	}
	if !ok {
		app.Printf("Nothing was changed.\n")
		return nil
	}
	if err := app.Bank().Change(ctx, app.User(), name, "set credit limit to "+limit.String(), core.SetCreditLimit(limit)); err != nil {
		return err
	}
	app.Printf("The credit limit of %s is now %s.\n", name, limit)
	return nil
}

// adminChange asks for an account and applies change to it; what names
// the change in the log, done (a format of one %s, the account) tells the
// admin.
func adminChange(what string, done core.Phrase, change core.AdminChange) Action {
	return func(ctx context.Context, app *App) error {
		name, err := app.Ask(ctx, "account> ")
		if err != nil {
			return err
		}
		name = strings.TrimSpace(name)
		if err := app.Bank().Change(ctx, app.User(), name, what, change); err != nil {
			return err
		}
		app.Printf("%s\n", app.Sprintf(done.Format, name))
		return nil
	}
}
