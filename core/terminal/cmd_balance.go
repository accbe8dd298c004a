package terminal

import (
	"context"

	"atmshop/lib/textcolumns"
)

var balanceCommand = Command{Key: "2", Label: "Check balance", Help: "Show the balance, the credit limit and what is available", Access: LoggedIn, Run: balance}

func balance(ctx context.Context, app *App) error {
	a, err := app.Bank().Account(ctx, app.User())
	if err != nil {
		return err
	}
	t := textcolumns.NewTable(textcolumns.AlignLeft, textcolumns.AlignRight).MinWidth(1, 17)
	t.Row(app.Sprintf("Balance:"), a.Balance.String())
	t.Row(app.Sprintf("Credit limit:"), a.CreditLimit.String())
	t.Row(app.Sprintf("Available:"), a.Available().String())
	if a.Owed() > 0 {
		t.Row(app.Sprintf("Owed:"), a.Owed().String())
	}
	lines := t.Lines("")
	lines[2] = app.colored(colorTotal, lines[2])
	app.printLines(lines)
	if b := a.OpenBill(); b != nil {
		printBill(app, b, a.Overdue(app.Bank().NowInZone()))
	}
	return nil
}
