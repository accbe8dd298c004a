package core

import (
	"context"
	"strings"
)

var adminCommand = Command{Key: "a", Label: "Admin", Access: AdminOnly, Run: admin}

// adminCommands is the admin menu. It is a Menu like the main one, so its
// commands are added the same way.
func adminCommands() []Command {
	return []Command{
		{Key: "1", Label: "List accounts", Access: AdminOnly, Run: adminList},
		{Key: "2", Label: "Add an account", Access: AdminOnly, Run: adminAdd},
		{Key: "3", Label: "Set a credit limit", Access: AdminOnly, Run: adminSetLimit},
		{Key: "4", Label: "Freeze an account", Access: AdminOnly, Run: adminChange("freeze", SetFrozen(true))},
		{Key: "5", Label: "Unfreeze an account", Access: AdminOnly, Run: adminChange("unfreeze", SetFrozen(false))},
		{Key: "6", Label: "Unlock an account", Access: AdminOnly, Run: adminChange("unlock", Unlock)},
		{Key: "7", Label: "Make an account admin", Access: AdminOnly, Run: adminChange("grant admin", SetAdmin(true))},
		{Key: "8", Label: "Remove admin from an account", Access: AdminOnly, Run: adminChange("revoke admin", SetAdmin(false))},
		{Key: "b", Label: "Back", Access: Anyone, Run: func(context.Context, *App) error { return errBack }},
	}
}

func admin(ctx context.Context, app *App) error {
	menu, err := NewMenu(adminCommands())
	if err != nil {
		return err
	}
	return app.serve(ctx, menu, "admin> ")
}

func adminList(ctx context.Context, app *App) error {
	list, err := app.Bank().ListAccounts(ctx, app.User())
	if err != nil {
		return err
	}
	app.Printf("  %-20s %16s %14s  %s\n", "Name", "Balance", "Limit", "Flags")
	for _, a := range list {
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
	}
	app.Printf("%d accounts.\n", len(list))
	return nil
}

func adminAdd(ctx context.Context, app *App) error {
	var n NewAccount
	var err error
	if n.Name, err = app.Ask(ctx, "new username> "); err != nil {
		return err
	}
	n.Name = strings.TrimSpace(n.Name)
	if n.Password, err = app.AskPassword(ctx, "password> "); err != nil {
		return err
	}
	if n.CreditLimit, err = askMoneyOrDefault(ctx, app, "credit limit", app.Bank().Settings.CreditLimit); err != nil {
		return err
	}
	if n.Opening, err = askMoneyOrDefault(ctx, app, "opening balance", 0); err != nil {
		return err
	}
	if err := app.Bank().AddAccount(ctx, app.User(), n); err != nil {
		return err
	}
	app.Printf("Account %s added with a limit of %s and a balance of %s.\n", n.Name, n.CreditLimit, n.Opening)
	return nil
}

// askMoneyOrDefault asks for an amount that may be 0; empty means def.
func askMoneyOrDefault(ctx context.Context, app *App, what string, def Money) (Money, error) {
	answer, err := app.Ask(ctx, what+" (empty for "+def.String()+")> ")
	if err != nil || strings.TrimSpace(answer) == "" {
		return def, err
	}
	m, err := ParseMoney(answer)
	if err != nil {
		return 0, refuse(ErrBadInput, "Invalid %s %q: write a number of yuan with at most two decimals, like 15000. Nothing was changed.", what, truncate(strings.TrimSpace(answer)))
	}
	return m, nil
}

func adminSetLimit(ctx context.Context, app *App) error {
	name, err := app.Ask(ctx, "account> ")
	if err != nil {
		return err
	}
	name = strings.TrimSpace(name)
	limit, err := askMoneyOrDefault(ctx, app, "new credit limit", app.Bank().Settings.CreditLimit)
	if err != nil {
		return err
	}
	if err := app.Bank().Change(ctx, app.User(), name, "set credit limit to "+limit.String(), SetCreditLimit(limit)); err != nil {
		return err
	}
	app.Printf("The credit limit of %s is now %s.\n", name, limit)
	return nil
}

func adminChange(what string, change AdminChange) Action {
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
