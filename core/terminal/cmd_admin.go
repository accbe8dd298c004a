package terminal

import (
	"context"
	"strings"

	"atmshop/core"
)

var adminCommand = Command{Key: "a", Label: "Admin", Help: "Manage accounts (administrators only)", Access: AdminOnly, Run: admin}

// AdminCommands is the admin menu, in the order it is shown. It is a Menu
// like the main one, so its commands are added the same way.
func AdminCommands() []Command {
	return []Command{
		{Key: "1", Label: "List accounts", Help: "List every account with its balance, limit and flags", Access: AdminOnly, Run: adminList},
		{Key: "2", Label: "Add an account", Help: "Open an account with a password, a credit limit and an opening balance", Access: AdminOnly, Run: adminAdd},
		{Key: "3", Label: "Set a credit limit", Help: "Change how far below zero an account may go", Access: AdminOnly, Run: adminSetLimit},
		{Key: "4", Label: "Freeze an account", Help: "Stop an account from logging in, paying and receiving", Access: AdminOnly, Run: adminChange("freeze", core.SetFrozen(true))},
		{Key: "5", Label: "Unfreeze an account", Help: "Lift a freeze", Access: AdminOnly, Run: adminChange("unfreeze", core.SetFrozen(false))},
		{Key: "6", Label: "Unlock an account", Help: "Lift a lock left by failed logins", Access: AdminOnly, Run: adminChange("unlock", core.Unlock)},
		{Key: "7", Label: "Make an account admin", Help: "Give an account the admin role", Access: AdminOnly, Run: adminChange("grant admin", core.SetAdmin(true))},
		{Key: "8", Label: "Remove admin from an account", Help: "Take the admin role from an account", Access: AdminOnly, Run: adminChange("revoke admin", core.SetAdmin(false))},
		{Key: "9", Label: "Book bills and interest", Help: "Bring every account's bills and interest up to date", Access: AdminOnly, Run: adminBookAll},
		{Key: "b", Label: "Back", Help: "Go back to the main menu", Access: Anyone, Run: func(context.Context, *App) error { return errBack }},
	}
}

func admin(ctx context.Context, app *App) error {
	return app.serve(ctx, app.adminMenu, "admin> ")
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
			app.Printf("  %-20s (cannot be read: see the log, incident %s)\n", a.Name, a.Incident)
			continue
		}
		app.Printf("  %-20s %16s\n", a.Name, a.Balance)
	}
	return nil
}

func adminList(ctx context.Context, app *App) error {
	header := func() { app.Printf("  %-20s %16s %14s  %s\n", "Name", "Balance", "Limit", "Flags") }
	var listed, unreadable int
	err := app.Bank().ListAccounts(ctx, app.User(), func(a core.AccountSummary) error {
		if listed == 0 { // after the admin check: a refusal shows no header
			header()
		}
		listed++
		if a.Incident != "" {
			unreadable++
			app.Printf("  %-20s (cannot be read: see the log, incident %s)\n", a.Name, a.Incident)
			return nil
		}
		var flags []string
		for _, f := range []struct {
			on   bool
			name string
		}{{a.Admin, "admin"}, {a.Frozen, "frozen"}, {a.Locked, "locked"}} {
			if f.on {
				flags = append(flags, f.name)
			}
		}
		app.Printf("  %-20s %16s %14s  %s\n", a.Name, a.Balance, a.CreditLimit, strings.Join(flags, " "))
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
	if n.CreditLimit, ok, err = askAmountOrEmpty(ctx, app, "credit limit", "empty for "+app.Bank().Settings.CreditLimit.String()); err != nil {
		return err
	} else if !ok {
		n.CreditLimit = app.Bank().Settings.CreditLimit
	}
	if n.Opening, _, err = askAmountOrEmpty(ctx, app, "opening balance", "empty for 0.00"); err != nil {
		return err
	}
	if err := app.Bank().AddAccount(ctx, app.User(), n); err != nil {
		return err
	}
	app.Printf("Account %s added with a limit of %s and a balance of %s.\n", n.Name, n.CreditLimit, n.Opening)
	return nil
}

// askAmountOrEmpty asks for an amount that may be 0; ok is false for an
// empty answer (hint says what that means).
func askAmountOrEmpty(ctx context.Context, app *App, what, hint string) (m core.Money, ok bool, err error) {
	answer, err := app.Ask(ctx, what+" ("+hint+")> ")
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
	limit, ok, err := askAmountOrEmpty(ctx, app, "new credit limit", "empty to cancel")
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

func adminChange(what string, change core.AdminChange) Action {
	return func(ctx context.Context, app *App) error {
		name, err := app.Ask(ctx, "account> ")
		if err != nil {
			return err
		}
		name = strings.TrimSpace(name)
		if err := app.Bank().Change(ctx, app.User(), name, what, change); err != nil {
			return err
		}
		app.Printf("Done: %s %s.\n", what, name)
		return nil
	}
}
