package terminal

import (
	"context"
	"time"

	"atmshop/core"
	"atmshop/lib/textcolumns"
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
	t := textcolumns.NewTable(textcolumns.AlignLeft, textcolumns.AlignRight, textcolumns.AlignRight, textcolumns.AlignLeft, textcolumns.AlignRight).
		MinWidth(1, 14).MinWidth(2, 14).MinWidth(4, 14)
	t.Row(app.Sprintf("Bill date"), app.Sprintf("Owed"), app.Sprintf("Minimum"), app.Sprintf("Due"), app.Sprintf("Left to pay"))
	for _, b := range list {
		t.Row(b.Date.Format(time.DateOnly), b.Owed.String(), b.Minimum.String(), b.Due.Format(time.DateOnly), b.Unpaid().String())
	}
	app.printLines(t.Lines(""))
	return nil
}

// printBill shows a bill as it stands, and whether the account bears
// interest because of overdue, the bill that makes it (nil if none):
// Balance and Statement show them.
func printBill(app *App, b, overdue *core.Bill) {
	app.Printf("Bill of %s: %s owed, minimum payment %s, due %s.\n", b.Date.Format(time.DateOnly), b.Owed, b.Minimum, b.Due.Format(time.DateOnly))
	if b.Unpaid() == 0 {
		app.Printf("The bill is paid in full.\n")
	} else {
		app.Printf("Paid so far: %s. Left to pay: %s.\n", b.Paid, b.Unpaid())
	}
	rate := app.Bank().Settings.Credit.RateString()
	switch {
	case overdue != nil:
		app.Printf("The bill of %s is overdue: every day, interest of %s of the whole debt is charged until %s more is paid.\n", overdue.Date.Format(time.DateOnly), rate, overdue.Unpaid())
	case b.Unpaid() > 0:
		app.Printf("Pay it in full by the due date to pay no interest; after it, every day costs %s of the whole debt.\n", rate)
	}
}

// adminBookAll brings every account's bills and interest up to date.
func adminBookAll(ctx context.Context, app *App) error {
	changed, unreadable, err := app.Bank().BookAll(ctx, app.User())
	if err != nil {
		return err
	}
	app.Printf("Bills and interest are up to date. Accounts changed: %d.\n", changed)
	if unreadable > 0 {
		app.Printf("Accounts that cannot be read and were left as they are: %d. The log names them.\n", unreadable)
	}
	return nil
}
