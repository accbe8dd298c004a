package terminal

import (
	"context"
	"time"

	"atmshop/core"
)

var billsCommand = Command{Key: "9", Label: "Bills", Help: "List your bills: what was owed, the minimum payment, the due date and what is left to pay", Access: LoggedIn, Run: bills}

func bills(ctx context.Context, app *App) error {
	list, err := app.Bank().Bills(ctx, app.User())
	if err != nil {
		return err
	}
	if len(list) == 0 {
		app.Printf("You have no bills yet.\n")
		return nil
	}
	app.Printf("%-10s  %14s  %14s  %-10s  %14s\n", "Bill date", "Owed", "Minimum", "Due", "Left to pay")
	for _, b := range list {
		app.Printf("%-10s  %14s  %14s  %-10s  %14s\n", b.Date.Format(time.DateOnly), b.Owed, b.Minimum, b.Due.Format(time.DateOnly), b.Unpaid())
	}
	return nil
}

// printBill shows a bill as it stands: Balance and Statement show the
// open one.
func printBill(app *App, b *core.Bill) {
	app.Printf("Bill of %s: %s owed, minimum payment %s, due %s.\n", b.Date.Format(time.DateOnly), b.Owed, b.Minimum, b.Due.Format(time.DateOnly))
	if b.Unpaid() == 0 {
		app.Printf("The bill is paid in full.\n")
		return
	}
	app.Printf("Paid so far: %s. Left to pay: %s.\n", b.Paid, b.Unpaid())
	rules := app.Bank().Settings.Credit
	if b.Overdue(app.Bank().NowInZone()) {
		app.Printf("The bill is overdue: every day, interest of %s of the whole debt is charged until it is paid in full.\n", rules.RateString())
	} else {
		app.Printf("Pay it in full by the due date to pay no interest; after it, every day costs %s of the whole debt.\n", rules.RateString())
	}
}

// adminBookAll brings every account's bills and interest up to date.
func adminBookAll(ctx context.Context, app *App) error {
	n, err := app.Bank().BookAll(ctx, app.User())
	if err != nil {
		return err
	}
	app.Printf("Bills and interest are up to date. Accounts changed: %d.\n", n)
	return nil
}
