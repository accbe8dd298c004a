package terminal

import "context"

var balanceCommand = Command{Key: "2", Label: "Balance", Help: "Show the balance, the credit limit and what is available", Access: LoggedIn, Run: balance}

func balance(ctx context.Context, app *App) error {
	a, err := app.Bank().Account(ctx, app.User())
	if err != nil {
		return err
	}
	app.Printf("Balance:      %18s\n", a.Balance)
	app.Printf("Credit limit: %18s\n", a.CreditLimit)
	app.Printf("Available:    %18s\n", a.Available())
	if a.Owed() > 0 {
		app.Printf("Owed:         %18s\n", a.Owed())
	}
	if b := a.OpenBill(); b != nil {
		printBill(app, b, a.Overdue(app.Bank().NowInZone()))
	}
	return nil
}
