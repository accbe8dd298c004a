package terminal

import (
	"context"
	"strings"

	"atmshop/core"
)

var transferCommand = Command{Key: "3", Label: "Transfer", Help: "Send money to another user", Access: LoggedIn, Run: transfer}

func transfer(ctx context.Context, app *App) error {
	to, err := app.Ask(ctx, "recipient> ")
	if err != nil {
		return err
	}
	to = strings.TrimSpace(to)
	if err := app.Bank().CheckRecipient(ctx, app.User(), to); err != nil {
		return err
	}
	amount, err := app.AskMoney(ctx, "amount> ")
	if err != nil {
		return err
	}
	ok, err := app.Confirm(ctx, "Transfer %s to %s?", amount, core.Excerpt(to))
	if err != nil || !ok {
		app.Printf("Transfer cancelled; nothing was changed.\n")
		return err
	}
	ref, err := app.Bank().Transfer(ctx, core.TransferRequest{Ref: core.NewTransferRef(), From: app.User(), To: to, Amount: amount})
	if err != nil {
		return err
	}
	app.Printf("Transferred %s to %s (ref %s).\n", amount, to, ref)
	return nil
}
